"""Backup and restore.

A backup folder holds the database snapshot (SQLite: `portal.sqlite3`, taken with SQLite's
online backup API, so the portal keeps serving; PostgreSQL: `portal.pgdump` from `pg_dump`),
a copy of `<instance>/uploads/` and `manifest.json` with sha256 checksums of every file. The
database is copied first: an attachment uploaded meanwhile is an unused extra file, never a
missing one. Not included: `instance/secret_key` and `instance/config.py` (keep them apart from
the data), the search index (rebuilt after a restore) and sessions' cookies (everybody logs in
again when the secret key changes).
"""

import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from portal.extensions import db
from portal.search import maintenance
from portal.timeutil import utcnow

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "portal.sqlite3"
PG_FILE = "portal.pgdump"
UPLOADS = "uploads"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A problem the operator must fix; the message says which."""


@dataclass
class BackupResult:
    path: Path
    files: int
    bytes: int


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _database_url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _sqlite_path() -> Path:
    return Path(_database_url().database).resolve()


def _uploads_folder() -> Path:
    return Path(current_app.instance_path) / UPLOADS


def _pg_program(program: str) -> str:
    """pg_dump/pg_restore of the server's major version: PG_BIN_DIR, Debian's folder, PATH.

    An older pg_dump refuses a newer server; Debian keeps each version's programs in
    /usr/lib/postgresql/<major>/bin, while the PATH holds the newest installed client.
    """
    major = int(db.session.execute(text("SHOW server_version_num")).scalar()) // 10000
    db.session.rollback()
    folders = [current_app.config.get("PG_BIN_DIR"), f"/usr/lib/postgresql/{major}/bin"]
    for folder in filter(None, folders):
        candidate = Path(folder) / program
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} is not installed (Debian: apt install postgresql-client)")
    return executable


def _run_pg(program: str, *args: str) -> None:
    """Run pg_dump/pg_restore; the password goes in the environment, never on the command line."""
    executable = _pg_program(program)
    url = _database_url().set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(password=None).render_as_string(hide_password=False)
    try:
        subprocess.run(  # noqa: S603
            [executable, *args, f"--dbname={dsn}"],
            check=True,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{program} failed: {exc.stderr.strip()[-2000:]}") from exc


# --- backup ------------------------------------------------------------------------------


def _snapshot_sqlite(target: Path) -> None:
    source = sqlite3.connect(f"file:{_sqlite_path()}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        timeout = int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
        source.execute(f"PRAGMA busy_timeout={timeout:d}")
        # Copies all pages as one consistent read; writers carry on in WAL mode.
        source.backup(destination, pages=0)
        destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        result = destination.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"the snapshot failed its integrity check: {result}")
    finally:
        destination.close()
        source.close()


def _alembic_revision_sqlite(path: Path) -> str | None:
    connection = sqlite3.connect(path)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    except sqlite3.OperationalError:
        return None
    finally:
        connection.close()


def _alembic_revision_database() -> str | None:
    """The migration the live database is at (the dump was taken at the same revision)."""
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        return None
    finally:
        db.session.rollback()


def backup(dest: Path) -> BackupResult:
    """Write a snapshot of the database and the uploads with a manifest into `dest`."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    os.chmod(dest, 0o700)  # the backup holds everything the portal protects
    dialect = _database_url().get_backend_name()
    if dialect == "sqlite":
        database_file = dest / SQLITE_FILE
        _snapshot_sqlite(database_file)
        revision = _alembic_revision_sqlite(database_file)
    elif dialect == "postgresql":
        database_file = dest / PG_FILE
        _run_pg("pg_dump", "--format=custom", "--no-owner", f"--file={database_file}")
        revision = _alembic_revision_database()
    else:
        raise BackupError(f"cannot back up a {dialect} database")

    files = []
    uploads = _uploads_folder()
    if uploads.is_dir():
        for source in sorted(p for p in uploads.rglob("*") if p.is_file()):
            relative = source.relative_to(uploads).as_posix()
            target = dest / UPLOADS / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            files.append(
                {
                    "path": f"{UPLOADS}/{relative}",
                    "sha256": _sha256_file(target),
                    "size": target.stat().st_size,
                }
            )
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(timespec="seconds") + "Z",
        "database": {
            "dialect": dialect,
            "path": database_file.name,
            "sha256": _sha256_file(database_file),
            "size": database_file.stat().st_size,
            "alembic_revision": revision,
        },
        "files": files,
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    total = database_file.stat().st_size + sum(f["size"] for f in files)
    return BackupResult(dest, len(files) + 1, total)


# --- restore -----------------------------------------------------------------------------


def read_manifest(src: Path) -> dict:
    try:
        manifest = json.loads((Path(src) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"no readable {MANIFEST} in {src}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST}: unknown backup format")
    return manifest


def _path_problem(name: object, prefix: str | None) -> str | None:
    """Why a manifest path is unsafe to restore, or None.

    A path is a relative POSIX path of plain components (no `..`, `.`, empty parts, drive,
    backslash or control character), under `prefix/` when one is given.
    """
    if not isinstance(name, str) or not name:
        return "not a path"
    if "\\" in name or any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "backslash or control character in the path"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "absolute path"
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "'..', '.' or an empty part in the path"
    if prefix is not None and (len(parts) < 2 or parts[0] != prefix):
        return f"not inside {prefix}/"
    return None


def _manifest_entries(manifest: dict) -> tuple[list[dict], list[str]]:
    """The manifest's entries (database first) and the problems of their shape and paths."""
    database = manifest.get("database")
    files = manifest.get("files")
    if not isinstance(database, dict) or not isinstance(files, list):
        return [], [f"{MANIFEST}: 'database' or 'files' missing"]
    problems = []
    if database.get("path") not in (SQLITE_FILE, PG_FILE):
        problems.append(f"{database.get('path')!r}: not a database file name")
    seen = set()
    for entry in files:
        if not isinstance(entry, dict):
            problems.append(f"{entry!r}: not a file entry")
            continue
        problem = _path_problem(entry.get("path"), UPLOADS)
        if problem:
            problems.append(f"{entry.get('path')!r}: {problem}")
        elif entry["path"].casefold() in seen:
            problems.append(f"{entry['path']!r}: named twice")
        else:
            seen.add(entry["path"].casefold())
    entries = [database, *(e for e in files if isinstance(e, dict))]
    return entries, problems


def verify(src: Path) -> list[str]:
    """Every file named in the manifest, checked; returns the problems (empty: all good)."""
    src = Path(src).resolve()
    manifest = read_manifest(src)
    entries, problems = _manifest_entries(manifest)
    if problems:
        return problems
    for entry in entries:
        given = src / entry["path"]
        path = given.resolve()
        if not path.is_relative_to(src):
            problems.append(f"{entry['path']}: outside the backup folder")
        elif any(p.is_symlink() for p in (given, *given.parents) if p.is_relative_to(src)):
            problems.append(f"{entry['path']}: a symbolic link")
        elif not path.is_file():
            problems.append(f"{entry['path']}: missing")
        elif _sha256_file(path) != entry.get("sha256"):
            problems.append(f"{entry['path']}: checksum differs")
    return problems


def _instance_is_empty() -> list[str]:
    reasons = []
    dialect = _database_url().get_backend_name()
    if dialect == "sqlite":
        path = _sqlite_path()
        if path.exists() and path.stat().st_size > 0:
            connection = sqlite3.connect(path)
            try:
                tables = connection.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                ).fetchone()[0]
            finally:
                connection.close()
            if tables:
                reasons.append(f"the database {path} has tables")
    else:
        from sqlalchemy import inspect

        if inspect(db.engine).get_table_names():
            reasons.append("the database has tables")
    uploads = _uploads_folder()
    if uploads.is_dir() and any(p.is_file() for p in uploads.rglob("*")):
        reasons.append(f"{uploads} holds files")
    return reasons


def restore(src: Path) -> int:
    """Restore a verified backup into an empty instance; returns the number of files."""
    src = Path(src).resolve()
    manifest = read_manifest(src)
    problems = verify(src)
    if problems:
        raise BackupError(
            "the backup is damaged or unsafe, nothing was restored: " + "; ".join(problems)
        )
    reasons = _instance_is_empty()
    if reasons:
        raise BackupError("the instance is not empty: " + "; ".join(reasons))
    # Every target is checked before anything is written.
    uploads_root, targets = _upload_targets(src, manifest)
    db.engine.dispose()  # no pooled connection may keep the old (empty) file open
    database = manifest["database"]
    if database["dialect"] == "sqlite":
        if _database_url().get_backend_name() != "sqlite":
            raise BackupError("a SQLite backup needs a SQLite instance")
        target = _sqlite_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        partial = target.with_name(target.name + ".restoring")
        shutil.copyfile(src / database["path"], partial)
        os.replace(partial, target)
    else:
        if _database_url().get_backend_name() != "postgresql":
            raise BackupError("a PostgreSQL backup needs a PostgreSQL instance")
        # One transaction: a restore that fails halfway leaves the database empty.
        _run_pg(
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            str(src / database["path"]),
        )
    for source, target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.parent.resolve().is_relative_to(uploads_root):
            raise BackupError(f"{target}: outside {uploads_root}")  # a link made meanwhile
        shutil.copyfile(source, target)
    return len(targets) + 1


def _upload_targets(src: Path, manifest: dict) -> tuple[Path, list[tuple[Path, Path]]]:
    """The resolved uploads folder and (source, target) pairs, each target checked inside it."""
    uploads = _uploads_folder()
    if uploads.is_symlink():
        raise BackupError(f"{uploads} is a symbolic link")
    root = uploads.resolve()
    pairs = []
    for entry in manifest["files"]:
        relative = Path(*entry["path"].split("/")[1:])
        target = root / relative
        if not target.resolve().is_relative_to(root):
            raise BackupError(f"{entry['path']}: would be written outside {root}")
        pairs.append((src / entry["path"], target))
    return root, pairs


def rebuild_search_index() -> int | None:
    """Rebuild the search index if the search package offers it; None if it does not."""
    search_index = current_app.extensions.get("search_index")
    if search_index is None:
        return None
    if not search_index.exists():
        search_index.create()
    return maintenance.rebuild(search_index)
