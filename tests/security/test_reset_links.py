"""A used reset link ends every other open link; tokens and feeds end with a reset or deactivation.

All through the real routes: links come from mails caught by the SMTP sink, API tokens are
created on the token page, feed addresses on the saved-search page.
"""

import re

import pytest

from tests.conftest import PASSWORD

NEW_PASSWORD = "Ein ganz neuer Satz als Passwort 7"
OTHER_PASSWORD = "Noch ein anderer Satz als Passwort 9"
NEW_EMAIL = "neu.adresse@beratung.example"

pytestmark = pytest.mark.usefixtures("no_rate_limits")


def path_of(link: str) -> str:
    return link.replace("http://portal.test", "")


def request_reset_link(app, smtp_sink, email) -> str:
    app.test_client().post("/auth/forgot-password", data={"email": email})
    return path_of(smtp_sink.last_link(email))


def reset(app, path, password=NEW_PASSWORD, revoke=True):
    data = {"password": password, "confirm": password}
    if revoke:
        data["revoke_tokens"] = "y"
    return app.test_client().post(path, data=data)


def link_works(app, path) -> bool:
    response = app.test_client().get(path)
    assert response.status_code in (200, 400)
    return response.status_code == 200


def api_token(client) -> str:
    page = client.post("/api-tokens/", data={"name": "Skript"}, follow_redirects=True)
    return re.search(r"kok_[A-Za-z0-9_-]{20,}", page.get_data(as_text=True)).group(0)


def api_works(app, token) -> bool:
    response = app.test_client().get("/api/v1/search", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 401), response.status_code
    return response.status_code == 200


def feed_path(client) -> str:
    assert client.post("/saved/", data={"name": "Lohnwucher", "search": "q=x"}).status_code == 302
    page = client.get("/saved/").get_data(as_text=True)
    saved_id = re.search(r"/saved/(\d+)/feed", page).group(1)
    page = client.post(f"/saved/{saved_id}/feed").get_data(as_text=True)
    return re.search(r"http://portal\.test(/feeds/[A-Za-z0-9_-]+\.atom)", page).group(1)


def feed_works(app, path) -> bool:
    status = app.test_client().get(path).status_code
    assert status in (200, 404)
    return status == 200


@pytest.fixture
def person(create_user):
    return create_user(email="mara@beratung.example")


@pytest.mark.parametrize(("count", "used"), [(2, 0), (2, 1), (3, 1), (3, 2)])
def test_a_used_reset_link_ends_every_other_open_reset_link(app, smtp_sink, person, count, used):
    paths = [request_reset_link(app, smtp_sink, person.email) for _ in range(count)]
    assert all(link_works(app, p) for p in paths)
    assert reset(app, paths[used]).status_code == 302
    for i, path in enumerate(paths):
        assert not link_works(app, path), i
        assert reset(app, path, OTHER_PASSWORD).status_code == 400
    # The password set through the used link is the one that works.
    client = app.test_client()
    response = client.post("/auth/login", data={"email": person.email, "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_a_reset_ends_an_open_e_mail_change_link(app, client, smtp_sink, person, auth):
    auth.login(person.email)
    client.post(
        "/auth/profile/email",
        data={"email-new_email": NEW_EMAIL, "email-current_password": PASSWORD},
    )
    change = path_of(smtp_sink.last_link(NEW_EMAIL))
    assert reset(app, request_reset_link(app, smtp_sink, person.email)).status_code == 302
    assert app.test_client().get(change).status_code == 400
    attacker = app.test_client()
    attacker.post("/auth/login", data={"email": person.email, "password": NEW_PASSWORD})
    assert attacker.post(change, data={}).status_code == 400
    assert (
        app.test_client()
        .post("/auth/login", data={"email": NEW_EMAIL, "password": NEW_PASSWORD})
        .status_code
        == 200
    )  # the address did not change


def test_a_password_change_on_the_profile_ends_open_reset_links(
    app, client, smtp_sink, person, auth
):
    path = request_reset_link(app, smtp_sink, person.email)
    auth.login(person.email)
    response = client.post(
        "/auth/profile/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not link_works(app, path)


def test_a_confirmed_e_mail_change_ends_reset_links_sent_to_the_old_address(
    app, client, smtp_sink, person, auth
):
    path = request_reset_link(app, smtp_sink, person.email)
    auth.login(person.email)
    client.post(
        "/auth/profile/email",
        data={"email-new_email": NEW_EMAIL, "email-current_password": PASSWORD},
    )
    assert client.post(path_of(smtp_sink.last_link(NEW_EMAIL)), data={}).status_code == 302
    assert not link_works(app, path)


def test_the_reset_page_offers_to_revoke_tokens_and_feeds_checked_by_default(
    app, smtp_sink, person
):
    page = app.test_client().get(request_reset_link(app, smtp_sink, person.email))
    html = page.get_data(as_text=True)
    checkbox = re.search(r'<input[^>]*name="revoke_tokens"[^>]*>', html).group(0)
    assert "checked" in checkbox and 'type="checkbox"' in checkbox
    assert "API-Zugangstoken und privaten Feed-Adressen widerrufen" in html


def test_a_reset_revokes_api_tokens_and_feed_addresses(app, client, smtp_sink, person, auth):
    auth.login(person.email)
    tokens = [api_token(client), api_token(client)]
    feed = feed_path(client)
    assert all(api_works(app, t) for t in tokens) and feed_works(app, feed)
    assert reset(app, request_reset_link(app, smtp_sink, person.email)).status_code == 302
    assert not any(api_works(app, t) for t in tokens)
    assert not feed_works(app, feed)


def test_a_reset_without_the_checkbox_keeps_tokens_and_feeds(app, client, smtp_sink, person, auth):
    auth.login(person.email)
    token = api_token(client)
    feed = feed_path(client)
    path = request_reset_link(app, smtp_sink, person.email)
    assert reset(app, path, revoke=False).status_code == 302
    assert api_works(app, token) and feed_works(app, feed)


@pytest.fixture
def admin_client(app, create_user, office):
    admin = create_user(role="admin", organisation=office)
    c = app.test_client()
    assert c.post("/auth/login", data={"email": admin.email, "password": PASSWORD}).status_code
    return c


def test_deactivation_revokes_tokens_feeds_and_open_links_for_good(
    app, client, smtp_sink, person, auth, admin_client
):
    auth.login(person.email)
    token = api_token(client)
    feed = feed_path(client)
    reset_path = request_reset_link(app, smtp_sink, person.email)
    client.post(
        "/auth/profile/email",
        data={"email-new_email": NEW_EMAIL, "email-current_password": PASSWORD},
    )
    change = path_of(smtp_sink.last_link(NEW_EMAIL))
    deactivate = admin_client.post(f"/admin/users/{person.id}/active", data={"active": "0"})
    assert deactivate.status_code == 302
    assert admin_client.post(f"/admin/users/{person.id}/active", data={"active": "1"}).status_code
    # Reactivated: the account works with its password, but nothing granted before comes back.
    assert not api_works(app, token)
    assert not feed_works(app, feed)
    assert not link_works(app, reset_path)
    assert app.test_client().get(change).status_code == 400
