"""Where a test's database lives: SQLite in the instance folder, or a PostgreSQL server.

`make test` runs on SQLite files in each test's temporary instance folder. `make test-postgres`
starts a throw-away PostgreSQL server and sets PORTAL_TEST_DATABASE_URL (a superuser on its
`postgres` database); then every instance folder a test prepares gets an `instance/config.py`
naming its PostgreSQL database, so the app, its CLI and worker processes started on the same
folder all use that database.

Each pytest-xdist worker has one database with every table, emptied before each test (deleting
the rows of a few small tables takes milliseconds; creating a database from a template takes
most of a second). A test that needs a second, empty instance (restore, migrations) gets a new
database that is dropped when the test ends.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL") or None
ON_POSTGRES = POSTGRES_URL is not None

sqlite_only = pytest.mark.skipif(
    ON_POSTGRES, reason="about SQLite's own files and locking (make test runs it)"
)
postgres_only = pytest.mark.skipif(
    not ON_POSTGRES, reason="needs a PostgreSQL server (make test-postgres runs it)"
)

# Every row of every table goes, foreign keys unchecked (session_replication_role), and every
# sequence starts again at 1, as in a new SQLite file. Connections a test left behind (threads,
# killed workers) are ended first, so no lock they hold can stall the next test.
_EMPTY = """
DO $$
DECLARE r record;
BEGIN
  PERFORM pg_terminate_backend(pid) FROM pg_stat_activity
   WHERE datname = current_database() AND pid <> pg_backend_pid();
  SET LOCAL session_replication_role = replica;
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE 'DELETE FROM ' || quote_ident(r.tablename);
  END LOOP;
  FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
    EXECUTE 'ALTER SEQUENCE ' || quote_ident(r.sequencename) || ' RESTART';
  END LOOP;
END $$;
"""


def write_instance_config(instance: Path, url: str) -> None:
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "config.py").write_text(f"DATABASE_URL = {url!r}\n", encoding="utf-8")


class PostgresDatabases:
    """The databases of one test process on the server at PORTAL_TEST_DATABASE_URL."""

    def __init__(self, url: str, worker: str):
        self.server = make_url(url)
        self.prefix = f"portal_test_{worker}".lower()
        self._admin = create_engine(self.server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._numbers = itertools.count(1)
        self._shared: URL | None = None

    def _url(self, name: str) -> URL:
        return self.server.set(database=name)

    def _create(self, name: str) -> URL:
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return self._url(name)

    def drop(self, url: URL | str) -> None:
        name = make_url(url).database
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def shared(self) -> URL:
        """The process's database, emptied (its tables stay: the `app` fixture creates them)."""
        if self._shared is None:
            self._shared = self._create(self.prefix)
        else:
            engine = create_engine(self._shared, poolclass=NullPool)
            try:
                with engine.begin() as connection:
                    connection.exec_driver_sql(_EMPTY)
            finally:
                engine.dispose()
        return self._shared

    def empty(self) -> URL:
        """A new database without tables."""
        return self._create(f"{self.prefix}_{next(self._numbers)}")

    def close(self) -> None:
        if self._shared is not None:
            self.drop(self._shared)
        self._admin.dispose()


def as_string(url: URL) -> str:
    return url.render_as_string(hide_password=False)
