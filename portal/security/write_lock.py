"""Requests that change data serialise their writes: SQLite at the first write, PostgreSQL at begin.

SQLite has one writer at a time. Holding the write lock from a request's first query (as this
module once did with BEGIN IMMEDIATE) made every write wait for the slowest request, including
its password hashing, text extraction or mail. Now the request session of a state-changing
request (POST, PUT, PATCH, DELETE) works like this (the SQLAlchemy pysqlite recipe: pysqlite's
own transaction handling off, BEGIN emitted in the "begin" event):

1. Its transaction begins as a plain (deferred) ``BEGIN`` and notes ``PRAGMA data_version``: all
   reads see one snapshot, and no lock is held.
2. At its first write (INSERT, UPDATE, DELETE; the audit chain's empty UPDATE counts), the read
   transaction ends and ``BEGIN IMMEDIATE`` waits for the lock up to SQLITE_BUSY_TIMEOUT_MS.
   (Upgrading a read transaction in place would fail at once with "database is locked" if
   another worker wrote meanwhile; the busy timeout cannot help it.)
3. If ``data_version`` is unchanged, nobody committed since the snapshot: what the request read
   is still current, exactly as if it had held the lock from the start. Otherwise the view
   is run once more (``retrying``), this time with BEGIN IMMEDIATE from its first query, so no
   update is lost and nobody sees an error. A view whose transaction has committed is never
   run again: once a request has committed, its later transactions begin immediately.

So a view does nothing outside the database and the Flask session before its first write
(mails wait for the commit anyway, see portal.mail), and calls ``end_reads()`` before slow
work (text extraction), after which it cannot be run twice.

The check applies until the view has run (``retrying``: views, and scripts that use a request
context); the session save after the view writes without it (its row belongs to one browser).
Everything else (GET requests, Alembic migrations, the search outbox's own sessions, background
work, the command line) keeps pysqlite's default: reads without a transaction, a transaction
opened just before the first write. Writers that must read consistently there take the lock
explicitly (see portal.audit).

PostgreSQL (READ COMMITTED) locks rows only on write: two requests that both read a row and
then write it would silently undo one another (a lost update). So the request session of a
state-changing request takes one transaction-level advisory lock (``pg_advisory_xact_lock``)
as its transaction begins (POSTGRES_REQUEST_LOCK): such requests of all workers run one after
the other, as on SQLite with the lock from the first query; the lock ends with the commit or
rollback (``end_reads()`` too). There is no snapshot check and no re-run on PostgreSQL.
Such a transaction waits at most POSTGRES_LOCK_TIMEOUT_MS for the lock (``lock_timeout``), as
SQLite's busy timeout: a request stuck behind another fails instead of blocking for ever.
"""

import re

from flask import current_app, g, has_request_context, request, session
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.extensions import db, limiter

OPTION = "portal_request_tx"
#: PostgreSQL advisory lock id of state-changing requests ("request" in ASCII).
PG_REQUEST_LOCK_ID = 0x72657175657374
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
_SNAPSHOT = "portal_snapshot_version"
# SAVEPOINT too: the upgrade's COMMIT would end a savepoint begun in the read transaction.
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT)\b", re.IGNORECASE)


class SnapshotChanged(Exception):
    """Another connection committed between this request's reads and its first write."""


def _on_begin(connection) -> None:
    dbapi_connection = connection.connection.dbapi_connection
    mode = connection.get_execution_options().get(OPTION)
    connection.info.pop(_SNAPSHOT, None)
    if mode:
        if dbapi_connection.isolation_level is not None:
            dbapi_connection.isolation_level = None
        if mode == "immediate":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            # The pragma starts the read snapshot, so the number belongs to what is read.
            connection.exec_driver_sql("BEGIN")
            cursor = dbapi_connection.execute("PRAGMA data_version")
            connection.info[_SNAPSHOT] = cursor.fetchone()[0]
    elif dbapi_connection.isolation_level is None:
        dbapi_connection.isolation_level = ""  # back to pysqlite's default handling


def _on_begin_postgresql(connection) -> None:
    if connection.get_execution_options().get(OPTION):
        timeout_ms = int(current_app.config.get("POSTGRES_LOCK_TIMEOUT_MS", 15000))
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {timeout_ms:d}")
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_REQUEST_LOCK_ID:d})")


def _before_cursor_execute(connection, _cursor, statement, *_args) -> None:
    if _SNAPSHOT not in connection.info or not _WRITE.match(statement):
        return
    version = connection.info.pop(_SNAPSHOT)
    dbapi_connection = connection.connection.dbapi_connection
    dbapi_connection.execute("COMMIT")  # the read transaction wrote nothing
    dbapi_connection.execute("BEGIN IMMEDIATE")  # waits up to the busy timeout
    current = dbapi_connection.execute("PRAGMA data_version").fetchone()[0]
    if current != version and has_request_context() and not g.get("_portal_tx_view_done"):
        raise SnapshotChanged


def _after_commit(_session) -> None:
    if has_request_context():
        g._portal_tx_immediate = True  # a committed view must never run again


_engine_views: dict[tuple[int, str], tuple[Engine, Engine]] = {}


def _view(engine: Engine, mode: str) -> Engine:
    """One option-carrying view of the engine per mode (same pool)."""
    known = _engine_views.get((id(engine), mode))
    if known is None or known[0] is not engine:
        known = _engine_views[(id(engine), mode)] = (
            engine,
            engine.execution_options(**{OPTION: mode}),
        )
    return known[1]


_SWITCH = {"sqlite": "SQLITE_BEGIN_IMMEDIATE", "postgresql": "POSTGRES_REQUEST_LOCK"}


class PortalSession(FlaskSession):
    """The request session: binds to a locking view of the engine for state-changing requests."""

    def get_bind(self, *args, **kwargs):
        engine = super().get_bind(*args, **kwargs)
        if (
            isinstance(engine, Engine)
            and engine.dialect.name in _SWITCH
            and has_request_context()
            and request.method not in SAFE_METHODS
            and current_app.config.get(_SWITCH[engine.dialect.name], True)
        ):
            if engine.dialect.name == "postgresql":
                return _view(engine, "advisory")
            mode = "immediate" if g.get("_portal_tx_immediate") else "snapshot"
            return _view(engine, mode)
        return engine


def end_reads() -> None:
    """End the request's read transaction before slow work (text extraction, password hashing).

    The work after it takes the lock from its first query, so a view is never run twice for a
    commit that happened during the slow part; read again what the write depends on.
    """
    db.session.rollback()
    if has_request_context():
        g._portal_tx_immediate = True


def retrying(function, *args, **kwargs):
    """Run `function` (a view) with the snapshot check; once more with the lock if it fired.

    The second run starts from the state before the first: the database rolled back, the
    Flask session (login, flashes, pending second factor) and the logged-in user as they were,
    uploaded files rewound.
    """
    cookie_session = session._get_current_object()
    before = (dict(cookie_session), dict(vars(cookie_session)))
    try:
        try:
            return function(*args, **kwargs)
        except SnapshotChanged:
            db.session.rollback()
            g._portal_tx_immediate = True
            g._portal_tx_rerun = True  # rate limits counted the first run (is_rerun)
            data, attributes = before
            cookie_session.clear()
            cookie_session.update(data)
            vars(cookie_session).update(attributes)
            g.pop("_login_user", None)  # Flask-Login loads the user again from the session
            for upload in request.files.values():
                upload.stream.seek(0)
            return function(*args, **kwargs)
    finally:
        g._portal_tx_view_done = True


def is_rerun() -> bool:
    """True while a view runs a second time: Flask-Limiter counted it already."""
    return has_request_context() and bool(g.get("_portal_tx_rerun"))


def install(engine: Engine) -> None:
    """Hook the engine and make db.session use PortalSession (idempotent)."""
    if engine.dialect.name == "postgresql":
        if not event.contains(engine, "begin", _on_begin_postgresql):
            event.listen(engine, "begin", _on_begin_postgresql)
        db.session.session_factory.class_ = PortalSession
        return
    if engine.dialect.name != "sqlite":
        return
    if is_rerun not in limiter._request_filters:
        limiter.request_filter(is_rerun)
    if not event.contains(engine, "begin", _on_begin):
        event.listen(engine, "begin", _on_begin)
    if not event.contains(engine, "before_cursor_execute", _before_cursor_execute):
        event.listen(engine, "before_cursor_execute", _before_cursor_execute)
    db.session.session_factory.class_ = PortalSession  # before listening: events bind to it
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
