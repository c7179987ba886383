"""Forms of the admin area."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp

from portal.auth.forms import REQUIRED, ValidEmail, email_field
from portal.auth.models import ROLES
from portal.forms import PortalForm
from portal.legal.courts import COURT_LEVELS
from portal.orgs.models import FEDERAL_STATES, ORG_KINDS


class InviteForm(PortalForm):
    email = email_field()
    organisation = SelectField(_l("Organisation"), coerce=int)
    role = SelectField(_l("Rolle"))
    submit = SubmitField(_l("Einladung senden"))


class UserEditForm(PortalForm):
    organisation = SelectField(_l("Organisation"), coerce=int)
    role = SelectField(_l("Rolle"), choices=[(k, v) for k, v in ROLES.items()])
    submit = SubmitField(_l("Änderungen speichern"))


class UserFilterForm(PortalForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name oder E-Mail"), validators=[Optional(), Length(max=100)])
    organisation = SelectField(_l("Organisation"), coerce=str, validators=[Optional()])
    role = SelectField(
        _l("Rolle"),
        choices=[("", _l("alle Rollen"))] + [(k, v) for k, v in ROLES.items()],
        validators=[Optional()],
    )
    status = SelectField(
        _l("Status"),
        choices=[("", _l("alle")), ("active", _l("aktiv")), ("inactive", _l("deaktiviert"))],
        validators=[Optional()],
    )


class OrganisationForm(PortalForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    short_name = StringField(_l("Kurzname"), validators=[Optional(), Length(max=60)])
    slug = StringField(
        _l("Kennung (für Adressen)"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=80),
            Regexp(
                r"^[a-z0-9]+(-[a-z0-9]+)*$",
                message=_l("Nur Kleinbuchstaben, Ziffern und Bindestriche, z. B. „ban-ying“."),
            ),
        ],
    )
    kind = SelectField(_l("Art"), choices=[(k, v) for k, v in ORG_KINDS.items()])
    city = StringField(_l("Ort"), validators=[Optional(), Length(max=120)])
    federal_state = SelectField(
        _l("Bundesland"),
        choices=[("", _l("– keines –"))] + list(FEDERAL_STATES.items()),
        validators=[Optional()],
    )
    focus_areas = StringField(
        _l("Arbeitsschwerpunkte"),
        validators=[Optional(), Length(max=500)],
        description=_l("Durch Kommas getrennt, z. B. Arbeitsausbeutung, Zwangsprostitution"),
    )
    description = TextAreaField(_l("Beschreibung"), validators=[Optional(), Length(max=5000)])
    contact_email = StringField(
        _l("Kontakt-E-Mail"),
        validators=[
            Optional(),
            Length(max=254),
            ValidEmail(),
        ],
    )
    contact_phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=60)])
    website = StringField(
        _l("Website"),
        validators=[
            Optional(),
            Length(max=300),
            URL(message=_l("Bitte geben Sie eine vollständige Adresse mit https:// ein.")),
        ],
    )
    active = BooleanField(_l("aktiv"), default=True)
    submit = SubmitField(_l("Speichern"))


class CourtForm(PortalForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    short_name = StringField(_l("Kurzname"), validators=[Optional(), Length(max=80)])
    level = SelectField(
        _l("Gerichtsbarkeit und Instanz"),
        choices=[("", _l("– unbekannt –"))] + list(COURT_LEVELS.items()),
        validators=[Optional()],
    )
    federal_state = SelectField(
        _l("Bundesland"),
        choices=[("", _l("– keines (Bund, Europa) –"))] + list(FEDERAL_STATES.items()),
        validators=[Optional()],
    )
    aliases = StringField(
        _l("Weitere Namen"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Durch Kommas getrennt, z. B. „VGH Mannheim, VGH Baden-Württemberg“"),
    )
    submit = SubmitField(_l("Als geprüft speichern"))
