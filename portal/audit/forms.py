"""The filter form of the audit page."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from portal.audit.services import ACTIONS
from portal.audit.words import TARGET_TYPES
from portal.forms import PortalForm


class AuditFilterForm(PortalForm):
    class Meta:
        csrf = False

    actor = StringField(_l("Person (E-Mail oder Nummer)"), validators=[Optional(), Length(max=254)])
    action = SelectField(
        _l("Aktion"),
        choices=[("", _l("alle Aktionen"))] + [(k, v) for k, v in ACTIONS.items()],
        validators=[Optional()],
    )
    date_from = DateField(_l("von"), validators=[Optional()])
    date_to = DateField(_l("bis"), validators=[Optional()])
    target_type = SelectField(
        _l("Art des Ziels"),
        choices=[("", _l("alle Arten"))] + list(TARGET_TYPES.items()),
        validators=[Optional()],
    )
    target_id = StringField(_l("Ziel-Nummer"), validators=[Optional(), Length(max=64)])

    def filters(self) -> dict:
        """The valid filter values (invalid ones are ignored)."""
        values = {}
        for name in ("actor", "action", "date_from", "date_to", "target_type", "target_id"):
            field = self[name]
            values[name] = None if field.errors else field.data
        return {k: v for k, v in values.items() if v}
