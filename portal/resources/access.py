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


def organisation_audiences(organisation) -> set[str]:
    """The audiences every active person of `organisation` belongs to."""
    audiences = {MEMBERS, org_audience(organisation.id)}
    if organisation.is_office:
        audiences.add(OFFICE)
    return audiences


def user_audiences(user) -> set[str]:
    """The audiences a user belongs to; empty for anonymous or inactive users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return organisation_audiences(user.organisation)


def can_view(user, resource) -> bool:
    """May `user` see `resource` (its page, attachments, links, feeds, exports, API)?"""
    if resource is None:
        return False
    wanted = resource_audiences(resource.status, resource.visibility, resource.organisation_id)
    return bool(wanted & user_audiences(user))


def owner_keeps_sight(owner, organisation_id: int, visibility: str) -> bool:
    """Would organisation `owner` still see a resource owned by `organisation_id` with
    `visibility`, as a draft and once published?"""
    audiences = organisation_audiences(owner)
    return all(
        resource_audiences(status, visibility, organisation_id) & audiences
        for status in ("draft", "published")
    )


def may_change_owner(user, resource, organisation_id: int, visibility: str) -> bool:
    """May `user` give `resource` this owner and visibility?

    Nobody outside the owning organisation (editors, admins) may change them so that the owner
    loses sight of its own resource: a member organisation's resource stays with it and is never
    made office-only by others. The owner's own people decide that for themselves.
    """
    if organisation_id == resource.organisation_id and visibility == resource.visibility:
        return True
    if organisation_id == resource.organisation_id == user.organisation_id:
        return True
    return owner_keeps_sight(resource.organisation, organisation_id, visibility)


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
