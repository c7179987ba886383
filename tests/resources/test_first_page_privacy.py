"""The start page: "mine" means authored by me; colleagues' drafts with personal data stay hidden."""

from portal.extensions import db
from portal.resources.models import Resource

VICTIM = "Die Geschädigte Anna Kowalski, geboren am 12.03.1998, sagte aus."


def authored(app, resource, user):
    with app.app_context():
        db.session.get(Resource, resource.id).author_id = user.id
        db.session.commit()


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by `heading_id` (empty if absent)."""
    start = html.find(f'aria-labelledby="{heading_id}"')
    if start < 0:
        return ""
    return html[start : html.find("</section>", start)]


def test_a_new_member_sees_neither_a_colleagues_draft_with_a_victims_name_nor_it_as_hers(
    app, client, create_user, auth, create_resource, member_org
):
    colleague = create_user(role="member", organisation=member_org)
    risky = create_resource(status="returned", title="Urteil Kowalski", body=VICTIM)
    clean = create_resource(status="draft", title="Schulung Grundlagen", body="Die Geschädigte A.")
    for resource in (risky, clean):
        authored(app, resource, colleague)
    newcomer = create_user(role="member", organisation=member_org)
    auth.login(newcomer.email)
    for page in ("/", "/resources/mine"):
        html = client.get(page).text
        assert "Urteil Kowalski" not in html and "Kowalski" not in html
        assert "Schulung Grundlagen" not in section(html, "h-mine")
        organisation = section(html, "h-org-drafts")
        assert "Entwürfe meiner Organisation" in organisation
        assert "Schulung Grundlagen" in organisation
        assert "1 weiterer Entwurf enthält möglicherweise personenbezogene Daten" in organisation


def test_the_author_sees_her_own_risky_draft_under_mine(
    app, client, create_user, auth, create_resource, member_org
):
    author = create_user(role="member", organisation=member_org)
    risky = create_resource(status="returned", title="Urteil Kowalski", body=VICTIM)
    authored(app, risky, author)
    auth.login(author.email)
    html = client.get("/").text
    assert "Urteil Kowalski" in section(html, "h-mine")
    assert "Urteil Kowalski" not in section(html, "h-org-drafts")


def test_mine_lists_only_what_i_wrote_not_unauthored_imports_of_my_organisation(
    client, login_as, create_resource
):
    create_resource(status="draft", title="Importierter Entwurf")
    login_as("member")
    html = client.get("/").text
    assert "Importierter Entwurf" not in section(html, "h-mine")
    assert "Importierter Entwurf" in section(html, "h-org-drafts")


def test_editors_see_the_offices_drafts_with_findings(
    app, client, create_user, auth, create_resource, office
):
    colleague = create_user(role="member", organisation=office)
    risky = create_resource(
        status="draft", title="Urteil Kowalski", body=VICTIM, organisation=office
    )
    authored(app, risky, colleague)
    editor = create_user(role="editor", organisation=office)
    auth.login(editor.email)
    assert "Urteil Kowalski" in section(client.get("/").text, "h-org-drafts")
    member = create_user(role="member", organisation=office)
    auth.logout()
    auth.login(member.email)
    assert "Urteil Kowalski" not in client.get("/").text


def test_new_on_the_start_page_is_newest_first_across_all_types(client, login_as, create_resource):
    from datetime import date, datetime, timedelta

    imported = datetime(2026, 11, 1, 9, 0)
    create_resource(title="Urteil 2019", decision_date=date(2019, 3, 1), published_at=imported)
    create_resource(
        title="Papier 2018",
        type="position_paper",
        published_on=date(2018, 1, 1),
        published_at=imported + timedelta(seconds=5),
    )
    create_resource(
        title="Schulung 2024",
        type="training_material",
        event_date=date(2024, 6, 1),
        published_at=imported + timedelta(seconds=1),
    )
    create_resource(title="Heute veröffentlicht", decision_date=date(2010, 1, 1))
    login_as("member")
    newest = section(client.get("/").text, "h-newest")
    titles = ["Heute veröffentlicht", "Schulung 2024", "Urteil 2019", "Papier 2018"]
    positions = [newest.find(title) for title in titles]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions
