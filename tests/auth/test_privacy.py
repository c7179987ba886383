"""Own data as JSON; deleting an account keeps resources and a verifiable, pseudonymous trail."""

import json

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.audit.services import verify_chain
from portal.auth.models import ServerSession, User
from portal.extensions import db
from portal.resources.models import Resource
from tests.helpers import PASSWORD


def test_a_person_downloads_their_own_data_after_entering_the_password(
    app, client, login_as, create_resource
):
    user = login_as("member")
    create_resource(title="Mein Beitrag", author_id=user.id)
    create_resource(title="Fremder Beitrag")
    refused = client.post("/auth/profile/export", data={"export-current_password": "falsch"})
    assert refused.status_code == 400
    assert "Das aktuelle Passwort ist falsch." in refused.get_data(as_text=True)

    response = client.post("/auth/profile/export", data={"export-current_password": PASSWORD})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=meine-daten.json"
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == user.email
    assert [r["title"] for r in data["resources"]] == ["Mein Beitrag"]
    assert {e["action"] for e in data["audit_entries"]} >= {"login.success"}
    assert len(data["sessions"]) == 1
    assert "password_hash" not in json.dumps(data) and "totp_secret" not in json.dumps(data)


def test_the_export_is_a_post_with_csrf_protection(client, login_as):
    login_as("member")
    assert client.get("/auth/profile/export").status_code == 405


def _admin_client(app, create_user, office):
    admin = create_user(role="admin", organisation=office)
    client = app.test_client()
    client.post("/auth/login", data={"email": admin.email, "password": PASSWORD})
    return admin, client


def test_an_admin_deletes_an_account_resources_stay_and_the_trail_is_pseudonymised(
    app, create_user, office, create_resource, member_org
):
    person = create_user(email="weg@example.org")
    person_client = app.test_client()
    person_client.post("/auth/login", data={"email": person.email, "password": PASSWORD})
    resource = create_resource(title="Bleibt", author_id=person.id, organisation=member_org)
    admin, client = _admin_client(app, create_user, office)

    wrong = client.post(f"/admin/users/{person.id}/delete", data={"confirm": "falsch@x.org"})
    assert wrong.status_code == 302
    with app.app_context():
        assert db.session.get(User, person.id) is not None

    response = client.post(f"/admin/users/{person.id}/delete", data={"confirm": person.email})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    assert person_client.get("/").status_code == 302
    with app.app_context():
        assert db.session.get(User, person.id) is None
        kept = db.session.get(Resource, resource.id)
        assert kept.author_id is None and kept.organisation_id == member_org.id
        assert (
            db.session.scalars(
                select(ServerSession).where(ServerSession.user_id == person.id)
            ).all()
            == []
        )
        rows = db.session.scalars(select(AuditEntry)).all()
        assert not [r for r in rows if r.actor_email == "weg@example.org"]
        deleted = [r for r in rows if r.action == "user.deleted"][0]
        assert deleted.actor_id == admin.id and deleted.details["actor_keys"]
        assert verify_chain()[0] == []
    text = client.get("/admin/audit").get_data(as_text=True)
    assert "weg@example.org" not in text and "gelöschte Person" in text


def test_admins_cannot_delete_themselves(app, create_user, office):
    admin, client = _admin_client(app, create_user, office)
    client.post(f"/admin/users/{admin.id}/delete", data={"confirm": admin.email})
    with app.app_context():
        assert db.session.get(User, admin.id) is not None


def test_delete_user_on_the_command_line(app, runner, auth, create_user):
    person = create_user(email="cli@example.org")
    auth.login(person.email)
    result = runner.invoke(args=["delete-user", "CLI@example.org", "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(User, person.id) is None
    assert runner.invoke(args=["verify-audit"]).exit_code == 0
    missing = runner.invoke(args=["delete-user", "cli@example.org", "--yes"])
    assert missing.exit_code == 1 and "no account" in missing.output


def test_removing_a_person_from_the_trail_behind_the_portals_back_is_detected(
    app, runner, auth, create_user
):
    person = create_user()
    auth.login(person.email)
    with app.app_context():
        from sqlalchemy import update

        db.session.execute(update(AuditEntry).values(actor_id=None, actor_email=None))
        db.session.commit()
    assert runner.invoke(args=["verify-audit"]).exit_code == 1


@pytest.mark.parametrize("page", ["/privacy"])
def test_the_privacy_page_explains_what_is_stored(client, login_as, page):
    login_as("member")
    text = client.get(page).get_data(as_text=True)
    for phrase in ("Protokoll", "Zweiter Faktor", "herunterladen", "gelöscht", "Sicherung"):
        assert phrase in text, phrase
