"""Who may see which resource (the one rule, in Python, SQL and search-index form), and who
may do what with it (edit, submit, publish, ...), which builds on seeing it.

A resource carries a set of audiences, a user belongs to a set of audiences, and the user may see
the resource when the two sets meet. The same audiences are indexed in the search index, so
counts, facets, snippets and suggestions follow the same rule as pages and downloads.

- published, visibility "members":      every logged-in user
- published, visibility "office":       office staff only
- published, visibility "organisation": the owning organisation and the office
- not published (draft, submitted, returned, archived): the owning organisation and the office
"""

from types import SimpleNamespace

from sqlalchemy import ColumnElement, and_, false, or_, true

from portal.auth.access import is_editor

MEMBERS = "members"
OFFICE = "office"

VISIBILITIES = ("members", "office", "organisation")


def org_audience(organisation_id: int) -> str:
    return f"org:{organisation_id}"


def resource_audiences(status: str, visibility: str, organisation_id: int) -> set[str]:
    """The audiences that may see a resource with these attributes."""
    if status == "published" and visibility == "members":
        return {MEMBERS}
    if status == "published" and visibility == "office":
        return {OFFICE}
    return {org_audience(organisation_id), OFFICE}


def user_audiences(user) -> set[str]:
    """The audiences a user belongs to; empty for anonymous or inactive users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    audiences = {MEMBERS, org_audience(user.organisation_id)}
    if user.organisation.is_office:
        audiences.add(OFFICE)
    return audiences


def can_view(user, resource) -> bool:
    """May `user` see `resource` (its page, attachments, links, feeds, exports, API)?"""
    if resource is None:
        return False
    wanted = resource_audiences(resource.status, resource.visibility, resource.organisation_id)
    return bool(wanted & user_audiences(user))


def visible_clause(user, model) -> ColumnElement[bool]:
    """SQL condition on `model` (the Resource class) equivalent to `can_view`."""
    audiences = user_audiences(user)
    if not audiences:
        return false()
    if OFFICE in audiences:
        return true()
    published = model.status == "published"
    return or_(
        and_(published, model.visibility == "members"),
        and_(model.organisation_id == user.organisation_id, model.visibility != "office"),
        and_(model.organisation_id == user.organisation_id, ~published),
    )


def audited_download(resource) -> bool:
    """Downloads of this resource's attachments are logged: all but those every member sees."""
    return resource_audiences(resource.status, resource.visibility, resource.organisation_id) != {
        MEMBERS
    }


# --- what a user may do with a resource ---------------------------------------------------


def _same_organisation(user, resource) -> bool:
    return bool(user.is_authenticated and user.organisation_id == resource.organisation_id)


def can_edit(user, resource) -> bool:
    """The owning organisation while draft/returned; editors always."""
    if not can_view(user, resource):
        return False
    if is_editor(user):
        return True
    return _same_organisation(user, resource) and resource.status in ("draft", "returned")


def can_submit(user, resource) -> bool:
    return can_edit(user, resource) and resource.status in ("draft", "returned")


def can_publish(user, resource) -> bool:
    return (
        is_editor(user)
        and can_view(user, resource)
        and resource.status in ("draft", "submitted", "returned")
    )


def can_return(user, resource) -> bool:
    return is_editor(user) and can_view(user, resource) and resource.status == "submitted"


def can_archive(user, resource) -> bool:
    return is_editor(user) and can_view(user, resource) and resource.status == "published"


def can_unarchive(user, resource) -> bool:
    return is_editor(user) and can_view(user, resource) and resource.status == "archived"


def can_see_history(user, resource) -> bool:
    """Revisions may hold text from before anonymisation: only those who saw the drafts.

    That is whoever may see the resource as an unpublished draft, by the one visibility rule.
    """
    unpublished = SimpleNamespace(
        status="draft", visibility=resource.visibility, organisation_id=resource.organisation_id
    )
    return can_view(user, resource) and can_view(user, unpublished)


TRANSITIONS = {
    "submit": can_submit,
    "publish": can_publish,
    "return": can_return,
    "archive": can_archive,
    "unarchive": can_unarchive,
}


def allowed_actions(user, resource) -> list[str]:
    return [name for name, check in TRANSITIONS.items() if check(user, resource)]
