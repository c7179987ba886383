"""Editor and admin are office roles: demote holders outside the office to member

Every demotion is written to the audit trail ("user.role_changed", by the system, reason
"office_roles_only") and logged; open invitations with an office role for an organisation that
is not an office are revoked (and logged).

Revision ID: f3165ba88677
Revises: 7c2e4f1a9b30
Create Date: 2026-12-02 16:00:00

"""

import json
import logging
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

from portal.audit.models import GENESIS_HASH
from portal.audit.services import canonical, entry_hash
from portal.timeutil import utcnow

# revision identifiers, used by Alembic.
revision = "f3165ba88677"
down_revision = "7c2e4f1a9b30"
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")

OFFICE_ROLES = ("editor", "admin")

user = sa.table(
    "user",
    sa.column("id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("organisation_id", sa.Integer),
)
organisation = sa.table(
    "organisation",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
)
invitation = sa.table(
    "invitation",
    sa.column("id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("organisation_id", sa.Integer),
    sa.column("accepted_at", sa.DateTime),
    sa.column("revoked_at", sa.DateTime),
)
audit_entry = sa.table(
    "audit_entry",
    sa.column("seq", sa.Integer),
    sa.column("created_at", sa.DateTime),
    sa.column("actor_key", sa.String),
    sa.column("actor_id", sa.Integer),
    sa.column("actor_email", sa.String),
    sa.column("ip_address", sa.String),
    sa.column("action", sa.String),
    sa.column("target_type", sa.String),
    sa.column("target_id", sa.String),
    sa.column("details", sa.JSON),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def _outside_office(table):
    offices = sa.select(organisation.c.id).where(organisation.c.kind == "office")
    return sa.and_(table.c.role.in_(OFFICE_ROLES), table.c.organisation_id.not_in(offices))


def _append_audit(bind, user_id: int, old_role: str) -> None:
    """One chained entry, hashed by the same function `flask verify-audit` checks with."""
    last = bind.execute(
        sa.select(audit_entry.c.seq, audit_entry.c.hash).order_by(audit_entry.c.seq.desc()).limit(1)
    ).first()
    values = {
        "seq": (last.seq + 1) if last else 1,
        "created_at": utcnow(),
        "actor_key": None,
        "actor_id": None,
        "actor_email": None,
        "ip_address": "",
        "action": "user.role_changed",
        "target_type": "user",
        "target_id": str(user_id),
        "details": {"from": old_role, "to": "member", "reason": "office_roles_only"},
        "prev_hash": last.hash if last else GENESIS_HASH,
    }
    values["details"] = json.loads(canonical(values["details"]))
    values["hash"] = entry_hash(SimpleNamespace(**values))
    bind.execute(audit_entry.insert().values(**values))


def upgrade():
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(user.c.id, user.c.role, user.c.organisation_id)
        .where(_outside_office(user))
        .order_by(user.c.id)
    ).all()
    for row in rows:
        bind.execute(user.update().where(user.c.id == row.id).values(role="member"))
        _append_audit(bind, row.id, row.role)
        logger.warning(
            "Office roles only: user %s (%s in organisation %s) is now a member",
            row.id,
            row.role,
            row.organisation_id,
        )
    invitations = bind.execute(
        sa.select(invitation.c.id, invitation.c.role, invitation.c.organisation_id).where(
            _outside_office(invitation),
            invitation.c.accepted_at.is_(None),
            invitation.c.revoked_at.is_(None),
        )
    ).all()
    for row in invitations:
        bind.execute(
            invitation.update().where(invitation.c.id == row.id).values(revoked_at=utcnow())
        )
        logger.warning(
            "Office roles only: invitation %s (%s in organisation %s) revoked",
            row.id,
            row.role,
            row.organisation_id,
        )


def downgrade():
    # The demotions are not undone: who held which role is in the audit trail.
    pass
