"""Plain helpers the test modules share (fixtures live in the conftest files).

Test modules import from here, never from another test module or a conftest.
"""

import re
import socket
import zlib
from contextlib import contextmanager

from flask import url_for
from sqlalchemy import event

from portal.extensions import db
from portal.files.pdf import assemble_pdf, text_pdf

# A passphrase that satisfies the policy; tests use it unless they test the policy.
PASSWORD = "Tulpen wachsen leise im Regen 42"


class AuthActions:
    """Log a test client in and out through the real forms."""

    def __init__(self, client):
        self._client = client

    def login(self, email, password=PASSWORD, next=None, follow=False):
        data = {"email": email, "password": password}
        if next is not None:
            data["next"] = next
        return self._client.post("/auth/login", data=data, follow_redirects=follow)

    def logout(self):
        return self._client.post("/auth/logout")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_pdf(text: str = "Grüße aus Köln", catalog: bytes = b"", extra=()) -> bytes:
    """A one-page PDF showing `text`; `catalog` and `extra` (objects 6, 7, ...) add content."""
    return text_pdf([text], catalog, extra)


# --- routes, enumerated from the URL map ---------------------------------------------------


def build_slow_pdf(pages: int = 3, operators: int = 100_000, first_page: str = "") -> bytes:
    """A small PDF whose pages share one compressed stream of empty text operators.

    pypdf spends seconds on each such page (about 6 s for 100,000 operators here) though the
    file has 2 KB. ``first_page``: a readable page in front of the slow ones.
    """
    stream = zlib.compress(b"BT /F1 12 Tf " + b"() Tj " * operators + b"ET", 9)
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in below
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream),
        font,
    ]
    contents = [3] * pages
    if first_page:
        readable = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % first_page.encode("cp1252")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(readable), readable))
        contents = [len(objects), *contents]
    first = len(objects) + 1
    for content in contents:
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 4 0 R >> >> >>" % content
        )
    kids = b" ".join(b"%d 0 R" % number for number in range(first, len(objects) + 1))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(contents))
    return assemble_pdf(objects)


def build_pages_pdf(*texts: str) -> bytes:
    """A PDF with one page per text."""
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", font]
    pages = []
    for text in texts:
        content = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode("cp1252")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % len(objects)
        )
        pages.append(len(objects))
    kids = b" ".join(b"%d 0 R" % number for number in pages)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages))
    return assemble_pdf(objects)


def rules(app):
    """Every URL rule of the app except static files."""
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def example_url(app, rule) -> str:
    """A URL for `rule` with made-up values for its arguments."""
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg]
        name = type(converter).__name__
        if name == "IntegerConverter":
            values[arg] = 1
        elif name == "AnyConverter":
            values[arg] = sorted(converter.items)[0]
        else:
            values[arg] = "x"
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


# --- the browser ---------------------------------------------------------------------------


def log_in(page, base, email, password=PASSWORD):
    """Log in through the login form of a live server in a Playwright page."""
    page.goto(f"{base}/auth/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("button", name="Anmelden").click()


def edit_form_data(title, summary, version):
    """The fields of a resource's edit form, as a browser posts them."""
    return {
        "title": title,
        "summary": summary,
        "language": "de",
        "visibility": "members",
        "version": version,
        "save": "1",
    }


def logged_in_client(app, user):
    """A new test client signed in as `user` (beside the test's own client)."""
    client = app.test_client()
    assert AuthActions(client).login(user.email).status_code == 302
    return client


def save_edit(client, resource_id, **fields):
    """Save the edit form of a resource at its current version; asserts the redirect."""
    page = client.get(f"/resources/{resource_id}/edit").text
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)[1]
    data = {"language": "de", "visibility": "members", "version": version, "save": "1"}
    data.update(fields)
    response = client.post(f"/resources/{resource_id}/edit", data=data)
    assert response.status_code == 302, response.text
    return response


@contextmanager
def counting_statements(app):
    """The SQL statements sent to the database inside the block, as a list that fills."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


#: Words of the knowledge base's subject, for random index texts (tests/search).
CASE_WORDS = [
    "Menschenhandel",
    "Ausbeutung",
    "Arbeitsausbeutung",
    "Zwangsprostitution",
    "Geschädigte",
    "Nebenklage",
    "Aufenthaltserlaubnis",
    "Entschädigung",
    "Lohn",
    "Baustelle",
    "Landwirtschaft",
    "Gaststätte",
    "Pflege",
    "Schleusung",
    "Zeugin",
    "Beweiswürdigung",
    "Revision",
    "Strafzumessung",
    "Bordell",
    "Vermittlung",
    "Schulden",
]

#: Places of work, rarer in those texts (tests/search).
WORKPLACES = [
    "Werkvertrag",
    "Saisonarbeit",
    "Fleischindustrie",
    "Paketdienst",
    "Reinigung",
    "Haushalt",
    "Erntehilfe",
]
