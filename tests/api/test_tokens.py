"""Personal API tokens: created on the profile or the command line, shown once, revocable."""

import re

from sqlalchemy import select

from portal.api.models import ApiToken
from portal.api.services import hash_token
from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.extensions import db


def test_a_token_created_on_the_profile_is_shown_once_and_stored_only_as_hash(
    app, client, login_as
):
    user = login_as("member")
    assert "API-Zugangstoken" in client.get("/auth/profile").get_data(as_text=True)

    response = client.post("/api-tokens/", data={"name": "Mein Skript"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    token = re.search(r"kok_[A-Za-z0-9_-]{43}", response.get_data(as_text=True)).group(0)

    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
        assert row.name == "Mein Skript"
        assert row.token_hash == hash_token(token)
        assert token.startswith(row.prefix) and len(row.prefix) < len(token)
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "token.created"))
        assert audit.actor_id == user.id and audit.target_id == str(row.id)
        assert token not in str(audit.details)

    profile = client.get("/auth/profile").get_data(as_text=True)
    assert "Mein Skript" in profile and row.prefix in profile
    assert token not in profile


def test_a_token_needs_a_name_and_the_form_keeps_what_was_typed(client, login_as):
    login_as("member")
    response = client.post("/api-tokens/", data={"name": "x" * 101})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Höchstens 100 Zeichen" in page and "x" * 101 in page
    assert client.post("/api-tokens/", data={"name": "  "}).status_code == 400


def test_a_token_authenticates_api_requests_until_it_is_revoked(
    app, client, create_user, make_token, bearer, auth
):
    user = create_user()
    token = make_token(user)
    anonymous = app.test_client()
    response = anonymous.get("/api/v1/openapi.json", headers=bearer(token))
    assert response.status_code == 200
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.last_used_at is not None

    auth.login(user.email)
    assert client.post(f"/api-tokens/{row.id}/revoke").status_code == 302
    assert "<td>Skript</td>" not in client.get("/auth/profile").get_data(as_text=True)

    response = anonymous.get("/api/v1/openapi.json", headers=bearer(token))
    assert response.status_code == 401
    assert response.json == {"error": {"code": 401, "message": "unauthorized"}}


def test_nobody_can_revoke_someone_elses_token(client, create_user, make_token, login_as, app):
    owner = create_user()
    make_token(owner)
    login_as("member")
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert client.post(f"/api-tokens/{token_id}/revoke").status_code == 404


def test_a_token_never_authenticates_an_html_page(client, create_user, make_token, bearer):
    token = make_token(create_user())
    for path in ("/", "/auth/profile", "/organisations/"):
        response = client.get(path, headers=bearer(token))
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/auth/login")
    # Nor a form post outside /api/v1, e.g. creating another token.
    assert client.post("/api-tokens/", data={"name": "x"}, headers=bearer(token)).status_code == 302


def test_a_deactivated_users_token_stops_working(app, client, create_user, make_token, bearer):
    user = create_user()
    token = make_token(user)
    assert client.get("/api/v1/openapi.json", headers=bearer(token)).status_code == 200
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    response = client.get("/api/v1/openapi.json", headers=bearer(token))
    assert response.status_code == 401
    assert response.json["error"]["code"] == 401


def test_checking_a_token_and_its_owner_takes_one_statement(app, create_user, make_token):
    from portal.api.services import token_owner
    from tests.helpers import counting_statements

    user = create_user()
    token = make_token(user)
    with counting_statements(app) as statements, app.app_context():
        owner, _row = token_owner(token)
        assert owner.id == user.id and owner.is_active
    assert len(statements) == 1


def test_wrong_or_malformed_tokens_answer_401_json(client, create_user, make_token, bearer):
    token = make_token(create_user())
    for header in (
        f"Bearer {token[:-1]}x",
        "Bearer kok_",
        f"Basic {token}",
        "Bearer " + "kok_" + "a" * 500,
    ):
        response = client.get("/api/v1/openapi.json", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.is_json


def test_a_logged_in_session_may_read_the_api(client, login_as):
    login_as("member")
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_the_api_is_rate_limited_per_token_with_a_json_429(
    app, client, create_user, make_token, bearer
):
    app.config["RATELIMIT_API"] = "3 per minute"
    first, second = make_token(create_user()), make_token(create_user())
    statuses = [
        client.get("/api/v1/openapi.json", headers=bearer(first)).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/openapi.json", headers=bearer(first))
    assert response.status_code == 429
    assert response.json["error"]["code"] == 429
    # Another token has its own budget.
    assert client.get("/api/v1/openapi.json", headers=bearer(second)).status_code == 200


def test_create_token_command_prints_the_token_once(app, runner, create_user, client, bearer):
    user = create_user()
    result = runner.invoke(args=["create-token", user.email.upper(), "--name", "Cron"])
    assert result.exit_code == 0, result.output
    token = re.search(r"kok_[A-Za-z0-9_-]{43}", result.stdout).group(0)
    assert client.get("/api/v1/openapi.json", headers=bearer(token)).status_code == 200
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.name == "Cron" and row.token_hash == hash_token(token)

    result = runner.invoke(args=["create-token", "nobody@example.org"])
    assert result.exit_code == 1
    assert "no active user" in result.output
