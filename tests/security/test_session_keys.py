"""Sessions are bound to SECRET_KEY, and `flask end-sessions` ends all of them."""

import hashlib

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.audit.models import AuditEntry
from portal.auth.models import ServerSession
from portal.extensions import db
from tests.conftest import PASSWORD

COOKIE = "portal_session"


def same_instance_with_key(app, key):
    """A second app on the same instance (database) with another SECRET_KEY: a restart."""
    return create_app({"ENV_NAME": "test", "SECRET_KEY": key}, instance_path=app.instance_path)


def cookie_of(client) -> str:
    return client.get_cookie(COOKIE).value


def profile_status(app, token) -> int:
    client = app.test_client()
    client.set_cookie(COOKIE, token)
    return client.get("/auth/profile").status_code


@pytest.mark.parametrize("role", ["member", "editor", "admin"])
def test_after_a_key_change_the_old_cookie_no_longer_logs_in(app, client, login_as, role):
    login_as(role)
    token = cookie_of(client)
    assert profile_status(app, token) == 200
    restarted_same_key = same_instance_with_key(app, app.config["SECRET_KEY"])
    assert profile_status(restarted_same_key, token) == 200
    restarted = same_instance_with_key(app, "another-secret-key-" + "k" * 40)
    assert profile_status(restarted, token) == 302
    with restarted.app_context():
        db.engine.dispose()


def test_a_stolen_copy_of_the_session_table_opens_no_session(app, client, login_as):
    login_as("member")
    token = cookie_of(client)
    with app.app_context():
        ids = db.session.scalars(select(ServerSession.id)).all()
    # The row id is neither the token nor its plain hash: a copied id is no cookie.
    assert hashlib.sha256(token.encode()).hexdigest() not in ids
    for row_id in ids:
        assert profile_status(app, row_id) == 302


def test_end_sessions_ends_every_session_and_is_audited(app, create_user, runner):
    clients = []
    for role in ("member", "member", "admin"):
        user = create_user(role=role)
        c = app.test_client()
        assert (
            c.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code
            == 302
        )
        assert c.get("/auth/profile").status_code == 200
        clients.append(c)
    anonymous = app.test_client()
    anonymous.get("/auth/login")
    result = runner.invoke(args=["end-sessions"])
    assert result.exit_code == 0, result.output
    assert "Ended" in result.output
    for c in clients:
        assert c.get("/auth/profile").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(ServerSession.id))) <= 4  # only new visits
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "sessions.all_ended")
        ).one()
        assert entry.details["count"] >= 3
        assert entry.actor_id is None


def test_end_sessions_with_no_sessions_is_fine(runner):
    result = runner.invoke(args=["end-sessions"])
    assert result.exit_code == 0 and "Ended 0 sessions" in result.output
