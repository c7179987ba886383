"""User administration."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from portal.audit import record
from portal.auth.access import OFFICE_ROLES_ONLY, role_allowed
from portal.auth.models import ROLES, Invitation, User
from portal.auth.services import cancel_open_links, revoke_access_tokens
from portal.auth.sessions import end_sessions
from portal.orgs.models import Organisation
from portal.resources.models import Court


class AdminError(Exception):
    """A domain error whose message can be shown to the user."""


def user_query(q: str = "", organisation: str = "", role: str = "", status: str = "") -> Select:
    stmt = select(User).join(User.organisation)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    if organisation:
        stmt = stmt.where(Organisation.slug == organisation)
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    if status in ("active", "inactive"):
        stmt = stmt.where(User.active.is_(status == "active"))
    return stmt.order_by(func.lower(User.name))


def update_user(user: User, organisation: Organisation, role: str, actor: User) -> bool:
    """Change role and organisation; the user's sessions end so the change applies at once."""
    if role not in ROLES:
        raise AdminError(_l("Unbekannte Rolle."))
    if user.id == actor.id and role != user.role:
        raise AdminError(_l("Sie können Ihre eigene Rolle nicht ändern."))
    if not role_allowed(role, organisation):
        raise AdminError(OFFICE_ROLES_ONLY)
    changed = user.organisation_id != organisation.id or user.role != role
    if user.role != role:
        record("user.role_changed", target=user, details={"from": user.role, "to": role})
    if user.organisation_id != organisation.id:
        record(
            "user.organisation_changed",
            target=user,
            details={"from": user.organisation_id, "to": organisation.id},
        )
    if changed:
        user.organisation = organisation
        user.role = role
        end_sessions(user.id)
    return changed


def set_active(user: User, active: bool, actor: User) -> None:
    if user.id == actor.id and not active:
        raise AdminError(_l("Sie können Ihr eigenes Konto nicht deaktivieren."))
    if user.active != active:
        record("user.activated" if active else "user.deactivated", target=user)
    user.active = active
    if not active:
        end_sessions(user.id)
        # Nothing of the account may work again after a reactivation without a new grant.
        cancel_open_links(user)
        revoke_access_tokens(user, actor=actor)


def invitation_query() -> Select:
    return select(Invitation).order_by(Invitation.created_at.desc())


def courts_to_curate() -> Select:
    """Courts an import created on the fly, for an editor to check."""
    return select(Court).where(Court.needs_curation.is_(True)).order_by(Court.name)


def curate_court(
    court: Court, name: str, short_name: str, level: str, federal_state: str, aliases: str
) -> None:
    """Save an editor's corrections and mark the court as checked."""
    court.name = name.strip()
    court.short_name = short_name.strip()
    court.level = level
    court.federal_state = federal_state or None
    court.aliases = [a.strip() for a in aliases.split(",") if a.strip()]
    court.needs_curation = False
