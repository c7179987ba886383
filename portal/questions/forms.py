from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.forms import PortalForm
from portal.questions.services import MAX_BODY, MAX_TITLE


class QuestionForm(PortalForm):
    title = StringField(
        _l("Ihre Frage"),
        validators=[
            DataRequired(_l("Bitte stellen Sie Ihre Frage.")),
            Length(max=MAX_TITLE, message=_l("Höchstens %(max)d Zeichen.")),
        ],
        description=_l(
            "Zum Beispiel: Wer hat Erfahrung mit Entschädigungsanträgen vor dem LG Köln?"
        ),
    )
    body = TextAreaField(
        _l("Einzelheiten"),
        validators=[Length(max=MAX_BODY, message=_l("Höchstens %(max)d Zeichen."))],
        description=_l(
            "Markdown ist möglich. Bitte keine Namen oder anderen personenbezogenen Daten von "
            "Betroffenen."
        ),
    )
    references = TextAreaField(
        _l("Verknüpfte Einträge"),
        description=_l("Optional: Nummer oder Adresse eines Eintrags, einer pro Zeile."),
    )
    anonymous = BooleanField(
        _l("Anonym fragen: andere Fachberatungsstellen sehen nicht, wer fragt"),
        description=_l("Die Geschäftsstelle sieht weiterhin, wer gefragt hat."),
    )
