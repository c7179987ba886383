"""Requests that change data take the database's write lock when their transaction begins.

SQLite (WAL): a transaction that reads and later writes fails at once with "database is
locked" if another worker wrote in between; the busy timeout cannot help it. So the request
session of a state-changing request (POST, PUT, PATCH, DELETE) starts with BEGIN IMMEDIATE (the
SQLAlchemy pysqlite recipe: pysqlite's own transaction handling off, BEGIN emitted in the
"begin" event): it waits for the lock up to SQLITE_BUSY_TIMEOUT_MS and then cannot be overtaken.

PostgreSQL (READ COMMITTED): two such requests would both read the old row and the second
write would silently undo the first (a lost update). The same request session takes a
transaction-level advisory lock as its first statement instead, so state-changing requests of
all workers run one after the other exactly as on SQLite; the lock ends with the commit or the
rollback. Writes are few (editors saving, members saving searches), and slow work (mail, index
catch-up) happens after the commit, so the queue stays short (docs/scaling.md).

Everything else takes no lock: GET requests read in parallel, Alembic migrations and the search
outbox's own short sessions behave as before, and nobody in the same process can deadlock on a
lock the request session holds for a read-only page. Writers that must read consistently
outside a POST request (the audit chain) take a lock explicitly (see portal.audit).
"""

from flask import current_app, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.extensions import db

OPTION = "portal_write_lock"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
DIALECTS = ("sqlite", "postgresql")
#: PostgreSQL advisory lock id of state-changing requests ("request" in ASCII).
PG_REQUEST_LOCK_ID = 0x72657175657374


def _on_begin_sqlite(connection) -> None:
    dbapi_connection = connection.connection.dbapi_connection
    if connection.get_execution_options().get(OPTION):
        if dbapi_connection.isolation_level is not None:
            dbapi_connection.isolation_level = None
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif dbapi_connection.isolation_level is None:
        dbapi_connection.isolation_level = ""  # back to pysqlite's default handling


def _on_begin_postgresql(connection) -> None:
    if connection.get_execution_options().get(OPTION):
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_REQUEST_LOCK_ID:d})")


_SWITCH = {"sqlite": "SQLITE_BEGIN_IMMEDIATE", "postgresql": "POSTGRES_REQUEST_LOCK"}
_ON_BEGIN = {"sqlite": _on_begin_sqlite, "postgresql": _on_begin_postgresql}
_locking_engines: dict[int, tuple[Engine, Engine]] = {}


def _locking(engine: Engine) -> Engine:
    """One option-carrying view of the engine (same pool), so a session keeps one connection."""
    known = _locking_engines.get(id(engine))
    if known is None or known[0] is not engine:
        known = _locking_engines[id(engine)] = (
            engine,
            engine.execution_options(**{OPTION: True}),
        )
    return known[1]


class PortalSession(FlaskSession):
    """The request session: binds to the locking view for state-changing requests."""

    def get_bind(self, *args, **kwargs):
        engine = super().get_bind(*args, **kwargs)
        if (
            isinstance(engine, Engine)
            and engine.dialect.name in DIALECTS
            and has_request_context()
            and request.method not in SAFE_METHODS
            and current_app.config.get(_SWITCH[engine.dialect.name], True)
        ):
            return _locking(engine)
        return engine


def install(engine: Engine) -> None:
    """Hook the engine and make db.session use PortalSession (idempotent)."""
    on_begin = _ON_BEGIN.get(engine.dialect.name)
    if on_begin is None:
        return
    if not event.contains(engine, "begin", on_begin):
        event.listen(engine, "begin", on_begin)
    db.session.session_factory.class_ = PortalSession
