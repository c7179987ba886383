from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from portal.forms import PortalForm
from portal.saved.services import MAX_NAME


class SaveSearchForm(PortalForm):
    name = StringField(
        _l("Name der Suche"),
        validators=[
            DataRequired(_l("Bitte geben Sie einen Namen an.")),
            Length(max=MAX_NAME, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )
    # The search page's query string (q, mode, filters), carried along unchanged.
    search = HiddenField()
    submit = SubmitField(_l("Suche speichern"))
