""" "Did you mean": words as people write them, never another legal term than typed."""

import random

import numpy as np
import pytest
from whoosh import fields, writing
from whoosh import index as whoosh_index

from portal.search import spelling
from portal.search.analysis import spelling_analyzer
from portal.search.engine import SegmentCache
from portal.search.index import Snapshot, WhooshIndex
from tests.search.test_access import search_as


@pytest.fixture
def library(create_resource, office):
    create_resource(
        title="Urteil des EGMR zur Zwangsprostitution",
        summary="Der EGMR stellte eine Verletzung von Art. 4 EMRK fest.",
        type="case_law",
    )
    create_resource(
        title="Schulung Arbeitsausbeutung",
        summary="Sexuelle Ausbeutung und sexuelle Gewalt; die EMRK schützt Betroffene.",
        type="training_material",
    )
    # Hidden from members: writes the words otherwise, many times.
    for _ in range(3):
        create_resource(title="ZWANGSPROSTITUTION intern", visibility="office", organisation=office)


def test_a_suggestion_is_written_as_the_visible_resources_write_it(app, library, create_user):
    member = create_user()
    assert search_as(app, member, "zwangsprostituton")["suggestion"] == "Zwangsprostitution"
    assert search_as(app, member, "Zwangsprostituton")["suggestion"] == "Zwangsprostitution"
    assert search_as(app, member, "sexuele")["suggestion"] == "sexuelle"
    assert search_as(app, member, "Sexuele")["suggestion"] == "Sexuelle"


def test_the_page_asks_meinten_sie_with_the_noun_capitalised(client, login_as, library):
    login_as("member")
    html = client.get("/search/?q=zwangsprostituton").get_data(as_text=True)
    assert "Meinten Sie" in html and "<strong>Zwangsprostitution</strong>" in html


@pytest.mark.parametrize(
    ("q", "filters"),
    [
        ("EGMR", {"type": "training_material"}),  # the EGMR resource is filtered out
        ("EGMR Arbeitsausbeutung", {}),  # no resource has both: any word
        ("egmr Quokkawort", {}),
        ("EGMR", {"year": "1990"}),
    ],
)
def test_a_legal_term_that_exists_is_never_replaced_by_another(
    app, library, create_user, q, filters
):
    member = create_user()
    suggestion = search_as(app, member, q, filters=filters)["suggestion"] or ""
    assert "emrk" not in suggestion.lower(), (q, suggestion)


def test_a_court_or_law_the_viewer_cannot_find_is_not_turned_into_another(
    app, create_resource, create_user, office
):
    create_resource(title="Zur EMRK", summary="Die EMRK gilt.")
    create_resource(title="EGMR intern", visibility="office", organisation=office)
    member = create_user()
    for q in ("EGMR", "egmr", "StPO"):
        assert search_as(app, member, q)["suggestion"] is None, q
    # An ordinary typo is still corrected.
    assert search_as(app, member, "EMRKK")["suggestion"] == "EMRK"


def test_words_of_hidden_resources_never_become_the_suggestion(
    app, create_resource, create_user, office
):
    create_resource(title="Zwangsarbeit auf dem Bau", summary="Zwangsarbeit und Lohnwucher.")
    for _ in range(4):  # another spelling of the same stem, many times, hidden from members
        create_resource(
            title="Zwangsarbeiten intern",
            summary="Zwangsarbeiten, Zwangsarbeiten.",
            visibility="office",
            organisation=office,
        )
    member = create_user()
    assert search_as(app, member, "zwangsarbeitn")["suggestion"] == "Zwangsarbeit"


# --- the corrector: Whoosh's suggestions, each segment's candidates remembered -----------

SPELL_WORDS = [
    "zwangsprostitution",
    "arbeitsausbeutung",
    "ausbeutung",
    "ausbeuten",
    "aufenthalt",
    "aufenthalte",
    "nebenklage",
    "nebenklagen",
    "zeugin",
    "zeugen",
    "zeuge",
    "bordell",
    "bordelle",
    "baustelle",
    "baustellen",
    "lohn",
    "lohnwucher",
    "mindestlohn",
    "schmerzensgeld",
    "dolmetscher",
    "dolmetscherin",
    "landgericht",
    "beschluss",
]


def typos(word: str) -> list[str]:
    """A letter changed, dropped, doubled, two swapped."""
    return [
        word[:2] + "x" + word[3:],
        word[:3] + word[4:],
        word[:3] + word[3] + word[3:],
        word[:2] + word[3] + word[2] + word[4:],
    ]


@pytest.fixture
def spell_index(tmp_path):
    """Three segments of the words above in varying numbers, some documents deleted."""
    rng = random.Random(9)
    index = WhooshIndex(tmp_path / "index")
    index.create()
    ix = index.open()
    texts = {}

    def segment(ids, delete=()):
        w = ix.writer()
        for n in ids:
            texts[n] = " ".join(rng.choices(SPELL_WORDS, k=rng.randint(1, 9)))
            w.add_document(id=str(n), spell=texts[n])
        for n in delete:
            w.delete_by_term("id", str(n))
            texts.pop(n, None)
        w.commit(merge=False, mergetype=writing.NO_MERGE)

    segment(range(60))
    segment(range(60, 90), delete=range(0, 60, 5))
    segment(range(90, 95))
    yield index, segment, texts
    index.close()


def mask_of(searcher, ids) -> np.ndarray:
    mask = np.zeros(searcher.doc_count_all(), dtype=bool)
    for n in ids:
        mask[searcher.document_number(id=str(n))] = True
    return mask


def test_the_corrector_suggests_what_whoosh_suggests_over_the_visible_documents(
    spell_index, tmp_path
):
    """Candidates and their order are those of Whoosh's corrector over an index of the
    visible documents alone, whatever the hidden ones contain."""
    index, segment, texts = spell_index
    w = index.open().writer()  # hidden documents with words of their own, and many of them
    for n in (400, 401):
        w.add_document(id=str(n), spell="zeugnis zeugnis zeuginnen aufenthalts " * 5)
    w.commit(merge=False, mergetype=writing.NO_MERGE)
    segments = SegmentCache()
    for round_ in range(2):  # again after one more segment, with the first round's cache
        visible = [n for n in texts if n % 3]
        alone = WhooshIndex(tmp_path / f"visible-{round_}")
        alone.create()
        # Two segments: Whoosh measures distances over several segments as the corrector does
        # (a single segment takes another way, which does not count swapped letters as one).
        for part in (visible[::2], visible[1::2]):
            w = alone.open().writer()
            for n in part:
                w.add_document(id=str(n), spell=texts[n])
            w.commit(merge=False, mergetype=writing.NO_MERGE)
        reference = alone.searcher()
        snap = Snapshot(index.searcher(), segments)
        corrector = snap.corrector("spell", mask_of(snap.searcher, visible))
        for word in SPELL_WORDS:
            for typo in [word, *typos(word)]:
                expected = reference.suggest("spell", typo, limit=8, maxdist=2, prefix=1)
                assert corrector.suggest(typo, limit=8, maxdist=2, prefix=1) == expected, typo
        # The hidden third changes what Whoosh's corrector over all documents suggests.
        assert any(
            snap.searcher.suggest("spell", typo, limit=8, maxdist=2, prefix=1)
            != reference.suggest("spell", typo, limit=8, maxdist=2, prefix=1)
            for word in SPELL_WORDS
            for typo in typos(word)
        )
        snap.close()
        reference.close()
        alone.close()
        segment(range(200 + round_ * 10, 205 + round_ * 10), delete=[61, 91])


def test_words_written_in_several_ways_are_suggested_as_over_their_lower_case(tmp_path):
    """The ``spell`` field keeps words with capitals as written ("zeugin|Zeugin"): the
    corrector suggests the lower-case words with the frequencies of all their forms in the
    visible documents, as Whoosh's corrector over those documents' lower-case words."""
    rng = random.Random(4)
    index = WhooshIndex(tmp_path / "index")
    index.create()
    texts = {}
    for part in range(2):
        w = index.open().writer()
        for n in range(part * 40, part * 40 + 40):
            words = rng.choices(SPELL_WORDS, k=rng.randint(1, 9))
            texts[n] = " ".join(
                rng.choice([word, word.capitalize(), word.upper()]) for word in words
            )
            w.add_document(id=str(n), spell=texts[n])
        w.commit(merge=False, mergetype=writing.NO_MERGE)
    visible = [n for n in texts if n % 3]
    lower_case = fields.Schema(
        id=fields.ID(stored=True), spell=fields.TEXT(analyzer=spelling_analyzer(), phrase=False)
    )
    (tmp_path / "visible").mkdir()
    alone = whoosh_index.create_in(str(tmp_path / "visible"), lower_case)
    for part in (visible[::2], visible[1::2]):
        w = alone.writer()
        for n in part:
            w.add_document(id=str(n), spell=texts[n])
        w.commit(merge=False, mergetype=writing.NO_MERGE)
    snap = Snapshot(index.searcher(), SegmentCache())
    corrector = snap.corrector("spell", mask_of(snap.searcher, visible))
    with alone.searcher() as reference:
        for word in SPELL_WORDS:
            for typo in typos(word):
                expected = reference.suggest("spell", typo, limit=8, maxdist=2, prefix=1)
                assert corrector.suggest(typo, limit=8, maxdist=2, prefix=1) == expected, typo
    snap.close()
    index.close()


def test_the_corrector_compares_a_word_once_per_segment(spell_index, monkeypatch):
    index, segment, texts = spell_index
    compared = []
    real = spelling.distance

    def counting(a, b, limit=None):
        compared.append(a)
        return real(a, b, limit=limit)

    monkeypatch.setattr(spelling, "distance", counting)
    segments = SegmentCache()
    snap = Snapshot(index.searcher(), segments)
    everything = mask_of(snap.searcher, texts)
    first = snap.corrector("spell", everything).suggest("zeugn", limit=8, maxdist=2, prefix=1)
    assert "zeugin" in first and compared
    compared.clear()
    again = snap.corrector("spell", everything).suggest("zeugn", limit=8, maxdist=2, prefix=1)
    assert again == first
    assert compared == []
    # After a change: only the new segment's words starting with "z" are compared.
    segment([300])
    new = Snapshot(index.searcher(), segments)
    new.corrector("spell", mask_of(new.searcher, texts)).suggest(
        "zeugn", limit=8, maxdist=2, prefix=1
    )
    with new.searcher.reader().leaf_readers()[-1][0] as last:
        in_last = {t.decode() for t in last.expand_prefix("spell", "z")}
    assert set(compared) <= in_last
