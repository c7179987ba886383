"""The index follows the database: every committed change is searchable at once, nothing is lost."""

import multiprocessing
import os

import pytest
from sqlalchemy import func, insert, select
from whoosh.query import Term

from portal import create_app
from portal.extensions import db
from portal.orgs.models import Organisation
from portal.resources.models import Attachment, Court, Resource
from portal.search import outbox
from portal.search.models import IndexTask


def indexed(app, field, text):
    """Resource ids whose index document holds ``text`` in ``field`` (an analysed term)."""
    snap = app.extensions["search_index"].snapshot()
    return {
        int(snap.searcher.stored_fields(n)["id"])
        for n in snap.searcher.docs_for_query(Term(field, text))
    }


def pending(app):
    with app.app_context():
        return db.session.scalar(select(func.count(IndexTask.id)))


def test_a_new_resource_is_searchable_right_after_the_commit(app, create_resource):
    resource = create_resource(title="Zwangsprostitution im Rotlichtmilieu")
    assert indexed(app, "title", "zwangsprostitution") == {resource.id}
    assert pending(app) == 0


def test_changes_and_deletes_follow_the_database(app, create_resource):
    resource = create_resource(title="Arbeitsausbeutung auf dem Bau")
    with app.app_context():
        row = db.session.get(Resource, resource.id)
        row.title = "Arbeitsausbeutung in der Landwirtschaft"
        db.session.commit()
    assert indexed(app, "title", "landwirtschaft") == {resource.id}
    assert indexed(app, "title", "bau") == set()
    with app.app_context():
        db.session.delete(db.session.get(Resource, resource.id))
        db.session.commit()
    assert indexed(app, "title", "arbeitsausbeut") == set()
    assert pending(app) == 0


def test_attachment_changes_reindex_their_resource(app, create_resource):
    resource = create_resource(title="Schulung")
    with app.app_context():
        db.session.add(
            Attachment(
                resource_id=resource.id,
                filename="a.txt",
                stored_name="a-1",
                kind="txt",
                mimetype="text/plain",
                size=1,
                sha256="0" * 64,
                text="Leitfaden zur Identifizierung",
            )
        )
        db.session.commit()
    assert indexed(app, "attachments", "leitfad") == {resource.id}


def test_renaming_a_court_or_organisation_reindexes_its_resources(app, create_resource):
    resource = create_resource(title="Urteil", court="BGH")
    other = create_resource(title="Andere")
    with app.app_context():
        court = db.session.scalar(select(Court))
        court.aliases = [*court.aliases, "Karlsruher Bundesrichter"]
        db.session.commit()
    assert indexed(app, "court", "karlsruh") == {resource.id}
    with app.app_context():
        org = db.session.get(Organisation, resource.organisation_id)
        org.name = "Beratungsstelle Leuchtturm"
        db.session.commit()
    assert indexed(app, "organisation_text", "leuchtturm") == {resource.id, other.id}


def test_a_rolled_back_change_leaves_no_task(app, create_resource):
    resource = create_resource(title="Original")
    with app.app_context():
        db.session.get(Resource, resource.id).title = "Verworfen"
        db.session.flush()
        db.session.rollback()
    assert pending(app) == 0
    assert indexed(app, "title", "verworf") == set()


def test_tasks_left_by_a_crash_are_applied_by_the_next_commit(app, create_resource, member_org):
    # A crash after the database commit, before the index write: a resource and its task
    # exist, the index does not know the resource.
    with app.app_context():
        result = db.session.execute(
            insert(Resource).values(
                type="case_law",
                title="Menschenhandelsverfahren vor dem Landgericht",
                organisation_id=member_org.id,
                status="published",
                visibility="members",
                version=1,
            )
        )
        lost_id = result.inserted_primary_key[0]
        db.session.execute(insert(IndexTask).values(resource_id=lost_id))
        db.session.commit()
    assert pending(app) == 1
    assert indexed(app, "title", "landgericht") == set()

    create_resource(title="Eine andere Änderung")

    assert indexed(app, "title", "landgericht") == {lost_id}
    assert pending(app) == 0


def test_a_failed_index_write_keeps_the_tasks(app, create_resource, monkeypatch):
    def broken(self):
        raise OSError("disk full")

    monkeypatch.setattr(type(app.extensions["search_index"]), "writer", broken)
    resource = create_resource(title="Kinderhandel")  # the database commit still succeeds
    assert pending(app) == 1
    monkeypatch.undo()

    create_resource(title="Später")
    assert indexed(app, "title", "kinderhandel") == {resource.id}
    assert pending(app) == 0


def _write_resources(instance_path, organisation_id, prefix, count):
    app = create_app({"ENV_NAME": "test"}, instance_path=instance_path)
    with app.app_context():
        for i in range(count):
            db.session.add(
                Resource(
                    type="case_law",
                    title=f"{prefix} Nummer{i}",
                    organisation_id=organisation_id,
                    status="published",
                )
            )
            db.session.commit()


@pytest.mark.slow
def test_processes_writing_at_once_lose_nothing(app, member_org):
    ctx = multiprocessing.get_context("spawn")
    workers = [
        ctx.Process(target=_write_resources, args=(app.instance_path, member_org.id, prefix, 20))
        for prefix in ("Alpha", "Beta", "Gamma")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    assert pending(app) == 0
    with app.app_context():
        in_database = set(db.session.scalars(select(Resource.id)))
    assert set(app.extensions["search_index"].stored_stamps()) == in_database
    for prefix in ("alpha", "beta", "gamma"):
        assert len(indexed(app, "title", prefix)) == 20, prefix


def test_apply_pending_without_blocking_leaves_work_to_the_lock_holder(app, create_resource):
    search_index = app.extensions["search_index"]
    create_resource(title="Vorher")
    with app.app_context():
        db.session.execute(insert(IndexTask).values(resource_id=12345))
        db.session.commit()
        writer = search_index.open().writer()
        try:
            assert outbox.apply_pending(search_index, blocking=False) == 0
        finally:
            writer.cancel()
        assert outbox.apply_pending(search_index, blocking=False) == 1


def test_a_search_that_began_before_a_merge_still_works_on_its_snapshot(app, create_resource):
    """A writer merging segments deletes their files; a searcher holding them goes on."""
    from whoosh.query import Term

    for n in range(3):
        create_resource(title=f"Kranichfall {n}", body="Kranich Kranich Arbeit")
    search_index = app.extensions["search_index"]
    search_index.close()
    snap = search_index.snapshot()
    old_files = set(os.listdir(search_index.path))
    assert len(snap.searcher.leaf_searchers()) > 1

    writer = search_index.writer()
    writer.commit(optimize=True)  # one new segment; the old segments' files are deleted
    assert old_files - set(os.listdir(search_index.path))

    scored = snap.scored(Term("body", "kranich"))
    docnums = snap.engine().rank(scored, snap.visible_mask({"members"}), "relevance")
    titles = {snap.searcher.stored_fields(int(d))["id"] for d in docnums}
    assert len(titles) == 3
    search_index.close()


def test_a_search_whose_files_vanished_is_run_again_on_a_fresh_snapshot(
    app, create_resource, create_user, monkeypatch
):
    from portal.auth.models import User
    from portal.extensions import db
    from portal.search import services

    create_resource(title="Kranichfall")
    user = create_user()
    real, calls = services._search, []

    def vanishing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise FileNotFoundError("MAIN_x.pst")  # as when a merge deleted a segment's file
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_search", vanishing_once)
    with app.test_request_context():
        result = services.search(db.session.get(User, user.id), "Kranichfall")
    assert result.total == 1 and len(calls) == 2
