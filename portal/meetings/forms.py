from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import PortalForm
from portal.meetings.services import KIND_LABELS
from portal.resources.forms import HttpUrl, MultiCheckboxField

REQUIRED = _l("Bitte füllen Sie dieses Feld aus.")
WHEN = _l("Datum und Uhrzeit, z. B. 14.05.2026, 10:00")


class MeetingForm(PortalForm):
    kind = SelectField(_l("Art"), choices=list(KIND_LABELS.items()))
    title = StringField(_l("Titel"), validators=[DataRequired(REQUIRED), Length(max=200)])
    starts_at = DateTimeLocalField(
        _l("Beginn"), validators=[InputRequired(REQUIRED)], description=WHEN
    )
    ends_at = DateTimeLocalField(_l("Ende"), validators=[InputRequired(REQUIRED)])
    place = StringField(
        _l("Ort"),
        validators=[Length(max=300)],
        description=_l("Adresse, oder „online“"),
    )
    online_url = StringField(
        _l("Zugang für die Online-Teilnahme"),
        validators=[Optional(), Length(max=500), HttpUrl()],
    )
    agenda = TextAreaField(_l("Tagesordnung"), description=_l("Markdown ist möglich."))
    capacity = IntegerField(
        _l("Plätze"),
        validators=[Optional(), NumberRange(min=1, max=10000)],
        description=_l("Leer: unbegrenzt. Wer sich danach anmeldet, kommt auf die Warteliste."),
    )
    registration_deadline = DateTimeLocalField(
        _l("Anmeldeschluss"), validators=[Optional()], description=_l("Leer: bis zum Beginn.")
    )
    invited = MultiCheckboxField(
        _l("Eingeladene Organisationen"),
        coerce=int,
        description=_l("Keine ausgewählt: alle Mitgliedsorganisationen."),
    )
