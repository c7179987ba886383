"""Who is told what: notifications, mail preferences, follows and unsubscribe links.

Every notification is created only for a person who may see its resource at that moment
(`can_view`), and every list, count, mail and digest asks again when it shows one: somebody
who moved organisation or lost access learns nothing of it afterwards. Services add and
flush; the caller commits (mails wait for the commit, see `portal.mail`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from babel.dates import format_date, format_datetime
from flask import current_app, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, and_, false, func, or_, select, update

from portal.auth.access import is_editor
from portal.auth.models import User
from portal.consultations.models import Consultation
from portal.extensions import db
from portal.legal.citations import Norm
from portal.mail import send_mail
from portal.meetings.models import Meeting
from portal.newsletter.models import Issue
from portal.notifications.models import Follow, Notification, NotificationSetting
from portal.orgs.models import Organisation
from portal.questions.models import Question
from portal.resources.access import can_view, visible_clause
from portal.resources.models import LEGAL_AREAS, Court, Resource
from portal.saved.models import SavedSearch
from portal.timeutil import utcnow
from portal.urls import external_url

logger = logging.getLogger(__name__)

# Kinds of notification, each with its own mail setting.
KINDS = {
    "submitted": _l("Einträge zur Prüfung eingereicht (Redaktion)"),
    "published": _l("Einträge meiner Organisation veröffentlicht"),
    "returned": _l("Einträge meiner Organisation zur Überarbeitung zurückgegeben"),
    "followed": _l("Neues zu dem, dem ich folge"),
    "commented": _l("Kommentare zu Einträgen, die ich geschrieben oder kommentiert habe"),
    "consultations": _l("Konsultationen zu Stellungnahmen"),
    "meetings": _l("Einladungen und Erinnerungen zu Treffen"),
    "newsletter": _l("„KOK informiert“"),
    "questions": _l("Neue Anfragen an das Netzwerk"),
    "answered": _l("Antworten auf Anfragen, die ich gestellt, beantwortet oder gefolgt habe"),
}
FREQUENCIES = {
    "immediate": _l("Sofort per E-Mail"),
    "daily": _l("Täglich als Zusammenfassung"),
    "weekly": _l("Wöchentlich als Zusammenfassung"),
    "off": _l("Keine E-Mail, nur im Portal"),
}
DEFAULT_FREQUENCY = {
    "submitted": "immediate",
    "published": "daily",
    "returned": "immediate",
    "followed": "daily",
    "commented": "immediate",
    "consultations": "immediate",
    "meetings": "immediate",
    "newsletter": "immediate",
    "questions": "daily",
    "answered": "immediate",
}

FOLLOW_TYPES = {
    "norm": _l("Norm"),
    "court": _l("Gericht"),
    "topic": _l("Rechtsgebiet"),
    "organisation": _l("Organisation"),
    "resource": _l("Eintrag"),
    "saved_search": _l("Gespeicherte Suche"),
    "question": _l("Anfrage an das Netzwerk"),
}

_UNSUBSCRIBE_SALT = "notification-unsubscribe"


class FollowError(Exception):
    """A follow that cannot be made; the message can be shown to the user."""


# --- settings ----------------------------------------------------------------------------


def frequencies(user) -> dict[str, str]:
    """The mail frequency of every kind for `user` (defaults where they chose none)."""
    chosen = dict(
        db.session.execute(
            select(NotificationSetting.kind, NotificationSetting.frequency).where(
                NotificationSetting.user_id == user.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, DEFAULT_FREQUENCY[kind]) for kind in KINDS}


def set_frequency(user, kind: str, frequency: str) -> None:
    if kind not in KINDS or frequency not in FREQUENCIES:
        raise ValueError(f"unknown kind or frequency: {kind!r}, {frequency!r}")
    setting = db.session.get(NotificationSetting, (user.id, kind))
    if setting is None:
        db.session.add(NotificationSetting(user_id=user.id, kind=kind, frequency=frequency))
    else:
        setting.frequency = frequency
    db.session.flush()


def unsubscribe_token(user, kind: str) -> str:
    """A signed link token that switches off the mail of one kind for one person, no more."""
    return URLSafeSerializer(current_app.secret_key, salt=_UNSUBSCRIBE_SALT).dumps([user.id, kind])


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    try:
        user_id, kind = URLSafeSerializer(current_app.secret_key, salt=_UNSUBSCRIBE_SALT).loads(
            token
        )
    except (BadSignature, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or kind not in KINDS:
        return None
    return user, kind


def unsubscribe_url(user, kind: str) -> str:
    return external_url(f"/notifications/unsubscribe/{unsubscribe_token(user, kind)}")


# --- creating ----------------------------------------------------------------------------


def notify(
    users: Iterable[User],
    kind: str,
    resource: Resource | None = None,
    params: dict | None = None,
    actor: User | None = None,
    skip: Iterable[int] = (),
) -> list[Notification]:
    """Tell each person (not the actor, nobody in `skip`) who may see `resource` now; mail the
    ones who want this kind at once. Returns the notifications made."""
    made = []
    seen = set(skip) | ({actor.id} if actor is not None else set())
    for user in users:
        if user.id in seen or not user.is_active:
            continue
        seen.add(user.id)
        if resource is not None and not can_view(user, resource):
            continue
        notification = Notification(
            user_id=user.id, kind=kind, resource=resource, params=dict(params or {})
        )
        db.session.add(notification)
        made.append(notification)
        if frequencies(user)[kind] == "immediate":
            _mail_one(user, notification)
    db.session.flush()
    return made


def in_language(user):
    """Render texts in the person's language (mails leave the request's language behind)."""
    return force_locale(user.language or current_app.config["BABEL_DEFAULT_LOCALE"])


def _mail_one(user, notification: Notification) -> None:
    resource = notification.resource
    with in_language(user):
        shown = text(notification)
    context = {
        "user": user,
        "text": shown,
        "url": external_url(target_path(notification)),
        "unsubscribe_url": unsubscribe_url(user, notification.kind),
        "kind_label": KINDS[notification.kind],
        "settings_url": external_url("/notifications/settings"),
    }
    if notification.kind == "newsletter":
        issue = db.session.get(Issue, notification.params["issue"])
        template, subject = "newsletter", _l("KOK informiert: %(title)s", title=issue.title)
        context.update(
            issue=issue,
            items=[
                (item, external_url(f"/resources/{item.resource_id}"))
                for item in issue.items
                if can_view(user, item.resource)
            ],
        )
    elif notification.kind == "returned":
        template = "resource_returned"
        subject = (
            _l("Ihr Eintrag wurde zur Überarbeitung zurückgegeben")
            if resource.author_id == user.id
            else _l("Ein Eintrag Ihrer Organisation wurde zur Überarbeitung zurückgegeben")
        )
        context.update(resource=resource, comment=notification.params.get("comment", ""))
    else:
        template, subject = "notification", _l("Neuigkeit im KOK-Wissensportal")
    try:
        send_mail(user.email, subject, template, locale=user.language, **context)
    except Exception:  # noqa: BLE001 - the notification stays in the portal; the mail is a courtesy
        logger.exception("Could not mail notification to user %s", user.id)
        return
    notification.mailed_at = utcnow()


def _organisation_staff(organisation_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.organisation_id == organisation_id, User.active.is_(True))
        )
    )


def _editors() -> list[User]:
    return [
        user
        for user in db.session.scalars(
            select(User).where(User.active.is_(True), User.role.in_(("editor", "admin")))
        )
        if is_editor(user)
    ]


def resource_moved(resource: Resource, action: str, actor, comment: str = "", private=False):
    """A workflow step happened: tell the editors, the author and the organisation.

    ``private``: the entry holds personal data found by the anonymisation check, so only its
    author (and the editors) hear of it, not the colleagues (see `portal.resources.lists`).
    """
    author = [resource.author] if resource.author is not None else []
    if action == "submit":
        notify(_editors(), "submitted", resource, actor=actor)
    elif action == "return":
        told = notify(author, "returned", resource, {"comment": comment}, actor=actor)
        if not private:
            staff = _organisation_staff(resource.organisation_id)
            notify(staff, "returned", resource, actor=actor, skip=[n.user_id for n in told])
    elif action in ("publish", "unarchive"):
        told = notify(
            author + _organisation_staff(resource.organisation_id),
            "published",
            resource,
            actor=actor,
        )
        _tell_followers(resource, actor, already={n.user_id for n in told})


def resource_updated(resource: Resource, actor) -> None:
    """A published entry was edited: tell those who follow it."""
    if resource.status != "published":
        return
    followers = _followers(
        select(Follow).where(
            Follow.target_type == "resource", Follow.target_key == str(resource.id)
        )
    )
    notify(followers, "followed", resource, {"reason": "updated"}, actor=actor)


def _followers(query: Select) -> list[User]:
    return [follow.user for follow in db.session.scalars(query)]


def _tell_followers(resource: Resource, actor, already: set[int]) -> None:
    """A resource was published: tell who follows its norms, court, topics or organisation."""
    reasons: dict[int, tuple[User, list[str]]] = {}

    def add(follows: Iterable[Follow], label: str) -> None:
        for follow in follows:
            if follow.user_id not in already:
                reasons.setdefault(follow.user_id, (follow.user, []))[1].append(label)

    cited = [n.norm for n in resource.norms if n.norm is not None]
    norm_follows = db.session.scalars(
        select(Follow).where(
            Follow.target_type == "norm",
            or_(*[Follow.target_key.startswith(n.section_norm.key) for n in cited])
            if cited
            else false(),
        )
    )
    for follow in norm_follows:
        followed = Norm.from_key(follow.target_key)
        if followed is not None and any(followed.contains(n) for n in cited):
            add([follow], followed.label)
    if resource.court is not None:
        add(_follows("court", [resource.court.slug]), resource.court.name)
    for area in resource.legal_areas or []:
        add(_follows("topic", [area]), str(LEGAL_AREAS.get(area, area)))
    if resource.organisation is not None:
        add(_follows("organisation", [resource.organisation.slug]), resource.organisation.name)
    for user, labels in reasons.values():
        notify([user], "followed", resource, {"reason": "published", "via": labels}, actor=actor)


def _follows(target_type: str, keys: list[str]) -> list[Follow]:
    return list(
        db.session.scalars(
            select(Follow).where(Follow.target_type == target_type, Follow.target_key.in_(keys))
        )
    )


# --- reading -----------------------------------------------------------------------------


def visible_notifications(user) -> Select:
    """The notifications `user` may still read (their resource visible now), newest first."""
    return (
        select(Notification)
        .outerjoin(Resource, Notification.resource_id == Resource.id)
        .where(
            Notification.user_id == user.id,
            or_(Notification.resource_id.is_(None), visible_clause(user, Resource)),
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def unread_count(user) -> int:
    """Unread notifications `user` may still read (the header's bell, on every page)."""
    # Most people have none: one look at their own rows, before the count that checks
    # each resource's visibility.
    unread = Notification.user_id == user.id, Notification.read_at.is_(None)
    if db.session.scalar(select(Notification.id).where(*unread).limit(1)) is None:
        return 0
    query = visible_notifications(user).where(Notification.read_at.is_(None)).order_by(None)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def mark_read(user, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all) read; returns how many changed."""
    conditions = [Notification.user_id == user.id, Notification.read_at.is_(None)]
    if notification_id is not None:
        conditions.append(Notification.id == notification_id)
    result = db.session.execute(
        update(Notification).where(and_(*conditions)).values(read_at=utcnow())
    )
    return result.rowcount or 0


def target_path(notification: Notification) -> str:
    """The page a notification leads to (a path: mails are also sent outside requests)."""
    if notification.resource_id is not None:
        return f"/resources/{notification.resource_id}"
    if "consultation" in (notification.params or {}):
        return f"/consultations/{notification.params['consultation']}"
    if "meeting" in (notification.params or {}):
        return f"/meetings/{notification.params['meeting']}"
    if "issue" in (notification.params or {}):
        return f"/kok-informiert/{notification.params['issue']}"
    if "question" in (notification.params or {}):
        return f"/questions/{notification.params['question']}"
    return "/notifications/"


def text(notification: Notification) -> str:
    """The notification as a sentence in the current language."""
    title = notification.resource.title if notification.resource is not None else ""
    params = notification.params or {}
    if notification.kind == "submitted":
        return _("„%(title)s“ wurde zur Prüfung eingereicht.", title=title)
    if notification.kind == "published":
        return _("„%(title)s“ wurde veröffentlicht.", title=title)
    if notification.kind == "returned":
        return _("„%(title)s“ wurde zur Überarbeitung zurückgegeben.", title=title)
    if notification.kind == "consultations":
        consultation = db.session.get(Consultation, params.get("consultation") or 0)
        if consultation is None:
            return _("Eine Konsultation wurde entfernt.")
        deadline = format_date(consultation.deadline, _date_pattern(), locale=get_locale())
        if params.get("reason") == "reminder":
            return _(
                "Erinnerung: Die Konsultation zu „%(title)s“ endet am %(date)s.",
                title=consultation.title,
                date=deadline,
            )
        return _(
            "Konsultation eröffnet: „%(title)s“, Frist %(date)s.",
            title=consultation.title,
            date=deadline,
        )
    if notification.kind == "meetings":
        meeting = db.session.get(Meeting, params.get("meeting") or 0)
        if meeting is None:
            return _("Ein Treffen wurde abgesagt.")
        when = _when(meeting.starts_at)
        if params.get("reason") == "reminder":
            return _("Erinnerung: „%(title)s“ beginnt am %(when)s.", title=meeting.title, when=when)
        if params.get("reason") == "promoted":
            return _(
                "Sie sind von der Warteliste nachgerückt: „%(title)s“ am %(when)s.",
                title=meeting.title,
                when=when,
            )
        return _("Einladung: „%(title)s“ am %(when)s.", title=meeting.title, when=when)
    if notification.kind == "newsletter":
        issue = db.session.get(Issue, params.get("issue") or 0)
        return _(
            "„KOK informiert“: %(title)s",
            title=issue.title if issue is not None else _("(gelöscht)"),
        )
    if notification.kind in ("questions", "answered"):
        question = db.session.get(Question, params.get("question") or 0)
        asked = question.title if question is not None else _("(gelöscht)")
        if notification.kind == "questions":
            return _("Neue Anfrage an das Netzwerk: „%(title)s“", title=asked)
        return _("Neue Antwort auf die Anfrage „%(title)s“", title=asked)
    if notification.kind == "commented":
        return _("Neuer Kommentar zu „%(title)s“.", title=title)
    if params.get("reason") == "updated":
        return _("„%(title)s“, dem Sie folgen, wurde aktualisiert.", title=title)
    if params.get("reason") == "search":
        return _(
            "Neuer Treffer für Ihre gespeicherte Suche „%(name)s“: „%(title)s“.",
            name=params.get("search", ""),
            title=title,
        )
    return _(
        "Neu veröffentlicht: „%(title)s“ (Sie folgen: %(via)s).",
        title=title,
        via=", ".join(params.get("via", [])),
    )


def _date_pattern() -> str:
    return "d MMM y" if str(get_locale() or "").startswith("en") else "dd.MM.yyyy"


def _when(value) -> str:
    """A local date and time as people read it (stored without zone: no conversion)."""
    english = str(get_locale() or "").startswith("en")
    pattern = "d MMM y, HH:mm" if english else "dd.MM.yyyy, HH:mm"
    return format_datetime(value, pattern, locale=get_locale())


# --- following ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Followed:
    follow: Follow
    type_label: str
    label: str
    url: str | None


def normalised_target(user, target_type: str, target_key: str) -> str:
    """The key under which `user` may follow this target; FollowError if they may not."""
    key = (target_key or "").strip()
    if target_type == "norm":
        norm = Norm.from_key(key)
        if norm is None:
            raise FollowError(_l("Diese Norm ist nicht bekannt."))
        return norm.key
    if target_type == "court":
        if db.session.scalar(select(Court.id).where(Court.slug == key)) is None:
            raise FollowError(_l("Dieses Gericht ist nicht bekannt."))
        return key
    if target_type == "topic":
        if key not in LEGAL_AREAS:
            raise FollowError(_l("Dieses Rechtsgebiet ist nicht bekannt."))
        return key
    if target_type == "organisation":
        org = db.session.scalar(
            select(Organisation).where(Organisation.slug == key, Organisation.active.is_(True))
        )
        if org is None:
            raise FollowError(_l("Diese Organisation ist nicht bekannt."))
        return key
    if target_type == "resource":
        resource = db.session.get(Resource, int(key)) if key.isdigit() else None
        if resource is None or not can_view(user, resource):
            raise FollowError(_l("Diesen Eintrag gibt es nicht."))
        return str(resource.id)
    if target_type == "question":
        if not key.isdigit() or db.session.get(Question, int(key)) is None:
            raise FollowError(_l("Diese Anfrage gibt es nicht."))
        return key
    if target_type == "saved_search":
        saved = db.session.get(SavedSearch, int(key)) if key.isdigit() else None
        if saved is None or saved.user_id != user.id:
            raise FollowError(_l("Diese gespeicherte Suche gibt es nicht."))
        return str(saved.id)
    raise FollowError(_l("Dem kann man nicht folgen."))


def follow(user, target_type: str, target_key: str) -> Follow:
    key = normalised_target(user, target_type, target_key)
    existing = _own_follow(user, target_type, key)
    if existing is not None:
        return existing
    made = Follow(user_id=user.id, target_type=target_type, target_key=key)
    db.session.add(made)
    db.session.flush()
    return made


def unfollow(user, target_type: str, target_key: str) -> bool:
    found = _own_follow(user, target_type, (target_key or "").strip())
    if found is None:
        return False
    db.session.delete(found)
    db.session.flush()
    return True


def _own_follow(user, target_type: str, key: str) -> Follow | None:
    return db.session.scalar(
        select(Follow).where(
            Follow.user_id == user.id, Follow.target_type == target_type, Follow.target_key == key
        )
    )


def follows_of(target_type: str, target_key: str) -> list[Follow]:
    """Everybody's follows of one target."""
    return _follows(target_type, [target_key])


def is_following(user, target_type: str, target_key: str) -> bool:
    return _own_follow(user, target_type, str(target_key)) is not None


def following(user, targets: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of the (target type, key) pairs `user` follows, in one query."""
    if not targets:
        return set()
    rows = db.session.execute(
        select(Follow.target_type, Follow.target_key).where(
            Follow.user_id == user.id,
            or_(*(and_(Follow.target_type == t, Follow.target_key == k) for t, k in targets)),
        )
    )
    return {(target_type, key) for target_type, key in rows}


def followed(user) -> list[Followed]:
    """What `user` follows, labelled, with a link; targets they can no longer see are named
    only by their kind."""
    found = []
    for item in db.session.scalars(
        select(Follow).where(Follow.user_id == user.id).order_by(Follow.target_type, Follow.id)
    ):
        label, url = item.target_key, None
        if item.target_type == "norm":
            norm = Norm.from_key(item.target_key)
            label = norm.label if norm else item.target_key
            url = url_for("norms.detail", slug=norm.slug) if norm else None
        elif item.target_type == "court":
            court = db.session.scalar(select(Court).where(Court.slug == item.target_key))
            label = court.name if court else item.target_key
        elif item.target_type == "topic":
            label = str(LEGAL_AREAS.get(item.target_key, item.target_key))
        elif item.target_type == "organisation":
            org = db.session.scalar(
                select(Organisation).where(Organisation.slug == item.target_key)
            )
            label = org.name if org else item.target_key
            url = url_for("orgs.detail", slug=item.target_key) if org else None
        elif item.target_type == "resource":
            resource = db.session.get(Resource, int(item.target_key))
            if resource is not None and can_view(user, resource):
                label, url = resource.title, url_for("resources.detail", resource_id=resource.id)
            else:
                label = _("Eintrag (nicht mehr sichtbar)")
        elif item.target_type == "question":
            question = db.session.get(Question, int(item.target_key))
            label = question.title if question else _("(gelöscht)")
            url = url_for("questions.detail", question_id=question.id) if question else None
        elif item.target_type == "saved_search":
            saved = db.session.get(SavedSearch, int(item.target_key))
            label = saved.name if saved else item.target_key
            url = url_for("saved.detail", saved_id=saved.id) if saved else None
        found.append(Followed(item, str(FOLLOW_TYPES[item.target_type]), label, url))
    return found
