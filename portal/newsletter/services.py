"""Composing, previewing, sending and finding issues of „KOK informiert".

Only the office composes and sends. An issue presents published entries every member may see;
each recipient's mail and the archive page list only the entries that reader may see at that
moment (`visible_items`). Services add and flush; the view commits.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.auth.access import is_editor
from portal.auth.models import User
from portal.extensions import db
from portal.newsletter.models import Issue, IssueItem
from portal.notifications import services as notifications
from portal.resources.access import PUBLIC, can_view
from portal.resources.models import Resource
from portal.search.analysis import index_terms
from portal.search.query import analyse
from portal.timeutil import utcnow

MAX_TITLE = 200
#: Entries published this long before the last issue (or before now, for the first) are offered.
CANDIDATE_WINDOW = timedelta(days=60)


class IssueError(Exception):
    """A step that cannot be taken; the message can be shown to the user."""


def _office_only(user) -> None:
    if not is_editor(user):
        raise IssueError(_l("Nur die Geschäftsstelle stellt „KOK informiert“ zusammen."))


def may_read(issue: Issue, user) -> bool:
    return issue.sent_at is not None or is_editor(user)


def visible_items(issue: Issue, user) -> list[IssueItem]:
    return [item for item in issue.items if can_view(user, item.resource)]


def create_issue(user, title: str, intro: str) -> Issue:
    _office_only(user)
    issue = Issue(title=title.strip(), intro=(intro or "").strip(), created_by_id=user.id)
    db.session.add(issue)
    db.session.flush()
    return issue


def _draft(issue: Issue, user) -> None:
    _office_only(user)
    if issue.sent_at is not None:
        raise IssueError(_l("Diese Ausgabe ist schon versandt."))


def update_issue(issue: Issue, user, title: str, intro: str, notes: dict[int, str]) -> None:
    """Title, introduction and the note of each entry (by item id)."""
    _draft(issue, user)
    issue.title = title.strip()
    issue.intro = (intro or "").strip()
    for item in issue.items:
        if item.id in notes:
            item.note = notes[item.id].strip()
    db.session.flush()


def candidates(issue: Issue) -> list[Resource]:
    """Newly published entries every member may see that the issue does not hold yet."""
    last = db.session.scalar(select(func.max(Issue.sent_at)).where(Issue.id != issue.id))
    since = (last or utcnow()) - CANDIDATE_WINDOW
    taken = {item.resource_id for item in issue.items}
    found = db.session.scalars(
        select(Resource)
        .where(
            Resource.status == "published",
            Resource.visibility.in_(("members", PUBLIC)),
            Resource.published_at >= since,
        )
        .order_by(Resource.published_at.desc())
        .limit(200)
    )
    return [resource for resource in found if resource.id not in taken]


def add_item(issue: Issue, user, resource_id: int) -> None:
    _draft(issue, user)
    resource = db.session.get(Resource, resource_id)
    if (
        resource is None
        or resource.status != "published"
        or resource.visibility not in ("members", PUBLIC)
    ):
        raise IssueError(
            _l("Aufnehmen lassen sich nur veröffentlichte Einträge für alle Mitglieder.")
        )
    if any(item.resource_id == resource_id for item in issue.items):
        return
    issue.items.append(IssueItem(resource=resource, position=len(issue.items)))
    db.session.flush()


def remove_item(issue: Issue, user, item_id: int) -> None:
    _draft(issue, user)
    issue.items = [item for item in issue.items if item.id != item_id]
    _renumber(issue)


def move_item(issue: Issue, user, item_id: int, step: int) -> None:
    """Move an entry one place up (-1) or down (+1)."""
    _draft(issue, user)
    items = list(issue.items)
    index = next((i for i, item in enumerate(items) if item.id == item_id), None)
    if index is None:
        return
    target = index + step
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    issue.items = items
    _renumber(issue)


def _renumber(issue: Issue) -> None:
    for position, item in enumerate(issue.items):
        item.position = position
    db.session.flush()


def send_issue(issue: Issue, user) -> int:
    """Send the issue to every active account, once; returns how many were told."""
    _draft(issue, user)
    if not issue.items:
        raise IssueError(_l("Eine Ausgabe ohne Einträge wird nicht versandt."))
    issue.sent_at = utcnow()
    everybody = db.session.scalars(select(User).where(User.active.is_(True))).all()
    made = notifications.notify(everybody, "newsletter", params={"issue": issue.id})
    issue.recipients = len(made)
    db.session.flush()
    return len(made)


def find(user, q: str = "") -> list[Issue]:
    """Sent issues (and, for the office, drafts), newest first; with `q`, those whose title,
    introduction, notes or visible entry titles contain every word."""
    query = select(Issue).order_by(Issue.created_at.desc(), Issue.id.desc())
    if not is_editor(user):
        query = query.where(Issue.sent_at.is_not(None))
    issues = list(db.session.scalars(query))
    wanted = set(analyse(q)) if q.strip() else set()
    if not wanted:
        return issues
    found = []
    for issue in issues:
        parts = [issue.title, issue.intro]
        for item in visible_items(issue, user):
            parts += [item.note, item.resource.title]
        counts = Counter(index_terms(" ".join(parts)))
        if all(counts[term] for term in wanted):
            found.append(issue)
    return found
