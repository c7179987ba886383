"""Forgotten passwords: one generic answer, a single-use link valid for one hour."""

from datetime import timedelta

from portal.auth.models import OneTimeToken
from portal.extensions import db
from portal.timeutil import utcnow

NEW_PASSWORD = "Ein ganz neuer Satz als Passwort 7"
GENERIC = "Wenn zu dieser Adresse ein Konto besteht"


def request_reset(client, email):
    return client.post("/auth/forgot-password", data={"email": email}, follow_redirects=True)


def reset_path(mailbox, email):
    return mailbox.last_link(email).replace("http://portal.test", "")


def test_the_full_reset_flow_through_real_smtp(client, create_user, smtp_sink, auth):
    user = create_user(email="mara@beratung.example")
    page = request_reset(client, "mara@beratung.example").get_data(as_text=True)
    assert GENERIC in page
    mail = smtp_sink.to("mara@beratung.example")[-1]
    assert mail["Subject"] == "Passwort zurücksetzen"
    path = reset_path(smtp_sink, user.email)
    assert path.startswith("/auth/reset-password/")

    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert auth.login(user.email).status_code == 200  # the old password no longer works
    assert auth.login(user.email, NEW_PASSWORD).status_code == 302


def test_the_answer_is_the_same_for_unknown_addresses(client, create_user, smtp_sink):
    create_user(email="known@beratung.example")
    known = request_reset(client, "known@beratung.example")
    unknown = request_reset(client, "unknown@beratung.example")
    assert known.status_code == unknown.status_code == 200
    assert GENERIC in known.get_data(as_text=True)
    assert GENERIC in unknown.get_data(as_text=True)
    assert not smtp_sink.to("unknown@beratung.example")


def test_a_reset_link_works_only_once(client, create_user, smtp_sink):
    user = create_user()
    request_reset(client, user.email)
    path = reset_path(smtp_sink, user.email)
    client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    response = client.post(
        path, data={"password": NEW_PASSWORD + "x", "confirm": NEW_PASSWORD + "x"}
    )
    assert response.status_code == 400


def test_a_reset_link_expires_after_an_hour(app, client, create_user, smtp_sink):
    user = create_user()
    request_reset(client, user.email)
    path = reset_path(smtp_sink, user.email)
    with app.app_context():
        token = db.session.scalar(db.select(OneTimeToken))
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get(path).status_code == 400


def test_a_reset_ends_every_session_of_the_user(app, client, create_user, smtp_sink, auth):
    user = create_user()
    other_device = app.test_client()
    other_device.post(
        "/auth/login", data={"email": user.email, "password": "Tulpen wachsen leise im Regen 42"}
    )
    assert other_device.get("/").status_code == 200
    request_reset(client, user.email)
    client.post(
        reset_path(smtp_sink, user.email), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert other_device.get("/").status_code == 302


def test_a_weak_new_password_is_refused_with_the_reason(client, create_user, smtp_sink):
    user = create_user(email="mara@beratung.example")
    request_reset(client, user.email)
    path = reset_path(smtp_sink, user.email)
    page = client.post(path, data={"password": "passwordpassword", "confirm": "passwordpassword"})
    assert page.status_code == 200
    assert "häufig verwendet" in page.get_data(as_text=True) or "Passwort" in page.get_data(
        as_text=True
    )


def test_links_in_mails_use_the_configured_base_url_not_the_host_header(
    client, create_user, smtp_sink
):
    user = create_user()
    client.post(
        "/auth/forgot-password", data={"email": user.email}, headers={"Host": "evil.example"}
    )
    assert smtp_sink.last_link(user.email).startswith("http://portal.test/auth/reset-password/")
