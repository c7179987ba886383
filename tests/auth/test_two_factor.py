"""Second factor: enrolment, two-step login, replay, recovery codes, limits and admin reset."""

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.auth.models import RecoveryCode, User
from portal.extensions import db
from tests.helpers import PASSWORD


@pytest.fixture
def app_config(app_config):
    return {**app_config, "TWO_FACTOR_REQUIRED_ROLES": ("editor", "admin")}


def secret_on_page(page: str) -> str:
    return re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")


def enrol(client) -> tuple[str, list[str]]:
    """Enrol the logged-in user; returns the secret and the recovery codes."""
    secret = secret_on_page(client.get("/auth/two-factor/setup").get_data(as_text=True))
    page = client.post(
        "/auth/two-factor/setup",
        data={"current_password": PASSWORD, "code": pyotp.TOTP(secret).now()},
    ).get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z2-9-]{19})</code></li>", page)
    return secret, codes


def code_at(secret: str, offset_steps: int) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def actions(app):
    with app.app_context():
        return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


def test_the_setup_page_shows_a_local_qr_code_and_the_secret_as_text(client, login_as):
    login_as("member")
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    assert len(secret_on_page(page)) == 32
    assert "http://" not in page.split("data:image/svg+xml")[1].split('"')[0][:20]


def test_enrolment_needs_the_current_password_and_a_valid_code(app, client, login_as):
    login_as("member")
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    secret = secret_on_page(page)
    wrong_password = client.post(
        "/auth/two-factor/setup",
        data={"current_password": "nicht das Passwort", "code": pyotp.TOTP(secret).now()},
    )
    assert wrong_password.status_code == 400
    assert "Das aktuelle Passwort ist falsch." in wrong_password.get_data(as_text=True)
    wrong_code = client.post(
        "/auth/two-factor/setup", data={"current_password": PASSWORD, "code": "000000"}
    )
    assert "Der Code ist falsch oder abgelaufen." in wrong_code.get_data(as_text=True)
    # The secret stays the same across attempts, so the app need not be set up again.
    assert secret_on_page(wrong_code.get_data(as_text=True)) == secret


def test_enrolment_shows_ten_recovery_codes_once_and_stores_only_hashes(app, client, login_as):
    user = login_as("member")
    secret, codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and not set(codes) & set(stored)
        assert db.session.get(User, user.id).totp_secret == secret
    assert "2fa.enabled" in actions(app)
    profile = client.get("/auth/profile").get_data(as_text=True)
    assert codes[0] not in profile and "10 Wiederherstellungscodes" in profile


def test_login_takes_two_steps_and_the_session_is_authenticated_only_after_the_code(
    app, client, auth, create_user
):
    user = create_user()
    auth.login(user.email)
    secret, _ = enrol(client)
    auth.logout()

    response = auth.login(user.email, next="/organisations/")
    assert response.headers["Location"] == "/auth/login/code"
    assert client.get("/").status_code == 302  # not logged in yet
    assert client.get("/auth/profile").headers["Location"].startswith("/auth/login")
    response = client.post("/auth/login/code", data={"code": code_at(secret, 1)})
    assert response.status_code == 302 and response.headers["Location"] == "/organisations/"
    assert client.get("/").status_code == 200
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "login.success")
            .order_by(AuditEntry.seq.desc())
        )
        assert entry.details == {"method": "totp"}


def test_a_used_code_cannot_be_replayed(client, auth, create_user):
    user = create_user()
    auth.login(user.email)
    secret, _ = enrol(client)
    auth.logout()
    auth.login(user.email)
    code = code_at(secret, 1)
    assert client.post("/auth/login/code", data={"code": code}).status_code == 302
    auth.logout()
    auth.login(user.email)
    replay = client.post("/auth/login/code", data={"code": code})
    assert replay.status_code == 200
    assert "Der Code ist falsch oder abgelaufen." in replay.get_data(as_text=True)
    # The code of the current time step was used during enrolment: also refused.
    assert client.post("/auth/login/code", data={"code": code_at(secret, 0)}).status_code == 200


def test_a_recovery_code_works_once(app, client, auth, create_user):
    user = create_user()
    auth.login(user.email)
    _, codes = enrol(client)
    auth.logout()
    auth.login(user.email)
    response = client.post("/auth/login/code", data={"code": codes[0].upper().replace("-", " ")})
    assert response.status_code == 302
    assert "Es sind noch 9 übrig." in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(user.email)
    assert client.post("/auth/login/code", data={"code": codes[0]}).status_code == 200
    assert "2fa.recovery_used" in actions(app)


def test_the_code_step_expires(app, client, auth, create_user):
    user = create_user()
    auth.login(user.email)
    secret, _ = enrol(client)
    auth.logout()
    app.config["TWO_FACTOR_PENDING_TTL"] = -app.config["TWO_FACTOR_PENDING_TTL"]
    auth.login(user.email)
    response = client.post("/auth/login/code", data={"code": code_at(secret, 1)})
    assert response.headers["Location"] == "/auth/login"
    assert client.get("/").status_code == 302


def test_the_code_page_without_a_password_step_sends_to_login(client):
    response = client.get("/auth/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert client.post("/auth/login/code", data={"code": "123456"}).status_code == 302


def test_too_many_wrong_codes_end_the_code_step_and_count_towards_the_lockout(
    app, client, auth, create_user
):
    app.config.update(RATELIMIT_ENABLED=False, TWO_FACTOR_MAX_TRIES=3, LOGIN_LOCKOUT_THRESHOLD=5)
    user = create_user()
    auth.login(user.email)
    secret, _ = enrol(client)
    auth.logout()
    auth.login(user.email)
    for _ in range(2):
        assert client.post("/auth/login/code", data={"code": "000000"}).status_code == 200
    third = client.post("/auth/login/code", data={"code": "000000"})
    assert third.headers["Location"] == "/auth/login"
    # Entering the password again does not reset the failure count ...
    auth.login(user.email)
    client.post("/auth/login/code", data={"code": "000000"})
    client.post("/auth/login/code", data={"code": "000000"})
    with app.app_context():
        assert db.session.get(User, user.id).locked_until is not None
    # ... and a locked account gets no code step, so even the right code does not log in.
    auth.login(user.email)
    client.post("/auth/login/code", data={"code": code_at(secret, 1)})
    assert client.get("/").status_code == 302
    assert actions(app).count("2fa.failure") >= 5


def test_codes_are_rate_limited_with_a_readable_page(app, client, auth, create_user):
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_TWO_FACTOR="3 per minute")
    user = create_user()
    auth.login(user.email)
    enrol(client)
    auth.logout()
    auth.login(user.email)
    statuses = [
        client.post("/auth/login/code", data={"code": "000000"}).status_code for _ in range(4)
    ]
    assert statuses[-1] == 429
    page = client.post("/auth/login/code", data={"code": "000000"}).get_data(as_text=True)
    assert "Zu viele Anfragen" in page


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_editors_and_admins_must_enrol_before_anything_else(client, login_as, role):
    login_as(role)
    for path in ("/", "/organisations/", "/admin/invitations", "/auth/profile"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/auth/two-factor/setup"
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    assert "vorgeschrieben" in page
    enrol(client)
    assert client.get("/admin/invitations").status_code == 200


def test_members_may_switch_the_second_factor_off_with_their_password(app, client, login_as):
    user = login_as("member")
    enrol(client)
    wrong = client.post("/auth/two-factor/disable", data={"twofactor-current_password": "falsch"})
    assert wrong.status_code == 400
    response = client.post(
        "/auth/two-factor/disable", data={"twofactor-current_password": PASSWORD}
    )
    assert response.status_code == 302
    with app.app_context():
        assert not db.session.get(User, user.id).has_two_factor
        assert db.session.scalars(select(RecoveryCode)).all() == []


def test_editors_cannot_switch_the_second_factor_off(app, client, login_as):
    user = login_as("editor")
    enrol(client)
    response = client.post(
        "/auth/two-factor/disable", data={"twofactor-current_password": PASSWORD}
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(User, user.id).has_two_factor


def test_new_recovery_codes_replace_the_old_ones(app, client, login_as):
    login_as("member")
    _, old = enrol(client)
    page = client.post(
        "/auth/two-factor/recovery-codes", data={"twofactor-current_password": PASSWORD}
    ).get_data(as_text=True)
    new = re.findall(r"<li><code>([a-z2-9-]{19})</code></li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert "2fa.recovery_regenerated" in actions(app)


def test_an_admin_resets_a_lost_second_factor_and_the_persons_sessions_end(
    app, create_user, auth, office
):
    person = create_user()
    person_client = app.test_client()
    person_client.post("/auth/login", data={"email": person.email, "password": PASSWORD})
    enrol(person_client)
    assert person_client.get("/").status_code == 200

    admin_client = app.test_client()
    admin = create_user(role="admin", organisation=office)
    admin_client.post("/auth/login", data={"email": admin.email, "password": PASSWORD})
    enrol(admin_client)
    response = admin_client.post(f"/admin/users/{person.id}/two-factor/reset")
    assert response.status_code == 302
    assert person_client.get("/").status_code == 302
    with app.app_context():
        assert not db.session.get(User, person.id).has_two_factor
    assert "2fa.reset" in actions(app)
