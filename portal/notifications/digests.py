"""`send-digests`: meeting and consultation reminders and new matches of followed saved
searches become notifications, then the daily and weekly mails go out.

Each person gets at most one daily digest per day and one weekly digest per week (Monday to
Sunday), whenever and however often the command runs. A digest lists only notifications whose
resource the person may see at sending time.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.auth.models import User
from portal.consultations import services as consultations
from portal.extensions import db
from portal.mail import send_mail
from portal.meetings.services import send_reminders
from portal.notifications import services
from portal.notifications.models import DigestState, Follow, Notification
from portal.resources.access import can_view
from portal.saved import services as saved_services
from portal.saved.models import SavedSearch
from portal.timeutil import utcnow
from portal.urls import external_url

logger = logging.getLogger(__name__)

DIGEST_SIZE = 50


def check_saved_searches() -> int:
    """Turn new matches of followed saved searches into notifications; returns how many."""
    made = 0
    for follow in db.session.scalars(select(Follow).where(Follow.target_type == "saved_search")):
        saved = db.session.get(SavedSearch, int(follow.target_key))
        owner = follow.user
        now = utcnow()
        if saved is None or saved.user_id != owner.id or not owner.is_active:
            continue
        for hit in saved_services.new_matches(saved, owner, follow.checked_at):
            made += len(
                services.notify(
                    [owner],
                    "followed",
                    hit.resource,
                    {"reason": "search", "search": saved.name},
                )
            )
        follow.checked_at = now
        db.session.commit()
    return made


def send_digests(today: date | None = None) -> int:
    """Send the due daily and weekly digests; returns the number of mails."""
    today = today or utcnow().date()
    monday = today - timedelta(days=today.weekday())
    send_reminders()
    consultations.send_reminders(today)
    check_saved_searches()
    sent = 0
    pending = db.session.scalars(
        select(Notification.user_id).where(Notification.mailed_at.is_(None)).distinct()
    ).all()
    for user_id in pending:
        user = db.session.get(User, user_id)
        if user is None or not user.is_active:
            continue
        state = db.session.get(DigestState, user_id) or DigestState(user_id=user_id)
        chosen = services.frequencies(user)
        due = []
        if state.daily_on != today:
            due.append(("daily", _l("Ihre tägliche Zusammenfassung")))
        if state.weekly_on != monday:
            due.append(("weekly", _l("Ihre wöchentliche Zusammenfassung")))
        for frequency, subject in due:
            kinds = [kind for kind, value in chosen.items() if value == frequency]
            if not kinds:
                continue
            outcome = _send_digest(user, kinds, subject)
            if outcome == "failed":
                break  # this person's digests go out on the next run
            sent += outcome == "sent"
            if frequency == "daily":
                state.daily_on = today
            else:
                state.weekly_on = monday
        db.session.add(state)
        db.session.commit()
    return sent


def _send_digest(user: User, kinds: list[str], subject) -> str:
    """Mail one digest; "sent", "empty" (nothing visible to list) or "failed"."""
    notifications = db.session.scalars(
        select(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.mailed_at.is_(None),
            Notification.kind.in_(kinds),
        )
        .order_by(Notification.created_at)
    ).all()
    now = utcnow()
    shown = []
    for notification in notifications:
        notification.mailed_at = now  # not again, whether it is shown or no longer visible
        if notification.resource is None or can_view(user, notification.resource):
            shown.append(notification)
    if not shown:
        return "empty"
    with services.in_language(user):
        entries = [
            (services.text(n), external_url(services.target_path(n))) for n in shown[-DIGEST_SIZE:]
        ]
    try:
        send_mail(
            user.email,
            subject,
            "digest",
            locale=user.language,
            user=user,
            total=len(shown),
            entries=entries,
            open_url=external_url("/notifications/"),
            unsubscribe=[
                (services.KINDS[kind], services.unsubscribe_url(user, kind)) for kind in kinds
            ],
        )
    except Exception:  # noqa: BLE001 - the next run tries again; the others still go out
        logger.exception("Could not send the digest to user %s", user.id)
        db.session.rollback()
        return "failed"
    return "sent"
