"""Role checks: the one place that says which role may do what."""

from functools import wraps

from flask import abort
from flask_login import current_user

ROLE_ORDER = ("member", "editor", "admin")


def has_role(user, role: str) -> bool:
    """True if the user holds `role` or a more privileged one."""
    if not getattr(user, "is_authenticated", False):
        return False
    return ROLE_ORDER.index(user.role) >= ROLE_ORDER.index(role)


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
