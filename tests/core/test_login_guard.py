"""Every page except the public few needs a login; the limits answer 429 readably."""

import pytest

from portal.auth.guard import PUBLIC_ENDPOINTS
from tests.helpers import example_url


def test_every_non_public_route_redirects_anonymous_visitors_to_login(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = example_url(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            expected = 401 if url.startswith("/api/") else 302
            assert response.status_code == expected, (method, url, response.status_code)
            if expected == 302:
                assert response.headers["Location"].startswith("/auth/login")
            checked += 1
    assert checked >= 15


def test_the_public_pages_are_reachable_without_login(client):
    assert client.get("/auth/login").status_code == 200
    assert client.get("/auth/forgot-password").status_code == 200
    assert client.get("/healthz").status_code == 200
    with client.get("/static/css/portal.css") as response:
        assert response.status_code == 200


@pytest.fixture
def limited_app(app):
    app.config["RATELIMIT_ENABLED"] = True
    return app


def test_login_is_rate_limited_per_account_with_a_readable_page(limited_app, client, create_user):
    user = create_user()
    statuses = [
        client.post(
            "/auth/login", data={"email": user.email, "password": "falsch falsch falsch"}
        ).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    page = client.post("/auth/login", data={"email": user.email, "password": "x"}).get_data(
        as_text=True
    )
    assert "Zu viele Anfragen" in page


def test_password_reset_requests_are_rate_limited(limited_app, client):
    statuses = [
        client.post("/auth/forgot-password", data={"email": "a@example.org"}).status_code
        for _ in range(6)
    ]
    assert 429 in statuses
