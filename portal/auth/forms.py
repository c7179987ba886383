"""Forms of the login, reset, invitation and profile pages."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from portal.auth.models import INVALID_EMAIL, User
from portal.forms import PortalForm

# Passwords are capped generously (never truncated); the policy asks for at least 15.
PASSWORD_MAX = 256

REQUIRED = _l("Bitte füllen Sie dieses Feld aus.")
LANGUAGE_CHOICES = [("de", "Deutsch"), ("en", "English")]


def strip(value):
    return value.strip() if isinstance(value, str) else value


EMAIL_LABEL = _l("E-Mail-Adresse")


class ValidEmail:
    """WTForms validator calling `User.valid_email`, the check the command line uses too."""

    def __init__(self, message=INVALID_EMAIL):
        self.message = message

    def __call__(self, form, field):
        if field.data and not User.valid_email(field.data):
            raise ValidationError(self.message)


def email_field(label=EMAIL_LABEL) -> EmailField:
    return EmailField(
        label,
        validators=[
            DataRequired(REQUIRED),
            Length(max=254),
            ValidEmail(),
        ],
        filters=[strip],
        render_kw={"autocomplete": "email"},
    )


def new_password_fields():
    password = PasswordField(
        _l("Neues Passwort"),
        validators=[DataRequired(REQUIRED), Length(max=PASSWORD_MAX)],
        description=_l(
            "Mindestens 15 Zeichen. Am besten eine Passphrase aus mehreren Wörtern, "
            "z. B. „Tulpen wachsen leise im Regen“."
        ),
        render_kw={"autocomplete": "new-password", "minlength": 15},
    )
    confirm = PasswordField(
        _l("Neues Passwort wiederholen"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", _l("Die beiden Passwörter stimmen nicht überein.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class LoginForm(PortalForm):
    email = email_field()
    password = PasswordField(
        _l("Passwort"),
        validators=[DataRequired(REQUIRED), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()
    submit = SubmitField(_l("Anmelden"))


class ForgotPasswordForm(PortalForm):
    email = email_field()
    submit = SubmitField(_l("Link zum Zurücksetzen senden"))


class ResetPasswordForm(PortalForm):
    password, confirm = new_password_fields()
    revoke_tokens = BooleanField(
        _l("Auch alle API-Zugangstoken und privaten Feed-Adressen widerrufen"),
        default=True,
        description=_l(
            "Empfohlen, wenn jemand anderes Ihr Passwort kennen könnte: Token und Feed-Adressen "
            "funktionieren ohne Anmeldung weiter."
        ),
    )
    submit = SubmitField(_l("Passwort speichern"))


class AcceptInvitationForm(PortalForm):
    name = StringField(
        _l("Ihr Name"),
        validators=[DataRequired(REQUIRED), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    password, confirm = new_password_fields()
    submit = SubmitField(_l("Konto anlegen"))


class ChangePasswordForm(PortalForm):
    current_password = PasswordField(
        _l("Aktuelles Passwort"),
        validators=[DataRequired(REQUIRED), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = new_password_fields()
    submit = SubmitField(_l("Passwort ändern"))


class LanguageForm(PortalForm):
    language = SelectField(_l("Sprache der Oberfläche"), choices=LANGUAGE_CHOICES)
    submit = SubmitField(_l("Sprache speichern"))


class ActionForm(PortalForm):
    """An empty form for buttons that change state (CSRF-protected POST)."""

    submit = SubmitField()


class CodeForm(PortalForm):
    code = StringField(
        _l("Bestätigungscode"),
        validators=[DataRequired(REQUIRED), Length(max=40)],
        description=_l(
            "Der sechsstellige Code aus Ihrer Authenticator-App oder einer Ihrer "
            "Wiederherstellungscodes."
        ),
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True},
    )
    submit = SubmitField(_l("Bestätigen"))


def current_password_field():
    return PasswordField(
        _l("Aktuelles Passwort"),
        validators=[DataRequired(REQUIRED), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )


class TwoFactorSetupForm(PortalForm):
    current_password = current_password_field()
    code = StringField(
        _l("Code aus der App"),
        validators=[DataRequired(REQUIRED), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Zweiten Faktor einrichten"))


class ConfirmPasswordForm(PortalForm):
    """Sensitive changes ask for the current password again."""

    current_password = current_password_field()
    submit = SubmitField(_l("Bestätigen"))


class ChangeEmailForm(PortalForm):
    """Shown with prefix "email" on the profile page (its ids must not clash)."""

    new_email = email_field(_l("Neue E-Mail-Adresse"))
    current_password = current_password_field()
    submit = SubmitField(_l("E-Mail-Adresse ändern"))
