"""Several processes writing to one SQLite file: no lock errors, no lost updates, no fork."""

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
            # Read, then write: without BEGIN IMMEDIATE one of two such workers loses its
            # update or fails with "database is locked".
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


@pytest.mark.slow  # asserts a duration: runs alone, after the parallel part
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


def test_migrations_still_run_with_begin_immediate(tmp_path):
    app = create_app({"ENV_NAME": "test"}, instance_path=tmp_path / "migrate")
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {"alembic_version", "user", "organisation", "server_session"} <= tables
        db.engine.dispose()
