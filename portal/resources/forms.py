"""Forms of the knowledge base: one edit form per resource type, filters, workflow steps."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
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
from portal.resources.access import VISIBILITIES
from portal.resources.models import (
    DECISION_TYPES,
    LANGUAGES,
    LEGAL_AREAS,
    OUTCOMES,
    STATUSES,
    TRAINING_FORMATS,
    VISIBILITY_LABELS,
)
from portal.resources.services import SORTS, parse_norm_lines

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


class ResourceForm(PortalForm):
    """The fields every resource has; subclasses add the type's own fields."""

    title = StringField(
        _l("Titel"), validators=[DataRequired(REQUIRED), Length(max=500)], filters=[strip]
    )
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
    language = SelectField(_l("Sprache"), choices=list(LANGUAGES.items()), default="de")
    topics = StringField(
        _l("Themen"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Durch Kommas getrennt, z. B. Arbeitsausbeutung, Entschädigung"),
    )
    tags = StringField(
        _l("Schlagwörter"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Durch Kommas getrennt"),
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
    save = SubmitField(_l("Speichern"))
    suggest = SubmitField(_l("Normvorschläge aktualisieren"))

    # Field groups shown as fieldsets: (legend, field names).
    groups: tuple = ()

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

    def typed_norms(self):
        return parse_norm_lines(self.norms.data or "")[0]

    def data_for_service(self) -> dict:
        """The form's values as the service's field names."""
        data = {
            "title": self.title.data,
            "summary": self.summary.data or "",
            "body": self.body.data or "",
            "language": self.language.data,
            "topics": split_list(self.topics.data),
            "tags": split_list(self.tags.data),
            "visibility": self.visibility.data,
        }
        data.update(self.type_data())
        return data

    def type_data(self) -> dict:
        return {}

    def fill_from(self, resource) -> None:
        """Set the fields from a resource (for GET)."""
        for name in ("title", "summary", "body", "language", "visibility"):
            getattr(self, name).data = getattr(resource, name)
        self.topics.data = join_list(resource.topics)
        self.tags.data = join_list(resource.tags)
        self.norms.data = "\n".join(n.label for n in resource.norms if n.confirmed)
        self.organisation.data = resource.organisation_id
        self.version.data = str(resource.version)
        self.fill_type_fields(resource)

    def fill_type_fields(self, resource) -> None:
        pass


COMMON_GROUPS = (
    (_l("Inhalt"), ("title", "summary", "body", "language")),
    (_l("Einordnung"), ("topics", "tags", "norms", "accept_norms")),
    (_l("Sichtbarkeit"), ("visibility", "organisation")),
)


class CaseLawForm(ResourceForm):
    court = SelectField(
        _l("Gericht"), coerce=optional_int, validators=[InputRequired(REQUIRED)], choices=[]
    )
    decision_date = DateField(_l("Entscheidungsdatum"), validators=[InputRequired(REQUIRED)])
    file_number = StringField(
        _l("Aktenzeichen"),
        validators=[Optional(), Length(max=120)],
        filters=[strip],
        description=_l("z. B. 3 StR 123/19"),
    )
    decision_type = SelectField(
        _l("Entscheidungsart"),
        choices=[("", NONE_CHOSEN)] + list(DECISION_TYPES.items()),
        default="",
        validators=[Optional()],
    )
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
    legal_areas = MultiCheckboxField(_l("Rechtsgebiete"), choices=list(LEGAL_AREAS.items()))
    outcome = SelectField(
        _l("Ergebnis für die betroffene Person"),
        choices=[("", NONE_CHOSEN)] + list(OUTCOMES.items()),
        default="",
        validators=[Optional()],
    )
    outcome_amount = StringField(
        _l("Betrag"),
        validators=[Optional(), Length(max=60)],
        description=_l("z. B. 12.500 €"),
    )
    outcome_note = TextAreaField(_l("Anmerkung zum Ergebnis"), validators=[Optional()])
    source_url = StringField(
        _l("Quelle (Adresse)"),
        validators=[Optional(), Length(max=500), HttpUrl()],
        filters=[strip],
    )

    groups = (
        COMMON_GROUPS[0],
        (_l("Entscheidung"), ("court", "decision_date", "file_number", "decision_type", "ecli")),
        (_l("Ergebnis"), ("outcome", "outcome_amount", "outcome_note", "source_url")),
        (_l("Einordnung"), ("legal_areas", "topics", "tags", "norms", "accept_norms")),
        COMMON_GROUPS[2],
    )

    def type_data(self) -> dict:
        return {
            "court_id": self.court.data,
            "decision_date": self.decision_date.data,
            "file_number": self.file_number.data or "",
            "decision_type": self.decision_type.data or "",
            "ecli": self.ecli.data or "",
            "legal_areas": list(self.legal_areas.data or []),
            "outcome": self.outcome.data or "",
            "outcome_amount": self.outcome_amount.data or "",
            "outcome_note": self.outcome_note.data or "",
            "source_url": self.source_url.data or "",
        }

    def fill_type_fields(self, resource) -> None:
        self.court.data = resource.court_id
        for name in (
            "decision_date",
            "file_number",
            "decision_type",
            "ecli",
            "outcome",
            "outcome_amount",
            "outcome_note",
            "source_url",
        ):
            getattr(self, name).data = getattr(resource, name)
        self.legal_areas.data = list(resource.legal_areas or [])


class TrainingForm(ResourceForm):
    audience = StringField(
        _l("Zielgruppe"),
        validators=[Optional(), Length(max=300)],
        description=_l("z. B. Beratende, Polizei, Justiz"),
    )
    format = SelectField(
        _l("Format"),
        choices=[("", NONE_CHOSEN)] + list(TRAINING_FORMATS.items()),
        default="",
        validators=[Optional()],
    )
    duration_minutes = IntegerField(
        _l("Dauer (Minuten)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100_000, message=_l("Bitte eine Zahl größer als 0 angeben.")),
        ],
    )
    event_name = StringField(_l("Veranstaltung"), validators=[Optional(), Length(max=300)])
    event_date = DateField(_l("Veranstaltungsdatum"), validators=[Optional()])

    groups = (
        COMMON_GROUPS[0],
        (_l("Schulung"), ("audience", "format", "duration_minutes", "event_name", "event_date")),
        COMMON_GROUPS[1],
        COMMON_GROUPS[2],
    )

    def type_data(self) -> dict:
        return {
            "audience": self.audience.data or "",
            "format": self.format.data or "",
            "duration_minutes": self.duration_minutes.data,
            "event_name": self.event_name.data or "",
            "event_date": self.event_date.data,
        }

    def fill_type_fields(self, resource) -> None:
        for name in ("audience", "format", "duration_minutes", "event_name", "event_date"):
            getattr(self, name).data = getattr(resource, name)


class PositionPaperForm(ResourceForm):
    authors = TextAreaField(
        _l("Verfassende Organisationen"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Eine Organisation pro Zeile"),
        render_kw={"rows": 3},
    )
    published_on = DateField(_l("Veröffentlichungsdatum"), validators=[Optional()])
    addressee = StringField(
        _l("Adressat"),
        validators=[Optional(), Length(max=300)],
        description=_l("z. B. Bundesministerium der Justiz"),
    )
    occasion = StringField(
        _l("Anlass"),
        validators=[Optional(), Length(max=500)],
        description=_l("z. B. Referentenentwurf zur Reform des § 232 StGB"),
    )

    groups = (
        COMMON_GROUPS[0],
        (_l("Stellungnahme"), ("authors", "published_on", "addressee", "occasion")),
        COMMON_GROUPS[1],
        COMMON_GROUPS[2],
    )

    def type_data(self) -> dict:
        return {
            "authors": [a.strip() for a in (self.authors.data or "").splitlines() if a.strip()],
            "published_on": self.published_on.data,
            "addressee": self.addressee.data or "",
            "occasion": self.occasion.data or "",
        }

    def fill_type_fields(self, resource) -> None:
        self.authors.data = "\n".join(resource.authors or [])
        for name in ("published_on", "addressee", "occasion"):
            getattr(self, name).data = getattr(resource, name)


FORMS = {
    "case_law": CaseLawForm,
    "training_material": TrainingForm,
    "position_paper": PositionPaperForm,
}


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
