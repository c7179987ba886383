"""The base class of every form: single-line text fields lose control characters and breaks."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField

from portal.security.text import clean_text


def _single_line(value):
    return clean_text(value, multiline=False) if isinstance(value, str) else value


def _multi_line(value):
    return clean_text(value) if isinstance(value, str) else value


class PortalForm(FlaskForm):
    """Use instead of FlaskForm (a test checks every form does).

    The request already drops control characters (`portal.security.text.CleanRequest`); this
    also keeps tabs and line breaks out of single-line fields, and cleans data a view passes in.
    """

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                multiline = issubclass(field_class, TextAreaField)
                clean = _multi_line if multiline else _single_line
                options["filters"] = [clean, *(unbound_field.kwargs.get("filters") or ())]
            return super().bind_field(form, unbound_field, options)
