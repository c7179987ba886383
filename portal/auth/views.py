"""Login, logout, password reset, invitations and the profile page."""

import json
import logging
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from portal import background
from portal.api import services as api_services
from portal.api.forms import TokenForm
from portal.audit import record
from portal.auth import privacy, services, two_factor
from portal.auth.forms import (
    AcceptInvitationForm,
    ActionForm,
    ChangeEmailForm,
    ChangePasswordForm,
    CodeForm,
    ConfirmPasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    ResetPasswordForm,
    TwoFactorSetupForm,
)
from portal.auth.models import ServerSession, User
from portal.auth.sessions import end_sessions
from portal.extensions import db, limiter
from portal.timeutil import utcnow
from portal.urls import safe_next

logger = logging.getLogger(__name__)

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.app_context_processor
def inject_enrolment():
    """`enrolment_only()`: the header offers only the 2FA set-up and logout (see guard.py)."""

    def enrolment_only() -> bool:
        return current_user.is_authenticated and two_factor.enrolment_pending(current_user)

    return {"enrolment_only": enrolment_only}


def _posted_email_key() -> str:
    return "account:" + User.normalise_email(request.form.get("email", ""))[:254]


def _limit(name: str):
    return lambda: current_app.config[name]


def _current_user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else "user:-"


def _start_session(user: User) -> None:
    session.regenerate()  # a new session id at login prevents session fixation
    session.pop(PENDING_KEY, None)
    login_user(user)


# The password step is done, the code is not: kept in the server-side session, never trusted
# for anything but the code page, and only for TWO_FACTOR_PENDING_TTL.
PENDING_KEY = "2fa_pending"


def _pending_user() -> User | None:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    try:
        expires = datetime.fromisoformat(pending["expires"])
        user = db.session.get(User, int(pending["user_id"]))
    except (KeyError, TypeError, ValueError):
        return None
    if expires <= utcnow() or user is None or not user.is_active or not user.has_two_factor:
        session.pop(PENDING_KEY, None)
        return None
    return user


def _pending_key() -> str:
    pending = session.get(PENDING_KEY)
    user_id = pending.get("user_id") if isinstance(pending, dict) else None
    return f"2fa:{user_id}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_LOGIN"), methods=["POST"])
@limiter.limit(_limit("RATELIMIT_LOGIN_ACCOUNT"), methods=["POST"], key_func=_posted_email_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.AuthError as exc:
            db.session.commit()  # keep the failure count
            flash(str(exc), "error")
        else:
            target = safe_next(form.next.data) or url_for("main.dashboard")
            if user.has_two_factor:
                session.regenerate()
                session[PENDING_KEY] = {
                    "user_id": user.id,
                    "expires": (
                        utcnow() + current_app.config["TWO_FACTOR_PENDING_TTL"]
                    ).isoformat(),
                    "next": target,
                    "tries": 0,
                }
                db.session.commit()
                return redirect(url_for("auth.login_code"))
            services.complete_login(user)
            _start_session(user)
            record("login.success", target=user, actor=user, details={"method": "password"})
            db.session.commit()
            return redirect(target)
    return render_template("auth/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_TWO_FACTOR"), methods=["POST"])
@limiter.limit(_limit("RATELIMIT_TWO_FACTOR"), methods=["POST"], key_func=_pending_key)
def login_code():
    """Second login step: the code from the authenticator app or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    user = _pending_user()
    if user is None:
        flash(_("Bitte melden Sie sich erneut an."), "error")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        pending = dict(session[PENDING_KEY])
        try:
            if services.is_locked(user):
                raise two_factor.TwoFactorError(two_factor.CODE_WRONG)
            method = two_factor.verify(user, form.code.data)
        except two_factor.TwoFactorError as exc:
            record("2fa.failure", target=user)
            services.record_failure(user)
            pending["tries"] = int(pending.get("tries", 0)) + 1
            if pending["tries"] >= current_app.config["TWO_FACTOR_MAX_TRIES"]:
                session.pop(PENDING_KEY, None)
                db.session.commit()
                flash(_("Zu viele falsche Codes. Bitte melden Sie sich erneut an."), "error")
                return redirect(url_for("auth.login"))
            session[PENDING_KEY] = pending
            db.session.commit()
            form.code.errors.append(str(exc))
        else:
            services.complete_login(user)
            _start_session(user)
            record("login.success", target=user, actor=user, details={"method": method})
            db.session.commit()
            if method == "recovery":
                flash(
                    _(
                        "Sie haben einen Wiederherstellungscode benutzt. Es sind noch "
                        "%(count)d übrig.",
                        count=two_factor.remaining_recovery_codes(user),
                    ),
                    "success",
                )
            return redirect(safe_next(pending.get("next")) or url_for("main.dashboard"))
    return render_template("auth/login_code.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = ActionForm()
    if form.validate_on_submit():
        record("logout", target=current_user._get_current_object())
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Sie wurden abgemeldet."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_PASSWORD_RESET"), methods=["POST"])
@limiter.limit(_limit("RATELIMIT_PASSWORD_RESET"), methods=["POST"], key_func=_posted_email_key)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # In the background: the answer takes as long whether or not the address exists.
        background.submit(services.request_password_reset, form.email.data)
        # The same answer whether or not the address exists.
        flash(
            _(
                "Wenn zu dieser Adresse ein Konto besteht, haben wir einen Link zum "
                "Zurücksetzen gesendet. Er ist eine Stunde gültig."
            ),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_PASSWORD_RESET"), methods=["POST"])
def reset_password(token: str):
    row = services.reset_token_user(token)
    if row is None:
        return render_template("auth/link_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(row, form.password.data, revoke_tokens=form.revoke_tokens.data)
        except services.AuthError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Ihr Passwort wurde geändert. Bitte melden Sie sich an."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_INVITATION"), methods=["POST"])
def accept_invitation(token: str):
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render_template("auth/link_invalid.html"), 400
    if current_user.is_authenticated:
        logout_user()
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(invitation, form.name.data, form.password.data)
        except services.AuthError as exc:
            form.password.errors.append(str(exc))
        else:
            services.complete_login(user)
            _start_session(user)
            db.session.commit()
            flash(_("Willkommen im KOK-Wissensportal!"), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation)


# --- profile -----------------------------------------------------------------------------


def _profile_page(
    password_form=None,
    language_form=None,
    two_factor_form=None,
    export_form=None,
    email_form=None,
    status=200,
):
    sessions = db.session.scalars(
        select(ServerSession)
        .where(ServerSession.user_id == current_user.id)
        .order_by(ServerSession.last_seen_at.desc())
    ).all()
    page = render_template(
        "auth/profile.html",
        password_form=password_form or ChangePasswordForm(),
        email_form=email_form or ChangeEmailForm(prefix="email"),
        language_form=language_form or LanguageForm(language=current_user.language or "de"),
        sessions=sessions,
        current_session_id=session.row_id,
        two_factor_form=two_factor_form or ConfirmPasswordForm(prefix="twofactor"),
        export_form=export_form or ConfirmPasswordForm(prefix="export"),
        two_factor_required=two_factor.required_for(current_user),
        recovery_codes_left=two_factor.remaining_recovery_codes(current_user),
        tokens=api_services.list_tokens(current_user),
        token_form=TokenForm(formdata=None),
    )
    return page, status


@bp.route("/profile")
@login_required
def profile():
    return _profile_page()


@bp.route("/profile/password", methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.password.data, session.row_id
            )
        except services.AuthError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                _("Ihr Passwort wurde geändert. Ihre anderen Sitzungen wurden beendet."), "success"
            )
            return redirect(url_for("auth.profile"))
    return _profile_page(password_form=form, status=400)


@bp.route("/profile/email", methods=["POST"])
@login_required
# The default key is the signed-in account (portal.extensions.account_or_address).
@limiter.limit(_limit("RATELIMIT_EMAIL_CHANGE"))
def change_email():
    """Ask for a new address; it counts only once the link mailed to it is confirmed."""
    form = ChangeEmailForm(prefix="email")
    if form.validate_on_submit():
        try:
            services.request_email_change(
                current_user, form.new_email.data, form.current_password.data
            )
        except services.EmailChangeError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            db.session.commit()
            # The same answer whether or not another account uses the address.
            flash(
                _(
                    "Wir haben einen Bestätigungslink an die neue Adresse geschickt. Ihre "
                    "Adresse ändert sich erst, wenn Sie ihn öffnen (gültig %(hours)d Stunden).",
                    hours=int(current_app.config["EMAIL_CHANGE_MAX_AGE"].total_seconds() // 3600),
                ),
                "success",
            )
            return redirect(url_for("auth.profile"))
    return _profile_page(email_form=form, status=400)


@bp.route("/email-change/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_EMAIL_CHANGE"), methods=["POST"])
def confirm_email_change(token: str):
    """The link from the mail to the new address; works logged in or not (see README)."""
    row = services.email_change_token(token)
    if row is None:
        return render_template("auth/link_invalid.html"), 400
    form = ActionForm()
    status = 200
    if form.validate_on_submit():
        own = current_user.is_authenticated and current_user.id == row.user_id
        try:
            services.confirm_email_change(row, keep_session=session.row_id if own else None)
        except services.AuthError as exc:
            flash(str(exc), "error")
            status = 409
        else:
            db.session.commit()
            if own:
                flash(
                    _("Ihre E-Mail-Adresse wurde geändert. Ihre anderen Sitzungen wurden beendet."),
                    "success",
                )
                return redirect(url_for("auth.profile"))
            flash(
                _("Ihre E-Mail-Adresse wurde geändert. Bitte melden Sie sich mit ihr an."),
                "success",
            )
            return redirect(url_for("auth.login"))
    return render_template("auth/confirm_email_change.html", form=form, new_email=row.extra), status


@bp.route("/profile/language", methods=["POST"])
@login_required
def change_language():
    form = LanguageForm()
    if form.validate_on_submit():
        current_user.language = form.language.data
        db.session.commit()
        flash(_("Die Sprache wurde gespeichert."), "success")
        return redirect(url_for("auth.profile"))
    return _profile_page(language_form=form, status=400)


@bp.route("/profile/sessions/<session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: str):
    form = ActionForm()
    row = db.session.get(ServerSession, session_id)
    if not form.validate_on_submit() or row is None or row.user_id != current_user.id:
        abort(404)
    if row.id == session.row_id:
        return logout()
    db.session.delete(row)
    db.session.commit()
    flash(_("Die Sitzung wurde beendet."), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/profile/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    form = ActionForm()
    if form.validate_on_submit():
        count = end_sessions(current_user.id, except_id=session.row_id)
        db.session.commit()
        flash(
            ngettext("%(num)d andere Sitzung beendet.", "%(num)d andere Sitzungen beendet.", count),
            "success",
        )
    return redirect(url_for("auth.profile"))


# --- second factor -----------------------------------------------------------------------

SETUP_KEY = "2fa_setup_secret"


def _codes_page(codes: list[str]):
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@login_required
@limiter.limit(_limit("RATELIMIT_TWO_FACTOR"), methods=["POST"])
def two_factor_setup():
    """Enrol an authenticator app: QR code and secret as text, then a first code."""
    if current_user.has_two_factor:
        return redirect(url_for("auth.profile"))
    secret = session.get(SETUP_KEY)
    if not secret:
        secret = session[SETUP_KEY] = two_factor.new_secret()
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(
                current_user, secret, form.code.data, form.current_password.data
            )
        except two_factor.TwoFactorError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            session.pop(SETUP_KEY, None)
            end_sessions(current_user.id, except_id=session.row_id)
            db.session.commit()
            return _codes_page(codes)
    uri = two_factor.provisioning_uri(current_user, secret)
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        qr_code=two_factor.qr_code_data_uri(uri),
        secret=two_factor.grouped(secret),
        required=two_factor.enrolment_pending(current_user),
    ), (400 if form.errors else 200)


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@login_required
@limiter.limit(_limit("RATELIMIT_TWO_FACTOR"))
def two_factor_recovery_codes():
    form = ConfirmPasswordForm(prefix="twofactor")
    if form.validate_on_submit() and current_user.has_two_factor:
        try:
            codes = two_factor.regenerate_recovery_codes(current_user, form.current_password.data)
        except two_factor.TwoFactorError as exc:
            form.current_password.errors.append(str(exc))
        else:
            db.session.commit()
            return _codes_page(codes)
    return _profile_page(two_factor_form=form, status=400)


@bp.route("/two-factor/disable", methods=["POST"])
@login_required
@limiter.limit(_limit("RATELIMIT_TWO_FACTOR"))
def two_factor_disable():
    form = ConfirmPasswordForm(prefix="twofactor")
    if form.validate_on_submit() and current_user.has_two_factor:
        try:
            two_factor.disable(current_user, form.current_password.data)
        except two_factor.TwoFactorError as exc:
            form.current_password.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Der zweite Faktor ist abgeschaltet."), "success")
            return redirect(url_for("auth.profile"))
    return _profile_page(two_factor_form=form, status=400)


# --- own data ----------------------------------------------------------------------------


@bp.route("/profile/export", methods=["POST"])
@login_required
@limiter.limit(_limit("RATELIMIT_TWO_FACTOR"))
def export_data():
    """Download everything the portal stores about oneself (asks for the password again)."""
    form = ConfirmPasswordForm(prefix="export")
    if form.validate_on_submit():
        if current_user.check_password(form.current_password.data):
            data = privacy.export_user_data(current_user)
            db.session.commit()
            return Response(
                json.dumps(data, ensure_ascii=False, indent=2),
                mimetype="application/json",
                headers={"Content-Disposition": "attachment; filename=meine-daten.json"},
            )
        form.current_password.errors.append(_("Das aktuelle Passwort ist falsch."))
    return _profile_page(export_form=form, status=400)
