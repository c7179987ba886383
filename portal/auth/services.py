"""Authentication services: login, lockout, invitations, password reset and change, e-mail."""

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from portal.api.services import revoke_all_tokens
from portal.audit import record
from portal.auth import passwords
from portal.auth.access import OFFICE_ROLES_ONLY, role_allowed
from portal.auth.models import INVALID_EMAIL, Invitation, OneTimeToken, User
from portal.auth.sessions import end_sessions
from portal.extensions import db
from portal.mail import send_mail
from portal.orgs.models import Organisation
from portal.saved.services import revoke_all_feeds
from portal.security.text import clean_text
from portal.timeutil import utcnow
from portal.urls import external_url

logger = logging.getLogger(__name__)


class AuthError(Exception):
    """A domain error whose message can be shown to the user."""


class RoleNotAllowed(AuthError):
    """An office role (editor, admin) for a person outside the office."""

    def __init__(self):
        super().__init__(OFFICE_ROLES_ONLY)


def check_role(role: str, organisation: Organisation) -> None:
    """RoleNotAllowed unless a person of `organisation` may hold `role`."""
    if not role_allowed(role, organisation):
        raise RoleNotAllowed()


# --- tokens ------------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"portal-{purpose}")


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def make_token(purpose: str) -> tuple[str, str]:
    """A signed token for a link, and the hash of its nonce to store."""
    nonce = secrets.token_urlsafe(32)
    return _serializer(purpose).dumps(nonce), _sha256(nonce)


def token_hash(purpose: str, token: str, max_age: timedelta) -> str | None:
    """The stored hash for a signed token, or None if forged or expired."""
    try:
        nonce = _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except (BadSignature, SignatureExpired):
        return None
    return _sha256(nonce) if isinstance(nonce, str) else None


# --- users -------------------------------------------------------------------------------


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == User.normalise_email(email)))


def context_words(
    email: str, name: str = "", organisation: Organisation | None = None
) -> list[str]:
    """Words a password must not be built from: names of the person and organisations."""
    words = [email.split("@")[0], name]
    words += [w for o in db.session.scalars(select(Organisation)) for w in (o.name, o.short_name)]
    if organisation is not None:
        words += [organisation.name, organisation.short_name, organisation.city]
    return [w for w in words if w]


def validate_new_password(password: str, email: str, name: str = "", organisation=None) -> None:
    problems = passwords.check_password_policy(password, context_words(email, name, organisation))
    if problems:
        raise AuthError(" ".join(str(p) for p in problems))


def create_user(
    email: str, name: str, organisation: Organisation, role: str, password: str
) -> User:
    """Create an account; raises AuthError for a taken e-mail, a weak password or an office
    role outside the office."""
    email = User.normalise_email(email)
    if not User.valid_email(email):
        raise AuthError(INVALID_EMAIL)
    check_role(role, organisation)
    if find_user(email) is not None:
        raise AuthError(_l("Für diese E-Mail-Adresse gibt es bereits ein Konto."))
    validate_new_password(password, email, name, organisation)
    name = clean_text(name, multiline=False).strip()  # the command line passes raw text
    user = User(email=email, name=name, organisation=organisation, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user.created", target=user, details={"role": role, "organisation_id": organisation.id})
    return user


# --- login -------------------------------------------------------------------------------

LOGIN_FAILED = _l("E-Mail-Adresse oder Passwort ist falsch.")


def authenticate(email: str, password: str) -> User:
    """Return the user for valid credentials; raise AuthError with one generic message."""
    user = find_user(email)
    now = utcnow()
    if user is None:
        passwords.verify_dummy(password)  # same time as a real check
        # The typed address is not kept: people mistype passwords into the e-mail field.
        record("login.failure", details={"reason": "unknown_account"})
        raise AuthError(LOGIN_FAILED)
    if user.locked_until and user.locked_until > now:
        passwords.verify_dummy(password)
        record("login.failure", target=user, details={"reason": "locked"})
        raise AuthError(LOGIN_FAILED)
    password_ok = user.check_password(password)
    if not password_ok or not user.is_active:
        reason = "inactive" if password_ok else "password"
        record("login.failure", target=user, details={"reason": reason})
        _record_failure(user)
        raise AuthError(LOGIN_FAILED)
    if passwords.needs_rehash(user.password_hash):
        user.set_password(password)
    return user


def complete_login(user: User) -> None:
    """The last step succeeded (password, or password and code): reset the failure count."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()


def is_locked(user: User) -> bool:
    return bool(user.locked_until and user.locked_until > utcnow())


def record_failure(user: User) -> None:
    """Count a failed attempt (password or second factor); lock the account at the limit."""
    _record_failure(user)


def _record_failure(user: User) -> None:
    cfg = current_app.config
    user.failed_logins += 1
    if user.failed_logins >= cfg["LOGIN_LOCKOUT_THRESHOLD"]:
        user.locked_until = utcnow() + cfg["LOGIN_LOCKOUT_DURATION"]
        user.failed_logins = 0
        logger.warning("Account %s locked after repeated failed logins", user.id)
        record("login.lockout", target=user, details={"until": user.locked_until.isoformat()})
        send_mail(
            user.email,
            _l("Ihr Konto wurde vorübergehend gesperrt"),
            "account_locked",
            locale=user.language,
            user=user,
            minutes=int(cfg["LOGIN_LOCKOUT_DURATION"].total_seconds() // 60),
            reset_url=external_url("/auth/forgot-password"),
        )


# --- password reset ----------------------------------------------------------------------

RESET = "reset"


def request_password_reset(email: str) -> None:
    """Send a reset link if an active account exists; silent otherwise."""
    user = find_user(email)
    if user is None or not user.is_active:
        logger.info("Password reset requested for an unknown or inactive address")
        return
    token, hashed = make_token(RESET)
    record("password.reset_requested", target=user)
    db.session.add(
        OneTimeToken(
            purpose=RESET,
            token_hash=hashed,
            user=user,
            expires_at=utcnow() + current_app.config["PASSWORD_RESET_MAX_AGE"],
        )
    )
    send_mail(
        user.email,
        _l("Passwort zurücksetzen"),
        "password_reset",
        locale=user.language,
        user=user,
        url=external_url(f"/auth/reset-password/{token}"),
    )


def open_token(purpose: str, token: str, max_age: timedelta) -> OneTimeToken | None:
    """The open single-use token of a link, or None if forged, used, expired or its user is
    deactivated."""
    hashed = token_hash(purpose, token, max_age)
    if hashed is None:
        return None
    row = db.session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == hashed, OneTimeToken.purpose == purpose
        )
    )
    if row is None or row.used_at or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return row


def reset_token_user(token: str) -> OneTimeToken | None:
    """The open reset token for a link, or None if invalid, used or expired."""
    return open_token(RESET, token, current_app.config["PASSWORD_RESET_MAX_AGE"])


def reset_password(row: OneTimeToken, password: str, *, revoke_tokens: bool = True) -> User:
    """Set the new password; end sessions and every open link, and revoke tokens if asked."""
    user = row.user
    validate_new_password(password, user.email, user.name, user.organisation)
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until = None
    row.used_at = utcnow()
    cancel_open_links(user)
    end_sessions(user.id)
    record("password.reset", target=user, details={"tokens_revoked": revoke_tokens})
    if revoke_tokens:
        revoke_access_tokens(user, actor=user)
    return user


def revoke_access_tokens(user: User, actor=None) -> None:
    """Revoke the user's API tokens and feed addresses (things that work without a session)."""
    revoke_all_tokens(user, actor=actor)
    revoke_all_feeds(user)


def change_password(
    user: User, current_password: str, new_password: str, keep_session: str | None
) -> None:
    if not user.check_password(current_password):
        raise AuthError(_l("Das aktuelle Passwort ist falsch."))
    validate_new_password(new_password, user.email, user.name, user.organisation)
    user.set_password(new_password)
    # Whoever knew the old password may have asked for a new address: that request ends too,
    # and so do reset links mailed before.
    cancel_open_links(user)
    end_sessions(user.id, except_id=keep_session)
    record("password.changed", target=user, actor=user)


# --- e-mail change ----------------------------------------------------------------------

EMAIL_CHANGE = "email_change"


class EmailChangeError(AuthError):
    """A refused e-mail change; `field` names the form field the message belongs to."""

    def __init__(self, message, field: str = "new_email"):
        super().__init__(message)
        self.field = field


def _open_links(user: User, purposes: tuple[str, ...]) -> list[OneTimeToken]:
    return list(
        db.session.scalars(
            select(OneTimeToken).where(
                OneTimeToken.user_id == user.id,
                OneTimeToken.purpose.in_(purposes),
                OneTimeToken.used_at.is_(None),
            )
        )
    )


def cancel_email_changes(user: User) -> None:
    """Invalidate the user's open e-mail-change links (a newer request)."""
    now = utcnow()
    for row in _open_links(user, (EMAIL_CHANGE,)):
        row.used_at = now


def cancel_open_links(user: User) -> None:
    """Invalidate every open reset and e-mail-change link of the user (a new password or
    address, deactivation): a link mailed before must not outlive the change."""
    now = utcnow()
    for row in _open_links(user, (RESET, EMAIL_CHANGE)):
        row.used_at = now


def request_email_change(user: User, new_email: str, current_password: str) -> None:
    """Check the password and the address, then mail a confirmation link to the new address.

    An address another account uses gets a notice without a link instead; the caller shows the
    same answer either way, so the page does not reveal which addresses have accounts.
    """
    if not user.check_password(current_password):
        raise EmailChangeError(_l("Das aktuelle Passwort ist falsch."), field="current_password")
    new_email = User.normalise_email(new_email)
    if not User.valid_email(new_email):
        raise EmailChangeError(INVALID_EMAIL)
    if new_email == user.email:
        raise EmailChangeError(_l("Das ist bereits Ihre E-Mail-Adresse."))
    cancel_email_changes(user)
    owner = find_user(new_email)
    record(
        "email.change_requested",
        target=user,
        actor=user,
        details={"address_taken": owner is not None},
    )
    if owner is not None:
        send_mail(
            owner.email,
            _l("Versuch, Ihre E-Mail-Adresse für ein weiteres Konto zu verwenden"),
            "email_change_taken",
            locale=owner.language,
            user=owner,
        )
    else:
        token, hashed = make_token(EMAIL_CHANGE)
        max_age = current_app.config["EMAIL_CHANGE_MAX_AGE"]
        db.session.add(
            OneTimeToken(
                purpose=EMAIL_CHANGE,
                token_hash=hashed,
                user=user,
                expires_at=utcnow() + max_age,
                extra=new_email,
            )
        )
        send_mail(
            new_email,
            _l("Neue E-Mail-Adresse bestätigen"),
            "email_change",
            locale=user.language,
            user=user,
            url=external_url(f"/auth/email-change/{token}"),
            hours=int(max_age.total_seconds() // 3600),
        )
    # The owner hears of every request, also one for a taken address.
    send_mail(
        user.email,
        _l("Ihre E-Mail-Adresse soll geändert werden"),
        "email_change_notice",
        locale=user.language,
        user=user,
        new_email=new_email,
        reset_url=external_url("/auth/forgot-password"),
    )


def email_change_token(token: str) -> OneTimeToken | None:
    """The open e-mail-change token for a link, or None if invalid, used or expired."""
    return open_token(EMAIL_CHANGE, token, current_app.config["EMAIL_CHANGE_MAX_AGE"])


def confirm_email_change(row: OneTimeToken, keep_session: str | None) -> User:
    """Set the new address and end the user's other sessions; AuthError if it got taken."""
    user = row.user
    if find_user(row.extra) is not None:
        raise AuthError(
            _l(
                "Diese E-Mail-Adresse wird inzwischen von einem anderen Konto verwendet. "
                "Ihre Adresse wurde nicht geändert."
            )
        )
    user.email = row.extra
    row.used_at = utcnow()
    cancel_open_links(user)  # reset links mailed to the old address end too
    end_sessions(user.id, except_id=keep_session)
    record("email.changed", target=user, actor=user)
    return user


# --- invitations -------------------------------------------------------------------------


def invite(email: str, organisation: Organisation, role: str, invited_by: User) -> Invitation:
    """Create an invitation and send its link; raises AuthError if the person has an account
    or the role is an office role for somebody outside the office."""
    check_role(role, organisation)
    email = User.normalise_email(email)
    if not User.valid_email(email):
        raise AuthError(INVALID_EMAIL)
    if find_user(email) is not None:
        raise AuthError(_l("Für diese E-Mail-Adresse gibt es bereits ein Konto."))
    for open_invitation in db.session.scalars(select(Invitation).where(Invitation.email == email)):
        if open_invitation.status == "open":
            open_invitation.revoked_at = utcnow()
    invitation = Invitation(
        email=email,
        organisation=organisation,
        role=role,
        invited_by=invited_by,
        token_hash="",
        expires_at=utcnow(),
    )
    db.session.add(invitation)
    _send_invitation(invitation)
    record(
        "invitation.created",
        target=invitation,
        actor=invited_by,
        details={"role": role, "organisation_id": organisation.id},
    )
    return invitation


def resend_invitation(invitation: Invitation) -> None:
    if invitation.accepted_at:
        raise AuthError(_l("Die Einladung wurde bereits angenommen."))
    check_role(invitation.role, invitation.organisation)
    invitation.revoked_at = None
    _send_invitation(invitation)
    record("invitation.resent", target=invitation)


def revoke_invitation(invitation: Invitation) -> None:
    if invitation.accepted_at:
        raise AuthError(_l("Die Einladung wurde bereits angenommen."))
    invitation.revoked_at = utcnow()
    record("invitation.revoked", target=invitation)


def _send_invitation(invitation: Invitation) -> None:
    # A fresh token each time: the link of an earlier mail stops working.
    token, hashed = make_token("invitation")
    now = utcnow()
    invitation.token_hash = hashed
    invitation.sent_at = now
    invitation.expires_at = now + current_app.config["INVITATION_MAX_AGE"]
    db.session.flush()
    send_mail(
        invitation.email,
        _l("Einladung zum KOK-Wissensportal"),
        "invitation",
        invitation=invitation,
        url=external_url(f"/auth/invitation/{token}"),
        days=current_app.config["INVITATION_MAX_AGE"].days,
    )


def invitation_for_token(token: str) -> Invitation | None:
    hashed = token_hash("invitation", token, current_app.config["INVITATION_MAX_AGE"])
    if hashed is None:
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hashed))
    if invitation is None or invitation.status != "open":
        return None
    # An office role for an organisation that is not (or no longer) an office: not valid.
    if not role_allowed(invitation.role, invitation.organisation):
        return None
    return invitation


def accept_invitation(invitation: Invitation, name: str, password: str) -> User:
    user = create_user(invitation.email, name, invitation.organisation, invitation.role, password)
    invitation.accepted_at = utcnow()
    invitation.user_id = user.id
    record("invitation.accepted", target=invitation, actor=user)
    return user
