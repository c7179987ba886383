"""Who sees which resource, from every page of the knowledge base."""

import pytest

from portal.extensions import db
from portal.resources.models import ResourceLink

ROLES = ("owner", "outsider", "office_member", "editor", "admin")
EVERYONE = dict.fromkeys(ROLES, True)
ORG_AND_OFFICE = {**EVERYONE, "outsider": False}
OFFICE_ONLY = {**EVERYONE, "outsider": False, "owner": False}

CASES = [
    ("published", "members", EVERYONE),
    ("published", "organisation", ORG_AND_OFFICE),
    ("published", "office", OFFICE_ONLY),
    ("draft", "members", ORG_AND_OFFICE),
    ("submitted", "members", ORG_AND_OFFICE),
    ("returned", "members", ORG_AND_OFFICE),
    ("archived", "members", ORG_AND_OFFICE),
    ("draft", "office", ORG_AND_OFFICE),
]


def link(app, source_id, target_id, kind):
    with app.app_context():
        db.session.add(ResourceLink(source_id=source_id, target_id=target_id, kind=kind))
        db.session.commit()


@pytest.mark.parametrize(("status", "visibility", "expected"), CASES)
@pytest.mark.parametrize("who", ROLES)
def test_detail_print_download_and_list_follow_the_visibility_rule(
    client, switch_user, create_resource, attach, status, visibility, expected, who
):
    resource = create_resource(
        title="Geheimnisvolle Entscheidung", status=status, visibility=visibility
    )
    attachment_id = attach(resource.id)
    switch_user(who)
    visible = expected[who]
    code = 200 if visible else 404

    assert client.get(f"/resources/{resource.id}").status_code == code
    assert client.get(f"/resources/{resource.id}/print").status_code == code
    download = client.get(f"/resources/{resource.id}/attachments/{attachment_id}")
    assert download.status_code == code
    assert (download.data == b"Hallo Welt\n") is visible
    download.close()

    for path in ("/resources/?status=all", "/resources/case-law?status=all"):
        page = client.get(path)
        assert page.status_code == 200
        assert ("Geheimnisvolle Entscheidung" in page.get_data(as_text=True)) is visible


@pytest.mark.parametrize("who", ROLES)
def test_related_and_instance_links_never_show_hidden_resources(
    app, client, switch_user, create_resource, office, who
):
    public = create_resource(title="Öffentliche Entscheidung")
    hidden_related = create_resource(title="Verborgene Stellungnahme", status="draft")
    hidden_later = create_resource(title="Verborgene Folgeinstanz", status="draft")
    office_related = create_resource(
        title="Interne Bewertung", organisation=office, status="published", visibility="office"
    )
    link(app, public.id, hidden_related.id, "related")
    link(app, office_related.id, public.id, "related")
    link(app, public.id, hidden_later.id, "instance")
    switch_user(who)

    page = client.get(f"/resources/{public.id}").get_data(as_text=True)
    printed = client.get(f"/resources/{public.id}/print").get_data(as_text=True)
    sees_org = ORG_AND_OFFICE[who]
    sees_office = OFFICE_ONLY[who]
    for html in (page, printed):
        assert ("Verborgene Stellungnahme" in html) is sees_org
        assert ("Verborgene Folgeinstanz" in html) is sees_org
        assert ("Interne Bewertung" in html) is sees_office
        # The notice about a later instance only points to what the reader may see.
        assert ("spätere Instanz" in html) is sees_org


def test_a_related_link_is_shown_on_both_sides(app, client, login_as, create_resource):
    decision = create_resource(title="Urteil zur Entschädigung")
    paper = create_resource(title="Stellungnahme zur Entschädigung", type="position_paper")
    link(app, paper.id, decision.id, "related")
    login_as("member")
    assert "Stellungnahme zur Entschädigung" in client.get(f"/resources/{decision.id}").text
    assert "Urteil zur Entschädigung" in client.get(f"/resources/{paper.id}").text


def test_an_earlier_decision_points_to_the_later_one(app, client, login_as, create_resource):
    earlier = create_resource(title="Urteil des Landgerichts")
    later = create_resource(title="Revisionsentscheidung des BGH")
    link(app, earlier.id, later.id, "instance")
    login_as("member")
    html = client.get(f"/resources/{earlier.id}").text
    assert "Hinweis:" in html and "spätere Instanz" in html
    assert f'href="/resources/{later.id}"' in html
    later_html = client.get(f"/resources/{later.id}").text
    assert "spätere Instanz" not in later_html
    assert "Vorinstanz:" in later_html and "Urteil des Landgerichts" in later_html


@pytest.mark.parametrize(
    ("who", "visible"),
    [("owner", True), ("outsider", False), ("editor", True), ("admin", True)],
)
def test_revision_history_is_only_for_those_who_saw_the_drafts(client, switch_user, who, visible):
    # A published summary may have been anonymised late: its drafts stay with org and office.
    switch_user("owner")
    client.post(
        "/resources/new/training",
        data={
            "title": "Schulung",
            "summary": "Mit Frau Maria Popescu",
            "language": "de",
            "visibility": "members",
            "save": "1",
        },
    )
    from portal.resources.models import Resource, Revision

    with client.application.app_context():
        resource = db.session.scalars(db.select(Resource)).one()
        resource.status = "published"
        db.session.commit()
        revision_id = db.session.scalars(db.select(Revision.id)).first()
        resource_id = resource.id
    switch_user(who)
    detail = client.get(f"/resources/{resource_id}")
    assert detail.status_code == 200
    assert ("Verlauf" in detail.text) is visible
    page = client.get(f"/resources/{resource_id}/revisions/{revision_id}")
    assert page.status_code == (200 if visible else 404)
    if not visible:
        assert "Popescu" not in page.text


@pytest.mark.parametrize("who", ROLES)
def test_dashboard_lists_only_visible_resources(client, switch_user, create_resource, office, who):
    create_resource(title="Für alle sichtbar")
    create_resource(title="Nur Geschäftsstelle", organisation=office, visibility="office")
    create_resource(title="Entwurf der Nordstelle", status="draft")
    switch_user(who)
    html = client.get("/").text
    assert "Für alle sichtbar" in html
    assert ("Nur Geschäftsstelle" in html) is OFFICE_ONLY[who]
    # Drafts show up under "my drafts" for the owning organisation, in the queue never.
    assert ("Entwurf der Nordstelle" in html) is (who == "owner")


def test_the_review_queue_is_for_editors_and_counts_submissions(
    client, switch_user, create_resource
):
    create_resource(title="Wartet auf Prüfung", status="submitted")
    switch_user("owner")
    assert client.get("/resources/review").status_code == 403
    assert "Prüfung <span" not in client.get("/").text
    switch_user("editor")
    queue = client.get("/resources/review")
    assert queue.status_code == 200 and "Wartet auf Prüfung" in queue.text
    home = client.get("/").text
    assert "1 Eintrag wartet auf Prüfung" in home
    assert "Wartet auf Prüfung" in home


def test_unknown_and_hidden_resources_look_the_same(client, switch_user, create_resource):
    hidden = create_resource(status="draft")
    switch_user("outsider")
    assert client.get(f"/resources/{hidden.id}").status_code == 404
    assert client.get("/resources/999999").status_code == 404
    assert client.get(f"/resources/{hidden.id}/edit").status_code == 404
    assert client.get(f"/resources/{hidden.id}/submit").status_code == 404
