"""How long other people wait while one request is slow (issue 10, item 5).

A threaded server on a temporary instance. Times logins and small writes (language change)
of other people: alone, while one member uploads a 2 KB PDF that costs pypdf seconds per
page (20 pages; extraction budget EXTRACTION_TIMEOUT, 12 s here), and while the SMTP server
accepts and never answers an e-mail change (MAIL_TIMEOUT). Prints medians and maxima in
ms, and how long the upload and the e-mail change took to answer.

    .venv/bin/python bench/slow_request_bench.py [--rounds 5]
"""

import argparse
import logging
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.serving import make_server  # noqa: E402

from portal import create_app  # noqa: E402
from portal.auth.models import User  # noqa: E402
from portal.extensions import db, limiter  # noqa: E402
from portal.orgs.models import Organisation  # noqa: E402
from portal.resources.models import Resource  # noqa: E402
from tests.conftest import PASSWORD  # noqa: E402
from tests.helpers import build_slow_pdf  # noqa: E402
from tests.security.test_uploads import BOUNDARY, Http  # noqa: E402


def form(browser, path, fields):
    started = time.perf_counter()
    response, _ = browser.request(
        "POST", path, urlencode(fields), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    return response, (time.perf_counter() - started) * 1000


def others(port, emails):
    """Login and two writes per address; returns (login ms, write ms) lists."""
    logins, writes = [], []
    for email in emails:
        browser = Http(port)
        response, ms = form(browser, "/auth/login", {"email": email, "password": PASSWORD})
        assert response.status == 302, response.status
        logins.append(ms)
        browser.cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        for language in ("en", "de"):
            response, ms = form(browser, "/language", {"language": language, "next": "/"})
            assert response.status == 302, response.status
            writes.append(ms)
    return logins, writes


def line(label, logins, writes):
    print(
        f"{label:<34} login median {statistics.median(logins):7.0f} max {max(logins):7.0f}"
        f" | write median {statistics.median(writes):6.0f} max {max(writes):6.0f}"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    instance = tempfile.mkdtemp(prefix="slow-bench-")
    app = create_app(
        {"ENV_NAME": "test", "EXTRACTION_TIMEOUT": 12, "MAIL_TIMEOUT": 15},
        instance_path=instance,
    )
    limiter.enabled = False
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("portal").setLevel(logging.CRITICAL)
    with app.app_context():
        db.create_all()
        org = Organisation(slug="fbs", name="FBS", kind="member")
        db.session.add(org)
        db.session.flush()
        users = []
        for n in range(args.rounds * 3 + 2):
            user = User(email=f"p{n}@example.org", name=f"P {n}", organisation_id=org.id)
            user.set_password(PASSWORD)
            db.session.add(user)
            users.append(user)
        db.session.flush()
        draft = Resource(
            type="case_law", title="Entwurf", organisation_id=org.id, status="draft",
            visibility="members", author_id=users[0].id,
        )  # fmt: skip
        db.session.add(draft)
        db.session.commit()
        emails = [u.email for u in users]
        draft_id = draft.id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    rounds = args.rounds

    line("alone", *others(port, emails[2 : 2 + rounds]))

    uploader = Http(port)
    uploader.login(emails[0])
    body = b"".join([
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="slow.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode(),
        build_slow_pdf(pages=20), f"\r\n--{BOUNDARY}--\r\n".encode(),
    ])  # fmt: skip
    upload = {}

    def run_upload():
        started = time.perf_counter()
        response, _ = uploader.request(
            "POST", f"/resources/{draft_id}/attachments", body,
            {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )  # fmt: skip
        upload["status"], upload["s"] = response.status, time.perf_counter() - started

    thread = threading.Thread(target=run_upload)
    thread.start()
    time.sleep(1.0)
    line("during a hostile 20-page upload", *others(port, emails[2 + rounds : 2 + 2 * rounds]))
    thread.join()
    print(f"the upload itself answered {upload['status']} after {upload['s']:.1f} s")

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1])
    app.config["MAIL_USE_TLS"] = False
    changer = Http(port)
    changer.login(emails[1])
    response, ms = form(
        changer,
        "/auth/profile/email",
        {"email-new_email": "neu@example.org", "email-current_password": PASSWORD},
    )
    print(f"e-mail change to a silent SMTP server answered {response.status} after {ms:.0f} ms")
    line("while the SMTP server stalls", *others(port, emails[2 + 2 * rounds :]))
    server.shutdown()
    silent.close()


if __name__ == "__main__":
    main()
