"""The English catalogue is complete, and pages speak the reader's language."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from portal.extensions import babel

TRANSLATIONS = Path(__file__).resolve().parents[2] / "portal" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


def _catalogue():
    with PO.open("rb") as f:
        return read_po(f)


def _entries():
    """(msgids, msgstrs) of every real entry, both as tuples (plurals have two of each)."""
    for message in _catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        yield message, ids, strings


def _placeholders(text: str) -> set[str]:
    return {p for p in PLACEHOLDER.findall(text) if p != "%%"}


@pytest.fixture(autouse=True, scope="module")
def compiled_catalogue():
    """Compile the .po when the .mo is missing or stale, so a clean checkout works without make."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        partial = MO.with_name(f"messages.{os.getpid()}.mo.tmp")
        with partial.open("wb") as f:
            write_mo(f, _catalogue())
        os.replace(partial, MO)  # atomic, in case several test processes compile at once
    # Flask-Babel caches loaded catalogues on the shared extension for the whole process; an
    # earlier test may have looked up English before the .mo existed. (The domain is a cached
    # property, created on first use: if it does not exist yet, nothing is cached.)
    domain = vars(babel).get("domain_instance")
    if domain is not None:
        domain.cache.clear()


def test_the_app_reads_translations_from_the_committed_catalogue(app):
    assert str(TRANSLATIONS) in app.extensions["babel"].translation_directories


def test_every_entry_is_translated_and_none_is_fuzzy():
    untranslated = [ids[0] for _, ids, strings in _entries() if not all(strings)]
    fuzzy = [ids[0] for message, ids, _ in _entries() if message.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_every_string_in_the_code_and_templates_is_in_the_catalogue(tmp_path):
    """What `pybabel extract` finds must be in the .po (see README: adding strings)."""
    root = TRANSLATIONS.parents[1]
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=root,
        check=True,
        capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as f:
        extracted = {m.id for m in read_po(f) if m.id}
    known = {m.id for m in _catalogue() if m.id}
    assert sorted(map(str, extracted - known)) == []


def test_plural_entries_have_both_english_forms():
    plurals = [(ids, strings) for message, ids, strings in _entries() if message.pluralizable]
    assert plurals, "the catalogue has plural entries (ngettext)"
    assert all(len(strings) == 2 for _, strings in plurals)


def test_every_translation_keeps_the_placeholders_of_its_msgid():
    mismatched = []
    for _, ids, strings in _entries():
        expected = set().union(*(_placeholders(i) for i in ids))
        for string in strings:
            if not string:
                continue
            found = _placeholders(string)
            # A singular may leave out the number ("one entry"), but never invent a placeholder.
            if found != expected and not (len(ids) > 1 and found <= expected):
                mismatched.append((ids[0], sorted(expected), sorted(found)))
    assert mismatched == []


def test_translations_keep_leading_and_trailing_whitespace():
    def edges(text):
        return text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]

    changed = [
        ids[0]
        for _, ids, strings in _entries()
        for n, string in enumerate(strings)
        if string and edges(string) != edges(ids[min(n, len(ids) - 1)])
    ]
    assert changed == []


def test_the_login_page_is_german_by_default(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="de">' in html
    assert "<h1>Anmelden</h1>" in html
    assert "Passwort vergessen?" in html


def test_the_login_page_is_english_when_the_browser_asks_for_it(client):
    html = client.get("/auth/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "<h1>Log in</h1>" in html
    assert "Forgotten your password?" in html
    assert "Anmelden" not in html


def test_a_user_who_chose_english_sees_english_pages_behind_the_login(client, login_as):
    user = login_as("member")
    response = client.post("/auth/profile/language", data={"language": "en"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Your language has been saved." in response.get_data(as_text=True)

    # The user's own choice wins over a browser asking for German.
    html = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert f"Welcome, {user.name}" in html
    assert "Log out" in html
    assert "Abmelden" not in html
    assert "Willkommen" not in html


def test_english_dates_are_written_in_european_style(app, client, login_as, create_resource):
    from datetime import date, datetime

    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale("en"):
            stamp = render_template_string(
                "{{ when|datetime_de }} / {{ day|date_de }}",
                when=datetime(2025, 5, 14, 13, 8),  # UTC: 15:08 in Berlin
                day=date(2025, 5, 14),
            )
        assert stamp == "14 May 2025, 15:08 / 14 May 2025"
        with force_locale("de"):
            assert render_template_string("{{ d|date_de }}", d=date(2025, 5, 14)) == "14.05.2025"
    resource = create_resource(decision_date=date(2025, 5, 14), court="BGH")
    login_as("member")
    client.post("/auth/profile/language", data={"language": "en"})
    html = client.get(f"/resources/{resource.id}").text
    assert "14 May 2025" in html and "May 14, 2025" not in html


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("de", "0 7 999 1.000 12.345 -3 2,5  "), ("en", "0 7 999 1,000 12,345 -3 2.5  ")],
)
def test_numbers_are_written_in_the_pages_language(app, locale, expected):
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(locale):
        written = render_template_string(
            "{% for n in numbers %}{{ n|number_de }} {% endfor %}",
            numbers=[0, 7, 999, 1000, 12345, -3, 2.5, None],
        )
    assert written == expected
