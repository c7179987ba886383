"""Changing one's own e-mail address (the login name): password, link to the new address."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.audit.services import verify_chain
from portal.auth.models import OneTimeToken, ServerSession, User
from portal.extensions import db
from portal.timeutil import utcnow
from tests.helpers import PASSWORD

NEW = "neu.adresse@beratung.example"
SENT = "Wir haben einen Bestätigungslink an die neue Adresse geschickt"


def request_change(client, new_email=NEW, password=PASSWORD):
    return client.post(
        "/auth/profile/email",
        data={"email-new_email": new_email, "email-current_password": password},
    )


def confirm_path(smtp_sink, address=NEW) -> str:
    return smtp_sink.last_link(address).replace("http://portal.test", "")


def confirm(client, path, follow=False):
    return client.post(path, data={}, follow_redirects=follow)


def user_by_id(app, user_id) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def audit(app, action) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_the_profile_offers_the_form_with_labels(client, login_as):
    login_as("member")
    page = client.get("/auth/profile").get_data(as_text=True)
    assert "E-Mail-Adresse ändern" in page
    assert '<label for="email-new_email">Neue E-Mail-Adresse</label>' in page
    assert '<label for="email-current_password">Aktuelles Passwort</label>' in page
    assert 'action="/auth/profile/email"' in page


def test_the_full_change_through_real_smtp(app, client, login_as, auth, smtp_sink):
    user = login_as("member")
    old = user.email
    other_device = app.test_client()
    other_device.post("/auth/login", data={"email": old, "password": PASSWORD})
    assert other_device.get("/auth/profile").status_code == 200

    response = request_change(client, "  Neu.Adresse@Beratung.EXAMPLE ")
    assert response.status_code == 302
    assert SENT in client.get("/auth/profile").get_data(as_text=True)
    assert user_by_id(app, user.id).email == old  # nothing changes before the confirmation

    mail = smtp_sink.to(NEW)[-1]
    assert mail["Subject"] == "Neue E-Mail-Adresse bestätigen"
    path = confirm_path(smtp_sink)
    assert re.fullmatch(r"/auth/email-change/[^/]+", path)
    notice = smtp_sink.to(old)[-1]
    assert notice["Subject"] == "Ihre E-Mail-Adresse soll geändert werden"
    body = smtp_sink.body(notice)
    assert NEW in body
    assert "ändern Sie bitte sofort Ihr Passwort" in body
    assert "/auth/email-change/" not in body

    page = client.get(path)
    assert page.status_code == 200
    assert NEW in page.get_data(as_text=True)
    assert user_by_id(app, user.id).email == old  # GET changes nothing

    response = confirm(client, path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/profile"
    page = client.get("/auth/profile").get_data(as_text=True)
    assert "Ihre E-Mail-Adresse wurde geändert" in page
    assert NEW in page
    assert user_by_id(app, user.id).email == NEW

    # The other device is logged out, this one stays logged in.
    assert other_device.get("/auth/profile").status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(select(db.func.count()).where(ServerSession.user_id == user.id)) == 1
        )

    auth.logout()
    assert auth.login(old).status_code == 200  # the old address no longer logs in
    assert auth.login(NEW).status_code == 302

    requested = audit(app, "email.change_requested")
    changed = audit(app, "email.changed")
    assert [e.target_id for e in requested] == [str(user.id)]
    assert requested[0].details == {"address_taken": False}
    assert [e.target_id for e in changed] == [str(user.id)]
    with app.app_context():
        token = path.rsplit("/", 1)[1]
        for entry in db.session.scalars(select(AuditEntry)):
            assert token not in str(entry.details)
        assert verify_chain()[0] == []


def test_the_link_also_works_without_being_logged_in(app, client, login_as, auth, smtp_sink):
    user = login_as("member")
    request_change(client)
    path = confirm_path(smtp_sink)
    phone = app.test_client()
    response = confirm(phone, path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    page = phone.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bitte melden Sie sich mit ihr an" in page
    assert user_by_id(app, user.id).email == NEW
    # Logged out everywhere, including the browser that asked for the change.
    assert client.get("/auth/profile").status_code == 302
    assert auth.login(NEW).status_code == 302


def test_a_wrong_password_keeps_the_input_and_shows_a_german_error(app, client, login_as):
    user = login_as("member")
    response = request_change(client, password="falsch falsch falsch")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="email-current_password-error">Das aktuelle Passwort ist falsch.' in page
    assert f'value="{NEW}"' in page
    assert user_by_id(app, user.id).email == user.email
    with app.app_context():
        assert db.session.scalar(select(OneTimeToken)) is None


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("keine-adresse", "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
        ("a@b", "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
        ("", "Bitte füllen Sie dieses Feld aus."),
    ],
)
def test_an_invalid_address_is_refused_next_to_the_field(
    app, client, login_as, smtp_sink, address, message
):
    login_as("member")
    response = request_change(client, address)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="email-new_email-error">{message}' in page
    if address:
        assert f'value="{address}"' in page
    assert not smtp_sink.messages


def test_the_current_address_is_refused(app, client, login_as, smtp_sink):
    user = login_as("member")
    response = request_change(client, user.email.upper())
    assert response.status_code == 400
    assert "Das ist bereits Ihre E-Mail-Adresse." in response.get_data(as_text=True)
    assert not smtp_sink.messages


def test_a_taken_address_gets_the_same_answer_and_its_owner_a_notice(
    app, client, login_as, create_user, smtp_sink
):
    owner = create_user(email="vergeben@beratung.example", name="Vera Vergeben")
    user = login_as("member")
    response = request_change(client, "Vergeben@beratung.example")
    assert response.status_code == 302
    assert SENT in client.get("/auth/profile").get_data(as_text=True)

    mails = smtp_sink.to(owner.email)
    assert len(mails) == 1
    body = smtp_sink.body(mails[0])
    assert "weiteres Konto" in body
    assert "Vera Vergeben" in body
    assert "http" not in body  # no link
    assert smtp_sink.to(user.email)  # the requester's old address hears of it as usual
    assert user_by_id(app, user.id).email == user.email
    assert user_by_id(app, owner.id).email == owner.email
    with app.app_context():
        assert db.session.scalar(select(OneTimeToken)) is None
    assert audit(app, "email.change_requested")[0].details == {"address_taken": True}


def test_an_address_taken_before_the_confirmation_changes_nothing(
    app, client, login_as, create_user, smtp_sink
):
    user = login_as("member")
    request_change(client)
    path = confirm_path(smtp_sink)
    create_user(email=NEW)
    response = confirm(client, path)
    assert response.status_code == 409
    assert "wird inzwischen von einem anderen Konto verwendet" in response.get_data(as_text=True)
    assert user_by_id(app, user.id).email == user.email
    assert client.get("/auth/profile").status_code == 200
    assert not audit(app, "email.changed")


def test_a_link_works_only_once(app, client, login_as, smtp_sink):
    login_as("member")
    request_change(client)
    path = confirm_path(smtp_sink)
    assert confirm(client, path).status_code == 302
    again = confirm(client, path)
    assert again.status_code == 400
    assert "Dieser Link ist nicht mehr gültig" in again.get_data(as_text=True)
    assert client.get(path).status_code == 400


def test_an_expired_link_is_refused(app, client, login_as, smtp_sink):
    user = login_as("member")
    request_change(client)
    path = confirm_path(smtp_sink)
    with app.app_context():
        db.session.scalar(select(OneTimeToken)).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert confirm(client, path).status_code == 400
    assert user_by_id(app, user.id).email == user.email


def test_a_shorter_configured_lifetime_applies(app, client, login_as, smtp_sink):
    user = login_as("member")
    request_change(client)
    path = confirm_path(smtp_sink)
    app.config["EMAIL_CHANGE_MAX_AGE"] = timedelta(seconds=-1)  # the signature is too old
    assert client.get(path).status_code == 400
    assert confirm(client, path).status_code == 400
    assert user_by_id(app, user.id).email == user.email


@pytest.mark.parametrize(
    "token", ["x", "eyJhbGciOiJIUzI1NiJ9.Zm9v.YmFy", "IjEyMyI.aGVsbG8.d3Jvbmctc2lnbmF0dXJl"]
)
def test_a_forged_link_is_refused(app, client, login_as, smtp_sink, token):
    user = login_as("member")
    request_change(client)
    assert confirm(client, f"/auth/email-change/{token}").status_code == 400
    assert user_by_id(app, user.id).email == user.email


def test_a_link_of_another_purpose_is_refused(app, client, login_as, smtp_sink):
    user = login_as("member")
    client.post("/auth/logout")
    client.post("/auth/forgot-password", data={"email": user.email})
    reset_token = smtp_sink.last_link(user.email).rsplit("/", 1)[1]
    assert confirm(client, f"/auth/email-change/{reset_token}").status_code == 400


def test_the_link_of_a_deactivated_account_is_refused(app, client, login_as, smtp_sink):
    user = login_as("member")
    request_change(client)
    path = confirm_path(smtp_sink)
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert confirm(app.test_client(), path).status_code == 400
    assert user_by_id(app, user.id).email == user.email


def test_a_new_request_invalidates_the_earlier_link(app, client, login_as, smtp_sink):
    user = login_as("member")
    request_change(client)
    first = confirm_path(smtp_sink)
    request_change(client, "zweite@beratung.example")
    second = confirm_path(smtp_sink, "zweite@beratung.example")
    assert confirm(client, first).status_code == 400
    assert confirm(client, second).status_code == 302
    assert user_by_id(app, user.id).email == "zweite@beratung.example"


def test_changing_the_password_cancels_an_open_change(app, client, login_as, smtp_sink):
    user = login_as("member")
    request_change(client)
    path = confirm_path(smtp_sink)
    new_password = "Ein ganz neuer Satz als Passwort 7"
    response = client.post(
        "/auth/profile/password",
        data={"current_password": PASSWORD, "password": new_password, "confirm": new_password},
    )
    assert response.status_code == 302
    assert confirm(client, path).status_code == 400
    assert user_by_id(app, user.id).email == user.email


def test_anonymous_visitors_cannot_request_a_change(client):
    response = request_change(client)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_csrf_is_enforced_on_both_forms(app, client, login_as, smtp_sink):
    user = login_as("member")
    request_change(client)
    path = confirm_path(smtp_sink)
    app.config["WTF_CSRF_ENABLED"] = True
    assert request_change(client, "dritte@beratung.example").status_code == 400
    assert confirm(client, path).status_code == 400
    assert user_by_id(app, user.id).email == user.email
    # With the token from the page it goes through.
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(True))
    response = client.post(path, data={"csrf_token": token.group(1)})
    assert response.status_code == 302
    assert user_by_id(app, user.id).email == NEW


def test_requests_are_rate_limited(app, client, login_as, smtp_sink):
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_EMAIL_CHANGE="3 per minute")
    login_as("member")
    statuses = [request_change(client, password="falsch falsch").status_code for _ in range(4)]
    assert statuses[:3] == [400, 400, 400]
    assert statuses[-1] == 429
    assert "Zu viele Anfragen" in request_change(client).get_data(as_text=True)


def test_the_access_log_hides_the_token_of_the_link():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "gunicorn_conf", Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
    )
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert (
        conf._TOKEN_PATH.sub(r"\1[token]", "/auth/email-change/a.b") == "/auth/email-change/[token]"
    )
    line = "GET /auth/email-change/abc.def-ghi HTTP/1.1"
    assert conf._TOKEN_PATH.sub(r"\1[token]", line) == "GET /auth/email-change/[token] HTTP/1.1"
