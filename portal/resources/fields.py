"""The fields of a resource, once: a plain table that everything else reads.

The record format (`records.py`: import, export, revisions, the API), the edit forms
(`forms.py`), labels (diffs, anonymisation hints), the facts list of the detail page
(`templates/resources/_facts.html`), the OpenAPI schema (`portal/api/openapi.py`) and the index
document (`portal/search/index.py`) all take a resource's fields from `FIELDS`. Adding a field
means a row here, a column in `models.py` with its migration and, where no kind fits, a widget.

Each row says what a field is, not how a page shows it: the readers decide per ``kind``:

- ``text`` (one line), ``longtext`` (a text area), ``markdown``, ``url`` (http/https only):
  strings, "" when empty; ``length`` is the most characters.
- ``choice``: one key of ``choices`` (a dict key -> German label), "" when empty unless
  ``default`` names one. ``choices``: a list of such keys.
- ``list``: a list of free strings, typed comma-separated; ``lines``: the same, one per line.
- ``date``: ISO ``YYYY-MM-DD`` in records, a `date` on the model; ``integer``: a whole number
  between ``minimum`` and ``maximum``, or None; ``number``: the same with up to two decimal
  places (amounts in euros); ``boolean``: true, false or None (not known).
- ``court``, ``norms``, ``organisation``, ``resource_type``, ``external_id``: fields with a
  rule of their own, handled by name in `records.py` and the forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.legal.countries import COUNTRIES
from portal.resources.access import RECORD_VISIBILITIES
from portal.resources.models import (
    CONTROL_MEANS,
    DECISION_TYPES,
    EXPLOITATION_FORMS,
    GENDERS,
    LANGUAGES,
    LEGAL_AREAS,
    OUTCOMES,
    PROCEEDINGS,
    RESOURCE_TYPES,
    STATUSES,
    TRAINING_FORMATS,
    VISIBILITY_LABELS,
)

ALL_TYPES = tuple(RESOURCE_TYPES)
CASE_LAW = ("case_law",)
TRAINING = ("training_material",)
PAPER = ("position_paper",)

# Form groups (fieldsets) in the order the edit form shows them; a type's form shows the
# groups that have at least one of its fields.
GROUPS: dict[str, Any] = {
    "content": _l("Inhalt"),
    "decision": _l("Entscheidung"),
    "case": _l("Fall"),
    "proceedings": _l("Verfahren und Strafe"),
    "outcome": _l("Ergebnis"),
    "training": _l("Schulung"),
    "paper": _l("Stellungnahme"),
    "classification": _l("Einordnung"),
    "visibility": _l("Sichtbarkeit"),
}

# A sentence under a group's legend.
GROUP_HELP: dict[str, Any] = {
    "case": _l(
        "Alle Angaben sind freiwillig und fließen anonym in die Statistik ein. Bitte nur "
        "eintragen, was die Entscheidung selbst feststellt."
    ),
}


@dataclass(frozen=True)
class Field:
    name: str  # record key, API name and (except `court`, `norms`, ...) model attribute
    label: Any
    kind: str
    types: tuple[str, ...] = ALL_TYPES  # resource types that have the field
    length: int | None = None  # most characters (text kinds)
    group: str | None = None  # form group; None: not in the edit form
    shown_for: tuple[str, ...] | None = None  # types whose form and facts show it (default: types)
    exported: bool = True  # part of the record (import/export, revisions, API)
    help: Any = None  # help text under the form field
    choices: Mapping[str, Any] | None = None
    default: Any = None  # the value of an empty field in records ("" for text kinds)
    required: bool = False  # the form insists on a value
    minimum: int | None = None
    maximum: int | None = None
    facts: bool = True  # listed under "Angaben" on the detail page
    indexed: bool = False  # its text (or choice label) goes into the index's `meta` field
    facet: bool = False  # a search filter and facet (index field of the same name; choice kinds)

    @property
    def empty(self) -> Any:
        """The record value of an empty field."""
        if self.default is not None:
            return self.default
        if self.kind in ("choices", "list", "lines", "norms"):
            return []
        if self.kind in ("date", "integer", "number", "boolean", "organisation"):
            return None
        return ""


FIELDS: tuple[Field, ...] = (
    # --- every type ---
    Field("external_id", _l("Externe Kennung"), "external_id", length=200, facts=False),
    Field("type", _l("Typ"), "resource_type", choices=RESOURCE_TYPES, facts=False),
    Field("title", _l("Titel"), "text", length=500, group="content", required=True, facts=False),
    Field("summary", _l("Kurzfassung"), "longtext", group="content", facts=False),
    Field("body", _l("Text"), "markdown", group="content", facts=False),
    Field("language", _l("Sprache"), "choice", choices=LANGUAGES, default="de", group="content"),
    Field(
        "topics",
        _l("Themen"),
        "list",
        group="classification",
        help=_l("Durch Kommas getrennt, z. B. Arbeitsausbeutung, Entschädigung"),
    ),
    Field(
        "tags", _l("Schlagwörter"), "list", group="classification", help=_l("Durch Kommas getrennt")
    ),
    Field("norms", _l("Zitierte Normen"), "norms", group="classification", facts=False),
    Field(
        "visibility",
        _l("Sichtbarkeit"),
        "choice",
        choices={key: VISIBILITY_LABELS[key] for key in RECORD_VISIBILITIES},
        default="members",
        group="visibility",
        facts=False,
    ),
    Field("organisation", _l("Organisation"), "organisation", group="visibility", facts=False),
    Field("status", _l("Status"), "choice", choices=STATUSES, default="published", facts=False),
    Field("published_on", _l("Veröffentlichungsdatum"), "date", group="paper", shown_for=PAPER),
    # --- case law ---
    Field("court", _l("Gericht"), "court", CASE_LAW, length=200, group="decision", required=True),
    Field(
        "decision_date",
        _l("Entscheidungsdatum"),
        "date",
        CASE_LAW,
        group="decision",
        required=True,
    ),
    Field(
        "file_number",
        _l("Aktenzeichen"),
        "text",
        CASE_LAW,
        length=120,
        group="decision",
        help=_l("z. B. 3 StR 123/19"),
    ),
    Field(
        "decision_type",
        _l("Entscheidungsart"),
        "choice",
        CASE_LAW,
        choices=DECISION_TYPES,
        group="decision",
        indexed=True,
    ),
    Field("ecli", _l("ECLI"), "text", CASE_LAW, length=120, group="decision", indexed=True),
    Field(
        "legal_areas",
        _l("Rechtsgebiete"),
        "choices",
        CASE_LAW,
        choices=LEGAL_AREAS,
        group="classification",
        indexed=True,
    ),
    Field(
        "outcome",
        _l("Ergebnis für die betroffene Person"),
        "choices",
        CASE_LAW,
        choices=OUTCOMES,
        group="outcome",
        help=_l("Alles Zutreffende, z. B. Verurteilung und Entschädigung."),
        indexed=True,
        facet=True,
    ),
    Field(
        "outcome_amount",
        _l("Betrag"),
        "text",
        CASE_LAW,
        length=60,
        group="outcome",
        help=_l("z. B. 12.500 €"),
    ),
    Field(
        "compensation_eur",
        _l("Entschädigung in Euro"),
        "number",
        CASE_LAW,
        group="outcome",
        help=_l(
            "Zugesprochene Entschädigung, Schmerzensgeld oder Lohnnachzahlung insgesamt, "
            "z. B. 12500; das Feld „Betrag“ bleibt für Angaben in Worten."
        ),
        minimum=0,
        maximum=100_000_000,
    ),
    Field(
        "outcome_note",
        _l("Anmerkung zum Ergebnis"),
        "longtext",
        CASE_LAW,
        group="outcome",
        indexed=True,
    ),
    Field("source_url", _l("Quelle (Adresse)"), "url", CASE_LAW, length=500, group="outcome"),
    Field(
        "victims_count",
        _l("Zahl der Betroffenen"),
        "integer",
        CASE_LAW,
        group="case",
        help=_l(
            "Wie viele Betroffene von Menschenhandel das Verfahren nennt; leer, wenn unbekannt."
        ),
        minimum=0,
        maximum=100_000,
    ),
    Field(
        "victims_minors",
        _l("Davon minderjährig"),
        "integer",
        CASE_LAW,
        group="case",
        help=_l("Betroffene, die zur Tatzeit unter 18 Jahre alt waren."),
        minimum=0,
        maximum=100_000,
    ),
    Field(
        "victims_genders",
        _l("Geschlecht der Betroffenen"),
        "choices",
        CASE_LAW,
        choices=GENDERS,
        group="case",
    ),
    Field(
        "victims_nationalities",
        _l("Staatsangehörigkeit der Betroffenen"),
        "choices",
        CASE_LAW,
        choices=COUNTRIES,
        group="case",
        help=_l("Durch Kommas getrennt, als Ländername oder Code, z. B. Rumänien, NG"),
        facet=True,
    ),
    Field(
        "exploitation_forms",
        _l("Ausbeutungsformen"),
        "choices",
        CASE_LAW,
        choices=EXPLOITATION_FORMS,
        group="case",
        help=_l("Welche Formen der Ausbeutung das Gericht feststellt oder prüft."),
        indexed=True,
        facet=True,
    ),
    Field(
        "control_means",
        _l("Kontrollmittel"),
        "choices",
        CASE_LAW,
        choices=CONTROL_MEANS,
        group="case",
        help=_l("Womit die Täter die Betroffenen kontrollierten."),
        indexed=True,
        facet=True,
    ),
    Field(
        "proceeding",
        _l("Verfahrensart"),
        "choice",
        CASE_LAW,
        choices=PROCEEDINGS,
        group="proceedings",
        indexed=True,
        facet=True,
    ),
    Field(
        "defendants_count",
        _l("Zahl der Angeklagten"),
        "integer",
        CASE_LAW,
        group="proceedings",
        help=_l("Nur in Strafverfahren; leer, wenn unbekannt."),
        minimum=0,
        maximum=10_000,
    ),
    Field(
        "sentence_months",
        _l("Höchste Strafe (Monate)"),
        "integer",
        CASE_LAW,
        group="proceedings",
        help=_l("Die höchste verhängte Freiheitsstrafe in Monaten, z. B. 45 für 3 Jahre 9 Monate."),
        minimum=0,
        maximum=1_200,
    ),
    Field(
        "sentence_suspended",
        _l("Zur Bewährung ausgesetzt"),
        "boolean",
        CASE_LAW,
        group="proceedings",
    ),
    # --- training material ---
    Field(
        "audience",
        _l("Zielgruppe"),
        "text",
        TRAINING,
        length=300,
        group="training",
        help=_l("z. B. Beratende, Polizei, Justiz"),
        indexed=True,
    ),
    Field(
        "format",
        _l("Format"),
        "choice",
        TRAINING,
        choices=TRAINING_FORMATS,
        group="training",
        indexed=True,
    ),
    Field(
        "event_name",
        _l("Veranstaltung"),
        "text",
        TRAINING,
        length=300,
        group="training",
        indexed=True,
    ),
    Field("event_date", _l("Veranstaltungsdatum"), "date", TRAINING, group="training"),
    Field(
        "duration_minutes",
        _l("Dauer (Minuten)"),
        "integer",
        TRAINING,
        group="training",
        minimum=1,
        maximum=100_000,
    ),
    # --- position paper ---
    Field(
        "authors",
        _l("Verfassende Organisationen"),
        "lines",
        PAPER,
        group="paper",
        help=_l("Eine Organisation pro Zeile"),
        indexed=True,
    ),
    Field(
        "addressee",
        _l("Adressat"),
        "text",
        PAPER,
        length=300,
        group="paper",
        help=_l("z. B. Bundesministerium der Justiz"),
        indexed=True,
    ),
    Field(
        "occasion",
        _l("Anlass"),
        "text",
        PAPER,
        length=500,
        group="paper",
        help=_l("z. B. Referentenentwurf zur Reform des § 232 StGB"),
        indexed=True,
    ),
)

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}

# Shown with the fields in diffs and hints, but not fields of the table.
EXTRA_LABELS = {
    "links": _l("Verknüpfungen"),
    "attachments": _l("Anhänge"),
}


FACET_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if f.facet)


def fields_of(resource_type: str | None) -> tuple[Field, ...]:
    """The fields a resource of this type has, in record order (None: those of every type)."""
    if resource_type is None:
        return tuple(f for f in FIELDS if f.types == ALL_TYPES)
    return tuple(f for f in FIELDS if resource_type in f.types)


def record_fields(resource_type: str | None) -> tuple[Field, ...]:
    """The fields a record of this type holds (links aside)."""
    return tuple(f for f in fields_of(resource_type) if f.exported)


def _shown(field: Field, resource_type: str) -> bool:
    return resource_type in (field.shown_for or field.types)


def form_fields(resource_type: str) -> tuple[Field, ...]:
    """The fields the edit form of this type shows."""
    return tuple(
        f for f in fields_of(resource_type) if f.group is not None and _shown(f, resource_type)
    )


def form_groups(resource_type: str) -> list[tuple[Any, tuple[str, ...]]]:
    """(legend, field names) for each fieldset of the type's edit form, in GROUPS order."""
    groups = []
    for key, legend in GROUPS.items():
        names = tuple(f.name for f in form_fields(resource_type) if f.group == key)
        if names:
            groups.append((legend, names))
    return groups


def facts_fields(resource_type: str) -> tuple[Field, ...]:
    """The fields the detail page lists under "Angaben" for this type, type fields first."""
    shown = [f for f in fields_of(resource_type) if f.facts and _shown(f, resource_type)]
    own = [f for f in shown if (f.shown_for or f.types) != ALL_TYPES]
    return (*own, *(f for f in shown if f not in own))


def label(name: str) -> str:
    """The German (or current locale's) label of a field name; the name if it has none."""
    if name in BY_NAME:
        return str(BY_NAME[name].label)
    return str(EXTRA_LABELS.get(name, name))


def choice_label(field: Field, key: str) -> str:
    """The label of one key of a choice field (the key itself if unknown)."""
    return str((field.choices or {}).get(key, key))


def facts_of(resource) -> list[tuple[Field, Any]]:
    """(field, value) for each filled field the detail page lists for this resource."""
    facts = []
    for f in facts_fields(resource.type):
        value = resource.court if f.kind == "court" else getattr(resource, f.name, None)
        if value not in (None, "", []):
            facts.append((f, value))
    return facts


def indexed_text(resource) -> list[str]:
    """The texts of the resource's `indexed` fields (choice labels, not keys) for the index."""
    texts: list[str] = []
    for f in fields_of(resource.type):
        if not f.indexed:
            continue
        value = getattr(resource, f.name, None)
        if f.kind == "choice":
            texts.append(str(f.choices.get(value, "")) if value else "")
        elif f.kind == "choices":
            texts.extend(choice_label(f, key) for key in value or [])
        elif f.kind in ("list", "lines"):
            texts.extend(value or [])
        elif value is not None:
            texts.append(str(value))
    return texts
