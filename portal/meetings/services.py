"""Planning meetings, registering (with a waiting list), reminders, iCalendar and lists.

A meeting is seen by the staff of the organisations it invites (every member organisation
unless the office chose some) and by the office; linked entries show only to those who may
see them. Services add and flush; the view commits.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from portal.audit.services import spreadsheet_safe
from portal.auth.access import is_editor, is_office_staff
from portal.auth.models import User
from portal.extensions import db
from portal.meetings.models import CalendarKey, Meeting, MeetingMaterial, Registration
from portal.notifications import services as notifications
from portal.resources.access import can_view
from portal.resources.services import find_resource_reference
from portal.timeutil import utcnow
from portal.urls import external_url

BERLIN = ZoneInfo("Europe/Berlin")
REMINDER_BEFORE = timedelta(days=7)
KIND_LABELS = {"training": _l("Fortbildung"), "networking": _l("Vernetzungstreffen")}
ROLE_LABELS = {
    "agenda": _l("Tagesordnung"),
    "slides": _l("Folien"),
    "minutes": _l("Protokoll"),
    "other": _l("Material"),
}
_CALENDAR_SALT = "meeting-calendar"


class MeetingError(Exception):
    """A step that cannot be taken; the message can be shown to the user."""


def now_local() -> datetime:
    """Now in German local time, without zone (meetings are typed and stored that way)."""
    return datetime.now(BERLIN).replace(tzinfo=None)


def is_invited(user, meeting: Meeting) -> bool:
    if is_office_staff(user):
        return True
    return meeting.invited is None or user.organisation_id in meeting.invited


def visible_meetings(user, upcoming: bool = True) -> list[Meeting]:
    now = now_local()
    query = select(Meeting)
    if upcoming:
        query = query.where(Meeting.ends_at >= now).order_by(Meeting.starts_at)
    else:
        query = query.where(Meeting.ends_at < now).order_by(Meeting.starts_at.desc())
    return [m for m in db.session.scalars(query) if is_invited(user, m)]


@dataclass(frozen=True)
class Plan:
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    online_url: str
    agenda: str
    capacity: int | None
    registration_deadline: datetime | None
    invited: list[int] | None


def save_meeting(user, plan: Plan, meeting: Meeting | None = None) -> Meeting:
    """Create (and announce to the invited) or change a meeting; office only."""
    if not is_editor(user):
        raise MeetingError(_l("Treffen plant die Geschäftsstelle."))
    if plan.ends_at <= plan.starts_at:
        raise MeetingError(_l("Das Ende muss nach dem Beginn liegen."))
    if plan.registration_deadline and plan.registration_deadline > plan.starts_at:
        raise MeetingError(_l("Der Anmeldeschluss muss vor dem Beginn liegen."))
    new = meeting is None
    if new:
        meeting = Meeting(created_by_id=user.id)
        db.session.add(meeting)
    for name, value in plan.__dict__.items():
        setattr(meeting, name, value)
    db.session.flush()
    if new:
        invited = [u for u in db.session.scalars(select(User)) if is_invited(u, meeting)]
        notifications.notify(
            invited, "meetings", params={"meeting": meeting.id, "reason": "invited"}, actor=user
        )
    return meeting


def registration_of(user, meeting: Meeting) -> Registration | None:
    return next((r for r in meeting.registrations if r.user_id == user.id), None)


def confirmed(meeting: Meeting) -> list[Registration]:
    return [r for r in meeting.registrations if not r.waiting]


def waiting_list(meeting: Meeting) -> list[Registration]:
    return [r for r in meeting.registrations if r.waiting]


def registration_open(meeting: Meeting) -> bool:
    deadline = meeting.registration_deadline or meeting.starts_at
    return now_local() <= deadline


def register(user, meeting: Meeting) -> Registration:
    """Register, or join the waiting list when the meeting is full."""
    if not is_invited(user, meeting):
        raise MeetingError(_l("Zu diesem Treffen ist Ihre Organisation nicht eingeladen."))
    if not registration_open(meeting):
        raise MeetingError(_l("Die Anmeldung ist geschlossen."))
    existing = registration_of(user, meeting)
    if existing is not None:
        return existing
    full = meeting.capacity is not None and len(confirmed(meeting)) >= meeting.capacity
    registration = Registration(meeting=meeting, user_id=user.id, waiting=full)
    db.session.add(registration)
    db.session.flush()
    return registration


def cancel(user, meeting: Meeting) -> None:
    """Withdraw; the first on the waiting list moves up and is told."""
    registration = registration_of(user, meeting)
    if registration is None:
        return
    freed = not registration.waiting
    meeting.registrations.remove(registration)
    db.session.flush()
    if freed and waiting_list(meeting):
        first = waiting_list(meeting)[0]
        first.waiting = False
        db.session.flush()
        notifications.notify(
            [first.user], "meetings", params={"meeting": meeting.id, "reason": "promoted"}
        )


def add_material(meeting: Meeting, user, reference: str, role: str) -> MeetingMaterial:
    if not is_editor(user):
        raise MeetingError(_l("Material verknüpft die Geschäftsstelle."))
    resource = find_resource_reference(user, reference)
    if resource is None:
        raise MeetingError(_l("Diesen Eintrag gibt es nicht."))
    material = MeetingMaterial(
        meeting_id=meeting.id,
        resource_id=resource.id,
        role=role if role in ROLE_LABELS else "other",
    )
    meeting.materials.append(material)
    db.session.flush()
    return material


def visible_materials(meeting: Meeting, user) -> list[MeetingMaterial]:
    return [m for m in meeting.materials if can_view(user, m.resource)]


def send_reminders() -> int:
    """Remind those registered a week before; each meeting once. Returns people told."""
    now = now_local()
    told = 0
    due = db.session.scalars(
        select(Meeting).where(
            Meeting.reminded_at.is_(None),
            Meeting.starts_at > now,
            Meeting.starts_at <= now + REMINDER_BEFORE,
        )
    ).all()
    for meeting in due:
        people = [r.user for r in confirmed(meeting)]
        told += len(
            notifications.notify(
                people, "meetings", params={"meeting": meeting.id, "reason": "reminder"}
            )
        )
        meeting.reminded_at = utcnow()
        db.session.commit()
    return told


def attendees_csv(meeting: Meeting) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Name", "E-Mail", "Organisation", "Angemeldet am", "Warteliste"])
    for r in meeting.registrations:
        writer.writerow(
            [
                spreadsheet_safe(r.user.name),
                spreadsheet_safe(r.user.email),
                spreadsheet_safe(r.user.organisation.name),
                r.created_at.isoformat(timespec="minutes"),
                "ja" if r.waiting else "nein",
            ]
        )
    return out.getvalue()


# --- iCalendar ---------------------------------------------------------------------------


def icalendar(meetings: list[Meeting], name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//KOK-Wissensportal//Treffen//DE")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for meeting in meetings:
        event = Event()
        event.add("uid", f"meeting-{meeting.id}@kok-portal")
        event.add("dtstamp", utcnow().replace(tzinfo=ZoneInfo("UTC")))
        event.add("dtstart", meeting.starts_at.replace(tzinfo=BERLIN))
        event.add("dtend", meeting.ends_at.replace(tzinfo=BERLIN))
        event.add("summary", meeting.title)
        if meeting.place:
            event.add("location", meeting.place)
        event.add("url", external_url(f"/meetings/{meeting.id}"))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def calendar_token(user) -> str | None:
    """The signed secret of the person's calendar feed address; None before they made one."""
    key = db.session.get(CalendarKey, user.id)
    if key is None:
        return None
    return URLSafeSerializer(current_app.secret_key, salt=_CALENDAR_SALT).dumps(
        [user.id, key.nonce]
    )


def new_calendar_token(user) -> str:
    """A new calendar feed address for the person; the old one stops working."""
    key = db.session.get(CalendarKey, user.id)
    if key is None:
        key = CalendarKey(user_id=user.id)
        db.session.add(key)
    key.nonce = secrets.token_hex(16)
    db.session.flush()
    return calendar_token(user)


def calendar_owner(token: str) -> User | None:
    try:
        user_id, nonce = URLSafeSerializer(current_app.secret_key, salt=_CALENDAR_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    key = db.session.get(CalendarKey, user_id) if isinstance(user_id, int) else None
    if key is None or not secrets.compare_digest(key.nonce, str(nonce)):
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_active else None


def registered_meetings(user) -> list[Meeting]:
    """The meetings a person registered for (not waiting) and may still see."""
    found = db.session.scalars(
        select(Meeting)
        .join(Registration)
        .where(Registration.user_id == user.id, Registration.waiting.is_(False))
        .order_by(Meeting.starts_at)
    )
    return [m for m in found if is_invited(user, m)]
