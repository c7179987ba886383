"""Editor and admin are office roles: nobody outside the coordination office holds them.

Every way a role reaches a person is attacked (admin user edit, moves, invitations and their
links, the CLI, changing an organisation's kind) and each must refuse with the German message
and change nothing. Rows that hold an office role outside the office (from before the rule) act
as members, and the migration demotes them on the record. Editors of the office may curate
every resource, but may not take a member organisation's resource away from it.
"""

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import select

from portal import create_app
from portal.audit.models import AuditEntry
from portal.audit.services import verify_chain
from portal.auth.models import Invitation, User
from portal.extensions import db
from portal.orgs.models import Organisation
from portal.resources.models import Resource
from portal.timeutil import utcnow
from tests.helpers import PASSWORD, AuthActions

pytestmark = pytest.mark.usefixtures("no_rate_limits")

MESSAGE = "gibt es nur für Personen der Koordinierungsstelle"
OFFICE_ROLES = ("editor", "admin")


def client_for(app, user):
    client = app.test_client()
    response = AuthActions(client).login(user.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def stored(app, model, ident):
    with app.app_context():
        row = db.session.get(model, ident)
        db.session.expunge(row)
        return row


# --- the admin area ------------------------------------------------------------------------


@pytest.mark.parametrize("role", OFFICE_ROLES)
def test_an_admin_cannot_make_a_member_organisations_person_editor_or_admin(
    app, create_user, office, member_org, role
):
    admin = create_user(role="admin", organisation=office)
    person = create_user(organisation=member_org)
    client = client_for(app, admin)
    response = client.post(
        f"/admin/users/{person.id}", data={"organisation": member_org.id, "role": role}
    )
    assert response.status_code == 200
    assert MESSAGE in response.get_data(as_text=True)
    assert stored(app, User, person.id).role == "member"


@pytest.mark.parametrize("role", OFFICE_ROLES)
def test_an_office_editor_or_admin_cannot_be_moved_into_a_member_organisation(
    app, create_user, office, member_org, role
):
    admin = create_user(role="admin", organisation=office)
    person = create_user(role=role, organisation=office)
    client = client_for(app, admin)
    response = client.post(
        f"/admin/users/{person.id}", data={"organisation": member_org.id, "role": role}
    )
    assert MESSAGE in response.get_data(as_text=True)
    row = stored(app, User, person.id)
    assert (row.role, row.organisation_id) == (role, office.id)
    # Moving them as a member is fine.
    moved = client.post(
        f"/admin/users/{person.id}", data={"organisation": member_org.id, "role": "member"}
    )
    assert moved.status_code == 302
    row = stored(app, User, person.id)
    assert (row.role, row.organisation_id) == ("member", member_org.id)


def test_the_admin_area_speaks_english_to_english_readers(app, create_user, office, member_org):
    admin = create_user(role="admin", organisation=office, language="en")
    person = create_user(organisation=member_org)
    client = client_for(app, admin)
    response = client.post(
        f"/admin/users/{person.id}", data={"organisation": member_org.id, "role": "editor"}
    )
    assert "exist only for people of the coordination office" in response.get_data(as_text=True)


# --- invitations ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", OFFICE_ROLES)
def test_nobody_is_invited_as_editor_or_admin_of_a_member_organisation(
    app, create_user, office, member_org, smtp_sink, role
):
    admin = create_user(role="admin", organisation=office)
    client = client_for(app, admin)
    data = {"email": "neu@beratung.example", "organisation": member_org.id, "role": role}
    response = client.post("/admin/invitations/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and MESSAGE in page
    assert 'value="neu@beratung.example"' in page  # the form keeps what was typed
    assert not smtp_sink.to("neu@beratung.example")
    with app.app_context():
        assert db.session.scalar(select(sa.func.count(Invitation.id))) == 0
    # The same invitation into the office goes out.
    data["organisation"] = office.id
    assert client.post("/admin/invitations/new", data=data).status_code == 302
    assert smtp_sink.to("neu@beratung.example")


def _old_invitation(app, organisation, role):
    """An open invitation from before the rule, with a working link."""
    from portal.auth.services import make_token

    with app.app_context():
        token, hashed = make_token("invitation")
        row = Invitation(
            email="alt@beratung.example",
            organisation_id=organisation.id,
            role=role,
            token_hash=hashed,
            expires_at=utcnow() + app.config["INVITATION_MAX_AGE"],
        )
        db.session.add(row)
        db.session.commit()
        return row.id, f"/auth/invitation/{token}"


@pytest.mark.parametrize("role", OFFICE_ROLES)
def test_an_old_invitation_with_an_office_role_outside_the_office_no_longer_works(
    app, client, create_user, office, member_org, smtp_sink, role
):
    invitation_id, path = _old_invitation(app, member_org, role)
    assert client.get(path).status_code == 400
    answer = client.post(path, data={"name": "Alt", "password": PASSWORD, "confirm": PASSWORD})
    assert answer.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "alt@beratung.example")) is None
    admin = create_user(role="admin", organisation=office)
    admin_client = client_for(app, admin)
    admin_client.post(f"/admin/invitations/{invitation_id}/resend")
    assert not smtp_sink.to("alt@beratung.example")


def test_an_invitation_into_the_office_stops_working_when_it_is_no_office_any_more(
    app, client, create_org, create_user, office
):
    second_office = create_org(slug="zweitbuero", kind="office", name="Zweites Büro")
    _, path = _old_invitation(app, second_office, "editor")
    assert client.get(path).status_code == 200
    with app.app_context():
        db.session.get(Organisation, second_office.id).kind = "member"
        db.session.commit()
    assert client.get(path).status_code == 400


# --- the command line ----------------------------------------------------------------------


@pytest.mark.parametrize("role", OFFICE_ROLES)
def test_create_user_refuses_an_office_role_for_a_member_organisation(
    app, runner, member_org, role
):
    result = runner.invoke(
        args=[
            "create-user",
            "cli@beratung.example",
            "--name",
            "Per Kommando",
            "--org",
            member_org.slug,
            "--role",
            role,
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 1
    assert MESSAGE in result.output and "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "cli@beratung.example")) is None


# --- changing an organisation's kind -------------------------------------------------------


@pytest.mark.parametrize("role", OFFICE_ROLES)
def test_an_office_with_editors_or_admins_cannot_become_a_member_organisation(
    app, create_org, create_user, office, role
):
    admin = create_user(role="admin", organisation=office)
    second_office = create_org(slug="zweitbuero", kind="office", name="Zweites Büro")
    create_user(role=role, organisation=second_office, name="Rita Rolle")
    client = client_for(app, admin)
    data = {"name": "Zweites Büro", "slug": "zweitbuero", "kind": "member", "active": "y"}
    response = client.post(f"/admin/organisations/{second_office.id}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Rita Rolle" in page and "Koordinierungsstelle" in page
    assert stored(app, Organisation, second_office.id).kind == "office"


def test_an_office_of_members_only_may_become_a_member_organisation(
    app, create_org, create_user, office
):
    admin = create_user(role="admin", organisation=office)
    second_office = create_org(slug="zweitbuero", kind="office", name="Zweites Büro")
    create_user(organisation=second_office)
    client = client_for(app, admin)
    data = {"name": "Zweites Büro", "slug": "zweitbuero", "kind": "member", "active": "y"}
    assert client.post(f"/admin/organisations/{second_office.id}", data=data).status_code == 302
    assert stored(app, Organisation, second_office.id).kind == "member"


# --- old rows: an office role outside the office acts as a member ----------------------------


@pytest.mark.parametrize("role", OFFICE_ROLES)
def test_an_office_role_outside_the_office_gives_no_power(
    app, create_org, create_user, create_resource, member_org, role
):
    other_org = create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")
    foreign = create_resource(title="Fremde Entscheidung", organisation=other_org)
    submitted = create_resource(title="Eingereicht", organisation=other_org, status="submitted")
    legacy = create_user(role=role, organisation=member_org)
    client = client_for(app, legacy)
    for path in (
        "/resources/review",
        "/admin/invitations",
        "/admin/invitations/new",
        "/admin/users",
        f"/resources/{foreign.id}/edit",
        f"/resources/{foreign.id}/archive",
    ):
        assert client.get(path).status_code in (403, 404), path
    post = client.post(
        f"/resources/{foreign.id}/edit",
        data={"title": "Übernommen", "language": "de", "visibility": "members", "version": "1"},
    )
    assert post.status_code == 403
    invite = client.post(
        "/admin/invitations/new",
        data={"email": "x@example.org", "organisation": member_org.id, "role": "member"},
    )
    assert invite.status_code == 403
    assert client.post(f"/resources/{submitted.id}/publish", data={"version": "1"}).status_code in (
        403,
        404,
    )
    assert stored(app, Resource, foreign.id).title == "Fremde Entscheidung"
    assert stored(app, Resource, submitted.id).status == "submitted"


# --- the migration -------------------------------------------------------------------------

PREVIOUS_HEAD = "2285404a4fd8"


def _insert(table: str, **values) -> int:
    columns = [sa.column(name) for name in values]
    result = db.session.execute(sa.table(table, *columns).insert().values(**values))
    return result.inserted_primary_key[0] if result.inserted_primary_key else result.lastrowid


def test_the_migration_demotes_office_roles_outside_the_office_on_the_record(tmp_path):
    from portal.audit import record

    app = create_app({"ENV_NAME": "test"}, instance_path=tmp_path)
    now = utcnow()
    org = {
        "short_name": "",
        "city": "",
        "focus_areas": "[]",
        "description": "",
        "contact_email": "",
        "contact_phone": "",
        "website": "",
        "active": True,
        "created_at": now,
    }
    with app.app_context():
        upgrade(revision=PREVIOUS_HEAD)
        office = _insert("organisation", slug="kok", name="KOK", kind="office", **org)
        member = _insert("organisation", slug="fbs", name="FBS", kind="member", **org)
        people = {}
        for key, role, organisation in (
            ("office_admin", "admin", office),
            ("office_editor", "editor", office),
            ("member_editor", "editor", member),
            ("member_admin", "admin", member),
            ("member", "member", member),
        ):
            people[key] = _insert(
                "user",
                email=f"{key}@example.org",
                name=key,
                organisation_id=organisation,
                role=role,
                active=True,
                failed_logins=0,
                created_at=now,
            )
        invitations = {}
        for key, role, organisation in (
            ("member_editor", "editor", member),
            ("office_editor", "editor", office),
            ("member_member", "member", member),
        ):
            invitations[key] = _insert(
                "invitation",
                email=f"inv-{key}@example.org",
                organisation_id=organisation,
                role=role,
                token_hash=f"hash-{key}",
                created_at=now,
                sent_at=now,
                expires_at=now,
            )
        record("organisation.created", target=("organisation", office))
        db.session.commit()

        upgrade()

        roles = dict(db.session.execute(select(User.id, User.role)).all())
        assert roles[people["member_editor"]] == roles[people["member_admin"]] == "member"
        assert roles[people["office_admin"]] == "admin"
        assert roles[people["office_editor"]] == "editor"
        assert roles[people["member"]] == "member"
        revoked = dict(db.session.execute(select(Invitation.id, Invitation.revoked_at)).all())
        assert revoked[invitations["member_editor"]] is not None
        assert revoked[invitations["office_editor"]] is None
        assert revoked[invitations["member_member"]] is None
        changes = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.role_changed")
        ).all()
        assert sorted(e.target_id for e in changes) == sorted(
            str(people[k]) for k in ("member_editor", "member_admin")
        )
        assert {e.details["to"] for e in changes} == {"member"}
        assert {e.details["from"] for e in changes} == {"editor", "admin"}
        problems, count = verify_chain()
        assert problems == [] and count == 3
        db.session.remove()
        db.engine.dispose()


# --- editors may curate, but never take a resource away from its owner -----------------------


def _edit(client, resource, version, **changes):
    data = {
        "title": resource.title,
        "summary": resource.summary or "Kurzfassung",
        "language": "de",
        "visibility": resource.visibility,
        "version": str(version),
        "save": "1",
        **changes,
    }
    return client.post(f"/resources/{resource.id}/edit", data=data)


@pytest.mark.parametrize("role", OFFICE_ROLES)
@pytest.mark.parametrize(
    ("status", "visibility"),
    [("draft", "members"), ("submitted", "organisation"), ("published", "members")],
)
@pytest.mark.parametrize("change", ["other_org", "office", "office_only"])
def test_an_editor_cannot_take_a_member_organisations_resource_away_from_it(
    app,
    create_org,
    create_user,
    create_resource,
    office,
    member_org,
    role,
    status,
    visibility,
    change,
):
    other_org = create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")
    owner = create_user(organisation=member_org)
    resource = create_resource(
        title="Eigener Eintrag",
        organisation=member_org,
        status=status,
        visibility=visibility,
        type="training_material",
    )
    editor = create_user(role=role, organisation=office)
    client = client_for(app, editor)
    changes = {
        "other_org": {"organisation": str(other_org.id)},
        "office": {"organisation": str(office.id)},
        "office_only": {"visibility": "office"},
    }[change]
    response = _edit(client, resource, resource.version, summary="Neu von der Redaktion", **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "den Zugriff auf den eigenen Eintrag verlieren" in page
    assert "Neu von der Redaktion" in page  # the input is kept
    row = stored(app, Resource, resource.id)
    assert (row.organisation_id, row.visibility, row.summary) == (
        member_org.id,
        visibility,
        resource.summary,
    )
    owner_client = client_for(app, owner)
    assert owner_client.get(f"/resources/{resource.id}").status_code == 200
    # Curating the text without touching owner and visibility still works.
    saved = _edit(client, resource, resource.version, summary="Redaktionell geglättet")
    assert saved.status_code == 302
    assert stored(app, Resource, resource.id).summary == "Redaktionell geglättet"


def test_an_editor_may_hand_an_office_resource_to_a_member_organisation(
    app, create_user, create_resource, office, member_org
):
    resource = create_resource(
        title="Vorlage", organisation=office, status="draft", type="training_material"
    )
    editor = create_user(role="editor", organisation=office)
    client = client_for(app, editor)
    response = _edit(client, resource, resource.version, organisation=str(member_org.id))
    assert response.status_code == 302
    assert stored(app, Resource, resource.id).organisation_id == member_org.id


def test_the_owner_may_make_its_own_resource_office_only(app, create_user, create_resource):
    owner = create_user()
    resource = create_resource(
        title="Nur für die Geschäftsstelle", status="draft", type="training_material"
    )
    client = client_for(app, owner)
    assert _edit(client, resource, resource.version, visibility="office").status_code == 302
    assert stored(app, Resource, resource.id).visibility == "office"


def test_an_editor_cannot_restore_an_office_only_version_over_the_owners_choice(
    app, create_user, create_resource, office, member_org
):
    owner = create_user(organisation=member_org)
    resource = create_resource(
        title="Hin und her", organisation=member_org, status="draft", type="training_material"
    )
    owner_client = client_for(app, owner)
    for visibility in ("office", "members"):
        version = stored(app, Resource, resource.id).version
        assert _edit(owner_client, resource, version, visibility=visibility).status_code == 302
    with app.app_context():
        from portal.resources.models import Revision

        office_only = db.session.scalar(
            select(Revision.id).where(
                Revision.resource_id == resource.id,
                Revision.data["visibility"].as_string() == "office",
            )
        )
        version = db.session.get(Resource, resource.id).version
    editor = create_user(role="editor", organisation=office)
    client = client_for(app, editor)
    response = client.post(
        f"/resources/{resource.id}/revisions/{office_only}/restore",
        data={"version": str(version)},
        follow_redirects=True,
    )
    assert "den Zugriff auf den eigenen Eintrag verlieren" in response.get_data(as_text=True)
    assert stored(app, Resource, resource.id).visibility == "members"


@pytest.mark.parametrize(("visibility", "refused"), [("office", True), ("members", False)])
def test_an_editor_cannot_create_an_office_only_entry_for_a_member_organisation(
    app, create_user, office, member_org, visibility, refused
):
    editor = create_user(role="editor", organisation=office)
    client = client_for(app, editor)
    response = client.post(
        "/resources/new/training",
        data={
            "title": "Für die Beratungsstelle",
            "summary": "Angelegt von der Redaktion",
            "language": "de",
            "visibility": visibility,
            "organisation": str(member_org.id),
            "save": "1",
        },
    )
    with app.app_context():
        count = db.session.scalar(select(sa.func.count(Resource.id)))
    if refused:
        page = response.get_data(as_text=True)
        assert "den Zugriff auf den eigenen Eintrag verlieren" in page
        assert 'value="Für die Beratungsstelle"' in page
        assert count == 0
    else:
        assert response.status_code == 302 and count == 1
