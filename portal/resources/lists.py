"""Lists of resources: the filtered, sorted queries behind the list pages and the start page."""

from __future__ import annotations

import json
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, and_, case, cast, func, or_, select
from sqlalchemy.orm import selectinload

from portal.auth.access import is_editor
from portal.extensions import db
from portal.legal.citations import Norm
from portal.resources.access import visible_clause
from portal.resources.models import Court, Resource, ResourceNorm
from portal.resources.services import anonymisation_findings

SORTS = {
    "newest": _l("Neueste zuerst"),
    "oldest": _l("Älteste zuerst"),
    "title": _l("Titel (A–Z)"),
    "decision_date": _l("Entscheidungsdatum"),
}


#: What a list line shows of each resource besides its own columns (``resource_meta``: the
#: court and the owning organisation), loaded with the list in one query each instead of one
#: query per resource as the template reaches them.
LIST_LINE = (selectinload(Resource.court), selectinload(Resource.organisation))


def _like_json_item(column, value: str):
    """`column` (a JSON list) contains the string `value` (portable: compares the JSON text)."""
    token = json.dumps(value)
    token = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(column, String).like(f"%{token}%", escape="\\")


def norm_within(key: str):
    """Rows of the norm ``key`` or of a provision within it: "AufenthG § 25" also matches
    "AufenthG § 25 Abs. 4a Satz 3", "AufenthG § 25 Abs. 4" does not match "... Abs. 4a"."""
    norm = Norm.from_key(key)
    if norm is None:
        return ResourceNorm.key == key
    # Keys of provisions within are the key, a space and more; the section key narrows the
    # rows by index.
    return and_(
        ResourceNorm.section_key == norm.section_norm.key,
        or_(ResourceNorm.key == key, ResourceNorm.key.startswith(f"{key} ", autoescape=True)),
    )


def resource_query(
    user,
    resource_type: str | None = None,
    *,
    court_id: int | None = None,
    legal_area: str = "",
    year: int | None = None,
    norm_key: str = "",
    topic: str = "",
    organisation_id: int | None = None,
    status: str = "published",
    sort: str = "newest",
) -> Select:
    """Resources the user may see, filtered and sorted; a select to paginate."""
    stmt = select(Resource).where(visible_clause(user, Resource)).options(*LIST_LINE)
    if resource_type:
        stmt = stmt.where(Resource.type == resource_type)
    if status and status != "all":
        stmt = stmt.where(Resource.status == status)
    if court_id:
        stmt = stmt.where(Resource.court_id == court_id)
    if legal_area:
        stmt = stmt.where(_like_json_item(Resource.legal_areas, legal_area))
    if topic:
        stmt = stmt.where(
            or_(_like_json_item(Resource.topics, topic), _like_json_item(Resource.tags, topic))
        )
    if organisation_id:
        stmt = stmt.where(Resource.organisation_id == organisation_id)
    if year:
        day = func.coalesce(Resource.decision_date, Resource.published_on, Resource.event_date)
        stmt = stmt.where(day >= date(year, 1, 1), day < date(year + 1, 1, 1))
    if norm_key:
        stmt = stmt.where(Resource.norms.any(and_(norm_within(norm_key), ResourceNorm.confirmed)))
    newest = func.coalesce(Resource.published_at, Resource.created_at)
    if sort == "oldest":
        stmt = stmt.order_by(newest.asc(), Resource.id.asc())
    elif sort == "title":
        stmt = stmt.order_by(func.lower(Resource.title), Resource.id)
    elif sort == "decision_date":
        stmt = stmt.order_by(
            case((Resource.decision_date.is_(None), 1), else_=0),
            Resource.decision_date.desc(),
            Resource.id.desc(),
        )
    else:
        stmt = stmt.order_by(newest.desc(), Resource.id.desc())
    return stmt


def court_counts(
    user, resource_type: str | None = None, status: str = "published"
) -> list[tuple[int, str, int]]:
    """(id, name, count) of the courts that the user's visible resources name, by name.

    The list filters offer only these, so no choice leads to an empty list.
    """
    stmt = (
        select(Court.id, Court.name, func.count(Resource.id))
        .join(Resource, Resource.court_id == Court.id)
        .where(visible_clause(user, Resource))
        .group_by(Court.id, Court.name)
        .order_by(Court.name)
    )
    if resource_type:
        stmt = stmt.where(Resource.type == resource_type)
    if status and status != "all":
        stmt = stmt.where(Resource.status == status)
    return [(court_id, name, count) for court_id, name, count in db.session.execute(stmt)]


def known_topics(user, limit: int = 200) -> list[str]:
    """Topics and tags of the resources the user may see, for the filter's suggestions."""
    # The lists as stored (JSON text), each distinct pair read and decoded once: many
    # resources share their topics, and fetching and decoding every row's two lists cost more
    # than the query.
    rows = db.session.execute(
        select(cast(Resource.topics, String), cast(Resource.tags, String))
        .where(visible_clause(user, Resource))
        .distinct()
        .limit(2000)
    )
    seen: set[str] = set()
    for stored in {text for row in rows for text in row if text}:
        seen.update(value for value in json.loads(stored) or [] if isinstance(value, str))
    return sorted(seen)[:limit]


OPEN_STATUSES = ("draft", "submitted", "returned")


def my_resources(user) -> Select:
    """What the user wrote ("mine" means authored by me), newest change first."""
    return (
        select(Resource)
        .where(visible_clause(user, Resource), Resource.author_id == user.id)
        .options(*LIST_LINE)
        .order_by(Resource.updated_at.desc(), Resource.id.desc())
    )


def organisation_drafts(user) -> Select:
    """Unpublished work of the user's organisation that others wrote, newest change first."""
    return (
        select(Resource)
        .where(
            visible_clause(user, Resource),
            Resource.organisation_id == user.organisation_id,
            Resource.status.in_(OPEN_STATUSES),
            or_(Resource.author_id.is_(None), Resource.author_id != user.id),
        )
        .options(*LIST_LINE)
        .order_by(Resource.updated_at.desc(), Resource.id.desc())
    )


def drafts_for_colleagues(user, resources) -> tuple[list[Resource], int]:
    """The drafts a list may put in front of the user, and how many it holds back.

    A draft whose anonymisation check finds personal data (a victim's name, a birth date) is
    listed only for its author and the editors: colleagues see neither its title nor its text,
    only that such drafts exist.
    """
    if is_editor(user):
        return list(resources), 0
    shown = [r for r in resources if r.author_id == user.id or not anonymisation_findings(r)]
    return shown, len(resources) - len(shown)


def review_queue(user) -> Select:
    """Submitted resources waiting for an editor, oldest first."""
    return (
        select(Resource)
        .where(visible_clause(user, Resource), Resource.status == "submitted")
        .options(*LIST_LINE)
        .order_by(Resource.updated_at.asc(), Resource.id.asc())
    )


def review_counts(user) -> dict[str, int]:
    """Submitted resources per type (only for editors; empty otherwise)."""
    if not is_editor(user):
        return {}
    rows = db.session.execute(
        select(Resource.type, func.count(Resource.id))
        .where(visible_clause(user, Resource), Resource.status == "submitted")
        .group_by(Resource.type)
    )
    return dict(rows.all())


def dashboard(user) -> dict:
    """What the start page shows about the knowledge base."""
    # Newest first across all types: the day it came into the portal, then the entry's own
    # date (an import brings many on one day; a decision of 2024 is newer than one of 2019).
    newest = db.session.scalars(
        resource_query(user, status="published")
        .order_by(None)
        .order_by(
            func.date(func.coalesce(Resource.published_at, Resource.created_at)).desc(),
            func.coalesce(
                Resource.decision_date, Resource.published_on, Resource.event_date
            ).desc(),
            Resource.id.desc(),
        )
        .limit(8)
    ).all()
    mine = db.session.scalars(
        my_resources(user).where(Resource.status.in_(OPEN_STATUSES)).limit(10)
    ).all()
    organisation, held_back = drafts_for_colleagues(
        user, db.session.scalars(organisation_drafts(user).limit(10)).all()
    )
    queue = db.session.scalars(review_queue(user).limit(10)).all() if is_editor(user) else []
    return {
        "newest": newest,
        "mine": mine,
        "organisation": organisation,
        "organisation_held_back": held_back,
        "queue": queue,
        "queue_counts": review_counts(user),
    }
