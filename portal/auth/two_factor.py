"""Second factor: TOTP (RFC 6238) with pyotp, QR codes drawn locally with segno, recovery codes.

Secrets of the authenticator app live in the user row (the server must read them to check a
code); recovery codes are stored as sha256 hashes (each carries about 79 random bits, so a hash
cannot be reversed by trying). A TOTP code is accepted once: the time step it belongs to is
stored, and only later steps count afterwards.
"""

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from portal.audit import record
from portal.auth.models import RecoveryCode, User
from portal.auth.sessions import end_sessions
from portal.extensions import db
from portal.timeutil import utcnow

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are typed from paper.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TOTP_INTERVAL = 30
TOTP_DIGITS = 6


class TwoFactorError(Exception):
    """A message that can be shown to the user, next to `field` of the form."""

    def __init__(self, message, field: str = "code"):
        super().__init__(message)
        self.field = field


CODE_WRONG = _l("Der Code ist falsch oder abgelaufen.")
PASSWORD_WRONG = _l("Das aktuelle Passwort ist falsch.")


def required_for(user: User) -> bool:
    """True if the user's role must log in with a second factor."""
    return user.role in current_app.config["TWO_FACTOR_REQUIRED_ROLES"]


def enrolment_pending(user: User) -> bool:
    return required_for(user) and not user.has_two_factor


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["TOTP_ISSUER"]
    )


def qr_code_data_uri(uri: str) -> str:
    """The QR code as an SVG data URI, made here: no image service ever sees the secret."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, light="#fff")


def grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step (now, or one either side for clock drift) the code belongs to, if any."""
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL)
    now = int(time.time()) // TOTP_INTERVAL
    found = None
    for step in (now - 1, now, now + 1):
        expected = totp.generate_otp(step)
        if hmac.compare_digest(expected, code) and (last_step is None or step > last_step):
            found = step
    return found


def _hash_code(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_code(c)) for c in codes)
    return codes


def _check_password(user: User, password: str) -> None:
    if not user.check_password(password or ""):
        raise TwoFactorError(PASSWORD_WRONG, field="current_password")


def enable(user: User, secret: str, code: str, password: str) -> list[str]:
    """Turn on TOTP after the user confirmed a first code; returns the recovery codes."""
    _check_password(user, password)
    step = _matching_step(secret, _normalise(code), None)
    if step is None:
        raise TwoFactorError(CODE_WRONG)
    user.totp_secret = secret
    user.totp_last_step = step
    user.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    record("2fa.enabled", target=user, actor=user)
    return codes


def regenerate_recovery_codes(user: User, password: str) -> list[str]:
    _check_password(user, password)
    codes = _new_recovery_codes(user)
    record("2fa.recovery_regenerated", target=user, actor=user)
    return codes


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    user.totp_enabled_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable(user: User, password: str) -> None:
    """Members may switch the second factor off; editors and admins may not."""
    if required_for(user):
        raise TwoFactorError(
            _l("Für Ihre Rolle ist der zweite Faktor vorgeschrieben."), field="current_password"
        )
    _check_password(user, password)
    _clear(user)
    record("2fa.disabled", target=user, actor=user)


def admin_reset(user: User, actor: User) -> None:
    """An admin removes a lost second factor; the person enrols again at the next login."""
    _clear(user)
    end_sessions(user.id)
    record("2fa.reset", target=user, actor=actor)


def verify(user: User, code: str) -> str:
    """Check a login code; returns "totp" or "recovery", raises TwoFactorError otherwise."""
    normalised = _normalise(code)
    if user.totp_secret and normalised.isdigit():
        step = _matching_step(user.totp_secret, normalised, user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            return "totp"
        raise TwoFactorError(CODE_WRONG)
    if len(normalised) == 16:
        row = db.session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _hash_code(normalised),
                RecoveryCode.used_at.is_(None),
            )
        )
        if row is not None:
            row.used_at = utcnow()
            remaining = remaining_recovery_codes(user) - 1
            record("2fa.recovery_used", target=user, actor=user, details={"remaining": remaining})
            return "recovery"
    raise TwoFactorError(CODE_WRONG)


def remaining_recovery_codes(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )
