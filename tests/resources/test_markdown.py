"""Markdown bodies are rendered through a sanitiser: no scripts, no raw HTML, safe links."""

import pytest

from portal.resources.rendering import render_markdown


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("Text <script>alert(1)</script> mehr", "<script"),
        ("<script>\nalert(1)\n</script>", "alert(1)"),
        ("[klick](javascript:alert(1))", "href"),
        ("[klick](JaVaScRiPt:alert(1))", "href"),
        ("[daten](data:text/html;base64,PHNjcmlwdD4=)", "href"),
        ('<a href="https://x.example" onclick="steal()">x</a>', "onclick"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ('<div style="position:fixed">überlagert</div>', "<div"),
        ("<iframe src='https://evil.example'></iframe>", "<iframe"),
        ("![bild](https://tracker.example/pixel.png)", "<img"),
        ("<b>fett per HTML</b>", "<b>"),
    ],
)
def test_dangerous_input_is_dropped(source, forbidden):
    assert forbidden.lower() not in str(render_markdown(source)).lower()


def test_markdown_formatting_survives():
    html = str(render_markdown("## Abschnitt\n\n**fett** und *kursiv*\n\n- eins\n- zwei"))
    assert "<h3>Abschnitt</h3>" in html  # the page title owns h1, sections start below
    assert "<strong>fett</strong>" in html and "<em>kursiv</em>" in html
    assert "<li>eins</li>" in html


@pytest.mark.parametrize(
    "url", ["https://www.bundesgerichtshof.de/", "http://example.org/a", "mailto:info@kok.example"]
)
def test_allowed_links_get_a_safe_rel(url):
    html = str(render_markdown(f"[Quelle]({url})"))
    assert f'href="{url}"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_the_detail_page_renders_the_sanitised_body(client, login_as, create_resource):
    resource = create_resource(
        body="Absatz mit **Betonung**.\n\n<script>alert('x')</script>\n\n[böse](javascript:alert(2))"
    )
    login_as("member")
    html = client.get(f"/resources/{resource.id}").text
    assert "<strong>Betonung</strong>" in html
    assert "alert('x')" not in html and 'href="javascript' not in html
