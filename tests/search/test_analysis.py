"""How the German analyzers turn text into search terms, and which query finds which text.

Most cases build a tiny real Whoosh index with one ``TEXT`` field using ``german_analyzer()``
and search it with Whoosh's ``QueryParser``, exactly as the portal's search will.
"""

import json
import pickle
import re
import time
from pathlib import Path

import pytest
from whoosh import fields, index
from whoosh.analysis import StandardAnalyzer
from whoosh.highlight import UppercaseFormatter
from whoosh.qparser import QueryParser

from portal.search.analysis import (
    compound_parts,
    fold,
    german_analyzer,
    german_stop_words,
    keyword_analyzer,
    spelling_analyzer,
    spelling_form_analyzer,
    spelling_word,
    split_compound,
    stem_term,
)

LER_CORPUS = (
    Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "ler_decisions.jsonl"
)

UNRELATED = "Das Wetter in Hamburg war gestern freundlich."


def terms(text, **kwargs):
    return [t.text for t in german_analyzer()(text, **kwargs)]


@pytest.fixture
def make_index(tmp_path):
    """Return a callable that indexes texts and returns a ``search(query) -> ids`` callable."""

    def make(*texts, spelling=False):
        schema = fields.Schema(
            id=fields.ID(stored=True),
            body=fields.TEXT(analyzer=german_analyzer(), stored=True, spelling=spelling),
        )
        ix = index.create_in(tmp_path, schema)
        with ix.writer() as writer:
            for number, text in enumerate(texts):
                writer.add_document(id=str(number), body=text)
        # Reopen, so the schema (and analyzer) goes through pickling like in production.
        ix = index.open_dir(tmp_path)

        def search(query):
            with ix.searcher() as searcher:
                parsed = QueryParser("body", ix.schema).parse(query)
                return {hit["id"] for hit in searcher.search(parsed, limit=None)}

        search.index = ix
        return search

    return make


FINDS = [
    # Umlauts, their transliteration and plain vowels are one spelling, both ways.
    ("Geschädigte", "Die Geschaedigte sagte aus."),
    ("Geschaedigte", "Die Geschädigte sagte aus."),
    ("Geschadigte", "Die Geschädigte sagte aus."),
    ("Geschädigte", "Die Geschadigte sagte aus."),
    ("Zeugenaussage", "Die ZEUGENAUSSAGE wurde verlesen."),
    ("Prüfung", "Die Pruefung ergab nichts."),
    ("Führerschein", "Der Fuehrerschein wurde einbehalten."),
    ("Behoerde", "Die Behörde entschied."),
    ("Gebühr", "Eine Gebuehr wurde erhoben."),
    # ß and ss
    ("Straße", "Sie arbeitete auf der Strasse."),
    ("Strasse", "Sie arbeitete auf der Straße."),
    ("Maßnahme", "Die Massnahme war rechtswidrig."),
    # Upper and lower case
    ("aufenthaltsgesetz", "Nach dem Aufenthaltsgesetz gilt Folgendes."),
    ("AUFENTHALTSGESETZ", "nach dem aufenthaltsgesetz"),
    # Word forms (German Snowball stemming)
    ("Geschädigte", "Die Rechte der Geschädigten wurden gestärkt."),
    ("Geschädigten", "Die Geschädigte sagte aus."),
    ("Urteil", "Die Urteile wurden aufgehoben."),
    ("Urteile", "In den Urteilen heißt es dazu."),
    ("Urteilen", "Das Urteil ist rechtskräftig."),
    ("Entschädigungen", "Die Entschädigung wurde gezahlt."),
    ("Menschenhandels", "Sie war Opfer von Menschenhandel."),
    ("Menschenhandel", "Die Opfer des Menschenhandels erhalten Schutz."),
    # Compound parts are indexed along with the compound ...
    ("Ausbeutung", "Ein Fall von Arbeitsausbeutung in der Fleischindustrie."),
    ("Arbeit", "Ein Fall von Arbeitsausbeutung in der Fleischindustrie."),
    ("Handel", "Sie war Opfer von Menschenhandel."),
    ("Prostitution", "Sie wurde zur Zwangsprostitution gebracht."),
    ("Zwang", "Sie wurde zur Zwangsprostitution gebracht."),
    ("Entschädigung", "Der Entschädigungsanspruch verjährt nicht."),
    ("Verfahren", "Das Strafverfahren wurde eingestellt."),
    ("Strafe", "Das Strafverfahren wurde eingestellt."),
    ("Hilfe", "Sie beantragte Prozesskostenhilfe."),
    ("Opfer", "Ein Menschenhandelsopfer sagte aus."),
    ("Händler", "Den Menschenhändlern drohen hohe Strafen."),
    ("Gesetz", "Nach dem Aufenthaltsgesetz gilt Folgendes."),
    ("Zeuge", "Die Zeugenaussage wurde verlesen."),
    ("Vertretung", "Die Nebenklagevertretung beantragte Akteneinsicht."),
    ("Kind", "Kinderhandel ist strafbar."),
    # Runs of adjacent parts are indexed too: the head of a compound is its tail.
    ("Beratungsstelle", "Die Fachberatungsstellen begleiten Betroffene."),
    ("Arbeitsgericht", "Das Bundesarbeitsgericht hat entschieden."),
    ("Menschenhandel", "Ein Menschenhandelsopfer sagte aus."),
    # ... also when the compound is written with transliterated umlauts.
    ("Entschädigung", "Der Entschaedigungsanspruch verjährt nicht."),
    # ... and a phrase may use a part in place of the compound.
    ('"Ausbeutung von Frauen"', "Die Arbeitsausbeutung von Frauen nimmt zu."),
    # Numbers and paragraph letters stay terms, even single digits.
    ("232a", "Strafbar nach § 232a StGB."),
    ("§ 232a", "Strafbar nach § 232a StGB."),
    ("4", "Art. 4 EMRK verbietet Sklaverei."),
    ('"Art. 4 EMRK"', "Art. 4 EMRK verbietet Sklaverei."),
    ("EMRK", "Art. 4 EMRK verbietet Sklaverei."),
    # Stop words in a query are dropped, not required.
    ("Opfer von Menschenhandel", "Sie war ein Opfer von Menschenhandel."),
    ("für Betroffene", "Beratung fuer Betroffene"),
    # The noun "Würde" is not a stop word.
    ("Würde", "Die Würde des Menschen ist unantastbar."),
]


@pytest.mark.parametrize(("query", "text"), FINDS)
def test_a_query_finds_the_text(make_index, query, text):
    search = make_index(text, UNRELATED)
    assert search(query) == {"0"}


MISSES = [
    # Queries are not split into parts: a compound finds only itself ...
    ("Arbeitsausbeutung", "Die Ausbeutung der Arbeitskraft ist strafbar."),
    ("Menschenhandel", "Der Handel mit Waffen ist verboten."),
    # ... and a part does not find other words that merely start with it.
    ("Handel", "Die Handlung war strafbar."),
    ("Recht", "Das war eine Rechnung."),
    # Parts are only split off when the whole word is made of known parts.
    ("Haft", "Er handelte schuldhaft."),
    # Folding does not invent letters: ß is ss, never a single s.
    ("Straße", "Sie wohnt in der Strase."),
    # Numbers are not stemmed or split.
    ("232", "Strafbar nach § 232a StGB."),
]


@pytest.mark.parametrize(("query", "text"), MISSES)
def test_a_query_does_not_find_the_text(make_index, query, text):
    search = make_index(text, UNRELATED)
    assert search(query) == set()


def test_stop_words_are_not_indexed(make_index):
    search = make_index(
        "Die Opfer und die Zeugen werden von der Polizei für das Verfahren befragt."
    )
    with search.index.searcher() as searcher:
        indexed = {term.decode() for term in searcher.lexicon("body")}
    assert indexed.isdisjoint({"die", "und", "von", "der", "fur", "das", "werden"})
    assert {"opf", "zeug", "polizei", "verfahr"} <= indexed


def test_a_query_of_stop_words_only_finds_nothing(make_index):
    search = make_index("Die Opfer und die Zeugen")
    assert search("und die") == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Art. 4 EMRK", ["art", "4", "emrk"]),
        ("§ 232a StGB", ["232a", "stgb"]),
        ("§§ 232, 233a", ["232", "233a"]),
        ("Geschädigte Geschaedigte Geschadigte GESCHÄDIGTEN", ["geschadigt"] * 4),
        ("Straße Strasse", ["strass", "strass"]),
        ("Steuer Frauen neue Quelle", ["steu", "frau", "neu", "quell"]),
        ("z.B. am 12.03.2018 rund 1.500 Euro", ["12.03.2018", "rund", "1.500", "euro"]),
        ("für fuer fur über ueber daß dass", []),
    ],
)
def test_terms_of_a_text(text, expected):
    assert terms(text, mode="query") == expected


def test_compound_parts_follow_the_compound_at_its_position():
    tokens = [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in german_analyzer()("Arbeitsausbeutung von Frauen", positions=True, chars=True)
    ]
    assert tokens == [
        ("arbeitsausbeut", 0, 0, 17),
        ("arbeit", 0, 0, 17),
        ("ausbeut", 0, 0, 17),
        ("frau", 1, 22, 28),
    ]


def test_queries_are_not_split_into_compound_parts():
    assert terms("Arbeitsausbeutung", mode="query") == ["arbeitsausbeut"]
    assert terms("Arbeitsausbeutung", mode="index") == ["arbeitsausbeut", "arbeit", "ausbeut"]


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("Arbeitsausbeutung", ("arbeit", "ausbeutung")),
        ("Menschenhandel", ("menschen", "handel")),
        (
            "Menschenhandelsopfer",
            ("menschen", "handel", "opfer", "menschenhandel", "handelsopfer"),
        ),
        ("Zwangsprostitution", ("zwang", "prostitution")),
        (
            "Fachberatungsstellen",
            ("fach", "beratung", "stelle", "fachberatung", "beratungsstelle"),
        ),
        ("Strafverfahren", ("straf", "verfahren")),  # "Strafe" with its final e dropped
        ("Grenzkontrolle", ("grenze", "kontrolle")),
        ("Kinderhandel", ("kind", "handel")),  # linking -er-
        ("Schmerzensgeld", ("schmerz", "geld")),  # linking -ens-
        ("Zeugenaussage", ("zeuge", "aussage")),  # linking -n-
        ("Entschädigungsansprüche", ("entschadigung", "anspruch")),
        ("Menschenrechtslage", ("menschenrecht", "menschen", "recht", "lage")),
        # Not compounds of known parts:
        ("Ausbeutung", ()),
        ("Verfahren", ()),
        ("Handlung", ()),
        ("schuldhaft", ()),
        ("Lagerbestand", ()),
        ("232a", ()),
        ("a" * 10_000, ()),
    ],
)
def test_split_compound(word, parts):
    assert split_compound(word) == parts


@pytest.mark.slow  # asserts a duration: runs alone, after the parallel part
def test_splitting_a_very_long_token_is_quick():
    started = time.perf_counter()
    terms("Menschenhandel" * 1_000)
    assert time.perf_counter() - started < 0.5


def test_spelling_words_are_surface_words_not_stems():
    text = "Die Geschädigte erhielt Entschädigung wegen Arbeitsausbeutung."
    expected = ["geschädigte", "erhielt", "entschädigung", "wegen", "arbeitsausbeutung"]
    assert [t.text for t in spelling_analyzer()(text)] == expected
    # What TEXT(spelling=True) stores for "did you mean":
    assert terms(text, no_morph=True) == expected


def test_the_spelling_field_keeps_words_with_capitals_as_written_beside_their_lower_case():
    text = "Die Geschädigte und der EGMR: sexuelle Aus\u00adbeutung, Sexuelle Gewalt."
    assert [t.text for t in spelling_form_analyzer()(text)] == [
        "geschädigte|Geschädigte",
        "egmr|EGMR",
        "sexuelle",
        "ausbeutung|Ausbeutung",
        "sexuelle|Sexuelle",
        "gewalt|Gewalt",
    ]
    # The words are those of the lower-case spelling analyzer, one term each.
    words = [spelling_word(t.text) for t in spelling_form_analyzer()(text)]
    assert words == [t.text for t in spelling_analyzer()(text)]


def test_did_you_mean_suggests_words(make_index):
    search = make_index(
        "Die Geschädigte erhielt eine Entschädigung wegen Arbeitsausbeutung.", spelling=True
    )
    with search.index.searcher() as searcher:
        query = QueryParser("body", search.index.schema).parse("Entschädigunk")
        correction = searcher.correct_query(query, "Entschädigunk")
    # Re-parse correction.string; correction.query holds the unstemmed word.
    assert correction.string == "entschädigung"


def test_highlights_mark_the_compound_found_by_its_part(make_index):
    search = make_index("Ein Fall von Arbeitsausbeutung in der Fleischindustrie.")
    with search.index.searcher() as searcher:
        query = QueryParser("body", search.index.schema).parse("Ausbeutung")
        hit = searcher.search(query)[0]
        hit.results.formatter = UppercaseFormatter()
        assert "ARBEITSAUSBEUTUNG" in hit.highlights("body")


def test_the_analyzer_survives_pickling_into_the_index_schema():
    text = "Die Geschaedigten der Arbeitsausbeutung nach § 232b StGB"
    restored = pickle.loads(pickle.dumps(german_analyzer()))  # noqa: S301 - our own bytes
    assert [t.text for t in restored(text)] == terms(text)


def test_text_from_pdfs_with_combining_accents_and_soft_hyphens():
    decomposed = "Gescha\u0308digte Menschen\u00adhandel"
    assert terms(decomposed) == terms("Geschädigte Menschenhandel")


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Geschädigte", "geschadigte"),
        ("Geschaedigte", "geschadigte"),
        ("Straße", "strasse"),
        ("Ökonomie Übergriff", "okonomie ubergriff"),
        ("Steuer Frauen Quelle", "steuer frauen quelle"),  # "ue" after a vowel or q stays
        ("Café Øresund", "cafe oresund"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_stemming_sees_one_spelling():
    assert stem_term("geschädigten") == stem_term("geschaedigten") == stem_term("geschadigten")
    assert stem_term("straße") == stem_term("strasse") == "strass"
    assert stem_term("232a") == "232a"


def test_shipped_word_lists():
    stops = german_stop_words()
    assert {"und", "für", "fuer", "fur", "daß", "dass"} <= stops
    assert stops.isdisjoint({"the", "and", "würde", "art"})  # German only; "Würde" is a noun
    parts = compound_parts()
    assert len(parts) >= 300
    assert all(fold(part) == part and len(part) >= 3 for part in parts)
    assert parts & stops == {"wurde"}  # "Würde" folded; "würde" itself is no stop word


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Arbeitsausbeutung", ["arbeitsausbeutung"]),
        ("Sexuelle Ausbeutung, Arbeitsausbeutung", ["sexulle ausbeutung", "arbeitsausbeutung"]),
        (" Straße ,  , Geschaedigte ", ["strasse", "geschadigte"]),
        ("Geschädigte", ["geschadigte"]),
    ],
)
def test_keyword_analyzer_keeps_each_value_whole(value, expected):
    assert [t.text for t in keyword_analyzer()(value)] == expected


def test_keyword_analyzer_can_split_on_white_space():
    assert [t.text for t in keyword_analyzer(commas=False)("Opfer Schutz")] == ["opfer", "schutz"]


# Real text: passages of German federal court decisions (LER dataset, CC BY 4.0).


@pytest.fixture(scope="module")
def ler_passages():
    if not LER_CORPUS.exists():
        pytest.skip(f"{LER_CORPUS} not found")
    with LER_CORPUS.open(encoding="utf-8") as lines:
        return [json.loads(line)["text"] for _, line in zip(range(300), lines, strict=False)]


def test_real_passages_give_clean_terms(ler_passages):
    for text in ler_passages:
        for term in terms(text):
            assert term and term == term.lower(), term
            assert not re.search(r"[äöüß\s]", term), term


def test_real_passages_are_found_by_word_forms_and_parts(make_index, ler_passages):
    search = make_index(*ler_passages)

    def containing(pattern):
        return {str(i) for i, text in enumerate(ler_passages) if re.search(pattern, text)}

    cases = [
        # query, passages that must be among the hits
        ("Prozesskostenhilfe", containing(r"Prozesskostenhilfe")),
        ("Hilfe", containing(r"Prozesskostenhilfe")),
        ("entschaedigung", containing(r"\bEntschädigung\b")),
        ("Gericht", containing(r"\bGericht\b|Arbeitsgericht|Landgericht")),
        ("Verfahren", containing(r"\bVerfahren\b|Revisionsverfahren|Beschwerdeverfahren")),
        ("Arbeitnehmerin", containing(r"\bArbeitnehmer(in)?\b")),
    ]
    for query, expected in cases:
        assert expected, query
        assert expected <= search(query), query


def test_german_analysis_keeps_more_than_the_standard_analyzer(ler_passages):
    # StandardAnalyzer drops one-letter tokens and knows only English stop words.
    text = ler_passages[0]
    standard = {t.text for t in StandardAnalyzer()(text)}
    assert "8" not in standard
    assert "8" in terms(text)


def test_norm_mentions_become_one_key_each_with_the_provisions_above_it():
    from portal.search.analysis import NormMentionTokenizer

    text = "Nach § 232a Abs. 1 Nr. 2 StGB, Art. 4 EMRK und §25 Abs.4a AufenthG; nicht: § 5 Abs. 2."
    keys = [t.text for t in NormMentionTokenizer()(text)]
    assert keys == [
        "StGB § 232a Abs. 1 Nr. 2",
        "StGB § 232a",
        "StGB § 232a Abs. 1",
        "EMRK Art. 4",
        "AufenthG § 25 Abs. 4a",
        "AufenthG § 25",
    ]
    assert pickle.loads(pickle.dumps(NormMentionTokenizer()))  # noqa: S301 - our own bytes
