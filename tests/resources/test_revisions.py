"""Revision history: readable diffs and restoring an earlier version."""

import re

from portal.extensions import db
from portal.resources.models import Resource, Revision


def edit(client, resource_id, **fields):
    page = client.get(f"/resources/{resource_id}/edit").text
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)[1]
    data = {"language": "de", "visibility": "members", "version": version, "save": "1"}
    data.update(fields)
    response = client.post(f"/resources/{resource_id}/edit", data=data)
    assert response.status_code == 302, response.text
    return response


def revision_ids(app, resource_id):
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(Revision.id).filter_by(resource_id=resource_id).order_by(Revision.id)
            )
        )


def test_every_change_is_a_revision_with_a_readable_diff(app, client, login_as, create_resource):
    resource = create_resource(
        status="draft",
        type="position_paper",
        title="Stellungnahme zum Entwurf",
        summary="Der KOK begrüßt den Entwurf.",
    )
    login_as("member")
    edit(
        client,
        resource.id,
        title="Stellungnahme zum Entwurf",
        summary="Der KOK kritisiert den Entwurf.",
        comment="Haltung geändert",
    )
    ids = revision_ids(app, resource.id)
    assert len(ids) == 2  # baseline of the imported state, then the edit
    html = client.get(f"/resources/{resource.id}/revisions/{ids[1]}").text
    assert "Haltung geändert" in html
    assert "<del>begrüßt</del>" in html and "<ins>kritisiert</ins>" in html
    assert "entfernt:" in html and "hinzugefügt:" in html
    assert "Kurzfassung" in html
    detail = client.get(f"/resources/{resource.id}").text
    assert "Verlauf" in detail and "Haltung geändert" in detail


def test_restoring_creates_a_new_revision(app, client, login_as, create_resource):
    resource = create_resource(status="draft", type="training_material", title="Ursprung")
    login_as("member")
    edit(client, resource.id, title="Geändert", summary="x")
    first = revision_ids(app, resource.id)[0]
    compare = client.get(f"/resources/{resource.id}/revisions/{first}?compare=current").text
    assert "<del>Ursprung</del>" in compare or "<ins>Geändert</ins>" in compare
    with app.app_context():
        version = db.session.get(Resource, resource.id).version
    response = client.post(
        f"/resources/{resource.id}/revisions/{first}/restore", data={"version": str(version)}
    )
    assert response.status_code == 302
    with app.app_context():
        restored = db.session.get(Resource, resource.id)
        assert restored.title == "Ursprung"
        assert [r.action for r in restored.revisions][:1] == ["restore"]
        assert len(restored.revisions) == 3


def test_a_stale_restore_is_refused(app, client, login_as, create_resource):
    resource = create_resource(status="draft", type="training_material", title="Ursprung")
    login_as("member")
    edit(client, resource.id, title="Geändert", summary="x")
    first = revision_ids(app, resource.id)[0]
    response = client.post(
        f"/resources/{resource.id}/revisions/{first}/restore", data={"version": "1"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Resource, resource.id).title == "Geändert"


def test_outsiders_cannot_restore(app, client, switch_user, create_resource):
    resource = create_resource(status="published", type="training_material", title="Öffentlich")
    switch_user("editor")
    edit(client, resource.id, title="Öffentlich 2", summary="y")
    first = revision_ids(app, resource.id)[0]
    switch_user("outsider")
    response = client.post(
        f"/resources/{resource.id}/revisions/{first}/restore", data={"version": "2"}
    )
    assert response.status_code == 404


def test_the_diff_shows_german_labels_and_no_template_whitespace(
    app, client, switch_user, create_resource
):
    resource = create_resource(
        status="draft", type="position_paper", title="Papier", summary="Kurz."
    )
    with app.app_context():
        from portal.resources import revisions

        revisions.record_revision(db.session.get(Resource, resource.id), None, "import")
        db.session.commit()
    switch_user("editor")
    response = client.post(f"/resources/{resource.id}/publish", data={"confirm": "y"})
    assert response.status_code == 302
    first, published = revision_ids(app, resource.id)
    html = client.get(f"/resources/{resource.id}/revisions/{published}").text
    assert "Veröffentlicht" in html and "Entwurf" in html
    assert ">draft<" not in html and ">published<" not in html
    assert re.search(r'<li class="diff-line[^"]*">\s', html) is None
    assert re.search(r"\s</li>", html.split('class="diff"')[1].split("</dl>")[0]) is None
    imported = client.get(f"/resources/{resource.id}/revisions/{first}").text
    assert "Importiert" in imported and "System" in imported
    assert "unbekannt" not in imported and ">import<" not in imported
