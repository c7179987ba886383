"""Consultations: opening on a draft paper, one response per organisation, overview, closing."""

from datetime import date, timedelta

import pytest

from portal.consultations import services
from portal.consultations.models import Consultation, ConsultationResponse
from portal.extensions import db
from portal.notifications.models import Notification
from tests.helpers import logged_in_client

TEXT = "Einleitung zur Stellungnahme.\n\nForderung 1: Aufenthalt sichern.\n\nForderung 2: Entschädigung."


@pytest.fixture
def people(create_user, create_org, office, member_org):
    sued = create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")
    west = create_org(slug="fbs-west", name="Fachberatungsstelle West")
    return {
        "editor": create_user(role="editor", organisation=office, name="Eda Redaktion"),
        "anna": create_user(name="Anna Nord"),
        "ben": create_user(name="Ben Nord"),
        "sina": create_user(organisation=sued, name="Sina Süd"),
        "wim": create_user(organisation=west, name="Wim West"),
        "nord": member_org,
        "sued": sued,
        "west": west,
    }


@pytest.fixture
def paper(create_resource, office):
    return create_resource(
        title="Stellungnahme zum Aufenthaltsrecht",
        type="position_paper",
        status="draft",
        organisation=office,
        visibility="members",
        body=TEXT,
    )


def _open(app, people, paper, **data):
    form = {"deadline": (date.today() + timedelta(days=14)).isoformat()}
    form.update(data)
    return logged_in_client(app, people["editor"]).post(f"/consultations/new/{paper.id}", data=form)


def _consultation(app) -> Consultation:
    with app.app_context():
        row = db.session.scalars(db.select(Consultation)).one()
        db.session.expunge(row)
        return row


def test_the_office_opens_a_consultation_in_numbered_sections_and_the_asked_are_told(
    app, people, paper
):
    asked = [str(people["nord"].id), str(people["sued"].id)]
    assert _open(app, people, paper, asked=asked).status_code == 302
    consultation = _consultation(app)
    assert [s["number"] for s in consultation.sections] == ["1", "2", "3"]
    assert consultation.sections[1]["text"] == "Forderung 1: Aufenthalt sichern."
    with app.app_context():
        told = set(
            db.session.scalars(
                db.select(Notification.user_id).where(Notification.kind == "consultations")
            )
        )
    assert told == {people["anna"].id, people["ben"].id, people["sina"].id}
    # Wim's organisation is not asked: he reads the record but cannot respond
    wim = logged_in_client(app, people["wim"])
    page = wim.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "Forderung 1" in page and "verbindlich abgeben" not in page
    response = wim.post(
        f"/consultations/{consultation.id}", data={"verdict": "agree", "submit": "1"}
    )
    assert response.status_code == 400


def test_members_cannot_open_and_a_past_deadline_keeps_the_form(app, people, paper):
    member = logged_in_client(app, people["anna"])
    assert member.post(f"/consultations/new/{paper.id}", data={}).status_code == 403
    response = _open(app, people, paper, deadline="2020-01-01", asked=str(people["sued"].id))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Die Frist muss in der Zukunft liegen." in html
    assert f'value="{people["sued"].id}" checked' in html


def test_one_response_per_organisation_drafted_by_its_staff_and_submitted_once(app, people, paper):
    _open(app, people, paper)
    consultation = _consultation(app)
    path = f"/consultations/{consultation.id}"
    anna = logged_in_client(app, people["anna"])
    ben = logged_in_client(app, people["ben"])
    anna.post(path, data={"verdict": "agree_with_changes", "section-2": "Bitte schärfen."})
    page = ben.get(path).get_data(as_text=True)
    assert "Bitte schärfen." in page  # the colleague continues the same draft
    ben.post(
        path,
        data={"verdict": "agree_with_changes", "section-2": "Bitte schärfen.", "submit": "1"},
    )
    again = anna.post(path, data={"verdict": "reject", "submit": "1"})
    assert again.status_code == 400
    with app.app_context():
        rows = db.session.scalars(db.select(ConsultationResponse)).all()
        assert len(rows) == 1
        assert (rows[0].verdict, rows[0].section_comments) == (
            "agree_with_changes",
            {"2": "Bitte schärfen."},
        )


def test_submitting_without_a_verdict_keeps_the_comments(app, people, paper):
    _open(app, people, paper)
    consultation = _consultation(app)
    response = logged_in_client(app, people["sina"]).post(
        f"/consultations/{consultation.id}", data={"section-3": "Wichtig!", "submit": "1"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Bitte wählen Sie Ihr Votum" in html and "Wichtig!" in html


def test_the_office_sees_who_answered_per_section_and_exports_it(app, people, paper):
    _open(app, people, paper)
    consultation = _consultation(app)
    path = f"/consultations/{consultation.id}"
    logged_in_client(app, people["anna"]).post(
        path, data={"verdict": "agree", "section-1": "=Gut so", "submit": "1"}
    )
    logged_in_client(app, people["sina"]).post(
        path, data={"verdict": "reject", "comment": "Zu weich.", "section-1": "Fehlt etwas"}
    )  # a draft: not in the overview yet
    office = logged_in_client(app, people["editor"])
    overview = office.get(f"{path}/overview").get_data(as_text=True)
    assert "=Gut so" in overview and "Fehlt etwas" not in overview
    assert "abgegeben" in overview and "Entwurf" in overview and "keine Rückmeldung" in overview
    csv_text = office.get(f"{path}/export.csv").get_data(as_text=True)
    assert "Fachberatungsstelle Nord" in csv_text and "'=Gut so" in csv_text
    assert "Zu weich." not in csv_text
    assert logged_in_client(app, people["anna"]).get(f"{path}/overview").status_code == 403
    assert "Druckansicht" not in office.get(f"{path}/overview?print=1").get_data(as_text=True)


def test_reminders_go_to_the_organisations_that_have_not_submitted(app, people, paper):
    _open(app, people, paper, deadline=(date.today() + timedelta(days=2)).isoformat())
    consultation = _consultation(app)
    logged_in_client(app, people["anna"]).post(
        f"/consultations/{consultation.id}", data={"verdict": "agree", "submit": "1"}
    )
    with app.app_context():
        assert services.send_reminders() == 2  # Sina (Süd) and Wim (West), not Nord
        assert services.send_reminders() == 0


def test_closing_records_the_outcome_and_the_paper_says_it_was_agreed(app, people, paper):
    _open(app, people, paper)
    consultation = _consultation(app)
    office = logged_in_client(app, people["editor"])
    response = office.post(f"/consultations/{consultation.id}/close", data={"outcome": ""})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Consultation, consultation.id).closed_at is None
    office.post(
        f"/consultations/{consultation.id}/close",
        data={"outcome": "Breite Zustimmung, Forderung 2 geschärft."},
    )
    page = office.get(f"/resources/{paper.id}").get_data(as_text=True)
    assert "Mit den Mitgliedsorganisationen abgestimmt am" in page
    record = logged_in_client(app, people["wim"]).get(f"/consultations/{consultation.id}")
    assert "Breite Zustimmung" in record.get_data(as_text=True)
