"""Forms of the knowledge base: one edit form per resource type, filters, workflow steps."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal.auth.forms import REQUIRED
from portal.forms import PortalForm
from portal.legal.countries import COUNTRIES
from portal.resources.access import VISIBILITIES
from portal.resources.courts import court_name
from portal.resources.fields import BY_NAME, GROUP_HELP, GROUPS, Field, form_fields, form_groups
from portal.resources.lists import SORTS
from portal.resources.models import (
    LEGAL_AREAS,
    STATUSES,
    VISIBILITY_LABELS,
)
from portal.resources.norms import chosen_norms, parse_norm_lines
from portal.resources.records import vocabulary_key

NONE_CHOSEN = _l("– bitte wählen –")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def split_list(text: str | None) -> list[str]:
    """Comma- or line-separated values, trimmed, without duplicates."""
    parts = (text or "").replace("\n", ",").split(",")
    return list(dict.fromkeys(p.strip() for p in parts if p.strip()))


def join_list(values) -> str:
    return ", ".join(values or [])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EuroField(StringField):
    """An amount in euros as Germans write it: "12.500", "12500,50", "12 500 €"."""

    def process_formdata(self, valuelist):
        self.data, self.raw = None, (valuelist[0] if valuelist else "").strip()
        if not self.raw:
            return
        text = re.sub(r"[\s€]|EUR", "", self.raw, flags=re.IGNORECASE)
        if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d{1,2})?|\d+(,\d{1,2})?", text):
            self.data = float(text.replace(".", "").replace(",", "."))
        elif re.fullmatch(r"\d+\.\d{1,2}", text):
            self.data = float(text)
        else:
            raise ValueError(_l("Bitte einen Betrag wie 12.500 oder 12500,50 angeben."))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        text = f"{self.data:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
        return text.removesuffix(",00")


BOOLEAN_CHOICES = [("", _l("– nicht bekannt –")), ("yes", _l("ja")), ("no", _l("nein"))]


class CountriesField(StringField):
    """Countries typed comma-separated as names (German or English) or ISO codes; the data is
    the list of codes. Unknown names are refused with the name."""

    def process_formdata(self, valuelist):
        self.data, self.unknown = [], []
        for part in split_list(valuelist[0] if valuelist else ""):
            code = vocabulary_key(part, COUNTRIES)
            if code is None:
                self.unknown.append(part)
            elif code not in self.data:
                self.data.append(code)

    def pre_validate(self, form):
        if getattr(self, "unknown", None):
            raise ValidationError(
                _l(
                    "Unbekanntes Land: %(items)s. Bitte den Namen (z. B. Rumänien) oder den "
                    "Code (z. B. RO) angeben.",
                    items=", ".join(f"„{item}“" for item in self.unknown),
                )
            )

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return ", ".join(str(COUNTRIES.get(code, code)) for code in self.data or [])


class HttpUrl(URL):
    """A web address starting with http:// or https://."""

    def __init__(self):
        super().__init__(
            require_tld=True,
            message=_l("Bitte geben Sie eine Adresse beginnend mit https:// oder http:// ein."),
        )

    def __call__(self, form, field):
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(self.message)
        super().__call__(form, field)


def _table_field(f: Field):
    """The form field for a row of the field table (its kind decides the widget)."""
    text = f.kind in ("text", "longtext", "markdown", "url")
    required = DataRequired(REQUIRED) if text else InputRequired(REQUIRED)
    validators = [required if f.required else Optional()]
    if f.length:
        validators.append(Length(max=f.length))
    options = {"description": f.help or ""}
    if f.kind in ("text", "url"):
        if f.kind == "url":
            validators.append(HttpUrl())
        return StringField(f.label, validators=validators, filters=[strip], **options)
    if f.kind in ("longtext", "markdown"):
        return TextAreaField(f.label, validators=validators, filters=[strip], **options)
    if f.kind == "choice":
        choices = list(f.choices.items())
        if f.default is None:
            choices = [("", NONE_CHOSEN), *choices]
        return SelectField(f.label, choices=choices, default=f.default or "", **options)
    if f.kind == "choices":
        return MultiCheckboxField(f.label, choices=list(f.choices.items()), **options)
    if f.kind == "list":
        return StringField(f.label, validators=[Optional(), Length(max=1000)], **options)
    if f.kind == "lines":
        return TextAreaField(
            f.label, validators=[Optional(), Length(max=2000)], render_kw={"rows": 3}, **options
        )
    if f.kind == "date":
        return DateField(f.label, validators=validators, **options)
    if f.kind == "boolean":
        return SelectField(f.label, choices=BOOLEAN_CHOICES, default="", **options)
    if f.kind == "number":
        high = f.maximum if f.maximum is not None else 2**31 - 1
        message = _l("Bitte einen Betrag von %(min)s bis %(max)s angeben.")
        validators.append(NumberRange(min=f.minimum or 0, max=high, message=message))
        return EuroField(f.label, validators=validators, **options)
    if f.kind == "integer":
        low = f.minimum if f.minimum is not None else 0
        high = f.maximum if f.maximum is not None else 2**31 - 1
        message = _l("Bitte eine ganze Zahl von %(min)s bis %(max)s angeben.")
        validators.append(NumberRange(min=low, max=high, message=message))
        return IntegerField(f.label, validators=validators, **options)
    raise ValueError(f"{f.name}: the field kind {f.kind!r} needs a form field of its own")


class ResourceForm(PortalForm):
    """The edit form of a resource type: the fields of the table (`fields.py`), plus the
    few that need more than their kind gives (declared here, they win over the table's)."""

    resource_type = ""

    summary = TextAreaField(
        _l("Kurzfassung"),
        validators=[DataRequired(REQUIRED), Length(max=2000)],
        filters=[strip],
        description=_l("Zwei bis drei Sätze; erscheint in Listen und Suchergebnissen."),
    )
    body = TextAreaField(
        _l("Text"),
        validators=[Optional(), Length(max=200_000)],
        description=_l(
            "Markdown: **fett**, *kursiv*, Listen mit „-“, Überschriften mit „##“, "
            "Links als [Text](https://…). HTML wird nicht übernommen."
        ),
        render_kw={"rows": 14},
    )
    visibility = SelectField(
        _l("Sichtbarkeit nach Veröffentlichung"),
        choices=[(v, VISIBILITY_LABELS[v]) for v in VISIBILITIES],
        default="members",
    )
    organisation = SelectField(_l("Organisation"), coerce=optional_int)
    norms = TextAreaField(
        _l("Zitierte Normen"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Eine Norm pro Zeile, z. B. „§ 232a StGB“ oder „Art. 4 EMRK“."),
        render_kw={"rows": 4},
    )
    accept_norms = MultiCheckboxField(
        _l("Im Text gefundene Normen übernehmen"), choices=[], validate_choice=False
    )
    comment = StringField(
        _l("Notiz zur Änderung"),
        validators=[Optional(), Length(max=500)],
        description=_l("Optional; erscheint im Verlauf."),
    )
    version = HiddenField()
    # Only the create form keeps this field; an existing entry has its attachments section.
    attachments = MultipleFileField(
        _l("Anhänge"),
        description=_l("Optional. PDF, Word (DOCX), OpenDocument (ODT) oder Text."),
    )
    save = SubmitField(_l("Speichern"))
    suggest = SubmitField(_l("Normvorschläge aktualisieren"))

    @classmethod
    def for_type(cls, resource_type: str, base=None):
        """The form class of a type: `base` (or this class) plus the table's fields."""
        form_class = type(
            f"{resource_type.title().replace('_', '')}Form",
            (base or cls,),
            {"resource_type": resource_type},
        )
        for f in form_fields(resource_type):
            if not hasattr(form_class, f.name):
                setattr(form_class, f.name, _table_field(f))
        return form_class

    @property
    def group_help(self) -> dict[str, str]:
        """A sentence under a fieldset's legend, by legend."""
        return {str(GROUPS[key]): text for key, text in GROUP_HELP.items()}

    @property
    def groups(self) -> list:
        """Fieldsets: (legend, field names), the norm suggestions after the norms."""
        groups = []
        for legend, names in form_groups(self.resource_type):
            if "norms" in names:
                at = names.index("norms") + 1
                names = (*names[:at], "accept_norms", *names[at:])
            groups.append((legend, names))
        return groups

    def validate_norms(self, field):
        _, bad = parse_norm_lines(field.data or "")
        if bad:
            raise ValidationError(
                _l(
                    "Nicht erkannt: %(items)s. Bitte in der Form „§ 232a StGB“ oder "
                    "„Art. 4 EMRK“ angeben.",
                    items=", ".join(f"„{b}“" for b in bad),
                )
            )

    def _text(self) -> str:
        return "\n".join(filter(None, (self.title.data, self.summary.data, self.body.data)))

    def offer_norms(self, resource=None) -> None:
        """Offer the norms found in the typed text (those not typed) for acceptance.

        They start ticked, except ones this resource keeps as declined (saved unticked before);
        a posted form keeps what the person ticked, unless they asked for fresh suggestions.
        """
        offered = chosen_norms(self.norms.data or "", [], self._text())[1]
        self.accept_norms.choices = [(n.key, n.label) for n in offered]
        if self.accept_norms.raw_data is None or self.suggest.data:
            declined = {n.key for n in resource.norms if not n.confirmed} if resource else set()
            self.accept_norms.data = [n.key for n in offered if n.key not in declined]

    def record(self) -> dict:
        """The typed values in the record format (see `records.py`): what a save writes."""
        record = {}
        for f in form_fields(self.resource_type):
            if f.name in ("organisation", "accept_norms"):
                continue
            data = self[f.name].data
            if f.kind == "norms":
                accepted = list(self.accept_norms.data or [])
                confirmed = chosen_norms(data or "", accepted, self._text())[0]
                record[f.name] = [norm.label for norm in confirmed]
            elif f.kind == "court":
                record[f.name] = court_name(data)
            elif f.kind == "list":
                record[f.name] = split_list(data)
            elif f.kind == "lines":
                record[f.name] = [
                    line.strip() for line in (data or "").splitlines() if line.strip()
                ]
            elif f.kind == "choices":
                record[f.name] = list(data or [])
            elif f.kind == "date":
                record[f.name] = data.isoformat() if data else None
            elif f.kind in ("integer", "number"):
                record[f.name] = data
            elif f.kind == "boolean":
                record[f.name] = {"yes": True, "no": False}.get(data)
            else:
                record[f.name] = data or f.empty
        return record

    def fill_from(self, resource) -> None:
        """Set the fields from a resource (for GET)."""
        for f in form_fields(self.resource_type):
            if f.name not in self._fields:
                continue
            value = getattr(resource, f.name, None)
            if f.kind == "norms":
                value = "\n".join(n.label for n in resource.norms if n.confirmed)
            elif f.kind == "court":
                value = resource.court.slug if resource.court else ""
            elif f.kind == "organisation":
                value = resource.organisation_id
            elif f.kind == "list":
                value = join_list(value)
            elif f.kind == "lines":
                value = "\n".join(value or [])
            elif f.kind == "choices":
                value = list(value or [])
            elif f.kind == "boolean":
                value = {True: "yes", False: "no"}.get(value, "")
            self[f.name].data = value
        self.version.data = str(resource.version)


class _CaseLawFields(ResourceForm):
    court = SelectField(_l("Gericht"), validators=[InputRequired(REQUIRED)], choices=[])
    ecli = StringField(
        _l("ECLI"),
        validators=[
            Optional(),
            Length(max=120),
            Regexp(
                r"^ECLI:[A-Z]{2}:[A-Z0-9.]+:[0-9]{4}:[A-Za-z0-9.]+$",
                message=_l("Bitte im Format ECLI:DE:BGH:2020:123456U3STR123.19.0 angeben."),
            ),
        ],
        filters=[strip],
    )
    victims_nationalities = CountriesField(
        BY_NAME["victims_nationalities"].label,
        validators=[Optional(), Length(max=1000)],
        description=BY_NAME["victims_nationalities"].help,
    )


FORMS = {
    "case_law": ResourceForm.for_type("case_law", _CaseLawFields),
    "training_material": ResourceForm.for_type("training_material"),
    "position_paper": ResourceForm.for_type("position_paper"),
}
CaseLawForm = FORMS["case_law"]
TrainingForm = FORMS["training_material"]
PositionPaperForm = FORMS["position_paper"]


class FilterForm(PortalForm):
    class Meta:
        csrf = False

    court = SelectField(_l("Gericht"), coerce=optional_int, validators=[Optional()], choices=[])
    legal_area = SelectField(
        _l("Rechtsgebiet"),
        choices=[("", _l("alle"))] + list(LEGAL_AREAS.items()),
        validators=[Optional()],
    )
    year = IntegerField(
        _l("Jahr"),
        validators=[
            Optional(),
            NumberRange(min=1900, max=2100, message=_l("Bitte ein Jahr wie 2021 angeben.")),
        ],
    )
    norm = StringField(_l("Norm"), validators=[Optional(), Length(max=80)], filters=[strip])
    topic = StringField(_l("Thema"), validators=[Optional(), Length(max=100)], filters=[strip])
    organisation = SelectField(
        _l("Organisation"), coerce=optional_int, validators=[Optional()], choices=[]
    )
    status = SelectField(
        _l("Status"),
        choices=[("published", STATUSES["published"]), ("all", _l("alle für mich sichtbaren"))]
        + [(k, v) for k, v in STATUSES.items() if k != "published"],
        default="published",
        validators=[Optional()],
    )
    sort = SelectField(
        _l("Sortierung"), choices=list(SORTS.items()), default="newest", validators=[Optional()]
    )

    def validate_norm(self, field):
        if field.data and not parse_norm_lines(field.data)[0]:
            raise ValidationError(_l("Norm nicht erkannt, z. B. „§ 232a StGB“."))


class TransitionForm(PortalForm):
    comment = TextAreaField(_l("Kommentar"), validators=[Optional(), Length(max=5000)])
    confirm = BooleanField(
        _l(
            "Ich habe die Hinweise geprüft: Der Eintrag enthält keine Angaben, die eine Person "
            "erkennbar machen."
        )
    )
    version = HiddenField()
    submit = SubmitField()


class AttachmentForm(PortalForm):
    file = FileField(
        _l("Datei"),
        validators=[FileRequired(_l("Bitte wählen Sie eine Datei aus."))],
        description=_l("PDF, Word (DOCX), OpenDocument (ODT) oder Text."),
    )
    upload = SubmitField(_l("Hochladen"))


LINK_KINDS = {
    "related": _l("Verwandter Eintrag"),
    "earlier": _l("Vorinstanz (frühere Entscheidung)"),
    "later": _l("Folgeinstanz (spätere Entscheidung)"),
}


class LinkForm(PortalForm):
    reference = StringField(
        _l("Nummer oder Adresse des Eintrags"),
        validators=[DataRequired(REQUIRED), Length(max=300)],
        filters=[strip],
        description=_l("z. B. 42 oder https://…/resources/42"),
    )
    kind = SelectField(_l("Art der Verknüpfung"), choices=list(LINK_KINDS.items()))
    add = SubmitField(_l("Verknüpfen"))


class VersionForm(PortalForm):
    """A button that acts on the version the person was looking at."""

    version = HiddenField()
    submit = SubmitField()
