"""One user action raises a resource's version by exactly one, and the history counts 1, 2, 3."""

import io
import re

from portal.extensions import db
from portal.resources.models import Resource, Revision


def version_of(app, resource_id) -> int:
    with app.app_context():
        return db.session.get(Resource, resource_id).version


def history(app, resource_id) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(Revision.version).filter_by(resource_id=resource_id).order_by(Revision.id)
            )
        )


def save_edit(client, resource_id, **fields):
    page = client.get(f"/resources/{resource_id}/edit").text
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)[1]
    data = {"language": "de", "visibility": "members", "version": version, "save": "1"}
    data.update(fields)
    response = client.post(f"/resources/{resource_id}/edit", data=data)
    assert response.status_code == 302, response.text


def test_each_edit_raises_the_version_by_one_and_the_history_reads_one_two_three(
    app, client, login_as, create_resource
):
    resource = create_resource(status="draft", type="position_paper", title="Erster Stand")
    login_as("member")
    assert version_of(app, resource.id) == 1
    save_edit(client, resource.id, title="Zweiter Stand", summary="a")
    assert version_of(app, resource.id) == 2
    save_edit(client, resource.id, title="Dritter Stand", summary="b")
    assert version_of(app, resource.id) == 3
    assert history(app, resource.id) == [1, 2, 3]


def test_a_new_entry_starts_at_version_one(app, client, login_as):
    login_as("member")
    response = client.post(
        "/resources/new/training",
        data={
            "title": "Neu angelegt",
            "summary": "s",
            "language": "de",
            "visibility": "members",
            "save": "1",
        },
    )
    assert response.status_code == 302, response.text
    resource_id = int(re.search(r"/resources/(\d+)", response.location)[1])
    assert version_of(app, resource_id) == 1
    assert history(app, resource_id) == [1]
    save_edit(client, resource_id, title="Geändert", summary="s")
    assert version_of(app, resource_id) == 2
    assert history(app, resource_id) == [1, 2]


def test_restore_links_and_attachments_each_raise_the_version_by_one(
    app, client, login_as, create_resource
):
    resource = create_resource(status="draft", type="position_paper", title="Papier Ursprung")
    other = create_resource(status="published", type="position_paper", title="Anderes Papier")
    login_as("member")
    save_edit(client, resource.id, title="Papier geändert", summary="s")
    assert history(app, resource.id) == [1, 2]
    with app.app_context():
        first = db.session.scalar(
            db.select(Revision.id).filter_by(resource_id=resource.id).order_by(Revision.id)
        )
    response = client.post(
        f"/resources/{resource.id}/revisions/{first}/restore", data={"version": "2"}
    )
    assert response.status_code == 302
    assert version_of(app, resource.id) == 3
    response = client.post(
        f"/resources/{resource.id}/links", data={"reference": str(other.id), "kind": "related"}
    )
    assert response.status_code == 302
    assert version_of(app, resource.id) == 4
    with app.app_context():
        from portal.resources.models import ResourceLink

        link_id = db.session.scalar(db.select(ResourceLink.id))
    response = client.post(
        f"/resources/{resource.id}/links/{link_id}/delete", data={"version": "4"}
    )
    assert response.status_code == 302
    assert version_of(app, resource.id) == 5
    response = client.post(
        f"/resources/{resource.id}/attachments",
        data={"file": (io.BytesIO(b"Hallo Welt\n"), "notiz.txt"), "upload": "1"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    assert version_of(app, resource.id) == 6
    assert history(app, resource.id) == [1, 2, 3, 4, 5, 6]
