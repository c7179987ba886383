"""The anonymisation check before submitting and publishing."""

from portal.extensions import db
from portal.resources.models import Resource, Revision

BODY = "Die Geschädigte Maria Kowalski sagte aus, sie habe täglich 14 Stunden gearbeitet."


def last_revision(app, resource_id) -> Revision:
    with app.app_context():
        revision = db.session.scalars(
            db.select(Revision).filter_by(resource_id=resource_id).order_by(Revision.id.desc())
        ).first()
        db.session.expunge(revision)
        return revision


def status(app, resource_id) -> str:
    with app.app_context():
        return db.session.get(Resource, resource_id).status


def test_findings_are_shown_in_context_with_the_match_highlighted(
    client, switch_user, create_resource, attach
):
    resource = create_resource(status="draft", body=BODY)
    attach(resource.id, b"Zeugin: Frau Ana Popescu, Tel. 0171 1234567\n", "protokoll.txt")
    switch_user("owner")
    html = client.get(f"/resources/{resource.id}/submit").text
    assert "Möglicherweise ein Personenname" in html
    assert "<mark>Maria Kowalski</mark>" in html
    assert "Die Geschädigte <mark>Maria Kowalski</mark> sagte aus" in html
    assert "Anhang „protokoll.txt“" in html
    assert "<mark>0171 1234567</mark>" in html
    assert 'name="confirm"' in html


def test_submitting_with_open_findings_needs_confirmation_which_is_recorded(
    app, client, switch_user, create_resource
):
    resource = create_resource(status="draft", body=BODY)
    switch_user("owner")
    refused = client.post(f"/resources/{resource.id}/submit", data={})
    assert refused.status_code == 400
    assert "Bitte bestätigen Sie, dass Sie die Hinweise geprüft haben." in refused.text
    assert status(app, resource.id) == "draft"

    accepted = client.post(f"/resources/{resource.id}/submit", data={"confirm": "y"})
    assert accepted.status_code == 302
    assert status(app, resource.id) == "submitted"
    revision = last_revision(app, resource.id)
    assert revision.action == "submit"
    assert revision.anonymisation_confirmed is True
    assert {"field": "body", "kind": "person_name", "match": "Maria Kowalski"} in (
        revision.anonymisation_findings
    )


def test_publishing_runs_the_same_check_for_editors(app, client, switch_user, create_resource):
    resource = create_resource(status="submitted", summary="Kontakt: opfer@example.org")
    switch_user("editor")
    assert client.post(f"/resources/{resource.id}/publish", data={}).status_code == 400
    assert status(app, resource.id) == "submitted"
    assert (
        client.post(f"/resources/{resource.id}/publish", data={"confirm": "y"}).status_code == 302
    )
    revision = last_revision(app, resource.id)
    assert revision.action == "publish" and revision.anonymisation_confirmed
    assert revision.anonymisation_findings == [
        {"field": "summary", "kind": "email", "match": "opfer@example.org"}
    ]
    # The history shows that somebody confirmed despite findings.
    page = client.get(f"/resources/{resource.id}/revisions/{revision.id}").text
    assert "Trotz Hinweisen bestätigt" in page and "opfer@example.org" in page


def test_clean_texts_need_no_confirmation(app, client, switch_user, create_resource):
    resource = create_resource(status="draft", body="Die Geschädigte A. sagte aus.")
    switch_user("owner")
    page = client.get(f"/resources/{resource.id}/submit").text
    assert "keine Hinweise auf personenbezogene Daten" in page
    assert 'name="confirm"' not in page
    assert client.post(f"/resources/{resource.id}/submit", data={}).status_code == 302
    revision = last_revision(app, resource.id)
    assert revision.anonymisation_confirmed is False
    assert revision.anonymisation_findings == []


def test_the_confirmation_reads_cleanly_and_each_step_has_its_own_success_message(
    app, client, switch_user, create_resource
):
    resource = create_resource(status="draft", body=BODY)
    switch_user("owner")
    refused = client.post(f"/resources/{resource.id}/submit", data={})
    assert "erkennbar machen.:" not in refused.text
    assert ">Bitte bestätigen Sie, dass Sie die Hinweise geprüft haben.</a>" in refused.text
    # The checkbox and its label sit on one line.
    assert '<span class="checkbox-line"><input' in refused.text
    accepted = client.post(
        f"/resources/{resource.id}/submit", data={"confirm": "y"}, follow_redirects=True
    )
    assert "Zur Prüfung eingereicht." in accepted.text
    assert "Erledigt" not in accepted.text
    switch_user("editor")
    published = client.post(
        f"/resources/{resource.id}/publish", data={"confirm": "y"}, follow_redirects=True
    )
    assert "Veröffentlicht." in published.text and "Erledigt" not in published.text
    archived = client.post(f"/resources/{resource.id}/archive", data={}, follow_redirects=True)
    assert "Archiviert." in archived.text
