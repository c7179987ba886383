"""Revisions and the conflict page show only what the reader may see.

A resource of organisation B (written by a member of B) gets a link, made by an office editor,
to a resource the member may not see (a draft of A, an organisation-only entry of A, an
office-only entry). The link's revision stores the target's external id and number; every page
that shows history (resource page, print view, each revision against the previous and the current
state, the conflict page), the API record and the member's own data export must leave it out for
the member, while the editor (control) still sees it.

The conflict page (post an old `version` to the edit form) refuses versions that do not exist
and shows what changed only to people who may see the history.
"""

import json
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.resources import access
from portal.resources.models import Resource, Revision
from tests.helpers import PASSWORD, edit_form_data, logged_in_client

pytestmark = pytest.mark.usefixtures("no_rate_limits")

HIDDEN_ID = "geheim-65"
HIDDEN_TITLE = "Quokkafund Verborgen"


@pytest.fixture
def setup(app, create_org, create_user, create_resource, office, member_org, request):
    """(reader, editor, visible resource, hidden resource)."""
    org_b = create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")
    reader = create_user(organisation=org_b, name="Lena Leserin")
    editor = create_user(role="editor", organisation=office, name="Edith Redaktion")
    hidden_kind = getattr(request, "param", "draft")
    hidden = create_resource(
        title=HIDDEN_TITLE,
        external_id=HIDDEN_ID,
        type="training_material",
        summary="Nicht für B.",
        **{
            "draft": {"organisation": member_org, "status": "draft"},
            "organisation_only": {"organisation": member_org, "visibility": "organisation"},
            "office_only": {"organisation": office, "visibility": "office"},
        }[hidden_kind],
    )
    visible = create_resource(
        title="Sichtbarer Entwurf",
        summary="Erste Fassung",
        organisation=org_b,
        status="draft",
        type="training_material",
        author_id=reader.id,
    )
    editor_client = logged_in_client(app, editor)
    response = editor_client.post(
        f"/resources/{visible.id}/links", data={"reference": str(hidden.id), "kind": "related"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return reader, editor, visible, hidden


def revision_ids(app, resource_id) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Revision.id).where(Revision.resource_id == resource_id).order_by(Revision.id)
            )
        )


def current_version(app, resource_id) -> int:
    with app.app_context():
        return db.session.get(Resource, resource_id).version


def history_pages(app, resource_id) -> list[str]:
    pages = [f"/resources/{resource_id}", f"/resources/{resource_id}/print"]
    for rid in revision_ids(app, resource_id):
        pages += [
            f"/resources/{resource_id}/revisions/{rid}",
            f"/resources/{resource_id}/revisions/{rid}?compare=current",
        ]
    return pages


def note_of(hidden) -> re.Pattern:
    return re.compile(rf">\s*#{hidden.id}\s*<")


def assert_hidden_absent(text: str, hidden, where: str) -> None:
    assert HIDDEN_ID not in text, where
    assert HIDDEN_TITLE not in text, where
    assert not note_of(hidden).search(text), where


ALL_HIDDEN = ["draft", "organisation_only", "office_only"]


@pytest.mark.parametrize("setup", ALL_HIDDEN, indirect=True)
def test_history_pages_never_name_a_linked_resource_the_reader_may_not_see(app, setup):
    reader, editor, visible, hidden = setup
    # A later edit and the link's removal: more revisions whose snapshots and notes name it.
    client = logged_in_client(app, reader)
    version = current_version(app, visible.id)
    saved = client.post(
        f"/resources/{visible.id}/edit",
        data=edit_form_data("Sichtbarer Entwurf", "Zweite Fassung", str(version)),
    )
    assert saved.status_code == 302
    editor_client = logged_in_client(app, editor)
    link_id = re.search(
        rf"/resources/{visible.id}/links/(\d+)/delete",
        editor_client.get(f"/resources/{visible.id}/edit").get_data(as_text=True),
    )[1]
    assert editor_client.post(f"/resources/{visible.id}/links/{link_id}/delete").status_code == 302

    pages = history_pages(app, visible.id)
    seen_by_editor = "".join(editor_client.get(path).get_data(as_text=True) for path in pages)
    assert HIDDEN_ID in seen_by_editor and note_of(hidden).search(seen_by_editor)  # control
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_hidden_absent(response.get_data(as_text=True), hidden, path)


@pytest.mark.parametrize("setup", ALL_HIDDEN, indirect=True)
def test_the_api_record_and_the_own_data_export_leave_hidden_link_targets_out(app, setup):
    reader, editor, visible, hidden = setup
    from portal.api import services as api_services
    from portal.audit.services import SYSTEM
    from portal.auth.models import User

    with app.app_context():
        _, token = api_services.create_token(
            db.session.get(User, reader.id), "Skript", actor=SYSTEM
        )
        db.session.commit()
    record = app.test_client().get(
        f"/api/v1/resources/{visible.id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert record.status_code == 200 and record.json["links"] == []
    assert_hidden_absent(record.get_data(as_text=True), hidden, "api")
    editor_record = logged_in_client(app, editor).get(f"/api/v1/resources/{visible.id}")
    assert editor_record.json["links"] == [{"kind": "related", "target": HIDDEN_ID}]  # control

    data = logged_in_client(app, reader).post(
        "/auth/profile/export", data={"export-current_password": PASSWORD}
    )
    exported = json.loads(data.get_data(as_text=True))
    assert [r["id"] for r in exported["resources"]] == [visible.id]
    assert exported["resources"][0]["links"] == []
    assert_hidden_absent(data.get_data(as_text=True), hidden, "export")


def remove_link(app, editor_client, resource_id) -> None:
    page = editor_client.get(f"/resources/{resource_id}/edit").get_data(as_text=True)
    link_id = re.search(rf"/resources/{resource_id}/links/(\d+)/delete", page)[1]
    response = editor_client.post(f"/resources/{resource_id}/links/{link_id}/delete")
    assert response.status_code == 302


@pytest.mark.parametrize("setup", ALL_HIDDEN, indirect=True)
def test_the_conflict_page_shows_changes_without_hidden_link_targets(app, setup):
    reader, editor, visible, hidden = setup
    with app.app_context():
        linked = db.session.scalar(
            select(Revision.version).where(
                Revision.resource_id == visible.id, Revision.action == "link_add"
            )
        )
    editor_client = logged_in_client(app, editor)
    remove_link(app, editor_client, visible.id)
    # Based on the version with the link: the link's removal is among the changes.
    response = logged_in_client(app, reader).post(
        f"/resources/{visible.id}/edit",
        data=edit_form_data("Sichtbarer Entwurf", "Meine Fassung bleibt", str(linked)),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Meine Fassung bleibt" in page and "Edith Redaktion" in page
    assert_hidden_absent(page, hidden, "conflict")
    editor_page = editor_client.post(
        f"/resources/{visible.id}/edit",
        data=edit_form_data("Sichtbarer Entwurf", "Redaktionsfassung", str(linked)),
    )
    assert HIDDEN_ID in editor_page.get_data(as_text=True)  # control


def test_a_link_made_from_the_other_side_is_noted_with_the_other_sides_number(
    app, create_user, create_resource, office, member_org
):
    """Linking an earlier decision from the later one's page notes the later one on the earlier
    one's history (not the earlier one's own number)."""
    editor = create_user(role="editor", organisation=office)
    earlier = create_resource(title="Erste Instanz", organisation=member_org)
    later = create_resource(title="Zweite Instanz", organisation=member_org)
    client = logged_in_client(app, editor)
    response = client.post(
        f"/resources/{later.id}/links", data={"reference": str(earlier.id), "kind": "earlier"}
    )
    assert response.status_code == 302
    with app.app_context():
        notes = db.session.scalars(
            select(Revision.comment).where(Revision.action == "link_add")
        ).all()
    assert notes == [f"#{later.id}"]


# --- the conflict page: versions that do not exist, and who sees the changes ---------------

OLD_TEXT = "Klarname Erika Musterfrau"


@pytest.fixture
def edited(app, create_user, create_resource, member_org):
    """A draft whose first version held a name, anonymised in the second by its owner;
    (a colleague of the owner, resource)."""
    owner = create_user(organisation=member_org, name="Olga Owner")
    colleague = create_user(organisation=member_org, name="Paul Kollege")
    resource = create_resource(
        title="Entwurf mit Namen",
        summary=f"Geschädigte {OLD_TEXT} berichtet.",
        status="draft",
        type="training_material",
        organisation=member_org,
    )
    client = logged_in_client(app, owner)
    response = client.post(
        f"/resources/{resource.id}/edit",
        data=edit_form_data("Entwurf mit Namen", "Geschädigte E. M. berichtet.", "1"),
    )
    assert response.status_code == 302
    return colleague, resource


@pytest.mark.parametrize("version", ["0", "-1", "abc", "", "next", "999999"])
def test_a_version_that_does_not_exist_is_refused_and_the_input_kept(app, edited, version):
    owner, resource = edited
    current = current_version(app, resource.id)
    if version == "next":
        version = str(current + 1)
    client = logged_in_client(app, owner)
    response = client.post(
        f"/resources/{resource.id}/edit",
        data=edit_form_data("Entwurf mit Namen", "Meine neue Kurzfassung", version),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "gibt es nicht" in page
    assert "Meine neue Kurzfassung" in page
    assert OLD_TEXT not in page
    assert f'name="version" type="hidden" value="{current}"' in page
    assert current_version(app, resource.id) == current


def test_an_old_version_shows_the_changes_to_whoever_may_see_the_history(app, edited):
    owner, resource = edited
    response = logged_in_client(app, owner).post(
        f"/resources/{resource.id}/edit",
        data=edit_form_data("Entwurf mit Namen", "Meine neue Kurzfassung", "1"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert OLD_TEXT in page and "Olga Owner" in page  # the diff and who saved meanwhile


def test_an_old_version_shows_no_changes_to_someone_who_may_not_see_the_history(
    app, edited, monkeypatch
):
    """Today everybody who may edit may also see the history; should the rules ever part, the
    conflict page keeps the input and shows neither old text nor who saved meanwhile."""
    owner, resource = edited
    monkeypatch.setattr(access, "can_see_history", lambda user, resource: False)
    response = logged_in_client(app, owner).post(
        f"/resources/{resource.id}/edit",
        data=edit_form_data("Entwurf mit Namen", "Meine neue Kurzfassung", "1"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Meine neue Kurzfassung" in page and "Bearbeitungskonflikt" in page
    assert OLD_TEXT not in page and "Olga Owner" not in page
