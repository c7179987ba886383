"""Data protection: a person's own data as JSON, and deleting an account.

Deleting keeps what the person wrote for their organisation (resources, revisions and
attachments stay; their author becomes empty) and pseudonymises the audit trail: id and e-mail
of the person's entries are cleared, the pseudonymous key stays (see portal.audit.services), so
the chain still verifies. Rows that only make sense with the person (sessions, tokens, recovery
codes, saved searches and the like) are deleted.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update

from portal.audit import record
from portal.audit.models import AuditEntry
from portal.audit.services import SYSTEM, pseudonymise_actor
from portal.auth.models import Invitation, ServerSession, User
from portal.auth.services import AuthError
from portal.comments.models import Comment
from portal.dossiers.models import Dossier
from portal.dossiers.services import visible_entries
from portal.extensions import db
from portal.notifications.models import Follow
from portal.notifications.services import frequencies
from portal.resources.access import visible_clause, visible_record_links
from portal.resources.models import Resource
from portal.resources.records import to_record
from portal.timeutil import utcnow


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_user_data(user: User) -> dict:
    """Everything the portal stores about the person, readable by machines (JSON)."""
    # What the person wrote and may still see: after a move, a former organisation's drafts
    # stay with it (the same rule as every page), and so do links to hidden resources.
    resources = db.session.scalars(
        select(Resource)
        .where(Resource.author_id == user.id, visible_clause(user, Resource))
        .order_by(Resource.id)
    ).all()
    entries = db.session.scalars(
        select(AuditEntry)
        .where(
            or_(
                AuditEntry.actor_id == user.id,
                (AuditEntry.target_type == "user") & (AuditEntry.target_id == str(user.id)),
            )
        )
        .order_by(AuditEntry.seq)
    ).all()
    sessions = db.session.scalars(
        select(ServerSession).where(ServerSession.user_id == user.id)
    ).all()
    comments = db.session.scalars(
        select(Comment)
        .join(Resource, Comment.resource_id == Resource.id)
        .where(Comment.author_id == user.id, visible_clause(user, Resource))
        .order_by(Comment.id)
    ).all()
    follows = db.session.scalars(
        select(Follow).where(Follow.user_id == user.id).order_by(Follow.id)
    ).all()
    dossiers = db.session.scalars(
        select(Dossier).where(Dossier.owner_id == user.id).order_by(Dossier.id)
    ).all()
    record("user.data_exported", target=user, actor=user)
    return {
        "exported_at": _iso(utcnow()),
        "profile": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "language": user.language,
            "active": user.active,
            "organisation": {"id": user.organisation.id, "name": user.organisation.name},
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
            "two_factor_enabled_at": _iso(user.totp_enabled_at),
        },
        "sessions": [
            {
                "created_at": _iso(s.created_at),
                "last_seen_at": _iso(s.last_seen_at),
                "ip_address": s.ip_address,
                "user_agent": s.user_agent,
            }
            for s in sessions
        ],
        "resources": [
            {"id": r.id, "status": r.status, **to_record(r, links=visible_record_links(user, r))}
            for r in resources
        ],
        "comments": [
            {
                "id": c.id,
                "resource_id": c.resource_id,
                "reply_to": c.parent_id,
                "body": c.body,
                "created_at": _iso(c.created_at),
                "edited_at": _iso(c.edited_at),
                "hidden": c.hidden_at is not None,
            }
            for c in comments
        ],
        "follows": [
            {"type": f.target_type, "key": f.target_key, "created_at": _iso(f.created_at)}
            for f in follows
        ],
        "notification_mail": frequencies(user),
        "audit_entries": [
            {
                "seq": e.seq,
                "created_at": _iso(e.created_at),
                "action": e.action,
                "as": "actor" if e.actor_id == user.id else "target",
                "ip_address": e.ip_address,
                "target_type": e.target_type,
                "target_id": e.target_id,
                "details": e.details,
            }
            for e in entries
        ],
        "dossiers": [
            {
                "title": d.title,
                "shared": d.shared,
                "created_at": _iso(d.created_at),
                "entries": [
                    {"resource_id": e.resource_id, "note": e.note} for e in visible_entries(user, d)
                ],
            }
            for d in dossiers
        ],
    }


def _user_references():
    """Every foreign key column that points at user.id, with its table."""
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "user" and table.name != "user":
                yield table, fk


def delete_user(user: User, actor: User | None) -> None:
    """Delete an account; keep its resources, pseudonymise its audit entries."""
    if actor is not None and actor.id == user.id:
        raise AuthError(_l("Sie können Ihr eigenes Konto nicht löschen."))
    user_id = user.id
    keys = pseudonymise_actor(user)
    # Invitations name the person's e-mail address; the one they accepted goes with them.
    db.session.execute(delete(Invitation).where(Invitation.user_id == user_id))
    for table, fk in _user_references():
        column = fk.parent
        if table.name == AuditEntry.__tablename__:
            continue
        if column.nullable and fk.ondelete != "CASCADE":
            db.session.execute(update(table).where(column == user_id).values({column.name: None}))
        else:
            db.session.execute(delete(table).where(column == user_id))
    db.session.expire_all()
    db.session.execute(delete(User).where(User.id == user_id))
    record(
        "user.deleted",
        target=("user", user_id),
        actor=actor if actor is not None else SYSTEM,
        details={"actor_keys": keys},
    )
