"""GET /api/v1/resources/<id>: the import/export record plus id and url; hidden means 404."""

from portal.extensions import db
from portal.resources.models import ResourceLink


def test_a_visible_resource_comes_in_the_record_format_with_id_and_url(
    client, create_user, create_resource, make_token, bearer
):
    resource = create_resource(
        title="Entschädigung nach § 232a StGB",
        court="BGH",
        norms=["§ 232a StGB"],
        file_number="3 StR 123/19",
        external_id="bgh-1",
    )
    token = make_token(create_user())
    response = client.get(f"/api/v1/resources/{resource.id}", headers=bearer(token))
    assert response.status_code == 200
    data = response.json
    assert data["id"] == resource.id
    assert data["url"] == f"http://portal.test/resources/{resource.id}"
    assert data["external_id"] == "bgh-1"
    assert data["type"] == "case_law"
    assert data["norms"] == ["§ 232a StGB"]
    assert data["file_number"] == "3 StR 123/19"
    assert data["court"] == "Bundesgerichtshof"


def test_a_resource_only_another_organisation_may_see_answers_404(
    client, create_org, create_user, create_resource, make_token, bearer
):
    other = create_org()
    hidden = create_resource(organisation=other, visibility="organisation")
    draft = create_resource(organisation=other, status="draft")
    office_only = create_resource(visibility="office")
    token = make_token(create_user())
    for resource in (hidden, draft, office_only):
        response = client.get(f"/api/v1/resources/{resource.id}", headers=bearer(token))
        assert response.status_code == 404
        assert response.json["error"]["code"] == 404
    assert client.get("/api/v1/resources/999999", headers=bearer(token)).status_code == 404
    # The owning organisation does see its own resource.
    own = make_token(create_user(organisation=other))
    assert client.get(f"/api/v1/resources/{hidden.id}", headers=bearer(own)).status_code == 200


def test_links_to_hidden_resources_are_left_out(
    app, client, create_org, create_user, create_resource, make_token, bearer
):
    other = create_org()
    source = create_resource(external_id="a")
    visible = create_resource(external_id="b")
    hidden = create_resource(external_id="secret", organisation=other, visibility="organisation")
    with app.app_context():
        for target in (visible, hidden):
            db.session.add(ResourceLink(source_id=source.id, target_id=target.id, kind="related"))
        db.session.commit()
    token = make_token(create_user())
    data = client.get(f"/api/v1/resources/{source.id}", headers=bearer(token)).json
    assert data["links"] == [{"kind": "related", "target": "b"}]


def test_anonymous_requests_get_401_json(client, create_resource):
    resource = create_resource()
    response = client.get(f"/api/v1/resources/{resource.id}")
    assert response.status_code == 401
    assert response.json == {"error": {"code": 401, "message": "unauthorized"}}
