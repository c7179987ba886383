"""Creating, listing, revoking and checking personal API tokens.

Services add and flush; the caller commits. A token is ``kok_`` followed by 43 URL-safe
characters (256 random bits); only its sha256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from portal.api.models import ApiToken
from portal.audit.services import record
from portal.auth.models import User
from portal.extensions import db
from portal.timeutil import utcnow

TOKEN_PREFIX = "kok_"  # noqa: S105 - a marker, not a secret
DISPLAY_CHARS = 12
# Writing last_used_at on every request would turn each GET into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)
MAX_NAME = 100


class TokenError(Exception):
    """A domain error whose message can be shown to the user."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user, name: str, *, actor=None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise TokenError(_l("Bitte geben Sie einen Namen an."))
    if len(name) > MAX_NAME:
        raise TokenError(_l("Höchstens %(limit)d Zeichen.", limit=MAX_NAME))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(token),
        prefix=token[:DISPLAY_CHARS],
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    _audit("token.created", row, actor)
    return row, token


def list_tokens(user) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(user, token_id: int, *, actor=None) -> ApiToken:
    """Revoke one of `user`'s tokens; TokenError if it is not theirs or already revoked."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise TokenError(_l("Dieses Token gibt es nicht (mehr)."))
    row.revoked_at = utcnow()
    _audit("token.revoked", row, actor)
    return row


def revoke_all_tokens(user, *, actor=None) -> int:
    """Revoke every working token of `user` (password reset, deactivation); returns how many."""
    rows = list_tokens(user)
    for row in rows:
        row.revoked_at = utcnow()
        _audit("token.revoked", row, actor)
    return len(rows)


@cache
def _token_statement():
    """One query for a token, its owner and the owner's organisation (``is_active``); built
    once: every API request asks it, and building it cost a third of running it."""
    return (
        select(ApiToken)
        .where(ApiToken.token_hash == bindparam("token_hash"))
        .options(joinedload(ApiToken.user).joinedload(User.organisation))
    )


def token_owner(token: str):
    """The active user a presented token belongs to, with the token row; else (None, None)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None, None
    row = db.session.scalar(_token_statement(), {"token_hash": hash_token(token)})
    if row is None or row.revoked_at is not None:
        return None, None
    user = row.user
    if user is None or not user.is_active:
        return None, None
    return user, row


def touch(row: ApiToken) -> bool:
    """Note the use of a token, at most every few minutes; True if the database was written."""
    now = utcnow()
    if row.last_used_at is not None and now - row.last_used_at < LAST_USED_RESOLUTION:
        return False
    row.last_used_at = now
    return True


def _audit(action: str, row: ApiToken, actor) -> None:
    record(action, target=row, details={"name": row.name, "prefix": row.prefix}, actor=actor)
