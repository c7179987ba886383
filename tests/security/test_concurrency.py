"""Several processes writing at once (SQLite file or PostgreSQL): no lock errors, no lost updates."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from portal import create_app
from portal.audit.models import AuditEntry
from portal.audit.services import verify_chain
from portal.extensions import db
from portal.orgs.models import Organisation
from portal.security.write_lock import PG_REQUEST_LOCK_ID
from tests.databases import postgres_only, sqlite_only

ROOT = Path(__file__).resolve().parents[2]

WORKER = textwrap.dedent(
    """
    import sys
    from portal import create_app
    from portal.audit import record
    from portal.audit.services import SYSTEM
    from portal.extensions import db
    from portal.orgs.models import Organisation

    app = create_app({"ENV_NAME": "test"}, instance_path=sys.argv[1])
    for i in range(int(sys.argv[2])):
        with app.test_request_context(method="POST"):
            # Read, then write: without BEGIN IMMEDIATE (SQLite) or the request lock
            # (PostgreSQL) one of two such workers loses its update or fails with
            # "database is locked".
            org = db.session.scalar(db.select(Organisation))
            org.focus_areas = [*org.focus_areas, f"{sys.argv[3]}-{i}"]
            record("organisation.updated", target=org, actor=SYSTEM, details={"i": i})
            db.session.commit()
    print("done")
    """
)


@pytest.mark.slow
def test_two_processes_read_and_write_at_once_without_errors_or_lost_updates(app, tmp_path):
    with app.app_context():
        db.session.add(Organisation(slug="race", name="Race", focus_areas=[]))
        db.session.commit()
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    rounds = 40
    workers = [
        subprocess.Popen(
            [sys.executable, str(script), app.instance_path, str(rounds), name],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    try:
        results = [(w, *w.communicate(timeout=120)) for w in workers]
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
    for worker, out, err in results:
        assert worker.returncode == 0, err[-2000:]
        assert out.strip() == "done"
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.slug == "race"))
        assert len(org.focus_areas) == 2 * rounds  # no lost update
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 2 * rounds
        problems, count = verify_chain()
        assert problems == [] and count == 2 * rounds  # one chain, no fork


@sqlite_only
def test_state_changing_requests_begin_immediate_and_pages_do_not(app):
    with app.test_request_context(method="POST"):
        dbapi = db.session.connection().connection.dbapi_connection
        assert dbapi.isolation_level is None and dbapi.in_transaction
        assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
        db.session.rollback()
    with app.test_request_context(method="GET"):
        dbapi = db.session.connection().connection.dbapi_connection
        db.session.execute(select(func.count(Organisation.id)))
        assert dbapi.isolation_level == "" and not dbapi.in_transaction


def _request_lock_holders() -> int:
    """Sessions holding the request lock (asked on a connection of its own)."""
    with db.engine.connect() as connection:
        return connection.execute(
            db.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND ((classid::bigint << 32) | objid::bigint) = :key"
            ),
            {"key": PG_REQUEST_LOCK_ID},
        ).scalar()


@postgres_only
def test_on_postgresql_state_changing_requests_take_the_request_lock_and_pages_do_not(app):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        with app.test_request_context(method=method):
            db.session.execute(select(func.count(Organisation.id)))
            assert _request_lock_holders() == 1
            db.session.commit()
            assert _request_lock_holders() == 0  # the commit ends it
    with app.test_request_context(method="GET"):
        db.session.execute(select(func.count(Organisation.id)))
        assert _request_lock_holders() == 0
        db.session.rollback()


@postgres_only
def test_on_postgresql_a_second_writer_waits_for_the_first_to_commit(app):
    import threading
    import time

    with app.app_context():
        db.session.add(Organisation(slug="wait", name="Wait", focus_areas=[]))
        db.session.commit()
    order = []
    first_has_lock = threading.Event()

    def second():
        first_has_lock.wait()
        with app.test_request_context(method="POST"):
            org = db.session.scalar(select(Organisation).filter_by(slug="wait"))
            order.append(("second read", list(org.focus_areas)))
            org.focus_areas = [*org.focus_areas, "second"]
            db.session.commit()

    thread = threading.Thread(target=second)
    thread.start()
    with app.test_request_context(method="POST"):
        org = db.session.scalar(select(Organisation).filter_by(slug="wait"))
        first_has_lock.set()
        time.sleep(0.5)  # the second writer is blocked meanwhile
        org.focus_areas = [*org.focus_areas, "first"]
        order.append(("first commits", None))
        db.session.commit()
    thread.join(timeout=30)
    assert order == [("first commits", None), ("second read", ["first"])]
    with app.app_context():
        org = db.session.scalar(select(Organisation).filter_by(slug="wait"))
        assert org.focus_areas == ["first", "second"]


@postgres_only
def test_on_postgresql_without_the_request_lock_concurrent_writers_lose_an_update(app):
    """The counterpart proves its worth: switched off, the same interleaving loses "first"."""
    import threading

    app.config["POSTGRES_REQUEST_LOCK"] = False
    with app.app_context():
        db.session.add(Organisation(slug="lost", name="Lost", focus_areas=[]))
        db.session.commit()
    second_read = threading.Event()
    first_committed = threading.Event()

    def second():
        with app.test_request_context(method="POST"):
            org = db.session.scalar(select(Organisation).filter_by(slug="lost"))
            org.focus_areas = [*org.focus_areas, "second"]
            second_read.set()
            first_committed.wait(timeout=10)
            db.session.commit()

    thread = threading.Thread(target=second)
    thread.start()
    second_read.wait(timeout=10)
    with app.test_request_context(method="POST"):
        org = db.session.scalar(select(Organisation).filter_by(slug="lost"))
        org.focus_areas = [*org.focus_areas, "first"]
        db.session.commit()
    first_committed.set()
    thread.join(timeout=30)
    with app.app_context():
        org = db.session.scalar(select(Organisation).filter_by(slug="lost"))
        assert org.focus_areas == ["second"]


def test_reads_elsewhere_do_not_wait_for_a_request_holding_the_write_lock(app):
    import time

    from sqlalchemy.orm import Session

    with app.test_request_context(method="POST"):
        db.session.connection()  # BEGIN IMMEDIATE: this "request" holds the write lock
        started = time.monotonic()
        with Session(db.engine) as other:  # e.g. the search outbox's own short session
            assert other.scalar(select(func.count(Organisation.id))) == 0
        assert time.monotonic() - started < 1
        db.session.rollback()


def test_migrations_still_run_with_the_write_lock(tmp_path, fresh_instance):
    app = create_app({"ENV_NAME": "test"}, instance_path=fresh_instance(tmp_path / "migrate"))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {"alembic_version", "user", "organisation", "server_session"} <= tables
        db.engine.dispose()
