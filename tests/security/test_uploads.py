"""Hostile uploads and downloads through the real routes (test client and real HTTP).

Refused files leave nothing behind (no Attachment row, no revision, no file in uploads/);
accepted files with hostile names get a sanitised display name, a random stored name inside
uploads/ and a header-safe, RFC 5987 encoded Content-Disposition.
"""

import hashlib
import http.client
import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.resources.models import Attachment, Resource, Revision
from tests.helpers import PASSWORD
from tests.security import hostile_files as hf

pytestmark = pytest.mark.usefixtures("no_rate_limits")

BOUNDARY = "----kok-security-boundary"
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(txt|pdf|docx|odt)")


@pytest.fixture
def draft(create_resource, login_as):
    """A draft of the logged-in member's organisation (so the member may upload)."""
    user = login_as("member")
    return create_resource(title="Entwurf mit Anhängen", status="draft", author_id=user.id), user


def raw_upload(client, resource_id: int, data: bytes, filename: str):
    """POST a multipart body built by hand, naming the file exactly (RFC 2231 `filename*`).

    A browser or script can send any bytes here; the test client's own encoder would
    mangle names with quotes, CR/LF or NUL before they reach the app.
    """
    disposition = f"form-data; name=\"file\"; filename*=UTF-8''{quote(filename, safe='')}"
    body = b"".join(
        [
            f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode(),
            b"Content-Type: application/octet-stream\r\n\r\n",
            data,
            f"\r\n--{BOUNDARY}\r\n".encode(),
            b'Content-Disposition: form-data; name="upload"\r\n\r\n1\r\n',
            f"--{BOUNDARY}--\r\n".encode(),
        ]
    )
    return client.post(
        f"/resources/{resource_id}/attachments",
        data=body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )


def uploads(app) -> Path:
    return Path(app.instance_path) / "uploads"


def stored_files(app) -> list[str]:
    folder = uploads(app)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def attachment_rows(app) -> list[Attachment]:
    with app.app_context():
        rows = db.session.scalars(select(Attachment)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def revision_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Revision))


def instance_bytes(app):
    """Every file under the instance folder (database, uploads, search index)."""
    for path in Path(app.instance_path).rglob("*"):
        if path.is_file():
            yield path, path.read_bytes()


# --- refused files ------------------------------------------------------------------------

HOSTILE = [
    ("html-as-pdf", hf.html_as_pdf, "angebot.pdf", "Die Datei sieht aus wie eine Web-Seite"),
    ("svg-as-pdf", hf.svg_as_pdf, "grafik.pdf", "Die Datei sieht aus wie eine Web-Seite"),
    ("docm-as-docx", hf.macro_docm_as_docx, "vertrag.docx", "Dokumente mit Makros werden nicht"),
    ("zip-bomb", hf.zip_bomb_docx, "bericht.docx", "beim Entpacken unverhältnismäßig groß"),
    ("pdf-javascript", hf.pdf_with_javascript, "urteil.pdf", "enthält aktive Inhalte"),
    ("pdf-hex-js", hf.pdf_with_hex_escaped_javascript, "urteil.pdf", "enthält aktive Inhalte"),
    ("pdf-launch", hf.pdf_with_open_action_launch, "urteil.pdf", "enthält aktive Inhalte"),
    ("empty", lambda: b"", "leer.txt", "Die Datei ist leer."),
]


@pytest.mark.parametrize(
    "build, filename, message", [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
def test_a_hostile_file_is_refused_in_german_and_nothing_is_stored(
    app, client, draft, build, filename, message
):
    resource, _user = draft
    revisions = revision_count(app)
    response = raw_upload(client, resource.id, build(), filename)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'lang="de"' in page
    assert attachment_rows(app) == []
    assert stored_files(app) == []
    assert revision_count(app) == revisions
    with app.app_context():
        assert db.session.get(Resource, resource.id).version == resource.version


def test_an_external_entity_in_a_docx_is_refused_and_the_secret_never_lands_anywhere(
    app, client, draft, tmp_path
):
    resource, _user = draft
    secret = "GEHEIMNIS-XXE-4711-Zugangsdaten"
    secret_file = tmp_path / "outside" / "geheim.txt"
    secret_file.parent.mkdir()
    secret_file.write_text(secret, encoding="utf-8")

    response = raw_upload(client, resource.id, hf.xxe_docx(secret_file), "lebenslauf.docx")

    # The code refuses any DOCTYPE in an office file (portal/files/inspection.py).
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Die Datei enthält unzulässige XML-Deklarationen" in page
    assert secret not in page
    assert attachment_rows(app) == [] and stored_files(app) == []
    for path, data in instance_bytes(app):  # database, uploads, search index
        assert secret.encode() not in data, path
    found = client.get("/api/v1/search", query_string={"q": "GEHEIMNIS"})
    assert found.status_code == 200 and found.json["total"] == 0


# --- hostile names on valid files ---------------------------------------------------------

PDF = hf.pdf()
NAMES = [
    ("../../etc/passwd.txt", hf.TXT, "passwd.txt"),
    ("..\\..\\boot.ini", hf.TXT, "boot.txt"),
    ("../..", hf.TXT, "Datei.txt"),
    ("/etc/cron.d/evil.txt", hf.TXT, "evil.txt"),
    ("C:\\Windows\\system32\\drivers\\etc\\hosts", hf.TXT, "hosts.txt"),
    ("con.pdf", PDF, "con_.pdf"),
    ("LPT1.txt", hf.TXT, "LPT1_.txt"),
    ("notiz\x00.php.txt", hf.TXT, "notiz .php.txt"),
    ("zeile\neins.txt", hf.TXT, "zeile eins.txt"),
    ("x\r\nSet-Cookie: portal_session=evil.txt", hf.TXT, "x Set-Cookie_ portal_session=evil.txt"),
    ("A" * 500 + ".pdf", PDF, "A" * 146 + ".pdf"),
    ("<script>.pdf", PDF, "_script_.pdf"),
    ('"; filename="evil.html', hf.TXT, "_; filename=_evil.txt"),
    ("rechnung\u202efdp.exe.txt", hf.TXT, "rechnungfdp.exe.txt"),
    ("seite.html", hf.TXT, "seite.txt"),
]


def assert_safe_disposition(value: str, display_name: str) -> None:
    assert "\r" not in value and "\n" not in value and "\x00" not in value
    assert value.startswith('attachment; filename="')
    fallback = re.fullmatch(r'attachment; filename="([^"]*)"; filename\*=UTF-8\'\'(\S+)', value)
    assert fallback, value
    ascii_name, encoded = fallback.groups()
    assert ascii_name.isascii() and ascii_name.isprintable()
    assert "/" not in ascii_name and "\\" not in ascii_name
    assert encoded == quote(display_name)  # RFC 5987: percent-encoded UTF-8, no path parts
    assert "/" not in display_name and "\\" not in display_name


@pytest.mark.parametrize("filename, data, expected", NAMES, ids=[repr(n[0])[:30] for n in NAMES])
def test_a_hostile_name_is_sanitised_and_the_file_stored_under_a_random_name(
    app, client, draft, tmp_path, filename, data, expected
):
    resource, _user = draft
    response = raw_upload(client, resource.id, data, filename)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]

    (row,) = attachment_rows(app)
    assert row.filename == expected
    assert STORED_NAME.fullmatch(row.stored_name)
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    assert stored_files(app) == [row.stored_name]
    stored = (uploads(app) / row.stored_name).resolve()
    assert stored.parent == uploads(app).resolve() and stored.read_bytes() == data
    # Nothing was written under the name the client chose, anywhere.
    written = {p.name for p in tmp_path.rglob("*")}
    assert not {"passwd.txt", "boot.ini", "hosts", "evil.txt", "con.pdf"} & written

    download = client.get(f"/resources/{resource.id}/attachments/{row.id}")
    assert download.status_code == 200 and download.data == data
    assert_safe_disposition(download.headers["Content-Disposition"], expected)
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "evil" not in download.headers.get("Set-Cookie", "")
    download.close()


# --- downloads over real HTTP -------------------------------------------------------------


class Http:
    """Raw requests: the path goes on the wire exactly as given (no normalisation)."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    def login(self, email):
        response, _ = self.request(
            "POST",
            "/auth/login",
            urlencode({"email": email, "password": PASSWORD}),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status == 302
        self.cookie = response.getheader("Set-Cookie").split(";", 1)[0]


def test_over_http_a_crlf_name_cannot_inject_headers(app, client, draft, live_server):
    resource, user = draft
    name = "bericht\r\nSet-Cookie: portal_session=evil\r\nX-Injected: 1.txt"
    assert raw_upload(client, resource.id, hf.TXT, name).status_code == 302
    (row,) = attachment_rows(app)
    browser = Http(live_server.port)
    browser.login(user.email)
    response, data = browser.request("GET", f"/resources/{resource.id}/attachments/{row.id}")
    assert response.status == 200 and data == hf.TXT
    assert response.getheader("X-Injected") is None
    assert response.getheader("Set-Cookie") is None or "evil" not in response.getheader(
        "Set-Cookie"
    )
    assert_safe_disposition(response.getheader("Content-Disposition"), row.filename)
    assert response.getheader("Content-Type") == "text/plain; charset=utf-8"


# --- Content-Type comes from the stored mimetype, never from the display name -------------


@pytest.fixture
def legacy_attachment(app):
    """An attachment row as an import or an older version may have left it."""

    def make(resource_id, filename, mimetype, data):
        with app.app_context():
            stored = f"{'ab' * 16}.bin"
            folder = uploads(app)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / stored).write_bytes(data)
            row = Attachment(
                resource_id=resource_id,
                filename=filename,
                stored_name=stored,
                kind="txt",
                mimetype=mimetype,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                text="",
            )
            db.session.add(row)
            db.session.commit()
            return row.id

    return make


def test_an_uploaded_text_named_html_is_served_as_plain_text_attachment(app, client, draft):
    resource, _user = draft
    data = b"Nur Text, aber der Name verspricht HTML.\n"
    assert raw_upload(client, resource.id, data, "seite.html").status_code == 302
    (row,) = attachment_rows(app)
    assert (row.filename, row.mimetype, row.kind) == ("seite.txt", "text/plain", "txt")
    response = client.get(f"/resources/{resource.id}/attachments/{row.id}")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


@pytest.mark.parametrize(
    "display_name, mimetype, expected",
    [
        ("seite.html", "text/plain", "text/plain; charset=utf-8"),
        ("bild.svg", "text/plain", "text/plain; charset=utf-8"),
        ("skript.js", "application/pdf", "application/pdf"),
        ("seite.xhtml", "application/pdf", "application/pdf"),
    ],
)
def test_a_display_name_never_decides_the_content_type(
    app, client, draft, legacy_attachment, display_name, mimetype, expected
):
    resource, _user = draft
    attachment_id = legacy_attachment(
        resource.id, display_name, mimetype, b"<html><script>alert(1)</script></html>"
    )
    response = client.get(f"/resources/{resource.id}/attachments/{attachment_id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == expected
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    response.close()


# --- path traversal in download URLs ------------------------------------------------------

TRAVERSALS = [
    "/resources/{rid}/attachments/..%2F..%2Fsecret_key",
    "/resources/{rid}/attachments/%2e%2e%2f%2e%2e%2fsecret_key",
    "/resources/{rid}/attachments/../../secret_key",
    "/resources/{rid}/attachments/{aid}%2F..%2F..%2Fsecret_key",
    "/resources/{rid}/attachments/{aid}/../../../secret_key",
    "/resources/{rid}/attachments/..%5C..%5Csecret_key",
    "/resources/{rid}/attachments/-{aid}",
    "/resources/{rid}/attachments/{aid}.0",
    "/resources/{rid}/attachments/0x{aid}",
    "/resources/..%2F..%2Fsecret_key/attachments/{aid}",
    "/static/..%2F..%2Finstance%2Fsecret_key",
    "/static/../../instance/secret_key",
    "/static/%2e%2e/%2e%2e/instance/secret_key",
]


@pytest.fixture
def planted_secret(app):
    """A secret file in the instance folder, the target of the traversal attempts."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text("TRAVERSAL-SECRET-0815-" + "f" * 40, encoding="utf-8")
    return path.read_bytes().strip()


def test_traversal_in_the_download_url_answers_404_via_test_client(
    app, client, draft, attach_txt, planted_secret
):
    resource, _user = draft
    aid = attach_txt(resource.id)
    for template in TRAVERSALS:
        url = template.format(rid=resource.id, aid=aid)
        response = client.get(url)
        assert response.status_code == 404, url
        assert planted_secret not in response.data, url
        response.close()


def test_traversal_in_the_download_url_answers_404_over_http(
    app, client, draft, attach_txt, planted_secret, live_server
):
    resource, user = draft
    aid = attach_txt(resource.id)
    browser = Http(live_server.port)
    browser.login(user.email)
    for template in TRAVERSALS:
        url = template.format(rid=resource.id, aid=aid)
        response, data = browser.request("GET", url)
        assert response.status == 404, url
        assert planted_secret not in data, url
    response, data = browser.request("GET", f"/resources/{resource.id}/attachments/{aid}")
    assert response.status == 200 and data == hf.TXT  # the real one still works


@pytest.fixture
def attach_txt(app):
    def make(resource_id: int) -> int:
        with app.app_context():
            from portal.resources.attachments import add_attachment, read_upload

            resource = db.session.get(Resource, resource_id)
            user = resource.author
            attachment = add_attachment(resource, user, read_upload(hf.TXT, "notiz.txt"))
            db.session.commit()
            return attachment.id

    return make


def test_an_attachment_of_another_resource_is_404_even_under_a_visible_id(
    app, client, draft, create_resource, attach_txt
):
    resource, user = draft
    other = create_resource(title="Anderer Entwurf", status="draft", author_id=user.id)
    other_attachment = attach_txt(other.id)
    response = client.get(f"/resources/{resource.id}/attachments/{other_attachment}")
    assert response.status_code == 404
    assert hf.TXT not in response.data
    with client.get(f"/resources/{other.id}/attachments/{other_attachment}") as own:
        assert own.status_code == 200 and own.data == hf.TXT
