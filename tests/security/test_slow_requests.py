"""One slow request (a hostile PDF, a stalled SMTP server) never holds up anybody else.

Over real HTTP against a threaded server: while one request extracts text for seconds or
waits for an SMTP server that never answers, other people log in and write normally.
"""

import io
import socket
import threading
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.files import extraction
from portal.resources.models import Attachment
from tests.helpers import PASSWORD, build_slow_pdf
from tests.security.test_uploads import BOUNDARY, Http

pytestmark = pytest.mark.usefixtures("no_rate_limits")


def multipart(data: bytes, filename: str) -> bytes:
    return b"".join(
        [
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\n'.encode(),
            b"Content-Type: application/pdf\r\n\r\n",
            data,
            f"\r\n--{BOUNDARY}--\r\n".encode(),
        ]
    )


def post_form(browser: Http, path: str, fields: dict):
    return browser.request(
        "POST", path, urlencode(fields), {"Content-Type": "application/x-www-form-urlencoded"}
    )


def others_are_answered(port: int, create_user) -> list[tuple[str, int, float]]:
    """A fresh login and two writes by another person; each with its status and duration."""
    other = create_user(name="Andere Person")
    browser = Http(port)
    results = []
    started = time.monotonic()
    response, _ = post_form(browser, "/auth/login", {"email": other.email, "password": PASSWORD})
    results.append(("login", response.status, time.monotonic() - started))
    browser.cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    for language in ("en", "de"):
        started = time.monotonic()
        response, _ = post_form(browser, "/language", {"language": language, "next": "/"})
        results.append((f"write {language}", response.status, time.monotonic() - started))
    return results


class Background(threading.Thread):
    """Run one request in a thread; keep its answer."""

    def __init__(self, function):
        super().__init__(daemon=True)
        self.function = function
        self.result = None
        self.error = None

    def run(self):
        try:
            self.result = self.function()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


# --- a PDF that takes seconds per page ----------------------------------------------------


@pytest.fixture
def app_config(app_config):
    return {**app_config, "EXTRACTION_TIMEOUT": 6}


@pytest.fixture
def extraction_started(monkeypatch):
    """An event set when a PDF's text extraction begins in the server."""
    started = threading.Event()
    original = extraction._pdf_text

    def observed(*args, **kwargs):
        started.set()
        return original(*args, **kwargs)

    monkeypatch.setattr(extraction, "_pdf_text", observed)
    return started


def test_while_an_upload_extracts_slowly_others_log_in_and_write(
    app, live_server, create_resource, create_user, extraction_started
):
    server = live_server.port
    author = create_user(name="Autorin")
    resource = create_resource(title="Entwurf", status="draft", author_id=author.id)
    uploader = Http(server)
    uploader.login(author.email)
    hostile = build_slow_pdf(pages=20, first_page="Lesbarer Anfang")
    assert len(hostile) < 16_000  # small on the wire, seconds per page in pypdf

    upload = Background(
        lambda: uploader.request(
            "POST",
            f"/resources/{resource.id}/attachments",
            multipart(hostile, "langsam.pdf"),
            {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
    )
    upload.start()
    assert extraction_started.wait(10)
    results = others_are_answered(server, create_user)
    still_extracting = upload.is_alive()
    upload.join(30)

    assert [(name, status) for name, status, _ in results] == [
        ("login", 302),
        ("write en", 302),
        ("write de", 302),
    ]
    assert still_extracting, results  # they did not wait for the upload
    assert upload.error is None and upload.result[0].status == 302
    with app.app_context():
        (attachment,) = db.session.scalars(select(Attachment)).all()
        assert "Lesbarer Anfang" in attachment.text
        assert "von 21 Seiten" in attachment.extraction_error  # noted, not silently cut


def test_the_partly_read_file_is_flagged_on_the_edit_page(app, client, create_resource, login_as):
    user = login_as("member")
    resource = create_resource(title="Entwurf", status="draft", author_id=user.id)
    app.config["EXTRACTION_TIMEOUT"] = 1.5
    response = client.post(
        f"/resources/{resource.id}/attachments",
        data={"file": (io.BytesIO(build_slow_pdf(pages=3)), "langsam.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "nur teilweise" in page and "Seitenlimit" in page


# --- an SMTP server that accepts and never answers ---------------------------------------


@pytest.fixture
def stalled_smtp(app):
    """A local server that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    connected = threading.Event()
    stop = threading.Event()

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(connection)
            connected.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=listener.getsockname()[1],
        MAIL_USE_TLS=False,
        MAIL_TIMEOUT=8,
    )
    yield connected
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def test_while_the_smtp_server_stalls_an_email_change_and_everybody_else_are_answered(
    app, live_server, create_user, stalled_smtp
):
    server = live_server.port
    from portal import background

    person = create_user(name="Wechselnde Person")
    browser = Http(server)
    browser.login(person.email)
    response, _ = post_form(
        browser,
        "/auth/profile/email",
        {"email-new_email": "neu@example.org", "email-current_password": PASSWORD},
    )
    assert response.status == 302  # answered before the mail went anywhere
    assert stalled_smtp.wait(5)  # the mail is on its way to the silent server
    results = others_are_answered(server, create_user)
    assert [(name, status) for name, status, _ in results] == [
        ("login", 302),
        ("write en", 302),
        ("write de", 302),
    ]
    # Everything above was answered while the delivery still waited for the server.
    assert background.pending() >= 1  # (a link to the new address, a notice to the old)
    background.wait_idle(15)  # the delivery gives up after MAIL_TIMEOUT; the worker lives on
    response, _ = browser.request("GET", "/auth/profile")
    assert response.status == 200


def test_an_upload_rate_limit_applies_per_account(app, client, create_resource, login_as):
    from portal.extensions import limiter

    limiter.enabled = True
    app.config["RATELIMIT_UPLOAD"] = "2 per minute"
    user = login_as("member")
    resource = create_resource(title="Entwurf", status="draft", author_id=user.id)

    def upload():
        return client.post(
            f"/resources/{resource.id}/attachments",
            data={"file": (io.BytesIO(b"Eine kurze Notiz.\n"), "notiz.txt")},
            content_type="multipart/form-data",
        )

    statuses = [upload().status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert "Zu viele Anfragen" in upload().get_data(as_text=True)
    client.post("/auth/logout")
    other = login_as("member")
    own = create_resource(title="Anderer Entwurf", status="draft", author_id=other.id)
    response = client.post(
        f"/resources/{own.id}/attachments",
        data={"file": (io.BytesIO(b"Noch eine Notiz.\n"), "notiz.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302  # the first account's limit is not the second's
