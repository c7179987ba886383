"""Headers, cookies, hosts, session lifetimes and the production start-up checks."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from portal import create_app
from portal.auth.models import ServerSession
from portal.extensions import db
from portal.security import checks
from portal.security.headers import CONTENT_SECURITY_POLICY
from portal.timeutil import utcnow
from tests.helpers import PASSWORD

ROOT = Path(__file__).resolve().parents[2]

EXPECTED_CSP = (
    "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; img-src 'self' data:"
)


def assert_security_headers(response):
    headers = response.headers
    assert headers["Content-Security-Policy"] == EXPECTED_CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert "Server" not in headers
    assert not [k for k, _ in headers.items() if k.lower().startswith("access-control-")]


def test_the_policy_is_the_documented_one():
    assert CONTENT_SECURITY_POLICY == EXPECTED_CSP


@pytest.mark.parametrize("path", ["/auth/login", "/healthz", "/does-not-exist", "/"])
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path, headers={"Origin": "https://evil.example"})
    assert_security_headers(response)
    assert "Strict-Transport-Security" not in response.headers  # HTTPS is off in tests


def test_static_files_carry_the_headers_too_and_may_be_cached(client):
    with client.get("/static/css/portal.css") as response:
        assert_security_headers(response)
        assert "no-store" not in response.headers.get("Cache-Control", "")


def test_pages_of_logged_in_users_are_never_cached(client, login_as):
    login_as("member")
    response = client.get("/auth/profile")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert_security_headers(response)


def test_hsts_and_secure_cookies_when_https_is_on(app_config, tmp_path, create_user):
    app = create_app({**app_config, "HTTPS": True}, instance_path=tmp_path / "https")
    with app.app_context():
        db.create_all()
    client = app.test_client()
    response = client.get("/auth/login", base_url="https://portal.test")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_session_cookie_is_httponly_and_samesite_lax_and_there_is_no_remember_me(
    client, create_user
):
    user = create_user()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("portal_session=")
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]
    assert "Secure" not in cookies[0]  # plain HTTP in tests
    assert "Expires" not in cookies[0]  # a browser-session cookie; no remember-me cookie


@pytest.fixture
def trusted_host_app(app_config, tmp_path):
    app = create_app(
        {**app_config, "TRUSTED_HOSTS": "portal.test,www.portal.test"},
        instance_path=tmp_path / "hosts",
    )
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    "host, status", [("portal.test", 200), ("www.portal.test", 200), ("evil.example", 400)]
)
def test_unknown_host_headers_are_refused(trusted_host_app, host, status):
    response = trusted_host_app.test_client().get("/auth/login", headers={"Host": host})
    assert response.status_code == status
    if status == 400:
        assert "evil.example" not in response.get_data(as_text=True)


# --- templates and static files work under the policy ------------------------------------


def test_no_template_has_inline_scripts_styles_or_event_handlers():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (
            r"<script(?![^>]*\bsrc=)[^>]*>",
            r"<style\b",
            r"\sstyle\s*=",
            r"\son[a-z]+\s*=",
            r"javascript:",
            r"https?://(?!www\.w3\.org)",
        ):
            if re.search(pattern, text, re.IGNORECASE):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert offenders == []


def test_static_files_load_nothing_from_other_hosts():
    offenders = []
    for path in (ROOT / "static").rglob("*"):
        if path.suffix in (".css", ".js", ".svg"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"(url\(|@import|src=|href=)\s*['\"]?(https?:)?//", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# --- session lifetimes and ending sessions -----------------------------------------------


def _age_sessions(app, **values):
    with app.app_context():
        db.session.execute(update(ServerSession).values(**values))
        db.session.commit()


def test_flask_login_session_protection_is_strong(app):
    from portal.extensions import login_manager

    assert login_manager.session_protection == "strong"


def test_a_session_ends_after_the_idle_timeout(app, client, login_as):
    login_as("member")
    assert client.get("/").status_code == 200
    _age_sessions(app, last_seen_at=utcnow() - app.config["SESSION_IDLE_TIMEOUT"] - timedelta(1))
    assert client.get("/").status_code == 302


def test_an_active_session_ends_after_the_absolute_lifetime(app, client, login_as):
    login_as("member")
    _age_sessions(
        app, created_at=utcnow() - app.config["SESSION_ABSOLUTE_LIFETIME"] - timedelta(minutes=1)
    )
    assert client.get("/").status_code == 302


def test_the_default_lifetimes(app):
    assert app.config["SESSION_IDLE_TIMEOUT"] == timedelta(hours=8)
    assert app.config["SESSION_ABSOLUTE_LIFETIME"] == timedelta(days=7)


def test_messages_of_requests_that_change_nothing_else_all_reach_the_next_page(client, login_as):
    # The second message joins the list the session row was read with: it must still be saved.
    login_as("member")
    for _ in range(3):
        assert client.post("/dossiers/add", data={}).status_code == 302

    assert client.get("/").text.count("Bitte wählen Sie eine Mappe.") == 3


def test_a_copied_cookie_used_from_another_browser_is_logged_out(client, login_as):
    login_as("member")
    assert client.get("/", headers={"User-Agent": "Other Browser/1.0"}).status_code == 302


@pytest.fixture
def two_browsers(app, create_user):
    """A person logged in on two devices, and the person's record."""
    user = create_user()
    browsers = [app.test_client(), app.test_client()]
    for browser in browsers:
        browser.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        assert browser.get("/").status_code == 200
    return user, browsers


def test_a_password_change_ends_the_other_sessions_on_the_next_request(two_browsers):
    user, (laptop, phone) = two_browsers
    new = "Ein völlig neues Passwort für alle"
    laptop.post(
        "/auth/profile/password",
        data={"current_password": PASSWORD, "password": new, "confirm": new},
    )
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 200


def test_a_password_reset_ends_every_session(app, two_browsers, smtp_sink):
    user, (laptop, phone) = two_browsers
    stranger = app.test_client()
    stranger.post("/auth/forgot-password", data={"email": user.email})
    link = smtp_sink.last_link(user.email).replace("http://portal.test", "")
    new = "Ein völlig neues Passwort für alle"
    stranger.post(link, data={"password": new, "confirm": new})
    assert laptop.get("/").status_code == 302 and phone.get("/").status_code == 302


@pytest.mark.parametrize("change", ["deactivate", "move", "role", "sign_out_everywhere"])
def test_admin_changes_end_every_session_of_the_person(
    app, two_browsers, create_user, office, create_org, change
):
    user, browsers = two_browsers
    admin = create_user(role="admin", organisation=office)
    admin_client = app.test_client()
    admin_client.post("/auth/login", data={"email": admin.email, "password": PASSWORD})
    if change == "deactivate":
        response = admin_client.post(f"/admin/users/{user.id}/active", data={"active": "0"})
    elif change == "move":
        other = create_org()
        response = admin_client.post(
            f"/admin/users/{user.id}", data={"organisation": other.id, "role": "member"}
        )
    elif change == "role":
        response = admin_client.post(
            f"/admin/users/{user.id}", data={"organisation": office.id, "role": "editor"}
        )
    else:
        response = admin_client.post(f"/admin/users/{user.id}/sessions/end")
    assert response.status_code == 302
    for browser in browsers:
        assert browser.get("/").status_code == 302
    with app.app_context():
        assert (
            db.session.scalars(select(ServerSession).where(ServerSession.user_id == user.id)).all()
            == []
        )
    assert admin_client.get("/").status_code == 200


# --- production start-up checks -----------------------------------------------------------


@pytest.fixture
def production(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)

    def build(**overrides):
        config = {"ENV_NAME": "production", "TRUSTED_HOSTS": "wissen.example.org", **overrides}
        return create_app(config, instance_path=tmp_path / "prod")

    return build


def test_production_starts_with_the_generated_instance_secret(production):
    app = production()
    assert len(app.config["SECRET_KEY"]) == 64
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"SECRET_KEY": "dev"}, "SECRET_KEY"),
        ({"SECRET_KEY": "test-secret-key-not-for-production"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short-but-random-9f8e7d"}, "SECRET_KEY"),
        ({"DEBUG": True}, "DEBUG"),
        ({"TRUSTED_HOSTS": None}, "TRUSTED_HOSTS"),
    ],
)
def test_production_refuses_an_unsafe_configuration(production, overrides, message):
    with pytest.raises(checks.UnsafeConfiguration, match=message):
        production(**overrides)


REDIS = "redis://127.0.0.1:6379/0"  # not contacted: the check reads the setting only


def test_production_refuses_sqlite_without_wal_for_several_workers(production, monkeypatch):
    monkeypatch.setattr(checks, "_sqlite_journal_mode", lambda uri: "delete")
    production(WORKERS=1)  # one worker: fine
    with pytest.raises(checks.UnsafeConfiguration, match="WAL"):
        production(WORKERS=4, RATELIMIT_STORAGE_URI=REDIS)


def test_production_accepts_sqlite_with_wal_for_several_workers(production):
    production(WORKERS=4, RATELIMIT_STORAGE_URI=REDIS)
