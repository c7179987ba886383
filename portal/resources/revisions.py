"""Revisions of a resource: snapshots after each change, diffs between them, restore.

A revision stores the resource in the record format (`records.py`), plus its attachments' names.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.resources import fields
from portal.resources.access import can_edit, check_owner
from portal.resources.errors import EditConflict, ResourceError
from portal.resources.models import Resource, Revision
from portal.resources.records import RecordContext, apply_record, editable_part, to_record
from portal.timeutil import utcnow


def snapshot(resource: Resource, links: list[dict] | None = None) -> dict:
    """All fields of the resource in the record format, plus norms and attachments.

    ``links``: the outgoing links as record entries, when the caller has them already.
    """
    data = to_record(resource, links)
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


def last_return(resource: Resource) -> Revision | None:
    """The editor's return (with its comment) while the resource waits for its revision."""
    if resource.id is None or resource.status != "returned":
        return None
    return db.session.scalar(
        select(Revision)
        .where(Revision.resource_id == resource.id, Revision.action == "return")
        .order_by(Revision.id.desc())
        .limit(1)
    )


def submissions(resources: list[Resource]) -> dict[int, Revision]:
    """The latest "submit" revision of each resource (its comment, when it was submitted)."""
    ids = [r.id for r in resources]
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Revision)
        .where(Revision.resource_id.in_(ids), Revision.action == "submit")
        .order_by(Revision.id)
    )
    return {revision.resource_id: revision for revision in rows}


def waiting_since(resources: list[Resource], submitted: dict[int, Revision]) -> dict:
    """When each resource began to wait for review: its submission, else (an imported entry)
    its last change."""
    return {
        r.id: submitted[r.id].created_at if r.id in submitted else r.updated_at for r in resources
    }


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
    "import": _l("Importiert"),
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


def _labelled(name: str, value):
    """Stored keys by the labels the field table gives ("published": "Veröffentlicht")."""
    f = fields.BY_NAME.get(name)
    labels = f.choices if f is not None else None
    if not labels or value in (None, ""):
        return value
    if isinstance(value, list):
        return [str(labels.get(v, v)) for v in value]
    return str(labels.get(value, value))


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
        before, after = (
            _as_text(_labelled(name, old.get(name))),
            _as_text(_labelled(name, new.get(name))),
        )
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
        diffs.append(FieldDiff(name, fields.label(name), lines))
    return diffs


def restore_revision(resource: Resource, revision: Revision, user, base_version: int) -> Resource:
    """Bring back the content of an earlier revision as a new revision."""
    if not can_edit(user, resource):
        raise ResourceError(_l("Sie dürfen diesen Eintrag nicht bearbeiten."))
    if revision.resource_id != resource.id:
        raise ResourceError(_l("Diese Version gehört nicht zu diesem Eintrag."))
    if base_version != resource.version:
        raise EditConflict(resource, base_version)
    record = editable_part(revision.data or {}, resource.type)
    check_owner(user, resource, None, record.get("visibility") or resource.visibility)
    with db.session.no_autoflush:  # one version for the whole restore (see update_resource)
        apply_record(resource, record, RecordContext.for_one(), suggest_norms=True)
        resource.updated_at = utcnow()
    db.session.flush()
    record_revision(
        resource,
        user,
        "restore",
        comment=str(_l("Wiederhergestellt aus Version %(version)s", version=revision.version)),
    )
    return resource


def touch(resource: Resource, user, action: str, comment: str = "") -> Revision:
    """A change beside the resource's own columns: new version and revision all the same."""
    ensure_baseline(resource)
    resource.updated_at = utcnow()
    db.session.flush()
    return record_revision(resource, user, action, comment=comment)
