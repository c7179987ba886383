"""Linking resources from the edit page: related resources and instances."""

from portal.extensions import db
from portal.resources.models import ResourceLink


def links(app):
    with app.app_context():
        return [
            (link.source_id, link.target_id, link.kind)
            for link in db.session.scalars(db.select(ResourceLink).order_by(ResourceLink.id))
        ]


def test_linking_related_and_instance_resources(app, client, login_as, create_resource):
    draft = create_resource(status="draft", title="Unser Entwurf")
    paper = create_resource(status="published", type="position_paper", title="Papier")
    appeal = create_resource(status="published", title="Berufungsurteil")
    login_as("member")
    for reference, kind in ((str(paper.id), "related"), (f"/resources/{appeal.id}", "later")):
        response = client.post(
            f"/resources/{draft.id}/links", data={"reference": reference, "kind": kind}
        )
        assert response.status_code == 302
    assert links(app) == [(draft.id, paper.id, "related"), (draft.id, appeal.id, "instance")]
    html = client.get(f"/resources/{draft.id}").text
    assert "Papier" in html and "spätere Instanz" in html
    again = client.post(
        f"/resources/{draft.id}/links", data={"reference": str(paper.id), "kind": "related"}
    )
    assert again.status_code == 400 and "Diese Verknüpfung besteht bereits." in again.text


def test_a_hidden_resource_cannot_be_linked_or_named(app, client, switch_user, create_resource):
    hidden = create_resource(status="draft", title="Fremder Entwurf")
    switch_user("outsider")
    own = client.post(
        "/resources/new/training",
        data={
            "title": "Eigene Schulung",
            "summary": "s",
            "language": "de",
            "visibility": "members",
            "save": "1",
        },
    )
    own_id = int(own.headers["Location"].rsplit("/", 1)[-1])
    response = client.post(
        f"/resources/{own_id}/links", data={"reference": str(hidden.id), "kind": "related"}
    )
    assert response.status_code == 400
    assert "gibt es nicht oder Sie dürfen ihn nicht sehen" in response.text
    assert "Fremder Entwurf" not in response.text
    assert links(app) == []


def test_instances_link_only_decisions(app, client, login_as, create_resource):
    decision = create_resource(status="draft")
    training = create_resource(status="published", type="training_material")
    login_as("member")
    response = client.post(
        f"/resources/{decision.id}/links", data={"reference": str(training.id), "kind": "earlier"}
    )
    assert "Instanzen lassen sich nur zwischen Entscheidungen verknüpfen." in response.text
    assert links(app) == []
