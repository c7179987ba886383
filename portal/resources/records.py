"""The record format: one resource as a plain dict, for import, export and revision snapshots.

A record is what one line of an import/export JSONL file holds and what `Revision.data` stores.
`to_record(resource)` writes it; `RecordReader.read(raw)` checks a raw dict and returns the same
canonical form (or the list of field errors); `apply_record(resource, record, ...)` writes a
canonical record onto a resource. Importing what `to_record` wrote changes nothing (round trip).

Fields (all optional unless marked; the table in `fields.py` is the source, this is a reader's
summary). Vocabulary fields (type, status, visibility, language, decision type, legal areas,
outcome, format, the case facts' lists and proceeding, countries) take the key or its German
or English label in any case (``"Urteil"``, ``"judgment"``, ``"urteil"``); records hold the key.

- ``external_id`` (required): stable id of the resource outside the portal; importing the same
  id again updates that resource. Resources created in the portal export as ``portal:<id>``.
- ``type`` (required): ``case_law`` | ``training_material`` | ``position_paper``
- ``title`` (required), ``summary``, ``body`` (Markdown), ``language`` (``de`` | ``en``)
- ``topics``, ``tags``: lists of strings
- ``visibility``: ``members`` (default) | ``office`` | ``organisation`` | ``public`` (published
  entries without findings of the anonymisation check in title and summary)
- ``organisation``: slug of the owning organisation; default the office
- ``status``: ``published`` (default) | ``draft`` (the other workflow states are accepted too)
- ``published_on``: ``YYYY-MM-DD``
- ``norms``: citation strings such as "§ 232a StGB" (every type)
- ``links``: ``[{"kind": "related" | "instance", "target": "<external_id>"}]``; for "instance"
  this resource is the earlier decision and the target the later one.
- case law: ``court`` (name, short name or alias; unknown courts are created and flagged for
  curation), ``decision_date``, ``file_number``, ``decision_type``, ``ecli``, ``legal_areas``,
  ``outcome`` (a list; a single key is accepted), ``outcome_amount`` (free text),
  ``compensation_eur`` (number), ``outcome_note``, ``source_url``; case facts
  ``exploitation_forms``, ``control_means``, ``victims_genders`` (lists of keys),
  ``victims_nationalities`` (ISO 3166 alpha-2 codes, or German or English country names),
  ``proceeding`` (key), ``victims_count``, ``victims_minors``, ``defendants_count``,
  ``sentence_months`` (integers), ``sentence_suspended`` (true/false). Only confirmed norms are
  exported; imported ones are confirmed.
- training material: ``audience``, ``format``, ``event_name``, ``event_date``,
  ``duration_minutes``
- position paper: ``authors`` (list), ``addressee``, ``occasion``
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.legal.anonymisation import scan
from portal.legal.courts import find_court, get_court, match_key
from portal.legal.file_numbers import file_number_key, normalise_file_number
from portal.orgs.models import Organisation
from portal.orgs.services import office
from portal.resources.courts import sync_courts
from portal.resources.fields import BY_NAME, Field, form_fields, record_fields
from portal.resources.models import RESOURCE_TYPES, Court, Resource, ResourceLink
from portal.resources.norms import apply_norms, parse_norm_cached
from portal.timeutil import utcnow

LINK_KINDS = ("related", "instance")


def fields_for(resource_type: str) -> tuple[str, ...]:
    """Every record field a resource of this type has, in export order (links last)."""
    return (*(f.name for f in record_fields(resource_type)), "links")


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
    record = {f.name: _value_of(resource, f) for f in record_fields(resource.type)}
    record["links"] = links
    return record


def _value_of(resource: Resource, f: Field):
    """The record value of one field of a resource."""
    if f.kind == "external_id":
        return external_id_of(resource)
    if f.kind == "organisation":
        return resource.organisation.slug if resource.organisation else None
    if f.kind == "court":
        return resource.court.name if resource.court else ""
    if f.kind == "norms":
        return [norm.label for norm in resource.norms if norm.confirmed]
    value = getattr(resource, f.name)
    if f.kind == "date":
        return _iso(value)
    if f.kind in ("choices", "list", "lines"):
        return list(value or [])
    if f.kind in ("integer", "boolean"):
        return value
    if f.kind == "number":
        return _number(value)
    return value or f.empty


def outgoing_links(resource: Resource) -> list[dict]:
    """The links this resource is the source of, as record entries."""
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
    """What reading and writing records needs from the database.

    An import loads it once (`load`: every organisation and court); writing one record from
    a form or a revision looks rows up as they are named (`for_one`).
    """

    organisation_slugs: set[str]
    default_organisation: str | None
    # match_key(name / short name / alias) -> Court row, for courts already in the table
    courts_by_key: dict[str, Court] = field(default_factory=dict)
    courts_by_slug: dict[str, Court] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    lazy: bool = False  # rows not remembered yet are looked up when named

    @classmethod
    def load(cls) -> RecordContext:
        home = office()
        organisations = {o.slug: o for o in db.session.scalars(select(Organisation))}
        context = cls(
            organisation_slugs=set(organisations),
            default_organisation=home.slug if home else None,
            organisations=organisations,
        )
        for court in db.session.scalars(select(Court)):
            context.remember_court(court)
        return context

    @classmethod
    def for_one(cls) -> RecordContext:
        """A context for writing a single record (an edit, a restore)."""
        return cls(organisation_slugs=set(), default_organisation=None, lazy=True)

    def organisation(self, slug: str) -> Organisation:
        if slug not in self.organisations and self.lazy:
            found = db.session.scalar(select(Organisation).filter_by(slug=slug))
            if found is not None:
                self.organisations[slug] = found
        return self.organisations[slug]

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

    def _lookup(self, **where) -> Court | None:
        if not self.lazy:
            return None
        court = db.session.scalar(select(Court).filter_by(**where).order_by(Court.id).limit(1))
        if court is not None:
            self.remember_court(court)
        return court

    def court(self, name: str) -> Court:
        """The Court row for a canonical court name, added to the session if new."""
        known = self.courts_by_key.get(match_key(name)) or self._lookup(name=name)
        if known is not None:
            return known
        catalogued = find_court(name)
        if catalogued is not None:
            known = self.courts_by_slug.get(catalogued.slug) or self._lookup(slug=catalogued.slug)
            if known is not None:
                return known
            # A catalogue court missing from the table: seed the table from the catalogue.
            sync_courts()
            for court in db.session.scalars(select(Court)):
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
        while (
            slug in self.courts_by_slug
            or get_court(slug) is not None
            or self._lookup(slug=slug) is not None
        ):
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
                other = BY_NAME[name].types[0] if name in BY_NAME else None
                if other:
                    error(name, _l("Dieses Feld gibt es nur beim Typ %(type)s.", type=other))
                else:
                    error(name, _l("Unbekanntes Feld."))

    record: dict = {}
    for f in record_fields(resource_type):
        try:
            record[f.name] = _read_field(f, raw.get(f.name), context)
        except ValueError as exc:
            error(f.name, exc.args[0])
    for name in ("external_id", "title"):
        if not record.get(name) and not any(e.field == name for e in errors):
            error(name, _l("Pflichtfeld fehlt oder ist leer."))
    try:
        record["links"] = _read_links(raw.get("links"))
    except ValueError as exc:
        error("links", exc.args[0])
    if record.get("visibility") == "public":
        if record.get("status") != "published":
            error("visibility", _l("„public“ gibt es nur für veröffentlichte Einträge."))
        elif public_findings(record):
            error(
                "visibility",
                _l(
                    "„public“ nur ohne Hinweise der Prüfung auf personenbezogene Daten "
                    "(gefunden in: %(fields)s).",
                    fields=", ".join(sorted({f.field for f in public_findings(record)})),
                ),
            )
    if errors:
        return None, errors
    if record["organisation"] is None:
        if context.default_organisation is None:
            return None, [FieldError("organisation", str(_l("Es gibt keine Geschäftsstelle.")))]
        record["organisation"] = context.default_organisation
    return {name: record[name] for name in fields_for(resource_type)}, []


def public_findings(record: dict) -> list:
    """Findings of the anonymisation check in what the public pages would show."""
    return scan({name: record.get(name) or "" for name in ("title", "summary")})


def _read_field(f: Field, value, context: RecordContext):
    """The canonical value of one field; ValueError with a German message if invalid."""
    if f.kind == "norms":
        labels = []
        for item in _read_list(value):
            norm = parse_norm_cached(item)
            if norm is None:
                raise ValueError(str(_l("„%(value)s“ ist keine erkennbare Norm.", value=item)))
            labels.append(norm.label)
        return list(dict.fromkeys(labels))
    if f.kind in ("list", "lines", "choices"):
        if f.name == "outcome" and isinstance(value, str):
            value = [value]  # one key alone, as records had it before it became a list
        items = _read_list(value)
        if f.kind == "choices":
            return list(dict.fromkeys(_choice(item, f.choices, "") for item in items))
        return items
    if f.kind == "date":
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
    if f.kind == "integer":
        return _read_integer(f, value)
    if f.kind == "number":
        return _read_number(f, value)
    if f.kind == "boolean":
        return _read_boolean(value)
    if f.kind == "resource_type":
        return vocabulary_key(value, RESOURCE_TYPES)
    if f.kind == "choice":
        return _choice(value, f.choices, f.empty)
    if f.kind == "organisation":
        if value in (None, ""):
            return None
        if not isinstance(value, str) or value.strip() not in context.organisation_slugs:
            raise ValueError(
                str(_l("Keine Organisation mit der Kennung „%(value)s“.", value=value))
            )
        return value.strip()
    text = _read_text(f, value)
    if f.kind == "court":
        return context.court_name(text)[0] if text else ""
    if f.name == "file_number" and text and not normalise_file_number(text):
        raise ValueError(str(_l("Kein gültiges Aktenzeichen.")))
    return text


def _read_integer(f: Field, value) -> int | None:
    if value in (None, ""):
        return None
    low = f.minimum if f.minimum is not None else 0
    high = f.maximum if f.maximum is not None else 2**31 - 1
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(
            str(_l("Ganze Zahl von %(low)d bis %(high)d erwartet.", low=low, high=high))
        )
    return value


def _read_number(f: Field, value) -> float | None:
    if value in (None, ""):
        return None
    low = f.minimum if f.minimum is not None else 0
    high = f.maximum if f.maximum is not None else 2**31 - 1
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(
            str(_l("Zahl von %(low)d bis %(high)d erwartet, z. B. 12500.", low=low, high=high))
        )
    return _number(value)


def _number(value) -> float | int | None:
    """An amount with at most two decimal places; whole amounts as integers (12500, not
    12500.0), so records read the same whatever the database returns."""
    if value is None:
        return None
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


_BOOLEANS = {
    "true": True,
    "ja": True,
    "yes": True,
    "false": False,
    "nein": False,
    "no": False,
}


def _read_boolean(value) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().casefold() in _BOOLEANS:
        return _BOOLEANS[value.strip().casefold()]
    raise ValueError(str(_l("true oder false erwartet (auch „ja“ oder „nein“).")))


def _read_text(f: Field, value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(str(_l("Text erwartet.")))
    value = value.strip()
    limit = f.length
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
    if len(choices) > 40:  # the countries: too many to list
        return str(
            _l(
                "„%(value)s“ ist nicht bekannt; bitte einen Code (z. B. RO) oder den deutschen "
                "oder englischen Namen angeben.",
                value=value,
            )
        )
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


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --- writing onto a resource --------------------------------------------------------------


def apply_record(
    resource: Resource, record: dict, context: RecordContext, suggest_norms: bool = False
) -> None:
    """Write a canonical record (or the part of one that an edit changes) onto `resource`.

    The one writer for creating, editing, restoring and importing: fields missing from
    `record` stay as they are; links are left alone. With `suggest_norms`, norms found in
    the text are kept as suggestions beside the record's confirmed norms.
    """
    for name, value in record.items():
        f = BY_NAME.get(name)
        if f is None or not f.exported:
            continue
        if f.kind == "external_id":
            resource.external_id = value
        elif f.kind == "resource_type":
            resource.type = value
        elif f.kind == "organisation":
            resource.organisation = context.organisation(value)
        elif f.kind == "court":
            resource.court = context.court(value) if value else None
        elif f.kind == "norms":
            pass  # after the text is written: suggestions are read from it
        elif f.kind == "date":
            setattr(resource, name, _date(value))
        elif f.kind in ("choices", "list", "lines"):
            setattr(resource, name, list(value or []))
        else:
            setattr(resource, name, value)
    if "file_number" in record:
        resource.file_number_key = file_number_key(resource.file_number or "")
    if resource.status == "published" and resource.published_at is None:
        resource.published_at = utcnow()
    if "norms" in record:
        norms = [parse_norm_cached(label) for label in record["norms"] or []]
        apply_norms(resource, [n for n in norms if n], suggest=suggest_norms)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def editable_part(record: dict[str, Any], resource_type: str) -> dict[str, Any]:
    """The part of a record that the edit form of this type changes (the owning
    organisation aside: only editors move a resource, see `services.update_resource`)."""
    names = {f.name for f in form_fields(resource_type) if f.kind != "organisation"}
    return {name: value for name, value in record.items() if name in names}
