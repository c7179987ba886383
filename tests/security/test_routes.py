"""Every route, enumerated from the URL map: login required, no state change on GET."""

import pytest
from sqlalchemy import func, select

from portal.auth.guard import PUBLIC_ENDPOINTS
from portal.extensions import db
from tests.helpers import example_url, rules

# Tables a GET may legitimately write: the session row, the audit trail (downloads of
# protected attachments) and the search outbox.
BOOKKEEPING = {"server_session", "audit_entry", "index_task"}
SAFE = {"GET", "HEAD", "OPTIONS"}


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
            if table.name not in BOOKKEEPING
        }


def test_every_state_changing_route_refuses_get(app, client, login_as):
    login_as("admin")
    get_urls = {example_url(app, r) for r in rules(app) if "GET" in r.methods}
    checked = 0
    for rule in rules(app):
        if "GET" in rule.methods or example_url(app, rule) in get_urls:
            continue  # (the same URL may answer GET with another, read-only view)
        response = client.get(example_url(app, rule))
        assert response.status_code == 405, rule.rule
        assert "Diese Aktion ist hier nicht möglich" in response.get_data(as_text=True)
        checked += 1
    assert checked >= 20


def test_no_get_request_changes_data(app, client, login_as, create_resource, office):
    login_as("admin")
    create_resource(organisation=office, status="draft", attachments=["Text"])
    before = row_counts(app)
    checked = 0
    for rule in rules(app):
        if "GET" not in rule.methods:
            continue
        with client.get(example_url(app, rule)) as response:
            assert response.status_code < 500, rule.rule
        checked += 1
    assert checked >= 30
    assert row_counts(app) == before


def test_every_non_public_route_sends_anonymous_visitors_to_login(app, client):
    checked = 0
    for rule in rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = example_url(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if url.startswith("/api/"):
                assert response.status_code == 401, (method, url)
                assert response.json == {"error": {"code": 401, "message": "unauthorized"}}
            else:
                assert response.status_code == 302, (method, url)
                assert response.headers["Location"].startswith("/auth/login")
            checked += 1
    assert checked >= 40


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_unusual_methods_are_refused(client, login_as, method):
    login_as("member")
    assert client.open("/auth/profile", method=method).status_code == 405


def test_public_endpoints_are_the_known_few():
    assert {
        "static",
        "auth.login",
        "auth.login_code",
        "auth.forgot_password",
        "auth.reset_password",
        "auth.accept_invitation",
        "auth.confirm_email_change",
        "main.healthz",
        "main.set_language",
        "feeds.feed",
        "notifications.unsubscribe",
        "meetings.calendar_feed",
        "public.index",
        "public.detail",
        "public.feed",
    } == PUBLIC_ENDPOINTS
