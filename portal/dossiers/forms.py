"""Forms of the dossiers."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.auth.forms import REQUIRED
from portal.dossiers.services import MAX_NOTE
from portal.forms import PortalForm


class DossierForm(PortalForm):
    title = StringField(_l("Titel der Mappe"), validators=[DataRequired(REQUIRED), Length(max=200)])
    shared = BooleanField(_l("Mit meiner Organisation teilen"))
    submit = SubmitField(_l("Speichern"))


class AddEntryForm(PortalForm):
    dossier = SelectField(_l("Mappe"), coerce=int, choices=[])
    resource_id = HiddenField()
    next = HiddenField()
    add = SubmitField(_l("In die Mappe legen"))


class NoteForm(PortalForm):
    note = TextAreaField(
        _l("Notiz"), validators=[Optional(), Length(max=MAX_NOTE)], render_kw={"rows": 2}
    )
    save = SubmitField(_l("Notiz speichern"))


class ButtonForm(PortalForm):
    """A button that acts (move, remove, delete): CSRF only."""

    submit = SubmitField()
