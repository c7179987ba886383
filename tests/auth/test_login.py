"""Logging in and out."""

import pytest

from tests.helpers import PASSWORD


def test_the_login_page_is_german_by_default(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="de"' in page
    assert "Anmelden" in page and "Passwort vergessen?" in page


def test_the_login_page_follows_the_browsers_english_preference(client):
    page = client.get("/auth/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert 'lang="en"' in page.get_data(as_text=True)


def test_a_member_logs_in_and_sees_the_dashboard(client, auth, create_user):
    user = create_user(name="Mara Beraterin")
    response = auth.login(user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Mara Beraterin" in page
    assert "Fachberatungsstelle Nord" in page or "fbs-nord" in page


def test_the_email_is_case_insensitive(auth, create_user):
    create_user(email="mara@example.org")
    assert auth.login("  MARA@Example.ORG ").status_code == 302


@pytest.mark.parametrize(
    "email, password",
    [
        ("person1@example.org", "wrong password entirely"),
        ("nobody@example.org", PASSWORD),
    ],
)
def test_a_failed_login_says_only_that_email_or_password_is_wrong(
    auth, create_user, email, password
):
    create_user(email="person1@example.org")
    response = auth.login(email, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "E-Mail-Adresse oder Passwort ist falsch." in page


def test_an_inactive_user_cannot_log_in(auth, create_user):
    user = create_user(active=False)
    response = auth.login(user.email)
    assert "E-Mail-Adresse oder Passwort ist falsch." in response.get_data(as_text=True)


def test_a_user_of_an_inactive_organisation_cannot_log_in(auth, create_user, create_org):
    org = create_org(active=False)
    user = create_user(organisation=org)
    assert auth.login(user.email).status_code == 200


def test_logout_ends_the_session_and_a_copied_cookie_no_longer_works(
    app, client, auth, create_user
):
    user = create_user()
    auth.login(user.email)
    cookie = client.get_cookie("portal_session").value
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302

    thief = app.test_client()
    thief.set_cookie("portal_session", cookie)
    assert thief.get("/").status_code == 302


def test_login_issues_a_new_session_id(client, auth, create_user):
    user = create_user()
    client.get("/auth/login")
    before = client.get_cookie("portal_session").value
    auth.login(user.email)
    after = client.get_cookie("portal_session").value
    assert before != after


def test_logout_requires_post(client, auth, create_user):
    user = create_user()
    auth.login(user.email)
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/%0d%0aSet-Cookie:x=1",
    ],
)
def test_next_never_leaves_the_portal(auth, create_user, target):
    user = create_user()
    response = auth.login(user.email, next=target)
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "evil" not in location.split("?")[0] or location.startswith("/%")


def test_next_within_the_portal_is_followed(auth, create_user):
    user = create_user()
    response = auth.login(user.email, next="/organisations/")
    assert response.headers["Location"] == "/organisations/"


def test_an_anonymous_visitor_is_sent_to_login_with_next(client):
    response = client.get("/organisations/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=/organisations/")


def test_repeated_failures_lock_the_account_and_tell_its_owner(app, auth, create_user, smtp_sink):
    app.config["LOGIN_LOCKOUT_THRESHOLD"] = 3
    app.config["RATELIMIT_ENABLED"] = False
    user = create_user()
    for _ in range(3):
        auth.login(user.email, "wrong password entirely")
    assert auth.login(user.email).status_code == 200  # locked: the right password fails too
    assert smtp_sink.to(user.email), "the owner is told"
    assert "gesperrt" in smtp_sink.body(smtp_sink.to(user.email)[-1])
