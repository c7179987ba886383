"""gunicorn with four workers on one database and Redis: limits, sessions and the index are shared.

Runs in `make test-postgres` (which starts Redis beside PostgreSQL); on SQLite too when
PORTAL_TEST_REDIS_URL names a Redis server.
"""

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.search.models import IndexTask

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not REDIS_URL, reason="needs Redis (make test-postgres starts one)"),
]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person: own cookies, every request a new connection (so workers take turns)."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.read().decode(), ""
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers.get("Location", "")

    def login(self, email: str, password: str) -> int:
        return self.request("/auth/login", {"email": email, "password": password})[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(app):
    """The app of the `app` fixture (same instance folder and database) under 4 workers."""
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PORTAL_ENV": "test",
        "PORTAL_INSTANCE_PATH": app.instance_path,
        "PORTAL_WORKERS": "4",
        "PORTAL_BIND": f"127.0.0.1:{port}",
        "PORTAL_RATELIMIT_STORAGE_URI": REDIS_URL,
        # Counters of earlier runs on the same Redis must not count here.
        "PORTAL_RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(4)}",
        # A day's window: on a busy machine eleven logins (real Argon2) can take over a minute,
        # and a fixed one-minute window would start again in between.
        "PORTAL_RATELIMIT_LOGIN": "20 per day",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "portal:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, server.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "gunicorn did not answer within 300 s"
            time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stderr.close()


def test_four_workers_share_the_rate_limits_the_sessions_and_the_search_index(
    app, gunicorn, create_user, office, create_resource
):
    from tests.helpers import PASSWORD

    # Sessions live in the database: every worker knows every reader's login.
    resource = create_resource(
        type="position_paper", title="Alter Titel", summary="Lohnwucher im Gastgewerbe"
    )
    readers = [Browser(gunicorn) for _ in range(8)]
    for reader in readers:
        assert reader.login(create_user().email, PASSWORD) == 302
        for _ in range(2):
            status, _, location = reader.request("/")
            assert status == 200, location
        assert "Alter Titel" in reader.request("/search/?q=Lohnwucher")[1]  # every worker warm

    editor = Browser(gunicorn)
    assert editor.login(create_user(role="editor", organisation=office).email, PASSWORD) == 302
    page = editor.request(f"/resources/{resource.id}/edit")[1]
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)[1]
    status, body, _ = editor.request(
        f"/resources/{resource.id}/edit",
        {
            "title": "Quokkafarm Stellungnahme",
            "summary": "Lohnwucher im Gastgewerbe",
            "language": "de",
            "visibility": "members",
            "version": version,
            "save": "1",
        },
    )
    assert status == 302, re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)', body)
    # The index is written before the edit's answer leaves the server, and every worker's
    # searcher checks the index on disk per search: the very next search of each finds it.
    for reader in readers:
        page = reader.request("/search/?q=Lohnwucher")[1]
        assert "Quokkafarm Stellungnahme" in page and "Alter Titel" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count(IndexTask.id))) == 0  # outbox drained

    # RATELIMIT_LOGIN: 20 per address, 9 used by the logins above. Each worker counting alone
    # would let about 80 through; different e-mail addresses keep the per-account limit out.
    stranger = Browser(gunicorn)
    statuses = [stranger.login(f"nobody{i}@example.org", "falsches Kennwort") for i in range(12)]
    assert 429 not in statuses[:11] and statuses[11] == 429
