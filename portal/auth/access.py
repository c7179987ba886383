"""Role checks: the one place that says which role may do what."""

from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

ROLE_ORDER = ("member", "editor", "admin")
# Editing and administration are the coordination office's work: nobody elsewhere holds them.
OFFICE_ROLES = ("editor", "admin")

OFFICE_ROLES_ONLY = _l(
    "Die Rollen „Redaktion“ und „Administration“ gibt es nur für Personen der "
    "Koordinierungsstelle. Für Personen einer Fachberatungsstelle wählen Sie bitte „Mitglied“."
)


def role_allowed(role: str, organisation) -> bool:
    """May a person of `organisation` hold `role`? Office roles only in an office."""
    return role not in OFFICE_ROLES or bool(organisation is not None and organisation.is_office)


def effective_role(user) -> str:
    """The role a user acts with: an office role outside the office counts as "member"."""
    return user.role if role_allowed(user.role, user.organisation) else "member"


def has_role(user, role: str) -> bool:
    """True if the user holds `role` or a more privileged one (see `effective_role`)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return ROLE_ORDER.index(effective_role(user)) >= ROLE_ORDER.index(role)


def is_admin(user) -> bool:
    return has_role(user, "admin")


def is_editor(user) -> bool:
    """Editors curate the knowledge base; admins may do the same."""
    return has_role(user, "editor")


def is_office_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.organisation.is_office)


def may_invite(user) -> bool:
    return is_editor(user)


def invitable_roles(user) -> list[str]:
    """Admins invite any role; editors invite members (into any organisation)."""
    if is_admin(user):
        return list(ROLE_ORDER)
    if is_editor(user):
        return ["member"]
    return []


def role_required(role: str):
    """View decorator: 403 unless the current user holds `role` (or more)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not has_role(current_user, role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
