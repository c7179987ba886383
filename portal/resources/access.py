"""Who may see which resource: the one rule, in Python, SQL and search-index form.

A resource carries a set of audiences, a user belongs to a set of audiences, and the user may see
the resource when the two sets meet. The same audiences are indexed in the search index, so
counts, facets, snippets and suggestions follow the same rule as pages and downloads.

- published, visibility "members":      every logged-in user
- published, visibility "office":       office staff only
- published, visibility "organisation": the owning organisation and the office
- not published (draft, submitted, returned, archived): the owning organisation and the office
"""

from sqlalchemy import ColumnElement, and_, false, or_, true

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
