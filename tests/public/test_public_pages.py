"""Public pages: only what the office released, only the released fields, without login."""

import json
from datetime import date

import pytest
from defusedxml import ElementTree as ET

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.resources.models import Resource
from portal.resources.records import RecordContext, read_record
from portal.timeutil import utcnow
from tests.helpers import logged_in_client

SECRET_WORDS = ("Geheimtextkörper", "Anhangsinhalt", "intern-4711", "Fachberatungsstelle Nord")


@pytest.fixture
def released(app, create_resource):
    return create_resource(
        title="BGH zur Zwangsprostitution",
        summary="Ausbeutung unter Ausnutzung einer Zwangslage.",
        body="Geheimtextkörper mit Einzelheiten.",
        court="BGH",
        decision_date=date(2019, 3, 12),
        file_number="3 StR 123/19",
        norms=["§ 232a StGB"],
        external_id="intern-4711",
        attachments=["Anhangsinhalt"],
        visibility="public",
        published_at=utcnow(),
    )


def test_a_released_entry_shows_exactly_its_public_fields_without_login(client, released):
    html = client.get(f"/public/{released.id}").get_data(as_text=True)
    for shown in (
        "BGH zur Zwangsprostitution",
        "Ausbeutung unter Ausnutzung einer Zwangslage.",
        "Bundesgerichtshof",
        "12.03.2019",
        "3 StR 123/19",
        "§ 232a StGB",
    ):
        assert shown in html, shown
    for hidden in SECRET_WORDS:
        assert hidden not in html, hidden
    listing = client.get("/public/").get_data(as_text=True)
    assert "BGH zur Zwangsprostitution" in listing
    assert not any(word in listing for word in SECRET_WORDS)


@pytest.mark.parametrize(
    "fields",
    [
        {"visibility": "members"},
        {"visibility": "organisation"},
        {"visibility": "office"},
        {"visibility": "public", "status": "draft"},
        {"visibility": "public", "status": "archived"},
    ],
)
def test_nothing_else_reaches_the_public_pages_or_feed(client, create_resource, fields):
    entry = create_resource(title="Nicht für die Öffentlichkeit", **fields)
    assert client.get(f"/public/{entry.id}").status_code == 404
    assert "Nicht für die Öffentlichkeit" not in client.get("/public/").get_data(as_text=True)
    assert "Nicht für die Öffentlichkeit" not in client.get("/public/feed.atom").get_data(
        as_text=True
    )


def test_the_feed_is_atom_with_public_links_only(client, released):
    response = client.get("/public/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert [e.find("a:title", ns).text for e in entries] == ["BGH zur Zwangsprostitution"]
    assert entries[0].find("a:link", ns).get("href").endswith(f"/public/{released.id}")
    assert not any(word in response.get_data(as_text=True) for word in SECRET_WORDS)


def test_other_pages_stay_behind_login(client, released):
    response = client.get(f"/resources/{released.id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_office_releases_and_withdraws_on_the_record_and_members_cannot(
    app, client, create_resource, create_user, office
):
    entry = create_resource(title="Freizugeben", summary="Neutral.", published_at=utcnow())
    member = logged_in_client(app, create_user())
    assert member.post(f"/resources/{entry.id}/release").status_code == 302
    assert client.get(f"/public/{entry.id}").status_code == 404
    editor = logged_in_client(app, create_user(role="editor", organisation=office))
    editor.post(f"/resources/{entry.id}/release")
    assert client.get(f"/public/{entry.id}").status_code == 200
    # members still find it as before
    assert member.get(f"/resources/{entry.id}").status_code == 200
    editor.post(f"/resources/{entry.id}/withdraw")
    assert client.get(f"/public/{entry.id}").status_code == 404
    with app.app_context():
        changes = db.session.scalars(
            db.select(AuditEntry.details).where(AuditEntry.action == "resource.visibility_changed")
        ).all()
    assert [(c["from"], c["to"]) for c in changes] == [("members", "public"), ("public", "members")]


def test_an_entry_whose_summary_names_a_person_is_not_released(
    app, client, create_resource, create_user, office
):
    entry = create_resource(
        title="Fall",
        summary="Die Geschädigte Maria Muster, geb. 03.04.1990.",
        published_at=utcnow(),
    )
    editor = logged_in_client(app, create_user(role="editor", organisation=office))
    page = editor.post(f"/resources/{entry.id}/release", follow_redirects=True)
    assert "personenbezogene Daten" in page.get_data(as_text=True)
    assert client.get(f"/public/{entry.id}").status_code == 404


def test_the_import_takes_public_only_for_clean_published_entries(app, office):
    with app.app_context():
        context = RecordContext.load()
        good = {"type": "training_material", "external_id": "p-1", "title": "Schulung"}
        record, errors = read_record({**good, "visibility": "public"}, context)
        assert errors == [] and record["visibility"] == "public"
        _record, errors = read_record({**good, "visibility": "public", "status": "draft"}, context)
        assert [e.field for e in errors] == ["visibility"]
        _record, errors = read_record(
            {**good, "visibility": "public", "summary": "Die Geschädigte Maria Muster sagte aus."},
            context,
        )
        assert [e.field for e in errors] == ["visibility"]


def test_the_api_and_export_call_a_released_entry_public(app, released, create_user):
    client = logged_in_client(app, create_user())
    record = client.get(f"/api/v1/resources/{released.id}").get_json()
    assert record["visibility"] == "public"
    assert json.dumps(record)  # members see everything of it, as before


def test_an_editor_keeps_a_released_entry_public_but_cannot_release_by_editing(
    app, create_resource, create_user, office
):
    from tests.helpers import save_edit

    common = {"type": "training_material", "published_at": utcnow(), "summary": "Neutral."}
    public = create_resource(title="Öffentliche Schulung", visibility="public", **common)
    internal = create_resource(title="Interne Schulung", **common)
    editor = logged_in_client(app, create_user(role="editor", organisation=office))
    form = editor.get(f"/resources/{public.id}/edit").get_data(as_text=True)
    assert '<option selected value="public">' in form
    save_edit(
        editor,
        public.id,
        title="Öffentliche Schulung (neu)",
        summary="Neutral.",
        visibility="public",
    )
    page = editor.get(f"/resources/{internal.id}/edit").get_data(as_text=True)
    assert 'value="public"' not in page
    with app.app_context():
        assert db.session.get(Resource, public.id).visibility == "public"
        assert db.session.get(Resource, public.id).title == "Öffentliche Schulung (neu)"
