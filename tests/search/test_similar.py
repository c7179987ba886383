"""Similar entries: the key terms of a resource's text, as Whoosh picks them, from the public
documents' statistics only; and only what the viewer may see."""

import random

import pytest
from whoosh import writing

from portal.auth.models import User
from portal.extensions import db
from portal.resources.access import can_view
from portal.resources.models import Resource
from portal.search import services
from portal.search.engine import SegmentCache
from portal.search.index import Snapshot, WhooshIndex
from tests.helpers import CASE_WORDS, WORKPLACES

WORDS = [*CASE_WORDS, *WORKPLACES]


def write_segment(ix, rng, ids, delete=(), audience="members", words=WORDS):
    """Add documents ``ids`` (and delete ``delete``) in a segment of their own; return the
    added documents."""
    w = ix.writer()
    docs = {}
    for n in ids:
        docs[n] = {
            "id": str(n),
            "status": "published",
            "audience": audience,
            "title": " ".join(rng.choices(words, k=3)),
            "body": " ".join(rng.choices(words, k=rng.randint(3, 80))),
        }
        w.add_document(**docs[n])
    for n in delete:
        w.delete_by_term("id", str(n))
    w.commit(merge=False, mergetype=writing.NO_MERGE)
    return docs


@pytest.fixture
def index(tmp_path):
    """Three segments of random texts, some documents deleted."""
    rng = random.Random(15)
    index = WhooshIndex(tmp_path / "index")
    index.create()
    ix = index.open()
    write_segment(ix, rng, range(0, 120))
    write_segment(ix, rng, range(120, 200), delete=range(0, 120, 7))
    write_segment(ix, rng, range(200, 230), delete=range(120, 200, 9))
    yield index, ix, rng
    index.close()


def texts(rng, count=25):
    return [
        " ".join(rng.choices(WORDS + ["Wortgibtesnicht"], k=rng.randint(1, 200)))
        for _ in range(count)
    ]


def test_key_terms_are_whooshs_over_the_public_documents_only(tmp_path):
    """Picked from an index with hidden and deleted documents, the key terms and weights are
    those Whoosh picks from an index of the live public documents alone."""
    rng = random.Random(15)
    mixed = WhooshIndex(tmp_path / "mixed")
    mixed.create()
    ix = mixed.open()
    public = write_segment(ix, rng, range(0, 120))
    public |= write_segment(ix, rng, range(120, 200), delete=range(0, 120, 7))
    # Hidden documents full of a few words (a draft, another organisation's, the office's).
    heavy = WORDS[:4] * 5 + ["Wortgibtesnicht"]
    write_segment(ix, rng, range(500, 540), audience="org-7", words=heavy)
    write_segment(ix, rng, range(540, 560), audience="office", words=heavy, delete=[201, 5])
    for n in [*range(0, 120, 7), 5]:
        public.pop(n, None)
    alone = WhooshIndex(tmp_path / "public")
    alone.create()
    w = alone.open().writer()
    for doc in public.values():
        w.add_document(**doc)
    w.commit()
    snap = Snapshot(mixed.searcher(), SegmentCache())
    reference = alone.searcher()
    assert snap.engine().stats.doc_count == reference.doc_count_all() == len(public)
    for text in texts(rng):
        expected = reference.key_terms_from_text("body", text, numterms=12)
        found = snap.key_terms("body", text, 12)
        assert [term for term, _ in found] == [term for term, _ in expected]
        assert [weight for _, weight in found] == pytest.approx([w for _, w in expected])
    # The hidden documents do change what Whoosh's own statistics would pick.
    sample = texts(rng)
    whole = [snap.searcher.key_terms_from_text("body", t, numterms=12) for t in sample]
    assert whole != [reference.key_terms_from_text("body", t, numterms=12) for t in sample]
    snap.close()
    reference.close()
    mixed.close()
    alone.close()


@pytest.fixture
def library(app, create_resource, create_org):
    """Resources with overlapping words, some of them hidden, in several index segments."""
    rng = random.Random(3)
    other = create_org(slug="fbs-kiel", name="Fachberatungsstelle Kiel")

    def text():
        return " ".join(rng.choices(WORDS, k=rng.randint(20, 120)))

    visible = [create_resource(title=f"Fall {n} {text()[:60]}", body=text()) for n in range(12)]
    # The hidden ones repeat a visible resource's text, so they would rank first.
    twin = visible[0].body
    hidden = [
        create_resource(title="Entwurf " + text()[:60], body=twin, status="draft"),
        create_resource(title="Intern " + text()[:60], body=twin, visibility="office"),
        create_resource(
            title="Eigenes " + text()[:60], body=twin, visibility="organisation", organisation=other
        ),
        create_resource(title="Archiv " + text()[:60], body=twin, status="archived"),
    ]
    with app.app_context():  # an edit: a deleted document in an older segment
        db.session.get(Resource, visible[3].id).body = text()
        db.session.commit()
    return visible, hidden, other


def similar(app, user, resource_id, limit=20):
    with app.test_request_context():
        viewer = db.session.get(User, user.id)
        resource = db.session.get(Resource, resource_id)
        found = services.similar_resources(viewer, resource, limit=limit)
        assert all(can_view(viewer, r) for r in found)
        return [r.id for r in found]


def test_hidden_resources_do_not_change_what_is_similar(
    app, library, create_user, create_resource, create_org
):
    """Which visible resources are similar, and in which order, does not depend on what hidden
    resources contain (their words would otherwise shift the key terms and their weights)."""
    visible, _, other = library
    member = create_user(organisation=create_org(slug="fbs-flensburg"))
    before = {r.id: similar(app, member, r.id) for r in visible}
    assert any(len(ids) > 3 for ids in before.values())
    heavy = " ".join(WORDS[:3] * 40 + WORDS[10:12] * 25)
    for n in range(6):
        create_resource(title=f"Entwurf {n}", body=heavy, status="draft")
        create_resource(
            title=f"Eigenes {n}", body=heavy, visibility="organisation", organisation=other
        )
    assert {r.id: similar(app, member, r.id) for r in visible} == before


def test_hidden_resources_are_never_similar_entries(app, library, create_user, create_org):
    visible, hidden, _ = library
    member = create_user(organisation=create_org(slug="fbs-sued"))
    hidden_ids = {r.id for r in hidden}
    for resource in visible:
        found = similar(app, member, resource.id, limit=50)
        assert not hidden_ids & set(found)
        assert resource.id not in found
    # Every hidden resource repeats the first one's text: its five most similar entries are
    # still five visible ones (hidden ones are left out before ranking, not after).
    assert len(similar(app, member, visible[0].id, limit=5)) == 5


def test_remembered_terms_stay_within_the_budget(index):
    index, _, _ = index
    segments = SegmentCache()
    segments.TERM_ENTRIES = 40
    searcher = index.searcher()
    leaves = [leaf for leaf, _ in searcher.ixreader.leaf_readers()]
    for btext in searcher.lexicon("body"):
        for leaf in leaves:
            assert segments.has_term(leaf, "body", btext) == (("body", btext) in leaf)
        kept = sum(len(t) for (_, kind, _), t in segments._data.items() if kind == "present")
        assert kept <= 40
    searcher.close()
