"""A request's change is committed without merging segments; the drainer merges them after it,
in size tiers, so the segment count stays bounded and searches find the same."""

import pytest
from whoosh import writing

from portal.auth.models import User
from portal.extensions import db
from portal.resources.models import Resource
from portal.search import index as search_index_module
from portal.search import outbox, services
from portal.search.index import MERGE_FACTOR, WhooshIndex
from portal.search.maintenance import check


def segment_sizes(search_index) -> list[int]:
    return sorted(s.doc_count() for s in search_index.open()._segments())


def edit_in_requests(app, resource_ids, word):
    """Change each resource in a request of its own (the request path of the outbox)."""
    for n, resource_id in enumerate(resource_ids):
        with app.test_request_context():
            db.session.get(Resource, resource_id).body = f"{word} Nummer{n}"
            db.session.commit()


def found(app, user, q):
    with app.test_request_context():
        result = services.search(db.session.get(User, user.id), q)
        return [(hit.resource.id, round(hit.score, 9)) for hit in result.hits], result.total


@pytest.fixture
def resources(app, create_resource):
    ids = [create_resource(title=f"Wanderfalke {n}").id for n in range(MERGE_FACTOR + 4)]
    app.extensions["search_index"].merge()
    return ids


def test_a_request_commits_its_change_without_merging(app, resources, monkeypatch):
    search_index = app.extensions["search_index"]
    monkeypatch.setattr(outbox, "wake_drainer", lambda: None)  # nobody merges after them
    before = len(segment_sizes(search_index))
    edit_in_requests(app, resources[: MERGE_FACTOR + 2], "Turmfalke")
    sizes = segment_sizes(search_index)
    assert len(sizes) == before + MERGE_FACTOR + 2
    assert sizes.count(1) >= MERGE_FACTOR + 2
    assert search_index.needs_merge()


def test_the_segment_count_stays_bounded_without_the_drainer(app, resources, monkeypatch):
    search_index = app.extensions["search_index"]
    monkeypatch.setattr(outbox, "wake_drainer", lambda: None)
    monkeypatch.setattr(search_index_module, "MAX_REQUEST_SEGMENTS", 10)
    edit_in_requests(app, resources * 2, "Turmfalke")
    assert len(segment_sizes(search_index)) <= 10


def test_the_drainer_merges_what_requests_left(app, resources, create_user):
    search_index = app.extensions["search_index"]
    member = create_user()
    edit_in_requests(app, resources, "Turmfalke")
    assert outbox.drainer.wait(timeout=60)
    assert not search_index.needs_merge()
    assert len(segment_sizes(search_index)) < MERGE_FACTOR
    hits, total = found(app, member, "Turmfalke")
    assert total == len(resources)
    with app.app_context():
        drift = check(search_index)
        assert drift.ok and drift.pending == 0


def test_merging_changes_no_search_result(app, resources, create_user, monkeypatch):
    search_index = app.extensions["search_index"]
    member = create_user()
    monkeypatch.setattr(outbox, "wake_drainer", lambda: None)
    edit_in_requests(app, resources, "Turmfalke")
    queries = ("Turmfalke", "Wanderfalke", "Nummer3", "Turmfalke Nummer1")
    unmerged = {q: found(app, member, q) for q in queries}
    assert search_index.merge() >= MERGE_FACTOR
    merged = {q: found(app, member, q) for q in queries}
    assert merged == unmerged
    assert unmerged["Turmfalke"][1] == len(resources)


def test_segments_merge_in_size_tiers(tmp_path):
    search_index = WhooshIndex(tmp_path / "index")
    search_index.create()
    ix = search_index.open()

    def segment(count, start):
        w = ix.writer()
        for n in range(start, start + count):
            w.add_document(id=str(n), title="Wort", status="published", audience="members")
        w.commit(merge=False, mergetype=writing.NO_MERGE)

    segment(100, 0)  # tier 2
    for n in range(MERGE_FACTOR - 1):
        segment(MERGE_FACTOR, 1000 + 100 * n)  # tier 1
    for n in range(MERGE_FACTOR - 1):
        segment(1, 2000 + n)  # tier 0
    assert not search_index.needs_merge()
    assert search_index.merge() == 0
    segment(1, 3000)  # tier 0 is full: merged into one of tier 1, which is then full too
    assert search_index.needs_merge()
    assert search_index.merge() == 2 * MERGE_FACTOR
    assert segment_sizes(search_index) == [MERGE_FACTOR * MERGE_FACTOR, 100]
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 100 + MERGE_FACTOR * MERGE_FACTOR


def test_beyond_max_segments_the_smallest_are_merged_whatever_their_tier(tmp_path, monkeypatch):
    monkeypatch.setattr(search_index_module, "MAX_SEGMENTS", 6)
    search_index = WhooshIndex(tmp_path / "index")
    search_index.create()
    ix = search_index.open()
    start = 0
    for size in (1, 1, 2, 9, 10, 70, 80):  # no tier holds eight
        w = ix.writer()
        for n in range(start, start + size):
            w.add_document(id=str(n), title="Wort", status="published", audience="members")
        w.commit(merge=False, mergetype=writing.NO_MERGE)
        start += size
    assert search_index.needs_merge()
    assert search_index.merge() == 7  # the smallest eight: all seven
    assert segment_sizes(search_index) == [start]
