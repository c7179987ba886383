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
from portal.security.write_lock import PG_REQUEST_LOCK_ID, SnapshotChanged, retrying
from tests.databases import postgres_only, sqlite_only
from tests.helpers import PASSWORD

ROOT = Path(__file__).resolve().parents[2]

WORKER = textwrap.dedent(
    """
    import sys
    from portal import create_app
    from portal.audit import record
    from portal.audit.services import SYSTEM
    from portal.extensions import db
    from portal.orgs.models import Organisation
    from portal.security.write_lock import retrying

    app = create_app({"ENV_NAME": "test"}, instance_path=sys.argv[1])

    def append(i):
        # Read, then write: without the snapshot check at the first write (SQLite) or the
        # request lock (PostgreSQL) one of two such workers loses its update or fails with
        # "database is locked".
        org = db.session.scalar(db.select(Organisation))
        org.focus_areas = [*org.focus_areas, f"{sys.argv[3]}-{i}"]
        record("organisation.updated", target=org, actor=SYSTEM, details={"i": i})
        db.session.commit()

    for i in range(int(sys.argv[2])):
        with app.test_request_context(method="POST"):
            retrying(append, i)  # what every view runs under
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
def test_state_changing_requests_read_in_a_snapshot_and_pages_do_not(app):
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
    """Sessions holding the request lock in this database (asked on a connection of its own).

    pg_locks lists the whole cluster: parallel test workers hold the same key in their own
    databases.
    """
    with db.engine.connect() as connection:
        return connection.execute(
            db.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND ((classid::bigint << 32) | objid::bigint) = :key"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
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
def test_on_postgresql_a_writer_stuck_behind_the_request_lock_gives_up_after_the_timeout(app):
    import threading
    import time

    from sqlalchemy.exc import OperationalError

    app.config["POSTGRES_LOCK_TIMEOUT_MS"] = 300
    with app.app_context():
        engine = db.engine
    with engine.connect() as holder:  # another worker, in the middle of a slow write
        holder.execute(db.text(f"SELECT pg_advisory_lock({PG_REQUEST_LOCK_ID:d})"))
        unlock = db.text(f"SELECT pg_advisory_unlock({PG_REQUEST_LOCK_ID:d})")
        # Without a timeout the writer would wait for ever: the holder lets go after 5 s.
        release = threading.Timer(5, holder.execute, [unlock])
        release.start()
        try:
            with app.test_request_context(method="POST"):
                started = time.monotonic()
                with pytest.raises(OperationalError, match="lock timeout"):
                    db.session.execute(select(func.count(Organisation.id)))
                waited = time.monotonic() - started
                db.session.rollback()
        finally:
            release.cancel()
            release.join()
            holder.execute(unlock)  # (false, and a warning, if the timer did it)
    assert 0.25 < waited < 5
    with app.test_request_context(method="POST"):  # free again: the next writer gets it
        db.session.execute(select(func.count(Organisation.id)))
        assert _request_lock_holders() == 1
        db.session.rollback()


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


def _write_elsewhere(slug: str) -> float:
    """Commit an organisation on a connection of its own; return how long it took."""
    import time

    from sqlalchemy.orm import Session

    started = time.monotonic()
    with Session(db.engine) as other:
        other.add(Organisation(slug=slug, name=slug, focus_areas=[]))
        other.commit()
    return time.monotonic() - started


@sqlite_only
def test_a_request_that_has_only_read_holds_no_write_lock(app):
    with app.test_request_context(method="POST"):
        assert db.session.scalar(select(func.count(Organisation.id))) == 0
        assert _write_elsewhere("nebenan") < 1  # no wait for this request
        # The request's reads stay one snapshot until it writes.
        assert db.session.scalar(select(func.count(Organisation.id))) == 0
        db.session.rollback()


@sqlite_only
def test_a_request_whose_reads_went_stale_is_stopped_at_its_first_write(app):
    with app.test_request_context(method="POST"):
        assert db.session.scalar(select(func.count(Organisation.id))) == 0
        _write_elsewhere("dazwischen")
        db.session.add(Organisation(slug="spaet", name="Spät", focus_areas=[]))
        with pytest.raises(SnapshotChanged):
            db.session.flush()
        db.session.rollback()


@sqlite_only
def test_a_view_whose_reads_went_stale_runs_once_more_with_the_lock_and_loses_nothing(app):
    calls = []

    def view():
        count = db.session.scalar(select(func.count(Organisation.id)))
        calls.append(count)
        if len(calls) == 1:
            _write_elsewhere("dazwischen")  # another worker commits between read and write
        db.session.add(Organisation(slug=f"nr-{count}", name="Zählung", focus_areas=[]))
        db.session.commit()
        return count

    with app.test_request_context(method="POST"):
        assert retrying(view) == 1
    assert calls == [0, 1]  # the second run read the other worker's row
    with app.app_context():
        slugs = set(db.session.scalars(select(Organisation.slug)))
    assert slugs == {"dazwischen", "nr-1"}


@sqlite_only
def test_after_a_commit_a_view_holds_the_lock_from_its_next_read_and_is_never_run_again(app):
    import sqlite3

    calls = []

    def view():
        calls.append(1)
        db.session.add(Organisation(slug=f"erst-{len(calls)}", name="Erst", focus_areas=[]))
        db.session.commit()
        db.session.scalar(select(func.count(Organisation.id)))
        other = sqlite3.connect(db.engine.url.database, timeout=0.1)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("INSERT INTO organisation (slug, name) VALUES ('x', 'x')")
        finally:
            other.close()
        db.session.add(Organisation(slug=f"dann-{len(calls)}", name="Dann", focus_areas=[]))
        db.session.commit()

    with app.test_request_context(method="POST"):
        retrying(view)
    assert calls == [1]


@sqlite_only
def test_a_login_run_twice_counts_once_against_the_rate_limits(
    app, client, create_user, monkeypatch
):
    from portal.auth import services
    from portal.extensions import limiter

    limiter.enabled = True
    app.config.update(RATELIMIT_LOGIN="2 per minute", RATELIMIT_LOGIN_ACCOUNT="2 per minute")
    user = create_user()
    runs = []
    authenticate = services.authenticate

    def with_a_commit_elsewhere(email, password):
        found = authenticate(email, password)
        runs.append(email)
        if len(runs) % 2:
            _write_elsewhere(f"dazwischen-{len(runs)}")  # another worker commits meanwhile
        return found

    monkeypatch.setattr(services, "authenticate", with_a_commit_elsewhere)
    for _ in range(2):
        response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        client.post("/auth/logout")
    assert len(runs) == 4  # each login ran twice, and neither was refused with 429
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)).all()
    # The second run really logged in again (the first run's session changes were undone).
    assert actions.count("login.success") == 2


def test_a_savepoint_after_reads_survives_the_upgrade_to_the_write_lock(app):
    with app.test_request_context(method="POST"):
        db.session.scalar(select(func.count(Organisation.id)))
        with db.session.begin_nested():
            db.session.add(Organisation(slug="innen", name="Innen", focus_areas=[]))
        db.session.commit()
    with app.app_context():
        assert db.session.scalar(select(Organisation.slug)) == "innen"


@pytest.mark.slow  # asserts a duration: runs alone, after the parallel part
def test_reads_elsewhere_do_not_wait_for_a_request_holding_the_write_lock(app):
    import time

    from sqlalchemy.orm import Session

    with app.test_request_context(method="POST"):
        db.session.add(Organisation(slug="halter", name="Halter", focus_areas=[]))
        db.session.flush()  # this "request" holds the write lock
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
