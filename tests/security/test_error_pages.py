"""An error page never needs the database session that failed, and keeps the worker alive."""

import sqlite3

import pytest
from sqlalchemy import event

from portal.extensions import db
from tests.databases import sqlite_only


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SQLITE_BUSY_TIMEOUT_MS": 300}


def change_language(client, language="en"):
    return client.post("/language", data={"language": language, "next": "/"})


# PostgreSQL's request lock (pg_advisory_xact_lock) waits as long as its holder's transaction
# runs, without a timeout to run into; tests/security/test_concurrency.py covers it.
@sqlite_only
def test_a_write_that_cannot_get_the_lock_answers_a_german_error_page(app, client, login_as):
    login_as("member")
    with app.app_context():
        path = db.engine.url.database
    holder = sqlite3.connect(path, timeout=5)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another worker holds the write lock
        response = change_language(client)
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Ein interner Fehler ist aufgetreten" in page
    assert client.get("/").status_code == 200  # the session survived the failed request


@pytest.fixture
def database_gone(app):
    """Every statement fails once `gone["now"]` is set (the database vanished mid-request)."""
    gone = {"now": False, "tried": 0}

    def refuse(*_args):
        if gone["now"]:
            gone["tried"] += 1
            raise sqlite3.OperationalError("disk I/O error")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", refuse)
    yield gone
    event.remove(engine, "before_cursor_execute", refuse)


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_error_page_renders_when_every_later_query_fails(
    app, client, login_as, database_gone, monkeypatch, language
):
    from portal.auth import models

    login_as("member")
    client.post("/language", data={"language": language, "next": "/"})
    original = models.User.__setattr__

    def fail_on_language(user, name, value):
        if name == "language":
            database_gone["now"] = True
        original(user, name, value)

    monkeypatch.setattr(models.User, "__setattr__", fail_on_language)
    response = change_language(client, "de" if language == "en" else "en")
    database_gone["now"] = False
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Error code 500" in page or "Fehlercode 500" in page
    assert 'class="user-name"' not in page  # the bare layout reads no user
