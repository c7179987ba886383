"""Knowledge-base services: saving, workflow, revisions, links, attachments, lists.

Services add and flush; the view commits once. Errors meant for the user are `ResourceError`
with a German (lazy) message; an edit based on an outdated version raises `EditConflict`.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select

from portal.audit import record as audit_record
from portal.auth.access import is_editor
from portal.extensions import db
from portal.files import extract_text, inspect_upload
from portal.legal import courts as court_catalogue
from portal.legal.citations import Norm, extract_norms, parse_norm
from portal.legal.file_numbers import normalise_file_number
from portal.orgs.models import Organisation
from portal.resources.access import can_view, may_change_owner, owner_keeps_sight, visible_clause
from portal.resources.models import (
    Attachment,
    Court,
    Resource,
    ResourceLink,
    ResourceNorm,
    Revision,
)
from portal.timeutil import utcnow

logger = logging.getLogger(__name__)


class ResourceError(Exception):
    """A domain error whose message can be shown to the user."""


class EditConflict(ResourceError):
    """Somebody saved the resource after the editor loaded it."""

    def __init__(self, resource: Resource, base_version: int):
        super().__init__(_l("Der Eintrag wurde inzwischen von einer anderen Person geändert."))
        self.resource = resource
        self.base_version = base_version


# --- courts ------------------------------------------------------------------------------


def sync_courts() -> tuple[int, int]:
    """Create or update the Court rows from the curated catalogue; returns (created, updated)."""
    existing = {court.slug: court for court in db.session.scalars(select(Court))}
    created = updated = 0
    for entry in court_catalogue.all_courts():
        values = {
            "name": entry.name,
            "short_name": entry.short_name or "",
            "level": entry.level,
            "federal_state": entry.state,
            "aliases": list(entry.aliases),
            "needs_curation": False,
        }
        court = existing.get(entry.slug)
        if court is None:
            db.session.add(Court(slug=entry.slug, **values))
            created += 1
        elif any(getattr(court, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(court, key, value)
            updated += 1
    db.session.flush()
    return created, updated


def ensure_courts() -> None:
    """Seed the court table on first use of a form that needs it (or when courts are missing)."""
    catalogued = db.session.scalar(select(func.count(Court.id)).where(~Court.needs_curation))
    if catalogued < len(court_catalogue.all_courts()):
        sync_courts()


def court_choices() -> list[tuple[int, str]]:
    courts = db.session.scalars(select(Court).order_by(Court.name))
    return [(court.id, court.name) for court in courts]


# --- permissions -------------------------------------------------------------------------


def _same_organisation(user, resource: Resource) -> bool:
    return bool(user.is_authenticated and user.organisation_id == resource.organisation_id)


def can_edit(user, resource: Resource) -> bool:
    """The owning organisation while draft/returned; editors always."""
    if not can_view(user, resource):
        return False
    if is_editor(user):
        return True
    return _same_organisation(user, resource) and resource.status in ("draft", "returned")


def can_submit(user, resource: Resource) -> bool:
    return can_edit(user, resource) and resource.status in ("draft", "returned")


def can_publish(user, resource: Resource) -> bool:
    return (
        is_editor(user)
        and can_view(user, resource)
        and resource.status in ("draft", "submitted", "returned")
    )


def can_return(user, resource: Resource) -> bool:
    return is_editor(user) and can_view(user, resource) and resource.status == "submitted"


def can_archive(user, resource: Resource) -> bool:
    return is_editor(user) and can_view(user, resource) and resource.status == "published"


def can_unarchive(user, resource: Resource) -> bool:
    return is_editor(user) and can_view(user, resource) and resource.status == "archived"


def can_see_history(user, resource: Resource) -> bool:
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


def allowed_actions(user, resource: Resource) -> list[str]:
    return [name for name, check in TRANSITIONS.items() if check(user, resource)]


# --- loading -----------------------------------------------------------------------------


def visible_resource(user, resource_id: int) -> Resource | None:
    """The resource if it exists and `user` may see it, else None (the view answers 404)."""
    resource = db.session.get(Resource, resource_id)
    return resource if can_view(user, resource) else None


# --- saving ------------------------------------------------------------------------------

COMMON_FIELDS = ("title", "summary", "body", "language", "topics", "tags", "visibility")
TYPE_FIELDS = {
    "case_law": (
        "court_id",
        "decision_date",
        "file_number",
        "decision_type",
        "ecli",
        "legal_areas",
        "outcome",
        "outcome_amount",
        "outcome_note",
        "source_url",
    ),
    "training_material": ("audience", "format", "duration_minutes", "event_name", "event_date"),
    "position_paper": ("authors", "published_on", "addressee", "occasion"),
}


def editable_fields(resource_type: str) -> tuple[str, ...]:
    return COMMON_FIELDS + TYPE_FIELDS[resource_type]


def create_resource(
    user,
    resource_type: str,
    data: dict[str, Any],
    norms: list[Norm] | None = None,
    organisation: Organisation | None = None,
) -> Resource:
    """A new draft owned by the user's organisation (editors may name another one)."""
    if resource_type not in TYPE_FIELDS:
        raise ResourceError(_l("Unbekannter Eintragstyp."))
    if organisation is not None and not is_editor(user):
        organisation = None
    visibility = data.get("visibility", "members")
    if (
        organisation is not None
        and organisation.id != user.organisation_id
        and not owner_keeps_sight(organisation, organisation.id, visibility)
    ):
        raise ResourceError(_owner_loses_sight(organisation))
    resource = Resource(
        type=resource_type,
        # A stable id for export: re-importing an export updates instead of duplicating.
        external_id=f"portal-{uuid.uuid4()}",
        organisation_id=(organisation.id if organisation else user.organisation_id),
        author_id=user.id,
        status="draft",
    )
    _apply(resource, data)
    db.session.add(resource)
    _set_norms(resource, norms or [])
    db.session.flush()
    record_revision(resource, user, "create")
    return resource


def update_resource(
    resource: Resource,
    user,
    data: dict[str, Any],
    base_version: int,
    norms: list[Norm] | None = None,
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
    _check_owner(user, resource, organisation, data.get("visibility", resource.visibility))
    ensure_baseline(resource)
    previous_visibility = resource.visibility
    _apply(resource, data)
    if resource.visibility != previous_visibility:
        audit_record(
            "resource.visibility_changed",
            target=resource,
            actor=user,
            details={"from": previous_visibility, "to": resource.visibility},
        )
    if organisation is not None:
        resource.organisation = organisation
    if norms is not None:
        _set_norms(resource, norms)
    resource.updated_at = utcnow()
    db.session.flush()
    record_revision(resource, user, "edit", comment=comment)
    return resource


def _owner_loses_sight(owner: Organisation):
    return _l(
        "So würde „%(org)s“ den Zugriff auf den eigenen Eintrag verlieren. Einträge einer "
        "Fachberatungsstelle bleiben bei ihr, und nur sie selbst kann sie auf „Nur "
        "Geschäftsstelle“ stellen.",
        org=owner.name,
    )


def _check_owner(user, resource: Resource, organisation, visibility: str) -> None:
    organisation_id = organisation.id if organisation is not None else resource.organisation_id
    if not may_change_owner(user, resource, organisation_id, visibility):
        raise ResourceError(_owner_loses_sight(resource.organisation))


def _apply(resource: Resource, data: dict[str, Any]) -> None:
    for name in editable_fields(resource.type):
        if name in data:
            setattr(resource, name, data[name])
    if "file_number" in data:
        resource.file_number_key = normalise_file_number(resource.file_number or "")


def _set_norms(resource: Resource, norms: list[Norm]) -> None:
    """Confirmed norms as given; norms found in the text but not confirmed stay suggestions."""
    wanted: dict[str, tuple[Norm, bool]] = {norm.key: (norm, True) for norm in norms}
    for norm in suggest_norms(resource):
        wanted.setdefault(norm.key, (norm, False))
    existing = {row.key: row for row in resource.norms}
    rows = []
    for position, (norm, confirmed) in enumerate(wanted.values()):
        row = existing.pop(norm.key, None) or ResourceNorm(key=norm.key)
        row.label, row.slug, row.position, row.confirmed = (
            norm.label,
            norm.slug,
            position,
            confirmed,
        )
        rows.append(row)
    resource.norms = rows


def suggest_norms(resource_or_text) -> list[Norm]:
    """Norms cited in title, summary and body (or in a text)."""
    if isinstance(resource_or_text, str):
        text = resource_or_text
    else:
        text = "\n".join(
            part
            for part in (resource_or_text.title, resource_or_text.summary, resource_or_text.body)
            if part
        )
    try:
        return extract_norms(text) if text.strip() else []
    except Exception:  # noqa: BLE001 - a suggestion must never stop a save
        logger.warning("Norm extraction failed", exc_info=True)
        return []


def parse_norm_lines(text: str) -> tuple[list[Norm], list[str]]:
    """Norms typed one per line (or separated by semicolons); returns (norms, unparseable)."""
    norms: list[Norm] = []
    bad: list[str] = []
    for raw in text.replace(";", "\n").splitlines():
        raw = raw.strip()
        if not raw:
            continue
        norm = parse_norm(raw)
        if norm is None:
            bad.append(raw)
        elif norm not in norms:
            norms.append(norm)
    return norms, bad


# --- revisions ---------------------------------------------------------------------------


def snapshot(resource: Resource) -> dict:
    """All fields of the resource in the record format, plus norms and attachments."""
    from portal.resources.records import to_record

    data = to_record(resource)
    data["norms"] = [norm.label for norm in resource.norms if norm.confirmed]
    data["attachments"] = [f"{a.filename} ({a.sha256[:12]})" for a in resource.attachments]
    return data


def ensure_baseline(resource: Resource) -> None:
    """Resources made outside the forms (imports) get their first state kept before a change."""
    if resource.id is not None and not resource.revisions:
        record_revision(resource, None, "create")


def record_revision(
    resource: Resource,
    user,
    action: str,
    comment: str = "",
    findings: list[dict] | None = None,
) -> Revision:
    """Keep the resource's current state as a revision (after the change was flushed)."""
    db.session.flush()
    revision = Revision(
        resource=resource,
        version=resource.version,
        author_id=user.id if user is not None else None,
        action=action,
        comment=comment or "",
        data=snapshot(resource),
        anonymisation_confirmed=bool(findings),
        anonymisation_findings=findings or [],
    )
    db.session.add(revision)
    db.session.flush()
    return revision


def revision_at(resource: Resource, version: int) -> Revision | None:
    """The revision describing the resource as it was at `version`."""
    return db.session.scalar(
        select(Revision)
        .where(Revision.resource_id == resource.id, Revision.version <= version)
        .order_by(Revision.version.desc(), Revision.id.desc())
        .limit(1)
    )


def previous_revision(revision: Revision) -> Revision | None:
    return db.session.scalar(
        select(Revision)
        .where(Revision.resource_id == revision.resource_id, Revision.id < revision.id)
        .order_by(Revision.id.desc())
        .limit(1)
    )


ACTION_LABELS = {
    "create": _l("Angelegt"),
    "edit": _l("Bearbeitet"),
    "submit": _l("Eingereicht"),
    "publish": _l("Veröffentlicht"),
    "return": _l("Zurückgegeben"),
    "archive": _l("Archiviert"),
    "unarchive": _l("Wieder veröffentlicht"),
    "restore": _l("Wiederhergestellt"),
    "attachment_add": _l("Anhang hinzugefügt"),
    "attachment_remove": _l("Anhang entfernt"),
    "link_add": _l("Verknüpfung hinzugefügt"),
    "link_remove": _l("Verknüpfung entfernt"),
}

FIELD_LABELS = {
    "external_id": _l("Externe Kennung"),
    "type": _l("Typ"),
    "title": _l("Titel"),
    "summary": _l("Kurzfassung"),
    "body": _l("Text"),
    "language": _l("Sprache"),
    "topics": _l("Themen"),
    "tags": _l("Schlagwörter"),
    "visibility": _l("Sichtbarkeit"),
    "organisation": _l("Organisation"),
    "status": _l("Status"),
    "published_on": _l("Veröffentlichungsdatum"),
    "court": _l("Gericht"),
    "decision_date": _l("Entscheidungsdatum"),
    "file_number": _l("Aktenzeichen"),
    "decision_type": _l("Entscheidungsart"),
    "ecli": _l("ECLI"),
    "legal_areas": _l("Rechtsgebiete"),
    "norms": _l("Zitierte Normen"),
    "outcome": _l("Ergebnis für die betroffene Person"),
    "outcome_amount": _l("Betrag"),
    "outcome_note": _l("Anmerkung zum Ergebnis"),
    "source_url": _l("Quelle (Adresse)"),
    "audience": _l("Zielgruppe"),
    "format": _l("Format"),
    "event_name": _l("Veranstaltung"),
    "event_date": _l("Veranstaltungsdatum"),
    "duration_minutes": _l("Dauer (Minuten)"),
    "authors": _l("Verfassende Organisationen"),
    "addressee": _l("Adressat"),
    "occasion": _l("Anlass"),
    "links": _l("Verknüpfungen"),
    "attachments": _l("Anhänge"),
}


@dataclass
class FieldDiff:
    name: str
    label: str
    # Lines of (op, text) with op in " ", "-", "+"; words inside changed lines are marked.
    lines: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(
            json.dumps(v, ensure_ascii=False, sort_keys=True) if isinstance(v, dict) else str(v)
            for v in value
        )
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _word_ops(old: str, new: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Word-level marks for a changed line: ("", text) unchanged, ("del"/"ins", text) changed."""
    old_words, new_words = old.split(" "), new.split(" ")
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    left: list[tuple[str, str]] = []
    right: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = " ".join(old_words[i1:i2]), " ".join(new_words[j1:j2])
        if op == "equal":
            left.append(("", a))
            right.append(("", b))
        else:
            if a:
                left.append(("del", a))
            if b:
                right.append(("ins", b))
    return left, right


def diff_records(old: dict | None, new: dict | None) -> list[FieldDiff]:
    """Per-field line diffs between two snapshots; unchanged fields are left out."""
    old, new = old or {}, new or {}
    names = list(dict.fromkeys([*new.keys(), *old.keys()]))
    diffs = []
    for name in names:
        before, after = _as_text(old.get(name)), _as_text(new.get(name))
        if before == after:
            continue
        a, b = before.splitlines(), after.splitlines()
        lines: list[tuple[str, list[tuple[str, str]]]] = []
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                lines.extend((" ", [("", line)]) for line in a[i1:i2])
            elif op == "replace" and i2 - i1 == j2 - j1:
                for old_line, new_line in zip(a[i1:i2], b[j1:j2], strict=True):
                    left, right = _word_ops(old_line, new_line)
                    lines.append(("-", left))
                    lines.append(("+", right))
            else:
                lines.extend(("-", [("del", line)]) for line in a[i1:i2])
                lines.extend(("+", [("ins", line)]) for line in b[j1:j2])
        diffs.append(FieldDiff(name, str(FIELD_LABELS.get(name, name)), lines))
    return diffs


def restore_revision(resource: Resource, revision: Revision, user, base_version: int) -> Resource:
    """Bring back the content of an earlier revision as a new revision."""
    if not can_edit(user, resource):
        raise ResourceError(_l("Sie dürfen diesen Eintrag nicht bearbeiten."))
    if revision.resource_id != resource.id:
        raise ResourceError(_l("Diese Version gehört nicht zu diesem Eintrag."))
    if base_version != resource.version:
        raise EditConflict(resource, base_version)
    data = revision.data or {}
    values: dict[str, Any] = {}
    for name in ("language", "visibility"):
        if data.get(name):
            values[name] = data[name]
    _check_owner(user, resource, None, values.get("visibility", resource.visibility))
    for name in ("topics", "tags", "legal_areas", "authors"):
        if name in data:
            values[name] = list(data[name] or [])
    for name in (
        "title",
        "summary",
        "body",
        "file_number",
        "decision_type",
        "ecli",
        "outcome",
        "outcome_amount",
        "outcome_note",
        "source_url",
        "audience",
        "format",
        "event_name",
        "addressee",
        "occasion",
    ):
        if name in data:
            values[name] = data[name] or ""
    for name in ("decision_date", "event_date", "published_on"):
        if name in data:
            values[name] = date.fromisoformat(data[name]) if data[name] else None
    if "duration_minutes" in data:
        values["duration_minutes"] = data["duration_minutes"]
    if "court" in data:
        court = (
            db.session.scalar(select(Court).where(Court.name == data["court"]))
            if data["court"]
            else None
        )
        values["court_id"] = court.id if court else None
    _apply_any(resource, values)
    if "norms" in data:
        norms = [n for n in (parse_norm(label) for label in data["norms"] or []) if n]
        _set_norms(resource, norms)
    resource.updated_at = utcnow()
    db.session.flush()
    record_revision(
        resource,
        user,
        "restore",
        comment=str(_l("Wiederhergestellt aus Version %(version)s", version=revision.version)),
    )
    return resource


def _apply_any(resource: Resource, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(resource, name, value)
    if "file_number" in values:
        resource.file_number_key = normalise_file_number(resource.file_number or "")


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
    return str(FIELD_LABELS.get(name, name))


def anonymisation_findings(resource: Resource) -> list:
    """Findings of the anonymisation check over the resource's texts and attachments."""
    from portal.legal.anonymisation import scan

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
    return record_revision(resource, user, action, comment=comment.strip(), findings=findings)


AUDITED_TRANSITIONS = {
    "publish": "resource.published",
    "return": "resource.returned",
    "archive": "resource.archived",
    "unarchive": "resource.restored",
}


def notify_returned(resource: Resource, comment: str) -> None:
    """Tell the author that an editor returned the resource (call after the commit).

    Only if the author may see the resource now: one who moved to another organisation (or was
    deactivated) learns neither its title nor the comment.
    """
    from portal.auth.services import external_url
    from portal.mail import send_mail

    author = resource.author
    if author is None or not can_view(author, resource):
        return
    try:
        send_mail(
            author.email,
            _l("Ihr Eintrag wurde zur Überarbeitung zurückgegeben"),
            "resource_returned",
            locale=author.language,
            resource=resource,
            comment=comment,
            url=external_url(f"/resources/{resource.id}"),
        )
    except Exception:  # noqa: BLE001 - the return itself is saved; the mail is a courtesy
        logger.exception("Could not send the return notice for resource %s", resource.id)


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
        _touch(source, user, "link_add", f"#{target.id}")
    else:
        _touch(target, user, "link_add", f"#{source.id}")
    return link


def remove_link(link: ResourceLink, user) -> None:
    if not (can_edit(user, link.source) or can_edit(user, link.target)):
        raise ResourceError(_l("Sie dürfen diesen Eintrag nicht bearbeiten."))
    owner = link.source if can_edit(user, link.source) else link.target
    other_id = link.target_id if owner is link.source else link.source_id
    db.session.delete(link)
    db.session.flush()
    _touch(owner, user, "link_remove", f"#{other_id}")


def _touch(resource: Resource, user, action: str, comment: str = "") -> Revision:
    """A change beside the resource's own columns: new version and revision all the same."""
    ensure_baseline(resource)
    resource.updated_at = utcnow()
    db.session.flush()
    return record_revision(resource, user, action, comment=comment)


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


def find_resource_reference(user, reference: str) -> Resource | None:
    """A visible resource named by its number or its address (e.g. "/resources/12")."""
    text = (reference or "").strip().rstrip("/")
    number = text.rsplit("/", 1)[-1].lstrip("#")
    if not number.isdigit():
        return None
    return visible_resource(user, int(number))


# --- attachments -------------------------------------------------------------------------


def upload_folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def attachment_path(attachment: Attachment) -> Path:
    return upload_folder() / attachment.stored_name


def add_attachment(resource: Resource, user, data: bytes, filename: str) -> Attachment:
    """Check, store and extract an upload; raises UploadRejected or ResourceError."""
    if not can_edit(user, resource):
        raise ResourceError(_l("Sie dürfen diesen Eintrag nicht bearbeiten."))
    limit = int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024
    if len(data) > limit:
        raise ResourceError(
            _l("Die Datei ist größer als %(mb)s MB.", mb=current_app.config["MAX_UPLOAD_MB"])
        )
    inspected = inspect_upload(data, filename)
    extracted = extract_text(data, inspected.kind)
    stored_name = f"{secrets.token_hex(16)}.{inspected.extension}"
    path = upload_folder() / stored_name
    path.write_bytes(data)
    attachment = Attachment(
        resource=resource,
        filename=inspected.safe_filename[:200],
        stored_name=stored_name,
        kind=inspected.kind,
        mimetype=inspected.mimetype,
        size=inspected.size,
        sha256=hashlib.sha256(data).hexdigest(),
        text=extracted.text or "",
        extraction_error=str(extracted.error or "")[:500],
        uploaded_by_id=user.id,
    )
    db.session.add(attachment)
    _touch(resource, user, "attachment_add", attachment.filename)
    return attachment


def remove_attachment(attachment: Attachment, user) -> None:
    """Remove an attachment (the file is deleted after the view commits: see delete_file)."""
    resource = attachment.resource
    if not can_edit(user, resource):
        raise ResourceError(_l("Sie dürfen diesen Eintrag nicht bearbeiten."))
    name = attachment.filename
    resource.attachments.remove(attachment)
    _touch(resource, user, "attachment_remove", name)


def delete_file(stored_name: str) -> None:
    try:
        (upload_folder() / stored_name).unlink(missing_ok=True)
    except OSError:
        logger.warning("Could not delete upload %s", stored_name, exc_info=True)


# --- lists -------------------------------------------------------------------------------

SORTS = {
    "newest": _l("Neueste zuerst"),
    "oldest": _l("Älteste zuerst"),
    "title": _l("Titel (A–Z)"),
    "decision_date": _l("Entscheidungsdatum"),
}


def _like_json_item(column, value: str):
    """`column` (a JSON list) contains the string `value` (portable: compares the JSON text)."""
    from sqlalchemy import String, cast

    token = json.dumps(value)
    token = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(column, String).like(f"%{token}%", escape="\\")


def resource_query(
    user,
    resource_type: str | None = None,
    *,
    court_id: int | None = None,
    legal_area: str = "",
    year: int | None = None,
    norm_key: str = "",
    topic: str = "",
    organisation_id: int | None = None,
    status: str = "published",
    sort: str = "newest",
) -> Select:
    """Resources the user may see, filtered and sorted; a select to paginate."""
    stmt = select(Resource).where(visible_clause(user, Resource))
    if resource_type:
        stmt = stmt.where(Resource.type == resource_type)
    if status and status != "all":
        stmt = stmt.where(Resource.status == status)
    if court_id:
        stmt = stmt.where(Resource.court_id == court_id)
    if legal_area:
        stmt = stmt.where(_like_json_item(Resource.legal_areas, legal_area))
    if topic:
        stmt = stmt.where(
            or_(_like_json_item(Resource.topics, topic), _like_json_item(Resource.tags, topic))
        )
    if organisation_id:
        stmt = stmt.where(Resource.organisation_id == organisation_id)
    if year:
        day = func.coalesce(Resource.decision_date, Resource.published_on, Resource.event_date)
        stmt = stmt.where(day >= date(year, 1, 1), day < date(year + 1, 1, 1))
    if norm_key:
        stmt = stmt.where(
            Resource.norms.any(and_(ResourceNorm.key == norm_key, ResourceNorm.confirmed))
        )
    newest = func.coalesce(Resource.published_at, Resource.created_at)
    if sort == "oldest":
        stmt = stmt.order_by(newest.asc(), Resource.id.asc())
    elif sort == "title":
        stmt = stmt.order_by(func.lower(Resource.title), Resource.id)
    elif sort == "decision_date":
        stmt = stmt.order_by(
            case((Resource.decision_date.is_(None), 1), else_=0),
            Resource.decision_date.desc(),
            Resource.id.desc(),
        )
    else:
        stmt = stmt.order_by(newest.desc(), Resource.id.desc())
    return stmt


def known_topics(user, limit: int = 200) -> list[str]:
    """Topics and tags of the resources the user may see, for the filter's suggestions."""
    seen: dict[str, None] = {}
    rows = db.session.execute(
        select(Resource.topics, Resource.tags).where(visible_clause(user, Resource)).limit(2000)
    )
    for topics, tags in rows:
        for value in [*(topics or []), *(tags or [])]:
            seen.setdefault(value, None)
    return sorted(seen)[:limit]


def my_resources(user) -> Select:
    """What the user wrote, and their organisation's unpublished work, newest change first."""
    return (
        select(Resource)
        .where(
            visible_clause(user, Resource),
            or_(
                Resource.author_id == user.id,
                and_(
                    Resource.organisation_id == user.organisation_id,
                    Resource.status.in_(("draft", "submitted", "returned")),
                ),
            ),
        )
        .order_by(Resource.updated_at.desc(), Resource.id.desc())
    )


def review_queue(user) -> Select:
    """Submitted resources waiting for an editor, oldest first."""
    return (
        select(Resource)
        .where(visible_clause(user, Resource), Resource.status == "submitted")
        .order_by(Resource.updated_at.asc(), Resource.id.asc())
    )


def review_counts(user) -> dict[str, int]:
    """Submitted resources per type (only for editors; empty otherwise)."""
    if not is_editor(user):
        return {}
    rows = db.session.execute(
        select(Resource.type, func.count(Resource.id))
        .where(visible_clause(user, Resource), Resource.status == "submitted")
        .group_by(Resource.type)
    )
    return dict(rows.all())


def dashboard(user) -> dict:
    """What the start page shows about the knowledge base."""
    newest = db.session.scalars(
        resource_query(user, status="published", sort="newest").limit(8)
    ).all()
    mine = db.session.scalars(
        my_resources(user).where(Resource.status.in_(("draft", "submitted", "returned"))).limit(10)
    ).all()
    queue = db.session.scalars(review_queue(user).limit(10)).all() if is_editor(user) else []
    return {
        "newest": newest,
        "mine": mine,
        "queue": queue,
        "queue_counts": review_counts(user),
    }
