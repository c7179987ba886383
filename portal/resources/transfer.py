"""Importing and exporting resources as JSONL, one record (see records.py) per line.

An import is all-or-nothing: every line is read and checked first, and if any line is bad the
caller gets every error (line number, field, message) and nothing is written. Otherwise the
records are written in batches inside the caller's transaction; the caller commits once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.resources.fields import FIELDS
from portal.resources.models import Resource, ResourceLink, Revision
from portal.resources.records import (
    RecordContext,
    apply_record,
    read_record,
    sort_links,
    to_record,
)
from portal.resources.revisions import snapshot
from portal.security.text import clean_data, clean_text
from portal.timeutil import utcnow

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Longer lines are refused before parsing (a record with a long body has some 100,000).
MAX_LINE_CHARS = 5_000_000
# A record nests three levels (links: a list of objects); deeper lines are refused.
MAX_DEPTH = 10
# Record fields that may hold tabs and line breaks (long text of the field table); every other
# string is one line.
MULTILINE_FIELDS = frozenset(f.name for f in FIELDS if f.kind in ("longtext", "markdown"))
IMPORT_ACTION = "import"


@dataclass
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return str(_l("Zeile %(line)d, Feld %(field)s: %(message)s", **self.__dict__))


class ImportFailed(Exception):
    """The file has bad lines; nothing was imported."""

    def __init__(self, errors: list[LineError]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_courts: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def read_lines(
    lines: Iterable[str], context: RecordContext
) -> tuple[list[tuple[int, dict]], list[LineError]]:
    """Parse and check every line; return (line number, canonical record) pairs and all errors.

    Blank lines are skipped. Link targets must be in the file or already in the portal.
    """
    records: list[tuple[int, dict]] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        raw, problem = _parse_line(line)
        if problem is not None:
            errors.append(LineError(number, "-", str(problem)))
            continue
        record, field_errors = read_record(raw, context)
        errors.extend(LineError(number, e.field, e.message) for e in field_errors)
        if record is None:
            continue
        first = seen.setdefault(record["external_id"], number)
        if first != number:
            message = _l("Dieselbe external_id steht schon in Zeile %(line)d.", line=first)
            errors.append(LineError(number, "external_id", str(message)))
            continue
        records.append((number, record))

    targets = {link["target"] for _, record in records for link in record["links"]}
    missing = targets - seen.keys() - set(_existing_ids(targets - seen.keys()))
    for number, record in records:
        for link in record["links"]:
            if link["target"] in missing:
                message = _l("Verknüpftes Dokument „%(target)s“ gibt es nicht.", **link)
                errors.append(LineError(number, "links", str(message)))
    errors.sort(key=lambda error: error.line)
    return records, errors


def _parse_line(line: str):
    """The line's JSON value with every string cleaned, or (None, a German message)."""
    if len(line) > MAX_LINE_CHARS:
        return None, _l(
            "Die Zeile ist zu lang (höchstens %(limit)d Zeichen).", limit=MAX_LINE_CHARS
        )
    try:
        raw = json.loads(line, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        return None, _l("Kein gültiges JSON (%(error)s).", error=exc.msg)
    except RecursionError:
        return None, _l("Kein gültiges JSON (zu tief verschachtelt).")
    except ValueError:  # an integer beyond Python's digit limit, NaN or Infinity
        return None, _l("Kein gültiges JSON (Zahl zu groß oder ungültig).")
    if _depth(raw) > MAX_DEPTH:
        return None, _l("Kein gültiges JSON (zu tief verschachtelt).")
    if isinstance(raw, dict):
        cleaned = {clean_text(key, multiline=False): value for key, value in raw.items()}
        raw = {
            key: clean_data(value, multiline=key in MULTILINE_FIELDS)
            for key, value in cleaned.items()
        }
    return raw, None


def _depth(value) -> int:
    """How deeply lists and objects nest (iteratively: the value may nest very deeply)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def _no_constant(name: str):
    raise ValueError(name)


def import_lines(
    lines: Iterable[str],
    progress: Callable[[int], None] | None = None,
    context: RecordContext | None = None,
    created: Callable[[list[Resource]], None] | None = None,
) -> ImportSummary:
    """Check all lines, then create or update resources; raise ImportFailed on any bad line.

    Adds and flushes only; the caller commits (or rolls back) once.
    """
    context = context or RecordContext.load()
    records, errors = read_lines(lines, context)
    if errors:
        raise ImportFailed(errors)
    return import_records([record for _, record in records], context, progress, created)


def import_records(
    records: list[dict],
    context: RecordContext,
    progress: Callable[[int], None] | None = None,
    created: Callable[[list[Resource]], None] | None = None,
) -> ImportSummary:
    """Write checked, canonical records: create new, update changed ones, each with a Revision.

    ``created`` is called with each batch of new resources once they are flushed (the command
    line writes their index documents meanwhile).
    """
    summary = ImportSummary()
    known_courts = set(context.courts_by_slug)
    by_external_id = _load_existing([record["external_id"] for record in records])
    existing_links = _links_of([r.id for r in by_external_id.values()])

    changed: list[tuple[Resource, dict, str]] = []
    new: list[Resource] = []  # created since the last flush
    session = db.session

    def flush() -> None:
        session.flush()
        if created and new:
            created(list(new))
        new.clear()

    with session.no_autoflush:
        for number, record in enumerate(records, start=1):
            resource = by_external_id.get(record["external_id"])
            if resource is None:
                resource = Resource()
                apply_record(resource, record, context)
                session.add(resource)
                by_external_id[record["external_id"]] = resource
                changed.append((resource, record, "created"))
                new.append(resource)
                summary.created += 1
            elif to_record(resource, existing_links.get(resource.id, [])) == record:
                summary.unchanged += 1
            else:
                apply_record(resource, record, context)
                resource.updated_at = utcnow()  # also bumps the version when only links changed
                changed.append((resource, record, "updated"))
                summary.updated += 1
            if number % BATCH_SIZE == 0:
                flush()
            if progress:
                progress(1)
    flush()

    _write_links(changed, by_external_id, existing_links)
    # The same snapshot as every other revision (record plus attachments), so diffs compare.
    # Links and attachments come in one query per batch (not two per resource), and no
    # revision is flushed on its own.
    changed_ids = [resource.id for resource, _, _ in changed]
    links = _links_of(changed_ids)
    for chunk in _chunks(changed_ids, BATCH_SIZE):
        session.scalars(
            select(Resource)
            .where(Resource.id.in_(chunk))
            .options(selectinload(Resource.attachments))
        ).all()
    with session.no_autoflush:
        revisions = [
            Revision(
                resource_id=resource.id,
                version=resource.version,
                action=IMPORT_ACTION,
                data=snapshot(resource, links.get(resource.id, [])),
            )
            for resource, _, _ in changed
        ]
    session.add_all(revisions)
    session.flush()
    summary.new_courts = sorted(
        court.name
        for slug, court in context.courts_by_slug.items()
        if slug not in known_courts and court.needs_curation
    )
    return summary


def _load_existing(external_ids: list[str]) -> dict[str, Resource]:
    found: dict[str, Resource] = {}
    for chunk in _chunks(external_ids, BATCH_SIZE):
        query = (
            select(Resource)
            .where(Resource.external_id.in_(chunk))
            .options(
                selectinload(Resource.norms),
                joinedload(Resource.court),
                joinedload(Resource.organisation),
            )
        )
        found.update((r.external_id, r) for r in db.session.scalars(query))
    return found


def _existing_ids(external_ids: set[str]) -> Iterator[str]:
    for chunk in _chunks(sorted(external_ids), BATCH_SIZE):
        yield from db.session.scalars(
            select(Resource.external_id).where(Resource.external_id.in_(chunk))
        )


def _links_of(source_ids: list[int]) -> dict[int, list[dict]]:
    """Outgoing links of these resources as record entries, keyed by source id."""
    links: dict[int, list[dict]] = {}
    for chunk in _chunks(source_ids, BATCH_SIZE):
        rows = db.session.execute(
            select(ResourceLink.source_id, ResourceLink.kind, Resource.external_id, Resource.id)
            .join(Resource, Resource.id == ResourceLink.target_id)
            .where(ResourceLink.source_id.in_(chunk))
        )
        for source_id, kind, ext, target_id in rows:
            links.setdefault(source_id, []).append(
                {"kind": kind, "target": ext or f"portal:{target_id}"}
            )
    return {source_id: sort_links(entries) for source_id, entries in links.items()}


def _write_links(changed, by_external_id: dict[str, Resource], existing_links) -> None:
    wanted_targets = {
        link["target"] for _, record, _ in changed for link in record["links"]
    } - by_external_id.keys()
    by_external_id = {**by_external_id, **_load_existing(sorted(wanted_targets))}
    for resource, record, _ in changed:
        wanted = {(link["kind"], by_external_id[link["target"]].id) for link in record["links"]}
        if existing_links.get(resource.id):
            for row in db.session.scalars(
                select(ResourceLink).where(ResourceLink.source_id == resource.id)
            ):
                if (row.kind, row.target_id) in wanted:
                    wanted.discard((row.kind, row.target_id))
                else:
                    db.session.delete(row)
        db.session.add_all(
            ResourceLink(source_id=resource.id, target_id=target_id, kind=kind)
            for kind, target_id in sorted(wanted)
        )
    db.session.flush()


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- export -------------------------------------------------------------------------------


def export_records(types: Iterable[str] = ()) -> Iterator[dict]:
    """Every resource (of these types, or all) as a record, oldest first.

    Links to resources outside the export are left out, so the output always imports.
    """
    types = list(types)
    query = select(Resource).order_by(Resource.id)
    if types:
        query = query.where(Resource.type.in_(types))
    ids = list(db.session.scalars(query.with_only_columns(Resource.id)))
    for chunk in _chunks(ids, BATCH_SIZE):
        resources = db.session.scalars(
            select(Resource)
            .where(Resource.id.in_(chunk))
            .order_by(Resource.id)
            .options(
                selectinload(Resource.norms),
                joinedload(Resource.court),
                joinedload(Resource.organisation),
            )
        ).all()
        links = _links_of(chunk)
        for resource in resources:
            entries = links.get(resource.id, [])
            if types:
                entries = [link for link in entries if _target_type(link) in types]
            yield to_record(resource, entries)


def _target_type(link: dict) -> str | None:
    target = link["target"]
    if target.startswith("portal:"):
        return db.session.scalar(select(Resource.type).where(Resource.id == int(target[7:])))
    return db.session.scalar(select(Resource.type).where(Resource.external_id == target))


def export_lines(types: Iterable[str] = ()) -> Iterator[str]:
    """The export as JSONL lines (UTF-8 text, no ASCII escapes), each ending in a newline."""
    for record in export_records(types):
        yield json.dumps(record, ensure_ascii=False) + "\n"
