"""Backup while serving, restore into an empty instance, and crash safety of writes.

Each test runs on SQLite (`make test`) and on PostgreSQL (`make test-postgres`: pg_dump and
pg_restore of the server's version); what is about SQLite's own file says so.
"""

import json
import os
import signal
import sqlite3
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from portal import create_app
from portal.audit import record
from portal.audit.models import AuditEntry
from portal.audit.services import SYSTEM, verify_chain
from portal.extensions import db
from portal.resources.models import Attachment
from tests.databases import ON_POSTGRES
from tests.security.processes import kill_while_writing

ROOT = Path(__file__).resolve().parents[2]
DATABASE_FILE = "portal.pgdump" if ON_POSTGRES else "portal.sqlite3"


def sqlite_path(app) -> Path:
    return Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))


def all_rows(app) -> dict[str, list[tuple]]:
    """Every row of every table of the app's database, in a stable order."""
    with app.app_context():
        with db.engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            rows = {
                t: sorted(
                    (tuple(r) for r in connection.exec_driver_sql(f'SELECT * FROM "{t}"')),
                    key=repr,
                )
                for t in tables
            }
        db.engine.dispose()
    return rows


def table_names(app) -> list[str]:
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        db.engine.dispose()
    return names


@pytest.fixture
def filled(app, create_user, create_resource, auth):
    """Accounts, resources, attachments with files in uploads/, audit entries."""
    user = create_user()
    auth.login(user.email)
    resource = create_resource(title="Mit Anhang", attachments=["Text eins", "Text zwei"])
    uploads = Path(app.instance_path) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        for i, attachment in enumerate(
            db.session.scalars(select(Attachment).where(Attachment.resource_id == resource.id))
        ):
            (uploads / attachment.stored_name).write_bytes(os.urandom(5000) + bytes([i]) * 10)
    (uploads / "nested").mkdir(exist_ok=True)
    (uploads / "nested" / "x.bin").write_bytes(b"\x00\xff" * 1000)
    return app


@pytest.fixture
def new_instance(tmp_path, fresh_instance):
    """An empty instance (its own SQLite file or PostgreSQL database) to restore into."""

    def make(name="restored"):
        return create_app({"ENV_NAME": "test"}, instance_path=fresh_instance(tmp_path / name))

    return make


def test_a_backup_restores_into_an_empty_instance_row_for_row_and_byte_for_byte(
    filled, runner, tmp_path, new_instance
):
    app = filled
    target = tmp_path / "backup"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["database"]["path"] == DATABASE_FILE
    assert manifest["database"]["dialect"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert {f["path"] for f in manifest["files"]} >= {"uploads/nested/x.bin"}
    assert oct(target.stat().st_mode & 0o777) == "0o700"

    restored = new_instance()
    out = restored.test_cli_runner().invoke(args=["restore", str(target)])
    assert out.exit_code == 0, out.output
    assert all_rows(restored) == all_rows(app)
    source_uploads = Path(app.instance_path) / "uploads"
    restored_uploads = Path(restored.instance_path) / "uploads"
    source_files = sorted(
        p.relative_to(source_uploads) for p in source_uploads.rglob("*") if p.is_file()
    )
    assert source_files == sorted(
        p.relative_to(restored_uploads) for p in restored_uploads.rglob("*") if p.is_file()
    )
    for relative in source_files:
        assert (source_uploads / relative).read_bytes() == (
            restored_uploads / relative
        ).read_bytes()
    # The restored portal works: log in, audit chain intact, search index rebuilt.
    if "search_index" in restored.extensions:
        assert "Search index rebuilt" in out.output
    with restored.app_context():
        assert verify_chain()[0] == []
        db.engine.dispose()


def test_restore_refuses_an_instance_that_is_not_empty(filled, runner, tmp_path):
    target = tmp_path / "backup"
    runner.invoke(args=["backup", str(target)])
    result = runner.invoke(args=["restore", str(target)])  # into the filled instance itself
    assert result.exit_code == 1 and "not empty" in result.output


def test_restore_refuses_a_damaged_backup(filled, runner, tmp_path, new_instance):
    target = tmp_path / "backup"
    runner.invoke(args=["backup", str(target)])
    victim = target / "uploads" / "nested" / "x.bin"
    victim.write_bytes(b"tampered")
    restored = new_instance()
    cli = restored.test_cli_runner()
    assert cli.invoke(args=["restore", "--verify-only", str(target)]).exit_code == 1
    result = cli.invoke(args=["restore", str(target)])
    assert result.exit_code == 1 and "checksum differs" in result.output
    assert table_names(restored) == []


def test_backup_refuses_a_folder_that_is_not_empty(filled, runner, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "old").write_text("x")
    result = runner.invoke(args=["backup", str(tmp_path / "full")])
    assert result.exit_code == 1 and "not empty" in result.output


def test_a_backup_taken_while_the_portal_writes_is_consistent(
    filled, runner, tmp_path, new_instance
):
    app = filled
    stop = threading.Event()
    written = []

    def writer():
        while not stop.is_set():
            with app.test_request_context(method="POST"):
                record("organisation.updated", target=("organisation", 1), actor=SYSTEM)
                db.session.commit()
            written.append(1)

    def wait_for(count):
        # Counted writes, not a sleep: on a loaded machine 0.2 s may hold no write at all.
        deadline = time.monotonic() + 30
        while len(written) < count and time.monotonic() < deadline:
            time.sleep(0.01)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        wait_for(3)
        result = runner.invoke(args=["backup", str(tmp_path / "live")])
        wait_for(len(written) + 3)
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert len(written) >= 6
    if not ON_POSTGRES:
        snapshot = sqlite3.connect(tmp_path / "live" / "portal.sqlite3")
        assert snapshot.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        snapshot.close()
    restored = new_instance()
    assert (
        restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "live")]).exit_code == 0
    )
    with restored.app_context():
        problems, count = verify_chain()
        assert problems == [] and count > 0
        db.engine.dispose()


CRASH_WORKER = textwrap.dedent(
    """
    import sys
    from portal import create_app
    from portal.audit import record
    from portal.audit.services import SYSTEM
    from portal.auth.models import User
    from portal.extensions import db
    from portal.orgs.models import Organisation

    app = create_app({"ENV_NAME": "test"}, instance_path=sys.argv[1])
    i = 0
    while True:
        with app.test_request_context(method="POST"):
            org = Organisation(slug=f"crash-{i}", name="x" * 200, description="x" * 2000,
                               focus_areas=["a"] * 50)
            db.session.add(org)
            db.session.flush()
            db.session.add(User(email=f"crash-{i}@example.org", name="x", organisation_id=org.id))
            record("organisation.created", target=org, actor=SYSTEM, details={"i": i})
            db.session.commit()
        i += 1
        if i == 20:
            print("running", flush=True)
    """
)


@pytest.mark.slow
def test_killing_a_writer_mid_transaction_leaves_a_consistent_database(app, tmp_path):
    script = tmp_path / "crash.py"
    script.write_text(CRASH_WORKER)
    assert kill_while_writing(script, app.instance_path, after=0.5) == -signal.SIGKILL
    if not ON_POSTGRES:
        connection = sqlite3.connect(sqlite_path(app))
        try:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            connection.close()
    with app.app_context():
        orgs = set(db.session.scalars(db.text("SELECT slug FROM organisation")))
        users = set(db.session.scalars(db.text('SELECT email FROM "user"')))
        assert len(orgs) >= 20
        # Every transaction is all or nothing: each organisation has its user and entry.
        assert {f"{slug}@example.org" for slug in orgs} == users
        assert db.session.scalar(select(func.count(AuditEntry.id))) == len(orgs)
        assert verify_chain()[0] == []
