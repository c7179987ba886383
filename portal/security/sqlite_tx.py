"""SQLite: requests that change data take the write lock when their transaction begins.

In WAL mode a transaction that reads and later writes fails at once with "database is locked"
if another worker wrote in between; the busy timeout cannot help it. So the request session of
a state-changing request (POST, PUT, PATCH, DELETE) starts with BEGIN IMMEDIATE (the SQLAlchemy
pysqlite recipe: pysqlite's own transaction handling off, BEGIN emitted in the "begin" event):
it waits for the lock up to SQLITE_BUSY_TIMEOUT_MS and then cannot be overtaken.

Everything else keeps pysqlite's default, which runs reads without a transaction and opens one
just before the first write: GET requests read in parallel, Alembic migrations and the search
outbox's own short sessions behave as before, and nobody in the same process can deadlock on a
lock the request session holds for a read-only page. Writers that must read consistently
outside a POST request (the audit chain) take the lock explicitly (see portal.audit).
"""

from flask import current_app, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.extensions import db

OPTION = "portal_begin_immediate"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def _on_begin(connection) -> None:
    dbapi_connection = connection.connection.dbapi_connection
    if connection.get_execution_options().get(OPTION):
        if dbapi_connection.isolation_level is not None:
            dbapi_connection.isolation_level = None
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif dbapi_connection.isolation_level is None:
        dbapi_connection.isolation_level = ""  # back to pysqlite's default handling


_immediate_engines: dict[int, tuple[Engine, Engine]] = {}


def _immediate(engine: Engine) -> Engine:
    """One option-carrying view of the engine (same pool), so a session keeps one connection."""
    known = _immediate_engines.get(id(engine))
    if known is None or known[0] is not engine:
        known = _immediate_engines[id(engine)] = (
            engine,
            engine.execution_options(**{OPTION: True}),
        )
    return known[1]


class PortalSession(FlaskSession):
    """The request session: binds to the BEGIN IMMEDIATE view for state-changing requests."""

    def get_bind(self, *args, **kwargs):
        engine = super().get_bind(*args, **kwargs)
        if (
            isinstance(engine, Engine)
            and engine.dialect.name == "sqlite"
            and has_request_context()
            and request.method not in SAFE_METHODS
            and current_app.config.get("SQLITE_BEGIN_IMMEDIATE", True)
        ):
            return _immediate(engine)
        return engine


def install(engine: Engine) -> None:
    """Hook the engine and make db.session use PortalSession (idempotent)."""
    if not event.contains(engine, "begin", _on_begin):
        event.listen(engine, "begin", _on_begin)
    db.session.session_factory.class_ = PortalSession
