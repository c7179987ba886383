"""Knowledge-base services: creating, editing, the workflow and links between resources.

Revisions and diffs are in `revisions.py`, attachments in `attachments.py`, list queries in
`lists.py`, who may do what in `access.py`.

Services add and flush; the view commits once. Errors meant for the user are `ResourceError`
with a German (lazy) message; an edit based on an outdated version raises `EditConflict`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from portal.audit import record as audit_record
from portal.auth.access import is_editor
from portal.extensions import db
from portal.legal.anonymisation import scan
from portal.notifications import services as notifications
from portal.orgs.models import Organisation
from portal.resources import fields
from portal.resources.access import (
    PUBLIC,
    TRANSITIONS,
    can_edit,
    can_view,
    check_owner,
    owner_keeps_sight,
    owner_loses_sight,
)
from portal.resources.errors import EditConflict, ResourceError
from portal.resources.models import (
    RESOURCE_TYPES,
    Resource,
    ResourceLink,
    Revision,
)
from portal.resources.records import (
    RecordContext,
    apply_record,
    editable_part,
    public_findings,
)
from portal.resources.revisions import ensure_baseline, record_revision, touch
from portal.timeutil import utcnow

# --- loading -----------------------------------------------------------------------------


def visible_resource(user, resource_id: int) -> Resource | None:
    """The resource if it exists and `user` may see it, else None (the view answers 404).

    Its court and owner come with it: every page of a resource names both.
    """
    resource = db.session.get(
        Resource,
        resource_id,
        options=[joinedload(Resource.court), joinedload(Resource.organisation)],
    )
    return resource if can_view(user, resource) else None


# --- saving ------------------------------------------------------------------------------


def create_resource(
    user,
    resource_type: str,
    record: dict[str, Any],
    organisation: Organisation | None = None,
) -> Resource:
    """A new draft owned by the user's organisation (editors may name another one).

    `record`: the fields the form edits, in the record format (see `records.py`).
    """
    if resource_type not in RESOURCE_TYPES:
        raise ResourceError(_l("Unbekannter Eintragstyp."))
    if organisation is not None and not is_editor(user):
        organisation = None
    visibility = record.get("visibility", "members")
    if (
        organisation is not None
        and organisation.id != user.organisation_id
        and not owner_keeps_sight(organisation, organisation.id, visibility)
    ):
        raise ResourceError(owner_loses_sight(organisation))
    resource = Resource(
        type=resource_type,
        # A stable id for export: re-importing an export updates instead of duplicating.
        external_id=f"portal-{uuid.uuid4()}",
        organisation_id=(organisation.id if organisation else user.organisation_id),
        author_id=user.id,
        status="draft",
    )
    db.session.add(resource)
    apply_record(resource, editable_part(record, resource_type), RecordContext.for_one(), True)
    db.session.flush()
    record_revision(resource, user, "create")
    return resource


def update_resource(
    resource: Resource,
    user,
    record: dict[str, Any],
    base_version: int,
    comment: str = "",
    organisation: Organisation | None = None,
) -> Resource:
    """Save an edit made on `base_version`; EditConflict if somebody saved in between."""
    if not can_edit(user, resource):
        raise ResourceError(_l("Sie dürfen diesen Eintrag nicht bearbeiten."))
    if base_version != resource.version:
        raise EditConflict(resource, base_version)
    if organisation is not None and not is_editor(user):
        organisation = None
    check_owner(user, resource, organisation, record.get("visibility", resource.visibility))
    if record.get("visibility") == PUBLIC:
        if resource.visibility != PUBLIC:
            raise ResourceError(
                _l("Für die Öffentlichkeit gibt die Geschäftsstelle Einträge eigens frei.")
            )
        if public_findings({**editable_part(record, resource.type)}):
            raise ResourceError(PUBLIC_FINDINGS)
    ensure_baseline(resource)
    previous_visibility = resource.visibility
    # One user action is one version: SQLAlchemy raises `version` on every flush that changes
    # the row, and loading the norms would flush the half-applied edit on its own.
    with db.session.no_autoflush:
        apply_record(resource, editable_part(record, resource.type), RecordContext.for_one(), True)
        if organisation is not None:
            resource.organisation = organisation
        resource.updated_at = utcnow()
        if resource.visibility != previous_visibility:
            audit_record(
                "resource.visibility_changed",
                target=resource,
                actor=user,
                details={"from": previous_visibility, "to": resource.visibility},
            )
    db.session.flush()
    record_revision(resource, user, "edit", comment=comment)
    notifications.resource_updated(resource, user)
    return resource


# --- release to the public ----------------------------------------------------------------

PUBLIC_FINDINGS = _l(
    "Titel oder Kurzfassung enthalten Hinweise auf personenbezogene Daten. Öffentlich "
    "erscheinen darf der Eintrag erst ohne sie."
)


def can_release(user, resource: Resource) -> bool:
    return (
        is_editor(user)
        and resource.status == "published"
        and resource.visibility in ("members", PUBLIC)
    )


def set_public(resource: Resource, user, public: bool) -> None:
    """The office releases a published entry to the public pages, or withdraws it."""
    if not can_release(user, resource):
        raise ResourceError(_l("Dieser Schritt ist für Sie hier nicht möglich."))
    if public and public_findings({"title": resource.title, "summary": resource.summary}):
        raise ResourceError(PUBLIC_FINDINGS)
    previous = resource.visibility
    resource.visibility = PUBLIC if public else "members"
    if resource.visibility == previous:
        return
    resource.updated_at = utcnow()
    audit_record(
        "resource.visibility_changed",
        target=resource,
        actor=user,
        details={"from": previous, "to": resource.visibility},
    )
    db.session.flush()


# --- workflow ----------------------------------------------------------------------------


def anonymisation_fields(resource: Resource) -> dict[str, str]:
    """The texts the anonymisation check reads, keyed by a field name for display."""
    fields = {"title": resource.title, "summary": resource.summary, "body": resource.body}
    for attachment in resource.attachments:
        fields[f"attachment-{attachment.id}"] = attachment.text or ""
    return fields


def field_label(name: str, resource: Resource | None = None) -> str:
    if name.startswith("attachment-") and resource is not None:
        for attachment in resource.attachments:
            if f"attachment-{attachment.id}" == name:
                return str(_l("Anhang „%(name)s“", name=attachment.filename))
    return fields.label(name)


def anonymisation_findings(resource: Resource) -> list:
    """Findings of the anonymisation check over the resource's texts and attachments."""
    return scan(anonymisation_fields(resource))


def transition(
    resource: Resource,
    user,
    action: str,
    comment: str = "",
    confirmed: bool = False,
    base_version: int | None = None,
) -> Revision:
    """Move a resource through the workflow; submit/publish run the anonymisation check."""
    check = TRANSITIONS.get(action)
    if check is None or not check(user, resource):
        raise ResourceError(_l("Dieser Schritt ist für Sie hier nicht möglich."))
    if base_version is not None and base_version != resource.version:
        raise EditConflict(resource, base_version)
    ensure_baseline(resource)
    findings: list[dict] = []
    if action in ("submit", "publish"):
        found = anonymisation_findings(resource)
        if found and not confirmed:
            raise ResourceError(
                _l(
                    "Die Prüfung auf personenbezogene Daten hat Hinweise gefunden. Bitte "
                    "bestätigen Sie, dass Sie sie geprüft haben."
                )
            )
        findings = [{"field": f.field, "kind": f.kind, "match": f.match} for f in found]
    if action == "return" and not comment.strip():
        raise ResourceError(_l("Bitte begründen Sie die Rückgabe in einem Kommentar."))
    previous_status = resource.status
    resource.status = {
        "submit": "submitted",
        "publish": "published",
        "return": "returned",
        "archive": "archived",
        "unarchive": "published",
    }[action]
    if action == "publish" and resource.published_at is None:
        resource.published_at = utcnow()
    resource.updated_at = utcnow()
    db.session.flush()
    if action in AUDITED_TRANSITIONS:
        audit_record(
            AUDITED_TRANSITIONS[action],
            target=resource,
            actor=user,
            details={"from": previous_status},
        )
    revision = record_revision(resource, user, action, comment=comment.strip(), findings=findings)
    private = bool(findings) or (action == "return" and bool(anonymisation_findings(resource)))
    notifications.resource_moved(resource, action, user, comment.strip(), private=private)
    return revision


AUDITED_TRANSITIONS = {
    "publish": "resource.published",
    "return": "resource.returned",
    "archive": "resource.archived",
    "unarchive": "resource.restored",
}


# --- links -------------------------------------------------------------------------------


def add_link(source: Resource, target: Resource, kind: str, user) -> ResourceLink:
    """Link two resources; instance links point from the earlier to the later decision."""
    if kind not in ("related", "instance"):
        raise ResourceError(_l("Unbekannte Art der Verknüpfung."))
    if not can_edit(user, source) and not can_edit(user, target):
        raise ResourceError(_l("Sie dürfen diesen Eintrag nicht bearbeiten."))
    if not (can_view(user, source) and can_view(user, target)):
        raise ResourceError(_l("Diesen Eintrag gibt es nicht oder Sie dürfen ihn nicht sehen."))
    if source.id == target.id:
        raise ResourceError(_l("Ein Eintrag kann nicht mit sich selbst verknüpft werden."))
    if kind == "instance" and not (source.type == target.type == "case_law"):
        raise ResourceError(_l("Instanzen lassen sich nur zwischen Entscheidungen verknüpfen."))
    pairs = [(source.id, target.id)]
    if kind == "related":
        pairs.append((target.id, source.id))
    exists = db.session.scalar(
        select(ResourceLink).where(
            ResourceLink.kind == kind,
            or_(
                *(and_(ResourceLink.source_id == s, ResourceLink.target_id == t) for s, t in pairs)
            ),
        )
    )
    if exists is not None:
        raise ResourceError(_l("Diese Verknüpfung besteht bereits."))
    link = ResourceLink(source_id=source.id, target_id=target.id, kind=kind)
    db.session.add(link)
    db.session.flush()
    # The note names the other side by number only; readers who may not see it get no name.
    if can_edit(user, source):
        touch(source, user, "link_add", f"#{target.id}")
    else:
        touch(target, user, "link_add", f"#{source.id}")
    return link


# How the edit form names a link, seen from the resource being edited: (this is the
# source?, kind). An earlier instance is the source of an "instance" link to the later one.
LINK_DIRECTIONS = {
    "related": (True, "related"),
    "earlier": (False, "instance"),
    "later": (True, "instance"),
}


def link_resources(resource: Resource, other: Resource, direction: str, user) -> ResourceLink:
    """Link `other` to `resource` as a related entry, an earlier or a later instance."""
    if direction not in LINK_DIRECTIONS:
        raise ResourceError(_l("Unbekannte Art der Verknüpfung."))
    is_source, kind = LINK_DIRECTIONS[direction]
    source, target = (resource, other) if is_source else (other, resource)
    return add_link(source, target, kind, user)


def remove_link(link: ResourceLink, user) -> None:
    if not (can_edit(user, link.source) or can_edit(user, link.target)):
        raise ResourceError(_l("Sie dürfen diesen Eintrag nicht bearbeiten."))
    owner = link.source if can_edit(user, link.source) else link.target
    other_id = link.target_id if owner is link.source else link.source_id
    db.session.delete(link)
    db.session.flush()
    touch(owner, user, "link_remove", f"#{other_id}")


@dataclass
class LinkedResource:
    link: ResourceLink
    resource: Resource


@dataclass
class Links:
    related: list[LinkedResource] = field(default_factory=list)
    earlier: list[LinkedResource] = field(default_factory=list)  # preceding instances
    later: list[LinkedResource] = field(default_factory=list)  # following instances


def visible_links(resource: Resource, user) -> Links:
    """Links of a resource whose other side the user may see; hidden ones never appear."""
    rows = db.session.scalars(
        select(ResourceLink)
        .where(or_(ResourceLink.source_id == resource.id, ResourceLink.target_id == resource.id))
        .order_by(ResourceLink.created_at)
    )
    links = Links()
    for link in rows:
        other = link.target if link.source_id == resource.id else link.source
        if not can_view(user, other):
            continue
        entry = LinkedResource(link, other)
        if link.kind == "related":
            links.related.append(entry)
        elif link.source_id == resource.id:
            links.later.append(entry)
        else:
            links.earlier.append(entry)
    return links


#: Instances followed in each direction at most (a chain is short; a cycle must not loop).
CHAIN_LIMIT = 8


def instance_chain(resource: Resource, user, links: Links | None = None) -> list[Resource]:
    """The proceedings the resource belongs to, earliest instance first, the resource included.

    Follows instance links the user may see in both directions; a list of one when there are
    none. ``links``: the resource's ``visible_links`` if at hand (its first step each way).
    """

    def step(current: Resource, earlier: bool) -> Resource | None:
        if current is resource and links is not None:
            first = links.earlier if earlier else links.later
            return first[0].resource if first else None
        column = ResourceLink.target_id if earlier else ResourceLink.source_id
        rows = db.session.scalars(
            select(ResourceLink)
            .where(column == current.id, ResourceLink.kind == "instance")
            .order_by(ResourceLink.created_at)
        )
        for link in rows:
            found = link.source if earlier else link.target
            if can_view(user, found):
                return found
        return None

    chain, seen = [resource], {resource.id}
    for earlier in (True, False):
        current = resource
        for _ in range(CHAIN_LIMIT):
            found = step(current, earlier)
            if found is None or found.id in seen:
                break
            seen.add(found.id)
            chain.insert(0 if earlier else len(chain), found)
            current = found
    return chain


def find_resource_reference(user, reference: str) -> Resource | None:
    """A visible resource named by its number or its address (e.g. "/resources/12")."""
    text = (reference or "").strip().rstrip("/")
    number = text.rsplit("/", 1)[-1].lstrip("#")
    if not number.isdigit():
        return None
    return visible_resource(user, int(number))
