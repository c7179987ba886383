"""The profile page: password, language and the list of active sessions."""

from tests.helpers import PASSWORD

NEW_PASSWORD = "Ein ganz neuer Satz als Passwort 7"


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post(
        "/auth/profile/password",
        data={"current_password": current, "password": new, "confirm": confirm or new},
    )


def test_the_profile_shows_name_organisation_and_role(client, login_as):
    user = login_as("member")
    page = client.get("/auth/profile").get_data(as_text=True)
    assert user.name in page and "Fachberatungsstelle Nord" in page and "Mitglied" in page


def test_changing_the_password_needs_the_current_one(client, login_as):
    login_as("member")
    response = change_password(client, current="not my password at all")
    assert response.status_code == 400
    assert "Das aktuelle Passwort ist falsch." in response.get_data(as_text=True)


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(app, client, login_as):
    user = login_as("member")
    laptop = app.test_client()
    laptop.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert laptop.get("/").status_code == 200
    assert change_password(client).status_code == 302
    assert client.get("/").status_code == 200
    assert laptop.get("/").status_code == 302


def test_a_common_password_is_refused_with_a_german_reason(client, login_as):
    login_as("member")
    response = change_password(client, new="passwordpassword1")
    assert response.status_code == 400
    assert "Passwort" in response.get_data(as_text=True)


def test_the_language_is_saved_and_the_interface_switches(client, login_as):
    login_as("member")
    assert client.post("/auth/profile/language", data={"language": "en"}).status_code == 302
    page = client.get("/auth/profile").get_data(as_text=True)
    assert 'lang="en"' in page


def test_sessions_are_listed_and_another_can_be_ended(app, client, login_as):
    user = login_as("member")
    phone = app.test_client()
    phone.post(
        "/auth/login",
        data={"email": user.email, "password": PASSWORD},
        headers={"User-Agent": "PhoneBrowser/1.0"},
    )
    page = client.get("/auth/profile").get_data(as_text=True)
    assert "PhoneBrowser/1.0" in page
    assert client.post("/auth/profile/sessions/end-others").status_code == 302
    assert phone.get("/").status_code == 302
    assert client.get("/").status_code == 200


def test_a_session_of_someone_else_cannot_be_ended(app, client, login_as, create_user):
    from portal.auth.models import ServerSession
    from portal.extensions import db

    other = create_user()
    other_client = app.test_client()
    other_client.post("/auth/login", data={"email": other.email, "password": PASSWORD})
    with app.app_context():
        other_session = db.session.scalar(
            db.select(ServerSession.id).where(ServerSession.user_id == other.id)
        )
    login_as("member")
    assert client.post(f"/auth/profile/sessions/{other_session}/end").status_code == 404
    assert other_client.get("/").status_code == 200
