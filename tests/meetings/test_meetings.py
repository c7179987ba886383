"""Meetings: planning, invitations, registration with a waiting list, reminders, calendars."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from portal.extensions import db
from portal.meetings.models import Meeting
from portal.meetings.services import now_local
from portal.notifications.models import Notification
from tests.helpers import logged_in_client


@pytest.fixture
def people(create_user, create_org, office, member_org):
    other = create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")
    return {
        "editor": create_user(role="editor", organisation=office, name="Eda Redaktion"),
        "anna": create_user(name="Anna Nord"),
        "ben": create_user(name="Ben Nord"),
        "sina": create_user(organisation=other, name="Sina Süd"),
        "nord": member_org,
        "sued": other,
    }


def _plan(app, editor, **fields):
    start = (now_local() + timedelta(days=30)).replace(microsecond=0, second=0)
    data = {
        "kind": "training",
        "title": "Fortbildung Opferentschädigung",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
        "place": "Berlin, Kurfürstenstraße 33",
        "agenda": "1. Begrüßung\n2. SGB XIV",
    }
    data.update(fields)
    response = logged_in_client(app, editor).post("/meetings/new", data=data)
    return response


def _meeting(app) -> Meeting:
    with app.app_context():
        meeting = db.session.scalars(db.select(Meeting)).one()
        db.session.expunge(meeting)
        return meeting


def test_the_office_plans_a_meeting_and_the_invited_hear_of_it(app, people):
    response = _plan(app, people["editor"], invited=str(people["nord"].id))
    assert response.status_code == 302
    meeting = _meeting(app)
    with app.app_context():
        told = set(
            db.session.scalars(
                db.select(Notification.user_id).where(Notification.kind == "meetings")
            )
        )
    assert told == {people["anna"].id, people["ben"].id}
    assert logged_in_client(app, people["sina"]).get(f"/meetings/{meeting.id}").status_code == 404
    page = logged_in_client(app, people["anna"]).get(f"/meetings/{meeting.id}")
    assert "Fortbildung Opferentschädigung" in page.get_data(as_text=True)


def test_members_cannot_plan_and_bad_dates_keep_the_form(app, people):
    assert _plan(app, people["anna"]).status_code == 403
    response = _plan(app, people["editor"], ends_at="2020-01-01T10:00")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Das Ende muss nach dem Beginn liegen." in html
    assert "Fortbildung Opferentschädigung" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Meeting.id))) == 0


def test_a_full_meeting_puts_people_on_a_waiting_list_and_moves_them_up(app, people):
    _plan(app, people["editor"], capacity="1")
    meeting = _meeting(app)
    anna = logged_in_client(app, people["anna"])
    ben = logged_in_client(app, people["ben"])
    anna.post(f"/meetings/{meeting.id}/register")
    ben.post(f"/meetings/{meeting.id}/register")
    assert "Sie stehen auf der Warteliste" in ben.get(f"/meetings/{meeting.id}").text
    anna.post(f"/meetings/{meeting.id}/cancel")
    assert "Sie sind angemeldet." in ben.get(f"/meetings/{meeting.id}").text
    with app.app_context():
        reasons = [
            n.params.get("reason")
            for n in db.session.scalars(
                db.select(Notification).where(Notification.user_id == people["ben"].id)
            )
        ]
    assert reasons == ["invited", "promoted"]


def test_registration_closes_at_the_deadline(app, people):
    _plan(app, people["editor"])
    meeting = _meeting(app)
    with app.app_context():
        db.session.get(Meeting, meeting.id).registration_deadline = now_local() - timedelta(hours=1)
        db.session.commit()
    client = logged_in_client(app, people["anna"])
    page = client.post(f"/meetings/{meeting.id}/register", follow_redirects=True)
    assert "Die Anmeldung ist geschlossen." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Meeting, meeting.id).registrations == []


def test_the_office_sees_the_list_and_exports_it_safely(app, people, create_user):
    _plan(app, people["editor"])
    meeting = _meeting(app)
    tricky = create_user(name='=HYPERLINK("http://x")')
    logged_in_client(app, tricky).post(f"/meetings/{meeting.id}/register")
    logged_in_client(app, people["anna"]).post(f"/meetings/{meeting.id}/register")
    office = logged_in_client(app, people["editor"])
    assert "Anna Nord" in office.get(f"/meetings/{meeting.id}").text
    csv_text = office.get(f"/meetings/{meeting.id}/attendees.csv").get_data(as_text=True)
    assert "Anna Nord" in csv_text
    assert "'=HYPERLINK" in csv_text
    member = logged_in_client(app, people["anna"])
    assert member.get(f"/meetings/{meeting.id}/attendees.csv").status_code == 403
    assert "Ben Nord" not in member.get(f"/meetings/{meeting.id}").text


def test_reminders_go_out_once_a_week_before(app, people, runner):
    _plan(app, people["editor"])
    meeting = _meeting(app)
    logged_in_client(app, people["anna"]).post(f"/meetings/{meeting.id}/register")
    assert runner.invoke(args=["send-digests"]).exit_code == 0
    with app.app_context():
        row = db.session.get(Meeting, meeting.id)
        assert row.reminded_at is None  # a month ahead: not yet
        row.starts_at = now_local() + timedelta(days=5)
        row.ends_at = row.starts_at + timedelta(hours=2)
        db.session.commit()
    runner.invoke(args=["send-digests"])
    runner.invoke(args=["send-digests"])
    with app.app_context():
        reminders = [
            n.user_id
            for n in db.session.scalars(db.select(Notification))
            if n.params.get("reason") == "reminder"
        ]
    assert reminders == [people["anna"].id]


def test_a_meeting_and_a_personal_feed_come_as_icalendar(app, people, client):
    _plan(app, people["editor"])
    meeting = _meeting(app)
    anna = logged_in_client(app, people["anna"])
    anna.post(f"/meetings/{meeting.id}/register")
    one = anna.get(f"/meetings/{meeting.id}.ics")
    assert one.mimetype == "text/calendar"
    event = Calendar.from_ical(one.data).walk("VEVENT")[0]
    assert str(event["summary"]) == "Fortbildung Opferentschädigung"
    assert event["dtstart"].dt.replace(tzinfo=None) == meeting.starts_at
    assert anna.post("/meetings/calendar").status_code == 302
    page = anna.get("/meetings/calendar").get_data(as_text=True)
    path = "/meetings/calendar/" + page.split("/meetings/calendar/", 1)[1].split('"', 1)[0]
    feed = client.get(path)  # no login
    assert feed.status_code == 200
    assert "Fortbildung Opferentschädigung" in feed.get_data(as_text=True)
    anna.post("/meetings/calendar")  # a new address ends the old one
    assert client.get(path).status_code == 404
    assert client.get("/meetings/calendar/abc.ics").status_code == 404


def test_materials_show_only_to_those_who_may_see_them(app, people, create_resource, office):
    _plan(app, people["editor"])
    meeting = _meeting(app)
    slides = create_resource(title="Folien SGB XIV", type="training_material")
    internal = create_resource(
        title="Interne Notizen",
        type="training_material",
        visibility="office",
        organisation=office,
    )
    office = logged_in_client(app, people["editor"])
    for entry, role in ((slides, "slides"), (internal, "minutes")):
        office.post(
            f"/meetings/{meeting.id}/materials", data={"reference": str(entry.id), "role": role}
        )
    html = logged_in_client(app, people["anna"]).get(f"/meetings/{meeting.id}").text
    assert "Folien SGB XIV" in html and "Interne Notizen" not in html
    assert "Interne Notizen" in office.get(f"/meetings/{meeting.id}").text
