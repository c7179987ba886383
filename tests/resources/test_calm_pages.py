"""Calm, clear pages: the create form's attachments, the citation, the instance chain, technical
details for editors, the review queue's waiting time and comments, the return form's findings."""

import io
import re
from datetime import date, timedelta

from portal.extensions import db
from portal.resources.models import Attachment, Resource, ResourceLink, Revision
from portal.timeutil import utcnow
from tests.helpers import build_pdf


def training_form(**overrides):
    data = {
        "title": "Schulung Arbeitsausbeutung",
        "summary": "Folien der Schulung.",
        "language": "de",
        "visibility": "members",
        "save": "1",
    }
    data.update(overrides)
    return data


def test_the_create_form_stores_its_attachments_with_the_draft(app, client, login_as):
    login_as("member")
    form = training_form(
        attachments=[
            (io.BytesIO(build_pdf("Folien zur Arbeitsausbeutung")), "Folien.pdf"),
            (io.BytesIO(b"Handout Text"), "handout.txt"),
        ]
    )
    response = client.post("/resources/new/training", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        resource = db.session.scalar(
            db.select(Resource).filter_by(title="Schulung Arbeitsausbeutung")
        )
        names = sorted(a.filename for a in resource.attachments)
        assert resource.status == "draft"
        assert names == ["Folien.pdf", "handout.txt"]
        assert "Arbeitsausbeutung" in resource.attachments[0].text + resource.attachments[1].text


def test_a_refused_attachment_keeps_the_form_and_creates_nothing(app, client, login_as):
    login_as("member")
    form = training_form(attachments=[(io.BytesIO(b"MZ\x90\x00binary"), "tool.exe")])
    response = client.post("/resources/new/training", data=form, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "tool.exe:" in response.text
    assert 'value="Schulung Arbeitsausbeutung"' in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Resource.id))) == 0
        assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0


def test_the_edit_form_has_no_attachment_field_of_its_own(client, login_as, create_resource):
    user = login_as("member")
    resource = create_resource(status="draft", author_id=user.id, organisation=None)
    page = client.get(f"/resources/{resource.id}/edit").text
    assert 'name="attachments"' not in page
    assert 'name="file"' in page  # the attachments section uploads one by one


def test_the_detail_page_cites_the_decision_with_a_copy_button(client, login_as, create_resource):
    resource = create_resource(
        court="BGH",
        decision_type="beschluss",
        decision_date=date(2019, 3, 12),
        file_number="3 StR 123/19",
    )
    login_as("member")
    page = client.get(f"/resources/{resource.id}").text
    assert (
        '<span id="citation-text" lang="de">BGH, Beschl. v. 12.03.2019 – 3 StR 123/19</span>'
        in page
    )
    assert 'data-copy="citation-text"' in page and "Fundstelle kopieren" in page


def test_technical_fields_are_folded_for_editors_and_absent_for_members(
    client, auth, create_user, office, create_resource
):
    resource = create_resource(external_id="import-4711")
    auth.login(create_user().email)
    page = client.get(f"/resources/{resource.id}").text
    assert "import-4711" not in page and "Externe Kennung" not in page
    assert "Zuletzt geändert" not in page
    auth.logout()
    auth.login(create_user(role="editor", organisation=office).email)
    page = client.get(f"/resources/{resource.id}").text
    details = re.search(r'<details class="technical-details">(.*?)</details>', page, re.S).group(1)
    assert "<summary>Details</summary>" in details
    assert "import-4711" in details and "Zuletzt geändert" in details and "Version" in details


def test_the_instance_chain_runs_from_the_first_to_the_last_instance(
    app, client, login_as, create_resource, office
):
    first = create_resource(
        title="Erste Instanz", court="LG Hamburg", decision_date=date(2017, 6, 21)
    )
    second = create_resource(title="Revision", court="BGH", decision_date=date(2018, 3, 14))
    third = create_resource(
        title="Nach Zurückverweisung", court="LG Hamburg", decision_date=date(2019, 2, 7)
    )
    hidden = create_resource(title="Geheime Instanz", status="draft", organisation=office)
    with app.app_context():
        for source, target in ((first, second), (second, third), (third, hidden)):
            db.session.add(ResourceLink(source_id=source.id, target_id=target.id, kind="instance"))
        db.session.commit()
    login_as("member")
    page = client.get(f"/resources/{second.id}").text
    chain = re.search(r'<ol class="instance-chain">(.*?)</ol>', page, re.S).group(1)
    steps = re.findall(r"<li[^>]*>(.*?)</li>", chain, re.S)
    assert len(steps) == 3
    assert "Erste Instanz" in steps[0] and 'aria-current="page"' not in steps[0]
    assert "diese Entscheidung" in steps[1]
    assert "Nach Zurückverweisung" in steps[2]
    assert "Geheime Instanz" not in page
    assert re.search(r'<li aria-current="page" class="current">\s*<strong>BGH</strong>', chain)


def test_the_review_queue_shows_the_submitters_comment_and_the_waiting_time(
    app, client, login_as, create_resource, create_user
):
    author = create_user(name="Mara Beraterin")
    resource = create_resource(title="Wartet", status="submitted", author_id=author.id)
    with app.app_context():
        db.session.add(
            Revision(
                resource_id=resource.id,
                version=2,
                author_id=author.id,
                action="submit",
                comment="Bitte vor Freitag ansehen.",
                data={},
                created_at=utcnow() - timedelta(days=3, hours=2),
            )
        )
        db.session.commit()
    login_as("editor")
    page = client.get("/resources/review").text
    assert "Eingereicht von Mara Beraterin" in page
    assert "Wartezeit: 3 Tage" in page
    assert "Bitte vor Freitag ansehen." in page


def test_an_imported_entry_in_the_queue_waits_since_its_last_change(
    app, client, login_as, create_resource
):
    create_resource(title="Importiert", status="submitted", updated_at=utcnow() - timedelta(days=2))
    login_as("editor")
    page = client.get("/resources/review").text
    assert "Wartezeit: 2 Tage" in page and "Eingereicht von" not in page


def test_the_return_form_shows_the_anonymisation_findings_without_a_confirmation(
    client, login_as, create_resource
):
    resource = create_resource(
        status="submitted", summary="Die Geschädigte Anna Müller, geboren am 03.04.1990, sagte aus."
    )
    login_as("editor")
    page = client.get(f"/resources/{resource.id}/return").text
    assert "Prüfung auf personenbezogene Daten" in page
    assert "<mark>" in page
    assert 'name="confirm"' not in page
    response = client.post(
        f"/resources/{resource.id}/return", data={"comment": "Bitte Namen kürzen."}
    )
    assert response.status_code == 302


def test_the_court_filter_offers_only_courts_that_occur_with_counts(
    client, login_as, create_resource, office
):
    create_resource(court="BGH")
    create_resource(court="BGH")
    create_resource(court="LG Hamburg")
    create_resource(court="OLG Celle", status="draft", organisation=office)  # hidden
    create_resource(court="AG Tiergarten", type="training_material")  # another list
    login_as("member")
    page = client.get("/resources/case-law").text
    court = re.search(r'<select id="court" name="court">(.*?)</select>', page, re.S).group(1)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", court)
    assert options == ["alle Gerichte", "Bundesgerichtshof (2)", "Landgericht Hamburg (1)"]


def test_the_print_view_names_the_version_only_for_editors(
    client, auth, create_user, office, create_resource
):
    resource = create_resource()
    auth.login(create_user().email)
    page = client.get(f"/resources/{resource.id}/print").text
    assert "Stand: " in page and "Version" not in page
    auth.logout()
    auth.login(create_user(role="editor", organisation=office).email)
    assert "Stand: Version 1 vom" in client.get(f"/resources/{resource.id}/print").text
