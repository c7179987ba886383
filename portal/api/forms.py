from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from portal.api.services import MAX_NAME
from portal.forms import PortalForm


class TokenForm(PortalForm):
    name = StringField(
        _l("Name des Tokens"),
        validators=[
            DataRequired(_l("Bitte geben Sie einen Namen an.")),
            Length(max=MAX_NAME, message=_l("Höchstens %(max)d Zeichen.")),
        ],
        description=_l("z. B. das Programm oder Skript, das das Token benutzt"),
    )
    submit = SubmitField(_l("Token erstellen"))
