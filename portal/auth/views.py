"""Login, logout, password reset, invitations and the profile page."""

import logging
from urllib.parse import urlsplit

from flask import (
    Blueprint,
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
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from portal.audit import record
from portal.auth import services
from portal.auth.forms import (
    AcceptInvitationForm,
    ActionForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    ResetPasswordForm,
)
from portal.auth.models import ServerSession, User
from portal.auth.sessions import end_sessions
from portal.extensions import db, limiter

logger = logging.getLogger(__name__)

bp = Blueprint("auth", __name__, url_prefix="/auth")


def safe_next(target: str | None) -> str | None:
    """Return `target` only if it is a path on this site (no scheme, host or backslash tricks)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _posted_email_key() -> str:
    return "account:" + User.normalise_email(request.form.get("email", ""))[:254]


def _limit(name: str):
    return lambda: current_app.config[name]


def _start_session(user: User) -> None:
    session.regenerate()  # a new session id at login prevents session fixation
    login_user(user)


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
            _start_session(user)
            record("login.success", target=user, actor=user)
            db.session.commit()
            return redirect(safe_next(form.next.data) or url_for("main.dashboard"))
    return render_template("auth/login.html", form=form)


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
        services.request_password_reset(form.email.data)
        db.session.commit()
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
            services.reset_password(row, form.password.data)
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
            _start_session(user)
            db.session.commit()
            flash(_("Willkommen im KOK-Wissensportal!"), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation)


# --- profile -----------------------------------------------------------------------------


def _profile_page(password_form=None, language_form=None, status=200):
    sessions = db.session.scalars(
        select(ServerSession)
        .where(ServerSession.user_id == current_user.id)
        .order_by(ServerSession.last_seen_at.desc())
    ).all()
    page = render_template(
        "auth/profile.html",
        password_form=password_form or ChangePasswordForm(),
        language_form=language_form or LanguageForm(language=current_user.language or "de"),
        sessions=sessions,
        current_session_id=session.row_id,
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
        flash(_("%(count)d andere Sitzung(en) beendet.", count=count), "success")
    return redirect(url_for("auth.profile"))
