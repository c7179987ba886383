"""Curation workflow: drafts, submission, review, return, publication, archive."""

import pytest

from portal.extensions import db
from portal.resources.models import Court, Resource, Revision


def state(app, resource_id):
    with app.app_context():
        resource = db.session.get(Resource, resource_id)
        return resource.status, resource.version, resource.published_at


def revisions(app, resource_id):
    with app.app_context():
        rows = db.session.scalars(
            db.select(Revision).filter_by(resource_id=resource_id).order_by(Revision.id)
        )
        return [(r.action, r.version, r.comment) for r in rows]


def case_law_form(app, **overrides):
    data = {
        "title": "BGH zur Entschädigung nach § 232a StGB",
        "summary": "Kurz: Anspruch bejaht.",
        "body": "Die Kammer stellt fest ...",
        "language": "de",
        "visibility": "members",
        "court": "bgh",
        "decision_date": "2021-05-04",
        "file_number": "3  str 123 / 19",
        "decision_type": "urteil",
        "legal_areas": ["strafrecht", "opferentschaedigung"],
        "outcome": "compensation_awarded",
        "outcome_amount": "12.500 €",
        "source_url": "https://www.bundesgerichtshof.de/",
        "norms": "§ 232a StGB",
        "save": "1",
    }
    data.update(overrides)
    return data


def test_a_member_creates_a_case_law_draft_through_the_form(app, client, login_as):
    user = login_as("member")
    response = client.post("/resources/new/case-law", data=case_law_form(app))
    assert response.status_code == 302
    with app.app_context():
        resource = db.session.scalars(db.select(Resource)).one()
        assert resource.status == "draft"
        assert resource.author_id == user.id
        assert resource.organisation_id == user.organisation_id
        assert resource.court.slug == "bgh"
        assert resource.file_number_key == "3str123/19"
        assert resource.legal_areas == ["strafrecht", "opferentschaedigung"]
        assert [(n.label, n.confirmed) for n in resource.norms] == [("§ 232a StGB", True)]
        assert [r.action for r in resource.revisions] == ["create"]
        assert resource.revisions[0].data["title"] == resource.title
    page = client.get(response.headers["Location"]).text
    assert "Bundesgerichtshof" in page and "3  str 123 / 19" in page


def test_the_form_keeps_input_and_explains_errors_in_german(app, client, login_as):
    login_as("member")
    client.get("/resources/new/case-law")
    response = client.post(
        "/resources/new/case-law",
        data=case_law_form(
            app, title="", decision_date="gestern", source_url="javascript:alert(1)"
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bitte prüfen Sie die markierten Felder" in html
    assert "Bitte füllen Sie dieses Feld aus." in html
    assert "Bitte geben Sie eine Adresse beginnend mit https://" in html
    assert "Kurz: Anspruch bejaht." in html  # what was typed stays
    assert 'value="gestern"' in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Resource.id))) == 0


def test_full_cycle_submit_return_resubmit_publish(
    app, client, switch_user, create_resource, smtp_sink
):
    author = switch_user("owner")
    resource = create_resource(status="draft", author_id=author.id, title="Mein Entwurf")
    assert client.post(f"/resources/{resource.id}/submit", data={}).status_code == 302
    assert state(app, resource.id)[0] == "submitted"
    # Submitted: the organisation waits; it may no longer edit or publish.
    assert client.get(f"/resources/{resource.id}/edit").status_code == 403
    assert client.post(f"/resources/{resource.id}/publish", data={}).status_code == 403

    switch_user("editor")
    refused = client.post(f"/resources/{resource.id}/return", data={"comment": " "})
    assert refused.status_code == 400
    assert "Bitte begründen Sie die Rückgabe" in refused.text
    response = client.post(
        f"/resources/{resource.id}/return", data={"comment": "Bitte Namen kürzen."}
    )
    assert response.status_code == 302
    assert state(app, resource.id)[0] == "returned"
    [mail] = smtp_sink.to(author.email)
    body = smtp_sink.body(mail)
    assert "Mein Entwurf" in body and "Bitte Namen kürzen." in body
    assert f"http://portal.test/resources/{resource.id}" in body

    switch_user("owner")
    assert "Bitte Namen kürzen." in client.get(f"/resources/{resource.id}").text
    edit_page = client.get(f"/resources/{resource.id}/edit")
    assert edit_page.status_code == 200
    # The return comment stands above the form the member revises.
    assert 'id="h-returned"' in edit_page.text and "Bitte Namen kürzen." in edit_page.text
    assert client.post(f"/resources/{resource.id}/submit", data={}).status_code == 302

    switch_user("editor")
    assert client.post(f"/resources/{resource.id}/publish", data={}).status_code == 302
    status, _, published_at = state(app, resource.id)
    assert status == "published" and published_at is not None
    assert [a for a, _, _ in revisions(app, resource.id)] == [
        "create",
        "submit",
        "return",
        "submit",
        "publish",
    ]

    switch_user("outsider")
    assert client.get(f"/resources/{resource.id}").status_code == 200


def test_editors_publish_drafts_directly_and_archive_and_unarchive(
    app, client, switch_user, create_resource
):
    resource = create_resource(status="draft")
    switch_user("editor")
    assert client.post(f"/resources/{resource.id}/publish", data={}).status_code == 302
    assert client.post(f"/resources/{resource.id}/archive", data={}).status_code == 302
    assert state(app, resource.id)[0] == "archived"
    switch_user("outsider")
    assert client.get(f"/resources/{resource.id}").status_code == 404
    switch_user("editor")
    assert client.post(f"/resources/{resource.id}/unarchive", data={}).status_code == 302
    assert state(app, resource.id)[0] == "published"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("draft", "publish"),
        ("submitted", "publish"),
        ("submitted", "return"),
        ("published", "archive"),
        ("archived", "unarchive"),
    ],
)
def test_members_cannot_do_what_editors_do(
    app, client, switch_user, create_resource, status, action
):
    resource = create_resource(status=status)
    switch_user("owner")
    assert client.get(f"/resources/{resource.id}/{action}").status_code == 403
    assert (
        client.post(f"/resources/{resource.id}/{action}", data={"comment": "x"}).status_code == 403
    )
    assert state(app, resource.id)[0] == status


def test_another_organisation_can_neither_submit_nor_edit(
    app, client, switch_user, create_resource
):
    draft = create_resource(status="draft")
    published = create_resource(status="published")
    switch_user("outsider")
    assert client.post(f"/resources/{draft.id}/submit", data={}).status_code == 404
    assert client.post(f"/resources/{published.id}/submit", data={}).status_code == 403
    assert client.get(f"/resources/{published.id}/edit").status_code == 403
    assert client.post(f"/resources/{published.id}/edit", data={"title": "x"}).status_code == 403
    assert state(app, draft.id)[0] == "draft"


def test_members_cannot_edit_published_resources_but_editors_can(
    app, client, switch_user, create_resource
):
    resource = create_resource(status="published", type="training_material", summary="Alt")
    switch_user("owner")
    assert client.get(f"/resources/{resource.id}/edit").status_code == 403
    switch_user("editor")
    page = client.get(f"/resources/{resource.id}/edit")
    assert page.status_code == 200
    response = client.post(
        f"/resources/{resource.id}/edit",
        data={
            "title": resource.title,
            "summary": "Neu",
            "language": "de",
            "visibility": "members",
            "version": str(resource.version),
            "save": "1",
        },
    )
    assert response.status_code == 302
    assert state(app, resource.id)[0] == "published"


def test_my_drafts_page_lists_own_and_organisation_work(client, switch_user, create_resource):
    author = switch_user("owner")
    create_resource(status="draft", title="Eigener Entwurf", author_id=author.id)
    create_resource(status="submitted", title="Eingereichter Entwurf der Stelle")
    create_resource(status="published", title="Längst veröffentlicht")
    html = client.get("/resources/mine").text
    assert "Eigener Entwurf" in html and "Eingereichter Entwurf der Stelle" in html
    assert "Längst veröffentlicht" not in html


def test_the_case_law_form_offers_catalogue_courts_without_writing_and_a_save_adds_the_row(
    app, client, login_as
):
    login_as("member")
    html = client.get("/resources/new/case-law").text
    assert '<option value="bgh">Bundesgerichtshof</option>' in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Court.id))) == 0
    client.post("/resources/new/case-law", data=case_law_form(app, court="olg-muenchen"))
    with app.app_context():
        resource = db.session.scalars(db.select(Resource)).one()
        assert resource.court.slug == "olg-muenchen"
        assert resource.court.name == "Oberlandesgericht München"


def test_a_court_that_is_neither_in_the_catalogue_nor_the_table_is_refused_with_the_input_kept(
    app, client, login_as
):
    login_as("member")
    response = client.post("/resources/new/case-law", data=case_law_form(app, court="mondgericht"))
    assert response.status_code == 200
    assert "BGH zur Entschädigung nach § 232a StGB" in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Resource.id))) == 0
