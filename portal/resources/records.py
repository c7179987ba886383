"""The record format: one resource as a plain dict, for import, export and revision snapshots.

A record is what one line of an import/export JSONL file holds and what `Revision.data` stores.
`to_record(resource)` writes it; `RecordReader.read(raw)` checks a raw dict and returns the same
canonical form (or the list of field errors); `apply_record(resource, record, ...)` writes a
canonical record onto a resource. Importing what `to_record` wrote changes nothing (round trip).

Fields (all optional unless marked):

- ``external_id`` (required): stable id of the resource outside the portal; importing the same
  id again updates that resource. Resources created in the portal export as ``portal:<id>``.
- ``type`` (required): ``case_law`` | ``training_material`` | ``position_paper``
- ``title`` (required), ``summary``, ``body`` (Markdown), ``language`` (``de`` | ``en``)
- ``topics``, ``tags``: lists of strings
- ``visibility``: ``members`` (default) | ``office`` | ``organisation``
- ``organisation``: slug of the owning organisation; default the office
- ``status``: ``published`` (default) | ``draft`` (the other workflow states are accepted too)
- ``published_on``: ``YYYY-MM-DD``
- ``links``: ``[{"kind": "related" | "instance", "target": "<external_id>"}]``; for "instance"
  this resource is the earlier decision and the target the later one.
- case law: ``court`` (name, short name or alias; unknown courts are created and flagged for
  curation), ``decision_date``, ``file_number``, ``decision_type``, ``ecli``, ``legal_areas``,
  ``norms`` (citation strings such as "§ 232a StGB"), ``outcome``, ``outcome_amount``,
  ``outcome_note``, ``source_url``. Only confirmed norms are exported; imported ones are
  confirmed.
- training material: ``audience``, ``format``, ``event_name``, ``event_date``,
  ``duration_minutes``
- position paper: ``authors`` (list), ``addressee``, ``occasion``
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.legal.citations import Norm, parse_norm
from portal.legal.courts import find_court, get_court, match_key
from portal.legal.file_numbers import normalise_file_number
from portal.resources.access import VISIBILITIES
from portal.resources.models import (
    DECISION_TYPES,
    LANGUAGES,
    LEGAL_AREAS,
    OUTCOMES,
    RESOURCE_TYPES,
    STATUSES,
    TRAINING_FORMATS,
    VISIBILITY_LABELS,
    Court,
    Resource,
    ResourceNorm,
)
from portal.timeutil import utcnow

COMMON_FIELDS = (
    "external_id",
    "type",
    "title",
    "summary",
    "body",
    "language",
    "topics",
    "tags",
    "visibility",
    "organisation",
    "status",
    "published_on",
)
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "case_law": (
        "court",
        "decision_date",
        "file_number",
        "decision_type",
        "ecli",
        "legal_areas",
        "norms",
        "outcome",
        "outcome_amount",
        "outcome_note",
        "source_url",
    ),
    "training_material": ("audience", "format", "event_name", "event_date", "duration_minutes"),
    "position_paper": ("authors", "addressee", "occasion"),
}
LINK_KINDS = ("related", "instance")

_LIST_FIELDS = frozenset({"topics", "tags", "legal_areas", "norms", "authors"})
_DATE_FIELDS = frozenset({"published_on", "decision_date", "event_date"})
# Plain text columns and their maximum length (from the model).
_TEXT_FIELDS = {
    "external_id": 200,
    "court": 200,
    "title": 500,
    "summary": None,
    "body": None,
    "file_number": 120,
    "ecli": 120,
    "outcome_amount": 60,
    "outcome_note": None,
    "source_url": 500,
    "audience": 300,
    "event_name": 300,
    "addressee": 300,
    "occasion": 500,
}
_CHOICES = {
    "language": LANGUAGES,
    "decision_type": DECISION_TYPES,
    "outcome": OUTCOMES,
    "format": TRAINING_FORMATS,
}


def fields_for(resource_type: str) -> tuple[str, ...]:
    """Every record field a resource of this type has, in export order (links last)."""
    return (*COMMON_FIELDS, *TYPE_FIELDS.get(resource_type, ()), "links")


def external_id_of(resource: Resource) -> str:
    """The resource's id in records: its external id, else ``portal:<id>``."""
    return resource.external_id or f"portal:{resource.id}"


def to_record(resource: Resource, links: list[dict] | None = None) -> dict:
    """The resource in the record format (canonical: importing it again changes nothing).

    `links` may be passed precomputed (exports do so to avoid a query per resource); otherwise
    the outgoing links are loaded.
    """
    if links is None:
        links = outgoing_links(resource)
    record: dict = {
        "external_id": external_id_of(resource),
        "type": resource.type,
        "title": resource.title,
        "summary": resource.summary or "",
        "body": resource.body or "",
        "language": resource.language or "de",
        "topics": list(resource.topics or []),
        "tags": list(resource.tags or []),
        "visibility": resource.visibility,
        "organisation": resource.organisation.slug if resource.organisation else None,
        "status": resource.status,
        "published_on": _iso(resource.published_on),
    }
    if resource.type == "case_law":
        record.update(
            court=resource.court.name if resource.court else "",
            decision_date=_iso(resource.decision_date),
            file_number=resource.file_number or "",
            decision_type=resource.decision_type or "",
            ecli=resource.ecli or "",
            legal_areas=list(resource.legal_areas or []),
            norms=[norm.label for norm in resource.norms if norm.confirmed],
            outcome=resource.outcome or "",
            outcome_amount=resource.outcome_amount or "",
            outcome_note=resource.outcome_note or "",
            source_url=resource.source_url or "",
        )
    elif resource.type == "training_material":
        record.update(
            audience=resource.audience or "",
            format=resource.format or "",
            event_name=resource.event_name or "",
            event_date=_iso(resource.event_date),
            duration_minutes=resource.duration_minutes,
        )
    elif resource.type == "position_paper":
        record.update(
            authors=list(resource.authors or []),
            addressee=resource.addressee or "",
            occasion=resource.occasion or "",
        )
    record["links"] = links
    return record


def outgoing_links(resource: Resource) -> list[dict]:
    """The links this resource is the source of, as record entries."""
    from portal.extensions import db
    from portal.resources.models import ResourceLink

    if resource.id is None:
        return []
    rows = db.session.execute(
        db.select(ResourceLink.kind, Resource.external_id, Resource.id)
        .join(Resource, Resource.id == ResourceLink.target_id)
        .where(ResourceLink.source_id == resource.id)
    )
    return sort_links(
        {"kind": kind, "target": ext or f"portal:{rid}"} for kind, ext, rid in rows.all()
    )


def sort_links(links) -> list[dict]:
    return sorted(links, key=lambda link: (link["kind"], link["target"]))


# --- reading and checking -----------------------------------------------------------------


@dataclass
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass
class RecordContext:
    """What reading records needs from the database, loaded once per import."""

    organisation_slugs: set[str]
    default_organisation: str | None
    # match_key(name / short name / alias) -> Court row, for courts already in the table
    courts_by_key: dict[str, Court] = field(default_factory=dict)
    courts_by_slug: dict[str, Court] = field(default_factory=dict)

    @classmethod
    def load(cls) -> RecordContext:
        from portal.extensions import db
        from portal.orgs.models import Organisation
        from portal.orgs.services import office

        home = office()
        context = cls(
            organisation_slugs=set(db.session.scalars(db.select(Organisation.slug))),
            default_organisation=home.slug if home else None,
        )
        for court in db.session.scalars(db.select(Court)):
            context.remember_court(court)
        return context

    def remember_court(self, court: Court) -> None:
        self.courts_by_slug[court.slug] = court
        for name in (court.name, court.short_name, *(court.aliases or [])):
            if name:
                self.courts_by_key.setdefault(match_key(name), court)

    def court_name(self, name: str) -> tuple[str, bool]:
        """The canonical name for a court as typed, and whether the portal knows it."""
        known = self.courts_by_key.get(match_key(name))
        if known is not None:
            return known.name, True
        catalogued = find_court(name)
        if catalogued is not None:
            return catalogued.name, True
        return " ".join(name.split()), False

    def court(self, name: str) -> Court:
        """The Court row for a canonical court name, added to the session if new."""
        from portal.extensions import db

        key = match_key(name)
        known = self.courts_by_key.get(key)
        if known is not None:
            return known
        catalogued = find_court(name)
        if catalogued is not None and catalogued.slug in self.courts_by_slug:
            return self.courts_by_slug[catalogued.slug]
        if catalogued is not None:
            # A catalogue court missing from the table: seed the table from the catalogue.
            from portal.resources.services import sync_courts

            sync_courts()
            for court in db.session.scalars(db.select(Court)):
                self.remember_court(court)
            return self.courts_by_slug[catalogued.slug]
        court = Court(
            slug=self._free_slug(name),
            name=name,
            short_name="",
            level="",
            aliases=[],
            needs_curation=True,
        )
        db.session.add(court)
        self.remember_court(court)
        return court

    def _free_slug(self, name: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "-", match_key(name)).strip("-")[:100] or "gericht"
        slug, n = base, 2
        while slug in self.courts_by_slug or get_court(slug) is not None:
            slug, n = f"{base}-{n}", n + 1
        return slug


def read_record(raw, context: RecordContext) -> tuple[dict | None, list[FieldError]]:
    """Check a raw record; return (canonical record, []) or (None, field errors)."""
    errors: list[FieldError] = []
    if not isinstance(raw, dict):
        return None, [FieldError("-", str(_l("Jede Zeile muss ein JSON-Objekt sein.")))]

    def error(name: str, message) -> None:
        errors.append(FieldError(name, str(message)))

    resource_type = vocabulary_key(raw.get("type"), RESOURCE_TYPES)
    if resource_type is None:
        error(
            "type", _l("Pflichtfeld; erlaubt sind: %(values)s.", values=", ".join(RESOURCE_TYPES))
        )
        resource_type = None
    allowed = fields_for(resource_type) if resource_type else None
    if allowed is not None:
        for name in raw:
            if name not in allowed:
                other = next((t for t, names in TYPE_FIELDS.items() if name in names), None)
                if other:
                    error(name, _l("Dieses Feld gibt es nur beim Typ %(type)s.", type=other))
                else:
                    error(name, _l("Unbekanntes Feld."))

    record: dict = {}
    for name in allowed or COMMON_FIELDS:
        if name == "links":
            continue
        value = raw.get(name)
        try:
            record[name] = _read_field(name, value, context)
        except ValueError as exc:
            error(name, exc.args[0])
    for name in ("external_id", "title"):
        if not record.get(name) and not any(e.field == name for e in errors):
            error(name, _l("Pflichtfeld fehlt oder ist leer."))
    try:
        record["links"] = _read_links(raw.get("links"))
    except ValueError as exc:
        error("links", exc.args[0])
    if errors:
        return None, errors
    if record["organisation"] is None:
        if context.default_organisation is None:
            return None, [FieldError("organisation", str(_l("Es gibt keine Geschäftsstelle.")))]
        record["organisation"] = context.default_organisation
    return {name: record[name] for name in fields_for(resource_type)}, []


def _read_field(name: str, value, context: RecordContext):
    """The canonical value of one field; ValueError with a German message if invalid."""
    if name in _LIST_FIELDS:
        items = _read_list(value)
        if name == "norms":
            labels = []
            for item in items:
                norm = parse_norm_cached(item)
                if norm is None:
                    raise ValueError(str(_l("„%(value)s“ ist keine erkennbare Norm.", value=item)))
                labels.append(norm.label)
            return list(dict.fromkeys(labels))
        if name == "legal_areas":
            return list(dict.fromkeys(_choice(item, LEGAL_AREAS, "") for item in items))
        return items
    if name in _DATE_FIELDS:
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            raise ValueError(str(_l("Datum im Format JJJJ-MM-TT erwartet.")))
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            raise ValueError(
                str(_l("„%(value)s“ ist kein Datum im Format JJJJ-MM-TT.", value=value))
            ) from None
    if name == "duration_minutes":
        if value in (None, ""):
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(str(_l("Ganze Zahl (Minuten) erwartet.")))
        return value
    if name == "type":
        return vocabulary_key(value, RESOURCE_TYPES)
    if name == "visibility":
        return _choice(value, _VISIBILITY_CHOICES, "members")
    if name == "status":
        return _choice(value, STATUSES, "published")
    if name == "language":
        return _choice(value, LANGUAGES, "de")
    if name in _CHOICES:
        return _choice(value, _CHOICES[name], "")
    if name == "organisation":
        if value in (None, ""):
            return None
        if not isinstance(value, str) or value.strip() not in context.organisation_slugs:
            raise ValueError(
                str(_l("Keine Organisation mit der Kennung „%(value)s“.", value=value))
            )
        return value.strip()
    if name == "court":
        text = _read_text(name, value)
        return context.court_name(text)[0] if text else ""
    text = _read_text(name, value)
    if name == "file_number" and text and not normalise_file_number(text):
        raise ValueError(str(_l("Kein gültiges Aktenzeichen.")))
    return text


def _read_text(name: str, value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(str(_l("Text erwartet.")))
    value = value.strip()
    limit = _TEXT_FIELDS.get(name)
    if limit and len(value) > limit:
        raise ValueError(str(_l("Höchstens %(limit)d Zeichen.", limit=limit)))
    return value


def _read_list(value) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(str(_l("Liste von Texten erwartet.")))
    return list(dict.fromkeys(item.strip() for item in value if item.strip()))


def _choice(value, choices, default: str) -> str:
    if value in (None, ""):
        return default
    key = vocabulary_key(value, choices)
    if key is None:
        raise ValueError(_unknown_choice(value, choices))
    return key


_VISIBILITY_CHOICES = {key: VISIBILITY_LABELS[key] for key in VISIBILITIES}
_VOCABULARY_INDEX: dict[int, dict[str, str]] = {}


def vocabulary_key(value, choices) -> str | None:
    """The key `value` names in a vocabulary (key -> German label): the key itself or its
    label in German or English, in any case ("Urteil", "judgment", "URTEIL" -> "urteil")."""
    if not isinstance(value, str):
        return None
    index = _VOCABULARY_INDEX.get(id(choices))
    if index is None:
        index = {}
        for key, label in choices.items():
            for locale in ("en", "de"):  # German wins where the two languages share a word
                with force_locale(locale):
                    index[str(label).casefold()] = key
            index[key.casefold()] = key
        _VOCABULARY_INDEX[id(choices)] = index
    return index.get(value.strip().casefold())


def _unknown_choice(value, choices) -> str:
    return str(
        _l(
            "„%(value)s“ ist nicht erlaubt; erlaubt sind: %(values)s.",
            value=value,
            values=", ".join(choices),
        )
    )


def _read_links(value) -> list[dict]:
    if value in (None, ""):
        return []
    message = str(
        _l('Liste von Objekten {"kind": "related"|"instance", "target": "<id>"} erwartet.')
    )
    if not isinstance(value, list):
        raise ValueError(message)
    links = []
    for item in value:
        if (
            not isinstance(item, dict)
            or set(item) != {"kind", "target"}
            or item["kind"] not in LINK_KINDS
            or not isinstance(item["target"], str)
            or not item["target"].strip()
        ):
            raise ValueError(message)
        links.append({"kind": item["kind"], "target": item["target"].strip()})
    unique = {(link["kind"], link["target"]): link for link in links}
    return sort_links(unique.values())


@lru_cache(maxsize=4096)
def parse_norm_cached(text: str) -> Norm | None:
    """`parse_norm` with a cache: imports cite the same few norms thousands of times."""
    return parse_norm(text)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --- writing onto a resource --------------------------------------------------------------


def apply_record(
    resource: Resource, record: dict, context: RecordContext, organisations: dict
) -> None:
    """Write a canonical record (from `read_record`) onto `resource`; links are left alone.

    `organisations` maps slugs to Organisation rows.
    """
    resource.type = record["type"]
    resource.external_id = record["external_id"]
    for name in ("title", "summary", "body", "language", "visibility", "status"):
        setattr(resource, name, record[name])
    resource.topics = list(record["topics"])
    resource.tags = list(record["tags"])
    resource.organisation = organisations[record["organisation"]]
    resource.published_on = _date(record["published_on"])
    if resource.status == "published" and resource.published_at is None:
        resource.published_at = utcnow()
    if resource.type == "case_law":
        resource.court = context.court(record["court"]) if record["court"] else None
        resource.decision_date = _date(record["decision_date"])
        resource.file_number = record["file_number"]
        resource.file_number_key = normalise_file_number(record["file_number"])
        for name in ("decision_type", "ecli", "outcome", "outcome_amount", "outcome_note"):
            setattr(resource, name, record[name])
        resource.source_url = record["source_url"]
        resource.legal_areas = list(record["legal_areas"])
        _apply_norms(resource, [parse_norm_cached(label) for label in record["norms"]])
    elif resource.type == "training_material":
        resource.audience = record["audience"]
        resource.format = record["format"]
        resource.event_name = record["event_name"]
        resource.event_date = _date(record["event_date"])
        resource.duration_minutes = record["duration_minutes"]
    elif resource.type == "position_paper":
        resource.authors = list(record["authors"])
        resource.addressee = record["addressee"]
        resource.occasion = record["occasion"]


def _apply_norms(resource: Resource, norms) -> None:
    """Make resource.norms these confirmed norms in this order (rows that stay are kept: the
    key is unique per resource). Unconfirmed suggestions not in the record are dropped."""
    existing = {row.key: row for row in resource.norms}
    rows = []
    for position, norm in enumerate(norms):
        row = existing.pop(norm.key, None) or ResourceNorm(key=norm.key)
        row.label, row.slug, row.position, row.confirmed = norm.label, norm.slug, position, True
        rows.append(row)
    resource.norms = rows


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
