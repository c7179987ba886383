"""An index backlog (a killed import, a crash between the commits) is never paid by a user.

A request applies only its own change; searches apply nothing; the drainer thread (one per
process, one writer at a time through Whoosh's lock) or `drain-index` applies the rest;
`check-index` and the office's pages say how big the backlog is.
"""

import io
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from whoosh.query import Every

from portal.extensions import db
from portal.resources.models import Resource
from portal.search import outbox
from portal.search.models import IndexTask
from portal.timeutil import utcnow

BACKLOG = 300


def pending(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(IndexTask.id)))


def indexed_ids(app) -> list[int]:
    """Every resource id in the index, with repetitions (a document written twice shows)."""
    snap = app.extensions["search_index"].snapshot()
    searcher = snap.searcher
    return [int(searcher.stored_fields(n)["id"]) for n in searcher.docs_for_query(Every())]


@pytest.fixture
def make_backlog(app, member_org):
    """Make BACKLOG published resources the database has and the index does not, with their
    tasks queued an hour ago (as a killed import leaves them); return their ids."""
    return lambda: _backlog(app, member_org)


@pytest.fixture
def backlog(make_backlog):
    return make_backlog()


def _backlog(app, member_org) -> list[int]:
    with app.app_context():
        rows = [
            {
                "type": "case_law",
                "title": f"Rückstand Verfahren {n}",
                "organisation_id": member_org.id,
                "status": "published",
                "visibility": "members",
                "version": 1,
            }
            for n in range(BACKLOG)
        ]
        db.session.execute(insert(Resource), rows)  # bulk: no session hooks, no tasks
        ids = list(
            db.session.scalars(
                select(Resource.id)
                .where(Resource.title.startswith("Rückstand"))
                .order_by(Resource.id)
            )
        )
        an_hour_ago = utcnow() - timedelta(hours=1)
        db.session.execute(
            insert(IndexTask),
            [{"resource_id": i, "created_at": an_hour_ago} for i in ids],
        )
        db.session.commit()
    assert pending(app) == BACKLOG
    return ids


@pytest.fixture
def drainer_calls(monkeypatch):
    """Record wake-ups of the drainer instead of starting its thread."""
    calls = []
    monkeypatch.setattr(outbox.drainer, "wake", lambda app: calls.append(app))
    return calls


def upload_note(client, resource_id: int, text: str):
    return client.post(
        f"/resources/{resource_id}/attachments",
        data={"file": (io.BytesIO(text.encode()), "notiz.txt")},
        content_type="multipart/form-data",
    )


def test_an_edit_applies_its_own_change_and_leaves_the_backlog_to_the_drainer(
    app, client, login_as, create_resource, make_backlog, drainer_calls
):
    user = login_as("member")
    draft = create_resource(title="Eigener Entwurf", status="draft", author_id=user.id)
    make_backlog()

    assert upload_note(client, draft.id, "Leitfaden Zwangsarbeit").status_code == 302

    assert draft.id in indexed_ids(app)
    assert pending(app) == BACKLOG  # nothing of the backlog was paid by this request
    assert len(drainer_calls) == 1  # the backlog went to the drainer


def test_searches_apply_nothing_so_their_totals_stay_put(
    app, client, login_as, backlog, drainer_calls
):
    login_as("member")
    pages = [client.get("/search/?q=Rückstand").get_data(as_text=True) for _ in range(3)]
    assert pending(app) == BACKLOG
    assert indexed_ids(app) == []
    assert not any("Rückstand Verfahren" in page for page in pages)  # still 0, 0, 0 hits
    assert len(drainer_calls) == 1  # woken once; searches look at most every few seconds


def test_the_drainer_applies_the_backlog_in_the_background(app, backlog):
    outbox.drainer.wake(app)
    assert outbox.drainer.wait(120)
    assert pending(app) == 0
    assert sorted(indexed_ids(app)) == backlog


def test_drainers_of_several_processes_and_a_request_write_one_at_a_time(
    app, client, login_as, create_resource, make_backlog
):
    user = login_as("member")
    draft = create_resource(title="Entwurf im Rückstau", status="draft", author_id=user.id)
    backlog = make_backlog()
    others = [outbox.Drainer() for _ in range(2)]  # what other worker processes run
    for other in others:
        other.wake(app)
    edit = threading.Thread(target=upload_note, args=(client, draft.id, "Neue Notiz"))
    edit.start()
    edit.join(60)
    for other in others:
        assert other.wait(120)
    assert outbox.drainer.wait(120)
    assert pending(app) == 0
    ids = indexed_ids(app)
    assert len(ids) == len(set(ids))  # no document written twice
    assert set(ids) == {*backlog, draft.id}


def test_check_index_reports_the_backlog_and_drain_index_applies_it(
    app, runner, create_resource, make_backlog
):
    create_resource(title="Schon im Index")  # an index that exists, as in production
    make_backlog()
    result = runner.invoke(args=["check-index"])
    assert f"Backlog: {BACKLOG} index tasks pending" in result.output
    assert result.exit_code == 1  # the index misses those resources

    result = runner.invoke(args=["drain-index"])
    assert result.exit_code == 0, result.output
    assert f"Applied {BACKLOG} index tasks" in result.output
    assert pending(app) == 0

    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 0 and "Backlog" not in result.output


def test_the_office_sees_the_backlog_on_its_start_page_and_in_the_admin_area(
    app, client, auth, create_user, office, backlog, drainer_calls
):
    admin = create_user(role="admin", organisation=office)
    auth.login(admin.email)
    for path in ("/", "/admin/users", "/admin/invitations"):
        page = client.get(path).get_data(as_text=True)
        assert "Suchindex im Rückstand" in page, path
        assert f"{BACKLOG} Änderungen sind noch nicht durchsuchbar" in page, path

    auth.logout()
    member = create_user()
    auth.login(member.email)
    assert "Suchindex im Rückstand" not in client.get("/").get_data(as_text=True)


def test_tasks_younger_than_the_backlog_age_are_no_backlog(app, create_resource):
    fresh = create_resource(title="Frisch")
    with app.app_context():
        db.session.execute(insert(IndexTask).values(resource_id=fresh.id))
        db.session.commit()
        assert outbox.backlog() == 0
