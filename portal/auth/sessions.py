"""Server-side sessions: the cookie carries only a random id the database knows.

Ending a session (logout, password change, deactivation, "sign out everywhere") deletes its
row, so a copied cookie stops working on the very next request. A row's id is an HMAC of the
token under SECRET_KEY: changing the key ends every session, and a copy of the table opens none.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

from flask import Flask, Request, Response, current_app, g, request
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete
from sqlalchemy.orm.attributes import flag_modified
from werkzeug.datastructures import CallbackDict

from portal.auth.models import ServerSession
from portal.extensions import db
from portal.timeutil import utcnow

logger = logging.getLogger(__name__)

# Touch last_seen_at at most this often, to avoid a write on every request.
TOUCH_INTERVAL = timedelta(minutes=1)


def session_row_id(token: str, app: Flask | None = None) -> str:
    """The row id of a session token: HMAC-SHA256 under the app's SECRET_KEY."""
    key = str((app or current_app).secret_key).encode()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


class DatabaseSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, token: str | None = None, row_id: str | None = None):
        def on_update(_):
            self.modified = True

        super().__init__(initial, on_update)
        self.token = token
        self.row_id = row_id
        self.modified = False
        self.regenerate_requested = False
        self.user_id: int | None = None
        self.user_changed = False
        # The row read by `open_session`, held so that saving needs no second SELECT (the
        # ORM's identity map keeps rows only while something refers to them).
        self.row: ServerSession | None = None

    def regenerate(self) -> None:
        """Issue a new id on the next save (call on login: prevents session fixation)."""
        self.regenerate_requested = True
        self.modified = True


class DatabaseSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> DatabaseSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if token and len(token) < 200:
            row = db.session.get(ServerSession, session_row_id(token, app))
            now = utcnow()
            if row is not None and row.expires_at > now and not self._idle(app, row, now):
                session = DatabaseSession(dict(row.data or {}), token=token, row_id=row.id)
                session.user_id = row.user_id
                session.row = row
                return session
        return DatabaseSession()

    @staticmethod
    def _idle(app: Flask, row: ServerSession, now: datetime) -> bool:
        """Idle too long, or older than the absolute lifetime (checked here too, in case the
        stored expiry predates a shorter SESSION_ABSOLUTE_LIFETIME)."""
        if row.user_id is None:
            return False
        return (
            now - row.last_seen_at > app.config["SESSION_IDLE_TIMEOUT"]
            or now - row.created_at > app.config["SESSION_ABSOLUTE_LIFETIME"]
        )

    def save_session(self, app: Flask, session: DatabaseSession, response: Response) -> None:
        if g.get("database_failed"):
            return  # an error page after a database failure: keep the row as it was
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        now = utcnow()
        user_id = _session_user_id(session)

        if not session:
            if session.row_id:
                db.session.execute(delete(ServerSession).where(ServerSession.id == session.row_id))
                db.session.commit()
                response.delete_cookie(name, domain=domain, path=path)
            return

        row = db.session.get(ServerSession, session.row_id) if session.row_id else None
        session.row = None
        if row is not None and (session.regenerate_requested or row.user_id != user_id):
            # A login or logout changes who the session belongs to: issue a new id.
            db.session.delete(row)
            row = None
        if row is None:
            if not session.modified and not session.row_id:
                return
            token = secrets.token_urlsafe(32)
            row = ServerSession(
                id=session_row_id(token, app),
                user_id=user_id,
                created_at=now,
                last_seen_at=now,
                ip_address=(request.remote_addr or "")[:64],
                user_agent=(request.user_agent.string or "")[:300],
            )
            db.session.add(row)
            session.token = token
            set_cookie = True
        else:
            set_cookie = False
        lifetime = (
            app.config["SESSION_ABSOLUTE_LIFETIME"]
            if user_id
            else app.config["ANONYMOUS_SESSION_LIFETIME"]
        )
        row.expires_at = row.created_at + lifetime
        if session.modified:
            row.data = dict(session)
            # The session's lists (flashed messages) may be the very objects the row loaded,
            # changed in place: without the flag the row's data would compare equal.
            flag_modified(row, "data")
        if session.modified or now - row.last_seen_at > TOUCH_INTERVAL or set_cookie:
            row.last_seen_at = now
            db.session.commit()
        if set_cookie:
            response.set_cookie(
                name,
                session.token,
                httponly=self.get_cookie_httponly(app),
                secure=self.get_cookie_secure(app),
                samesite=self.get_cookie_samesite(app),
                domain=domain,
                path=path,
            )
        response.vary.add("Cookie")


def _session_user_id(session: DatabaseSession) -> int | None:
    raw = session.get("_user_id")
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def end_sessions(user_id: int, *, except_id: str | None = None) -> int:
    """End every session of a user (optionally keeping one); returns how many ended."""
    stmt = delete(ServerSession).where(ServerSession.user_id == user_id)
    if except_id:
        stmt = stmt.where(ServerSession.id != except_id)
    return db.session.execute(stmt).rowcount or 0


def prune_expired() -> int:
    """Delete expired sessions; returns how many."""
    result = db.session.execute(delete(ServerSession).where(ServerSession.expires_at <= utcnow()))
    return result.rowcount or 0


def end_all_sessions() -> int:
    """End every session of every account (and anonymous ones); returns how many."""
    return db.session.execute(delete(ServerSession)).rowcount or 0
