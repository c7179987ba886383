"""Writing, editing, deleting and moderating comments; who is told of a new one.

A comment is visible to exactly those who may see its resource: every function takes the
resource through `can_view` first (the views answer 404 otherwise). Services add and flush;
the view commits.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit import record as audit_record
from portal.auth.access import is_editor
from portal.comments.models import Comment
from portal.extensions import db
from portal.notifications import services as notifications
from portal.resources.models import Resource
from portal.timeutil import utcnow

MAX_LENGTH = 5000
EDIT_WINDOW = timedelta(minutes=15)


class CommentError(Exception):
    """A comment that cannot be saved; the message can be shown to the user."""


def thread(resource: Resource) -> list[Comment]:
    """The resource's comments, oldest first, each with its replies."""
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.resource_id == resource.id, Comment.parent_id.is_(None))
            .order_by(Comment.created_at, Comment.id)
        )
    )


def _clean(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise CommentError(_l("Bitte schreiben Sie einen Kommentar."))
    if len(body) > MAX_LENGTH:
        raise CommentError(
            _l("Ein Kommentar darf höchstens %(max)s Zeichen lang sein.", max="5.000")
        )
    return body


def add_comment(resource: Resource, user, body: str, parent_id: int | None = None) -> Comment:
    """Add a comment (or a reply: a reply to a reply joins the same thread)."""
    body = _clean(body)
    parent = None
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.resource_id != resource.id:
            raise CommentError(_l("Diesen Kommentar gibt es nicht."))
        if parent.parent_id is not None:
            parent = db.session.get(Comment, parent.parent_id)
    participants = _participants(resource)
    comment = Comment(
        resource_id=resource.id,
        author_id=user.id,
        parent_id=parent.id if parent else None,
        body=body,
    )
    db.session.add(comment)
    db.session.flush()
    notifications.notify(participants, "commented", resource, actor=user)
    return comment


def _participants(resource: Resource) -> list:
    """The resource's author and everyone who commented on it so far."""
    people = [resource.author] if resource.author is not None else []
    people += [
        comment.author
        for comment in db.session.scalars(select(Comment).where(Comment.resource_id == resource.id))
        if comment.author is not None
    ]
    return people


def may_edit(comment: Comment, user) -> bool:
    """Its author, within 15 minutes of writing it, while it is neither hidden nor deleted."""
    return (
        comment.author_id == user.id
        and comment.hidden_at is None
        and comment.deleted_at is None
        and utcnow() - comment.created_at <= EDIT_WINDOW
    )


def may_delete(comment: Comment, user) -> bool:
    return comment.author_id == user.id and comment.deleted_at is None


def edit_comment(comment: Comment, user, body: str) -> None:
    if not may_edit(comment, user):
        raise CommentError(_l("Kommentare können nur in den ersten 15 Minuten bearbeitet werden."))
    comment.body = _clean(body)
    comment.edited_at = utcnow()
    db.session.flush()


def delete_comment(comment: Comment, user) -> None:
    """Delete one's own comment; one with replies keeps its place, without its text."""
    if not may_delete(comment, user):
        raise CommentError(_l("Sie können nur eigene Kommentare löschen."))
    if comment.replies:
        comment.body = ""
        comment.deleted_at = utcnow()
    else:
        db.session.delete(comment)
    db.session.flush()


def set_hidden(comment: Comment, user, hidden: bool) -> None:
    """The office hides a comment from everyone else, or shows it again (audited)."""
    if not is_editor(user):
        raise CommentError(_l("Nur die Geschäftsstelle kann Kommentare ausblenden."))
    comment.hidden_at = utcnow() if hidden else None
    comment.hidden_by_id = user.id if hidden else None
    audit_record(
        "comment.hidden" if hidden else "comment.restored",
        target=comment,
        actor=user,
        details={"resource_id": comment.resource_id},
    )
    db.session.flush()
