"""Who may see which resource (the one rule, in Python, SQL and search-index form), and who
may do what with it (edit, submit, publish, ...), which builds on seeing it.

A resource carries a set of audiences, a user belongs to a set of audiences, and the user may see
the resource when the two sets meet. The same audiences are indexed in the search index, so
counts, facets, snippets and suggestions follow the same rule as pages and downloads.

- published, visibility "members":      every logged-in user
- published, visibility "public":       every logged-in user, and title, summary, court, date,
                                        file number and norms on /public/ without login
- published, visibility "office":       office staff only
- published, visibility "organisation": the owning organisation and the office
- not published (draft, submitted, returned, archived): the owning organisation and the office
"""

import re
from collections.abc import Iterable
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, false, or_, select, true

from portal.auth.access import is_editor
from portal.extensions import db
from portal.resources.errors import ResourceError
from portal.resources.models import Resource, ResourceLink

MEMBERS = "members"
OFFICE = "office"

VISIBILITIES = ("members", "office", "organisation")  # what an edit form offers
PUBLIC = "public"  # set by the office's release step (or an import of a published entry)
RECORD_VISIBILITIES = (*VISIBILITIES, PUBLIC)


def org_audience(organisation_id: int) -> str:
    return f"org:{organisation_id}"


def resource_audiences(status: str, visibility: str, organisation_id: int) -> set[str]:
    """The audiences that may see a resource with these attributes."""
    if status == "published" and visibility in ("members", PUBLIC):
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


def owner_loses_sight(owner):
    """The German message for a change that would take a resource away from its owner."""
    return _l(
        "So würde „%(org)s“ den Zugriff auf den eigenen Eintrag verlieren. Einträge einer "
        "Fachberatungsstelle bleiben bei ihr, und nur sie selbst kann sie auf „Nur "
        "Geschäftsstelle“ stellen.",
        org=owner.name,
    )


def check_owner(user, resource, organisation, visibility: str) -> None:
    """ResourceError unless `user` may give `resource` this owner (None: the same) and
    visibility (see `may_change_owner`)."""
    organisation_id = organisation.id if organisation is not None else resource.organisation_id
    if not may_change_owner(user, resource, organisation_id, visibility):
        raise ResourceError(owner_loses_sight(resource.organisation))


def visible_clause(user, model) -> ColumnElement[bool]:
    """SQL condition on `model` (the Resource class) equivalent to `can_view`."""
    audiences = user_audiences(user)
    if not audiences:
        return false()
    if OFFICE in audiences:
        return true()
    published = model.status == "published"
    return or_(
        and_(published, model.visibility.in_(("members", PUBLIC))),
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


# --- what a resource's records and history say about other resources -------------------------
# Links point at other resources, which the reader may not see. Exports, API records, revision
# snapshots and revision notes name them by external id or number: only visible ones are shown.

PORTAL_ID = re.compile(r"portal:(\d+)")
LINK_NOTE = re.compile(r"#(\d+)")
LINK_ACTIONS = ("link_add", "link_remove")


def visible_record_links(user, resource) -> list[dict]:
    """The resource's outgoing links as record entries, leaving out targets `user` may not see."""
    if resource.id is None:
        return []
    rows = db.session.execute(
        select(ResourceLink.kind, Resource.external_id, Resource.id)
        .join(Resource, Resource.id == ResourceLink.target_id)
        .where(ResourceLink.source_id == resource.id, visible_clause(user, Resource))
    )
    return sorted(
        ({"kind": kind, "target": ext or f"portal:{rid}"} for kind, ext, rid in rows.all()),
        key=lambda link: (link["kind"], link["target"]),
    )


def visible_targets(user, targets: Iterable[str]) -> set[str]:
    """Which record link targets (external ids, or ``portal:<id>``) name a resource `user` may
    see; a target that names no resource (any more) counts as hidden."""
    targets = {str(t) for t in targets if t}
    if not targets:
        return set()
    numbers = {int(m[1]) for t in targets if (m := PORTAL_ID.fullmatch(t))}
    rows = db.session.execute(
        select(Resource.id, Resource.external_id).where(
            or_(Resource.external_id.in_(targets), Resource.id.in_(numbers)),
            visible_clause(user, Resource),
        )
    )
    seen = set()
    for rid, ext in rows.all():
        if ext in targets:
            seen.add(ext)
        if rid in numbers:
            seen.add(f"portal:{rid}")
    return seen


def redact_record(user, record: dict | None) -> dict:
    """A record or revision snapshot with only the links whose targets `user` may see."""
    record = dict(record or {})
    links = record.get("links")
    if links:
        shown = visible_targets(user, (link.get("target") for link in links))
        record["links"] = [link for link in links if link.get("target") in shown]
    return record


def redact_note(user, action: str, comment: str) -> str:
    """A revision's note as `user` may read it: a link note naming a hidden resource is empty."""
    if action not in LINK_ACTIONS or not comment:
        return comment
    match = LINK_NOTE.fullmatch(comment.strip())
    if match is None:
        return comment
    visible = db.session.scalar(
        select(Resource.id).where(Resource.id == int(match[1]), visible_clause(user, Resource))
    )
    return comment if visible is not None else ""
