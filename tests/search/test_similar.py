"""Similar entries: the key terms of a resource's text, as Whoosh picks them, from cached
per-segment term weights; and only what the viewer may see."""

import random

import pytest
from whoosh import writing
from whoosh.codec.whoosh3 import W3TermsReader

from portal.auth.models import User
from portal.extensions import db
from portal.resources.access import can_view
from portal.resources.models import Resource
from portal.search import services
from portal.search.engine import SegmentCache
from portal.search.index import Snapshot, WhooshIndex

WORDS = [
    "Menschenhandel",
    "Ausbeutung",
    "Arbeitsausbeutung",
    "Zwangsprostitution",
    "Geschädigte",
    "Nebenklage",
    "Aufenthaltserlaubnis",
    "Entschädigung",
    "Lohn",
    "Baustelle",
    "Landwirtschaft",
    "Gaststätte",
    "Pflege",
    "Schleusung",
    "Zeugin",
    "Beweiswürdigung",
    "Revision",
    "Strafzumessung",
    "Bordell",
    "Vermittlung",
    "Schulden",
    "Werkvertrag",
    "Saisonarbeit",
    "Fleischindustrie",
    "Paketdienst",
    "Reinigung",
    "Haushalt",
    "Erntehilfe",
]


def write_segment(ix, rng, ids, delete=()):
    """Add documents ``ids`` (and delete ``delete``) in a segment of their own."""
    w = ix.writer()
    for n in ids:
        w.add_document(
            id=str(n),
            status="published",
            audience="members",
            title=" ".join(rng.choices(WORDS, k=3)),
            body=" ".join(rng.choices(WORDS, k=rng.randint(3, 80))),
        )
    for n in delete:
        w.delete_by_term("id", str(n))
    w.commit(merge=False, mergetype=writing.NO_MERGE)


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


def test_key_terms_are_whooshs_over_segments_with_deletions(index):
    index, ix, rng = index
    segments = SegmentCache()
    for _ in range(2):  # the second time over one more segment, with the cache of the first
        snap = Snapshot(index.searcher(), segments)
        assert len(snap.searcher.leaf_searchers()) >= 3
        for text in texts(rng):
            expected = snap.searcher.key_terms_from_text("body", text, numterms=12)
            assert snap.key_terms("body", text, 12) == expected
        snap.close()
        write_segment(ix, rng, range(230, 240), delete=[201, 5])


def test_key_terms_look_up_each_term_once_per_segment(index, monkeypatch):
    index, ix, rng = index
    lookups = []
    frequency = W3TermsReader.frequency
    contains = W3TermsReader.__contains__

    def counting_frequency(self, fieldname, btext):
        lookups.append(btext)
        return frequency(self, fieldname, btext)

    def counting_contains(self, term):
        lookups.append(term[1])
        return contains(self, term)

    monkeypatch.setattr(W3TermsReader, "frequency", counting_frequency)
    monkeypatch.setattr(W3TermsReader, "__contains__", counting_contains)
    text = " ".join(WORDS)
    segments = SegmentCache()
    snap = Snapshot(index.searcher(), segments)
    first = snap.key_terms("body", text, 12)
    terms = set(lookups)
    assert len(terms) > len(WORDS)  # compounds add their parts
    lookups.clear()
    assert snap.key_terms("body", text, 12) == first
    assert lookups == []
    # After a change only the new segment is asked (whether and how often it has each term).
    write_segment(ix, rng, [300])
    new = Snapshot(index.searcher(), segments)
    new.key_terms("body", text, 12)
    assert set(lookups) == terms and len(lookups) <= 2 * len(terms)


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


def test_similar_entries_are_those_whooshs_key_terms_give(
    app, library, create_user, member_org, office, monkeypatch
):
    visible, hidden, other = library
    viewers = [
        create_user(organisation=member_org),  # owns the draft
        create_user(organisation=other),
        create_user(role="editor", organisation=office),
    ]
    resources = [r.id for r in visible + hidden]
    now = {(u.id, r): similar(app, u, r) for u in viewers for r in resources}
    monkeypatch.setattr(
        Snapshot,
        "key_terms",
        lambda self, fieldname, text, number: self.searcher.key_terms_from_text(
            fieldname, text, numterms=number
        ),
    )
    before = {(u.id, r): similar(app, u, r) for u in viewers for r in resources}
    assert now == before
    assert any(len(ids) > 3 for ids in now.values())


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
    index, _, rng = index
    segments = SegmentCache()
    segments.TERM_ENTRIES = 40
    snap = Snapshot(index.searcher(), segments)
    for text in texts(rng, 10):
        expected = snap.searcher.key_terms_from_text("body", text, numterms=12)
        assert snap.key_terms("body", text, 12) == expected
        kept = sum(len(t) for (_, kind, _), t in segments._data.items() if kind == "weights")
        assert kept <= 40
    snap.close()
