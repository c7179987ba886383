"""Accounts, server-side sessions, invitations and one-time tokens."""

from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth import passwords
from portal.extensions import db
from portal.timeutil import utcnow

# Ordered from least to most privileged; `portal.auth.access` decides what each may do.
ROLES = {
    "member": _l("Mitglied"),
    "editor": _l("Redaktion"),
    "admin": _l("Administration"),
}

INVALID_EMAIL = _l("Bitte geben Sie eine gültige E-Mail-Adresse ein.")


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so uniqueness is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="member")
    language: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Random secret behind the user's pseudonym in the audit trail (see portal.audit).
    audit_pseudonym: Mapped[str | None] = mapped_column(String(32))
    # Second factor (portal.auth.two_factor): TOTP secret and the last time step used.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    organisation = relationship("Organisation", back_populates="users")

    @staticmethod
    def normalise_email(email: str) -> str:
        return (email or "").strip().lower()

    @staticmethod
    def valid_email(email: str) -> bool:
        """The one address check of forms, services and the command line (email-validator)."""
        if not email or len(email) > 254:
            return False
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            return False
        return True

    @property
    def is_active(self) -> bool:  # Flask-Login asks this on every request
        return self.active and self.organisation is not None and self.organisation.active

    @property
    def role_label(self) -> str:
        return str(ROLES.get(self.role, self.role))

    @property
    def has_two_factor(self) -> bool:
        return bool(self.totp_secret and self.totp_enabled_at)

    def set_password(self, password: str) -> None:
        self.password_hash = passwords.hash_password(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            passwords.verify_dummy(password)
            return False
        return passwords.verify_password(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ServerSession(db.Model):
    """A browser session; the cookie holds a random token whose hash is the id."""

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<ServerSession user={self.user_id} seen={self.last_seen_at}>"


class Invitation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(String(20), default="member")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    organisation = relationship("Organisation")
    invited_by = relationship("User", foreign_keys=[invited_by_id])

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= utcnow():
            return "expired"
        return "open"

    @property
    def role_label(self) -> str:
        return str(ROLES.get(self.role, self.role))

    @property
    def status_label(self) -> str:
        return str(INVITATION_STATUS[self.status])

    def __repr__(self) -> str:
        return f"<Invitation {self.email} {self.status}>"


INVITATION_STATUS = {
    "open": _l("offen"),
    "accepted": _l("angenommen"),
    "revoked": _l("zurückgezogen"),
    "expired": _l("abgelaufen"),
}


class OneTimeToken(db.Model):
    """Single-use tokens, e.g. for password reset; only the hash is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(30))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    extra: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User")


class RecoveryCode(db.Model):
    """A single-use code to log in without the authenticator app; only the hash is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


def count_users() -> int:
    return db.session.scalar(db.select(func.count(User.id))) or 0
