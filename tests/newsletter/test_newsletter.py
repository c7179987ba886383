"""„KOK informiert": the office composes, previews and sends; members read the archive."""

import pytest

from portal.auth.models import User
from portal.extensions import db
from portal.newsletter.models import Issue
from portal.resources.models import Resource
from portal.timeutil import utcnow
from tests.helpers import logged_in_client


@pytest.fixture
def people(create_user, create_org, office):
    other = create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")
    return {
        "editor": create_user(role="editor", organisation=office, name="Eda Redaktion"),
        "member": create_user(name="Kai Kollege"),
        "stranger": create_user(organisation=other, name="Sina Süd"),
    }


def _issue_id(app) -> int:
    with app.app_context():
        return db.session.scalars(db.select(Issue.id)).one()


def _compose(app, editor, *entries, title="Ausgabe 1/2026"):
    client = logged_in_client(app, editor)
    assert client.post("/kok-informiert/new", data={"title": title}).status_code == 302
    issue_id = _issue_id(app)
    for entry in entries:
        client.post(f"/kok-informiert/{issue_id}/add", data={"id": str(entry.id)})
    return client, issue_id


def test_the_office_composes_orders_notes_and_sends_an_issue_to_every_member(
    app, people, create_resource, smtp_sink
):
    first = create_resource(title="BGH zur Ausbeutung", published_at=utcnow())
    second = create_resource(title="Schulung Juju", type="training_material", published_at=utcnow())
    client, issue_id = _compose(app, people["editor"], first, second)
    with app.app_context():
        items = db.session.get(Issue, issue_id).items
        second_item = items[1].id
    client.post(f"/kok-informiert/{issue_id}/up", data={"id": str(second_item)})
    response = client.post(
        f"/kok-informiert/{issue_id}/compose",
        data={
            "title": "Ausgabe 1/2026",
            "intro": "Neues aus der Rechtsprechung.",
            f"note-{second_item}": "Gut für Fortbildungen.",
        },
    )
    assert response.status_code == 302
    preview = client.get(f"/kok-informiert/{issue_id}/preview").get_data(as_text=True)
    assert preview.index("Schulung Juju") < preview.index("BGH zur Ausbeutung")
    assert "Gut für Fortbildungen." in preview
    assert smtp_sink.to(people["member"].email) == []  # nothing goes out before sending
    assert client.post(f"/kok-informiert/{issue_id}/send").status_code == 302
    for person in ("member", "stranger"):
        mails = smtp_sink.to(people[person].email)
        assert len(mails) == 1
        body = smtp_sink.body(mails[0])
        assert body.index("Schulung Juju") < body.index("BGH zur Ausbeutung")
        assert "Neues aus der Rechtsprechung." in body
    archive = logged_in_client(app, people["stranger"]).get(f"/kok-informiert/{issue_id}")
    assert "Gut für Fortbildungen." in archive.get_data(as_text=True)
    # sent once: a second send, or a change afterwards, is refused
    client.post(f"/kok-informiert/{issue_id}/send")
    assert len(smtp_sink.to(people["member"].email)) == 1


def test_members_neither_compose_nor_see_drafts(app, people, create_resource):
    entry = create_resource(title="Beschluss", published_at=utcnow())
    _client, issue_id = _compose(app, people["editor"], entry)
    member = logged_in_client(app, people["member"])
    assert member.post("/kok-informiert/new", data={"title": "Meins"}).status_code == 403
    assert member.get(f"/kok-informiert/{issue_id}").status_code == 404
    assert member.get(f"/kok-informiert/{issue_id}/compose").status_code == 403
    assert member.post(f"/kok-informiert/{issue_id}/send").status_code == 403
    assert "Ausgabe 1/2026" not in member.get("/kok-informiert/").get_data(as_text=True)


def test_only_entries_every_member_may_see_can_be_taken_in(app, people, create_resource):
    internal = create_resource(title="Nur Nord", visibility="organisation", published_at=utcnow())
    draft = create_resource(title="Entwurf", status="draft")
    client, issue_id = _compose(app, people["editor"], internal, draft)
    page = client.get(f"/kok-informiert/{issue_id}/compose").get_data(as_text=True)
    assert "Nur Nord" not in page and "Entwurf</a>" not in page
    with app.app_context():
        assert db.session.get(Issue, issue_id).items == []


def test_an_entry_hidden_after_composing_is_left_out_of_mails_and_archive(
    app, people, create_resource, smtp_sink
):
    shown = create_resource(title="Bleibt sichtbar", published_at=utcnow())
    hidden = create_resource(title="Geheimakte Nord", published_at=utcnow())
    client, issue_id = _compose(app, people["editor"], shown, hidden)
    with app.app_context():
        db.session.get(Resource, hidden.id).visibility = "organisation"
        db.session.commit()
    client.post(f"/kok-informiert/{issue_id}/send")
    body = smtp_sink.body(smtp_sink.to(people["stranger"].email)[0])
    assert "Bleibt sichtbar" in body and "Geheimakte Nord" not in body
    inside = smtp_sink.body(smtp_sink.to(people["member"].email)[0])
    assert "Geheimakte Nord" in inside  # control: its own organisation still sees it
    archive = logged_in_client(app, people["stranger"]).get(f"/kok-informiert/{issue_id}")
    assert "Geheimakte Nord" not in archive.get_data(as_text=True)
    found = logged_in_client(app, people["stranger"]).get("/kok-informiert/?q=Geheimakte")
    assert "Ausgabe 1/2026" not in found.get_data(as_text=True)


def test_an_issue_without_entries_is_not_sent_and_a_reader_can_opt_out(
    app, people, create_resource, smtp_sink
):
    client, issue_id = _compose(app, people["editor"])
    page = client.post(f"/kok-informiert/{issue_id}/send", follow_redirects=True)
    assert "ohne Einträge" in page.get_data(as_text=True)
    entry = create_resource(title="Beschluss", published_at=utcnow())
    client.post(f"/kok-informiert/{issue_id}/add", data={"id": str(entry.id)})
    with app.app_context():
        from portal.notifications.services import set_frequency

        set_frequency(db.session.get(User, people["member"].id), "newsletter", "off")
        db.session.commit()
    client.post(f"/kok-informiert/{issue_id}/send")
    assert smtp_sink.to(people["member"].email) == []
    assert len(smtp_sink.to(people["stranger"].email)) == 1
    bell = logged_in_client(app, people["member"]).get("/notifications/")
    assert "„KOK informiert“: Ausgabe 1/2026" in bell.get_data(as_text=True)


def test_the_archive_is_searchable(app, people, create_resource):
    entry = create_resource(title="Entschädigung nach dem SGB XIV", published_at=utcnow())
    client, issue_id = _compose(app, people["editor"], entry, title="Ausgabe Opferrechte")
    client.post(f"/kok-informiert/{issue_id}/send")
    member = logged_in_client(app, people["member"])
    assert "Ausgabe Opferrechte" in member.get("/kok-informiert/?q=Entschädigungen").text
    assert "Ausgabe Opferrechte" not in member.get("/kok-informiert/?q=Dolmetscher").text
