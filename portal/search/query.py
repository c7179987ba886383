"""The search box language, parsed by hand so users can reach only what is documented.

Documented syntax (see templates/search/help.html):

- plain words: all must match (``Ausbeutung Landwirtschaft``); stop words are ignored
- ``"exact phrase"``; ``-word`` or ``-"phrase"`` excludes; ``a OR b`` either word
- ``word*``: words starting with at least 3 letters (the expansion is capped)
- field filters ``name:value`` or ``name:"two words"`` with the names in ``FIELDS``
- file numbers ("3 StR 123/19", "3StR123/19", "4 St RR 181/05" as "4StRR181/05"), ECLIs
  ("ECLI:DE:BGH:2019:120319B3STR123.19.0", any case and spacing) and norms ("§ 232a StGB",
  "232a StGB", "StGB 232a", "§25 Abs.4a AufenthG") anywhere in the query; resources that carry
  them rank first

Everything else is text: unknown ``name:`` prefixes, brackets, ``~``, ``^``, ranges, stray
quotes and stars. Input is capped at ``MAX_LENGTH`` characters and ``MAX_CLAUSES`` clauses, so
parsing takes well under a millisecond per clause and never raises.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from whoosh.query import And, AndNot, NullQuery, Or, Phrase, Query, Term
from whoosh.query.compound import PreloadedOr

from portal.legal.citations import Norm, extract_norms, parse_norm
from portal.legal.file_numbers import (
    ECLI_PATTERN,
    ecli_key,
    file_number_keys,
    normalise_file_number,
)
from portal.resources.models import LEGAL_AREAS
from portal.search.analysis import fold, german_analyzer, stem_term
from portal.search.engine import Combined
from portal.search.index import SNIPPET_FIELDS, TEXT_FIELDS
from portal.search.mentions import find_file_numbers, find_norms

MAX_LENGTH = 500
MAX_CLAUSES = 30
MIN_PREFIX = 3
MAX_PREFIX_TERMS = 24
#: Expansions of a prefix looked at per field (in term order) to pick the most frequent.
PREFIX_CANDIDATES = 5 * MAX_PREFIX_TERMS
DESCRIBE_MAX_LENGTH = 5000
#: Fields a description is compared with, and their weights in the combined field (BM25F).
DESCRIBE_FIELDS = {"title": 2.0, "summary": 1.0, "body": 1.0, "attachments": 0.5, "topic_text": 1.5}
#: BM25F saturation and length normalisation for descriptions.
DESCRIBE_K1 = 1.6
DESCRIBE_B = 0.9
#: Saturation of a word's count in the description (BM25's k3).
DESCRIBE_K3 = 1.2
#: Weight of cited norms and file numbers against the words.
DESCRIBE_CITATION_BOOST = 1.0

#: Boost of an exact file number, ECLI or norm match: carriers rank above mere mentions. Text
#: scores reach a few dozen (a phrase in several fields, idf over the public documents), so
#: the boost must be far above them: with 25, a decoy citing "3 StR 123/19" in its summary
#: outranked the decision itself once 2,400 BGB sections were in the index.
EXACT_BOOST = 1000.0
#: Boost of a norm the text mentions (as the title's weight for a word).
NORM_MENTION_BOOST = 4.0

#: Documented field names (German first) and the clause kind each maps to.
FIELDS: dict[str, str] = {
    "titel": "title",
    "title": "title",
    "gericht": "court",
    "court": "court",
    "az": "file_number",
    "aktenzeichen": "file_number",
    "file": "file_number",
    "norm": "norm",
    "paragraph": "norm",
    "typ": "type",
    "art": "type",
    "type": "type",
    "thema": "topic",
    "topic": "topic",
    "tag": "tag",
    "schlagwort": "tag",
    "jahr": "year",
    "year": "year",
    "rechtsgebiet": "legal_area",
    "area": "legal_area",
    "sprache": "language",
    "language": "language",
    "organisation": "organisation",
    "org": "organisation",
}

TYPE_WORDS = {
    "case_law": ("rechtsprechung", "entscheidung", "urteil", "beschluss", "case_law", "caselaw"),
    "training_material": ("schulung", "schulungsmaterial", "training", "training_material"),
    "position_paper": ("stellungnahme", "positionspapier", "position", "position_paper"),
}
LANGUAGE_WORDS = {"de": ("de", "deutsch", "german"), "en": ("en", "englisch", "english")}

# Fields a phrase is looked for in (all have positions).
PHRASE_FIELDS = ("title", "summary", "body", "attachments", "topic_text", "tag_text", "meta")
PREFIX_FIELDS = ("title", "summary", "body", "attachments", "topic_text")


@dataclass
class Clause:
    kind: str  # word, phrase, prefix, field, norm, file_number, ecli
    text: str
    field: str = ""
    negated: bool = False


@dataclass
class ParsedQuery:
    """The user's query as clauses: ``groups`` are ANDed, the clauses of a group ORed."""

    raw: str
    groups: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def words(self) -> list[str]:
        """Plain words (no phrase, field or prefix): the candidates for "did you mean"."""
        return [c.text for group in self.groups for c in group if c.kind == "word"]


# --- parsing ---------------------------------------------------------------------------


_TOKEN = re.compile(
    r"""(?P<neg>-)?(?:(?P<field>[A-Za-zÄÖÜäöü]+):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"()]+))"""
)
_WORDISH = re.compile(r"\w", re.UNICODE)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")[:MAX_LENGTH]
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def parse(raw: str) -> ParsedQuery:
    """Parse a search box query; never raises, whatever the input."""
    text = _clean(raw)
    parsed = ParsedQuery(raw=text)
    if len(raw or "") > MAX_LENGTH:
        parsed.notes.append("truncated")

    # Citations first: their spelling varies too much for the word tokenizer. Inside quotes
    # they stay part of the phrase.
    quoted = [(m.start(), m.end()) for m in re.finditer(r'"[^"]*"?', text)]

    def free(start: int, end: int, taken) -> bool:
        return not any(s < end and start < e for s, e, *_ in taken)

    spans: list[tuple[int, int, Clause]] = []
    for m in ECLI_PATTERN.finditer(text):
        if free(m.start(), m.end(), quoted):
            spans.append((m.start(), m.end(), Clause("ecli", ecli_key(m.group(0)))))
    for start, end, key in find_file_numbers(text):
        if free(start, end, quoted) and free(start, end, spans):
            spans.append((start, end, Clause("file_number", key)))
    for start, end, key in find_norms(text):
        if free(start, end, quoted) and free(start, end, spans):
            spans.append((start, end, Clause("norm", key)))
    spans.sort(key=lambda item: item[0])
    placeholders: dict[str, Clause] = {}
    pieces, position = [], 0
    for i, (start, end, clause) in enumerate(spans):
        cut = start
        if start > 0 and text[start - 1] == "-":
            clause.negated, cut = True, start - 1
        token = f"\x00{i}"
        placeholders[token] = clause
        pieces.extend((text[position:cut], f" {token} "))
        position = end
    pieces.append(text[position:])
    rest = "".join(pieces)

    join_next = False
    count = 0
    for m in _TOKEN.finditer(rest):
        if count >= MAX_CLAUSES:
            parsed.notes.append("too_many_terms")
            break
        word = m["word"]
        if word in placeholders:
            clause = placeholders[word]
        elif m["phrase"] is None and word == "OR" and not m["neg"] and not m["field"]:
            join_next = bool(parsed.groups)
            continue
        else:
            clause = _clause(m, parsed)
            if clause is None:
                continue
        count += 1
        if clause.negated:
            parsed.excluded.append(clause)
        elif join_next and parsed.groups:
            parsed.groups[-1].append(clause)
        else:
            parsed.groups.append([clause])
        join_next = False
    return parsed


def _clause(m: re.Match, parsed: ParsedQuery) -> Clause | None:
    negated = bool(m["neg"])
    name = (m["field"] or "").lower()
    value = m["phrase"] if m["phrase"] is not None else m["word"]
    if name and name not in FIELDS:
        # Not a documented field: the whole token is text ("audience:office").
        value = f"{m['field']} {value}"
        name = ""
    value = value.strip()
    if not value or not _WORDISH.search(value):
        return None
    if name:
        return Clause("field", value, field=FIELDS[name], negated=negated)
    if m["phrase"] is not None:
        return Clause("phrase", value, negated=negated)
    if value.endswith("*"):
        stem = value.rstrip("*").replace("*", "").replace("?", "")
        if len(stem) >= MIN_PREFIX and stem.isalnum():
            return Clause("prefix", stem, negated=negated)
        parsed.notes.append("short_prefix")
        value = stem
    value = value.replace("*", " ").replace("?", " ").strip()
    if not value or not _WORDISH.search(value):
        return None
    return Clause("word", value, negated=negated)


# --- compiling to Whoosh queries --------------------------------------------------------


def analyse(text: str) -> list[str]:
    """Index terms of query text (stop words dropped, folded, stemmed)."""
    return [t.text for t in german_analyzer()(text, mode="query")]


class Compiler:
    """Turns clauses into Whoosh queries against one reader (terms absent there are skipped)."""

    def __init__(self, reader, frequencies: dict[tuple, object] | None = None, segments=None):
        self.reader = reader
        #: Term presence by (field, term) and prefix expansions; pass the snapshot's to share
        #: them between searches on the same index state (``Snapshot.frequencies``).
        self._frequencies = {} if frequencies is None else frequencies
        #: The snapshot's ``SegmentCache``: presence is then asked per segment and remembered
        #: there across snapshots (after a change only the new segment is looked up).
        self._segments = segments
        #: Terms to highlight in the hits besides the query's own (the words of norms).
        self.highlight: list[Query] = []

    def has(self, fieldname: str, term: str) -> bool:
        """Whether any document (live or deleted) has ``term`` in ``fieldname``."""
        key = (fieldname, term)
        found = self._frequencies.get(key)
        if found is None:
            found = self._present(fieldname, term)
            self._frequencies[key] = found
        return found > 0

    def _present(self, fieldname: str, term: str) -> int:
        try:
            if self._segments is None:
                return self.reader.doc_frequency(fieldname, term)
            btext = self.reader.schema[fieldname].to_bytes(term)
        except (KeyError, ValueError):
            return 0
        readers = getattr(self.reader, "readers", None) or [self.reader]
        return int(any(self._segments.has_term(r, fieldname, btext) for r in readers))

    def term_anywhere(self, term: str, fields=TEXT_FIELDS, factor: float = 1.0) -> Query:
        queries = [
            Term(name, term, boost=TEXT_FIELDS[name] * factor)
            for name in fields
            if self.has(name, term)
        ]
        return _or(queries)

    def phrase(self, terms: list[str], fields, factor: float = 1.0) -> Query:
        if not terms:
            return NullQuery
        if len(terms) == 1:
            return self.term_anywhere(terms[0], fields, factor)
        queries = [
            Phrase(name, terms, boost=TEXT_FIELDS[name] * factor)
            for name in fields
            if all(self.has(name, term) for term in terms)
        ]
        return _or(queries)

    def words(self, text: str) -> Query:
        terms = analyse(text)
        if not terms:
            return None  # only stop words
        if len(terms) == 1:
            return self.term_anywhere(terms[0])
        # One typed token, several terms ("e-Mail", "12.03.2018/19"): all of them.
        return _and([self.term_anywhere(term) for term in terms])

    def prefix(self, text: str) -> Query:
        prefix = stem_term(text.lower())
        if len(prefix) < MIN_PREFIX:
            prefix = fold(text)
        frequency: dict[str, int] = {}
        for name in PREFIX_FIELDS:
            for term, count in self._expansions(name, prefix).items():
                frequency[term] = frequency.get(term, 0) + count
        best = sorted(frequency, key=lambda t: -frequency[t])[:MAX_PREFIX_TERMS]
        queries = [
            Term(name, term, boost=TEXT_FIELDS[name] * 0.8)
            for term in best
            for name in PREFIX_FIELDS
            if self.has(name, term)
        ]
        # As for descriptions: an array beats the tree of union matchers (2.6x at 10,000
        # documents); the search records the matched terms of the page's hits afterwards.
        return PreloadedOr(queries) if len(queries) > 12 else _or(queries)

    def _expansions(self, fieldname: str, prefix: str) -> dict[str, int]:
        """The first ``PREFIX_CANDIDATES`` terms of a field starting with ``prefix`` (in term
        order), with their document frequencies.

        One pass over each segment's terms, reading the frequencies on the way: a term among
        the first n of the whole index is among the first n of every segment holding it, so
        the sums are complete (a lookup per term and segment cost half of a prefix search).
        """
        key = ("prefix", fieldname, prefix)
        found = self._frequencies.get(key)
        if found is not None:
            return found
        counts: dict[bytes, int] = {}
        for reader in getattr(self.reader, "readers", None) or [self.reader]:
            for n, (btext, info) in enumerate(reader.iter_prefix(fieldname, prefix)):
                if n >= PREFIX_CANDIDATES:
                    break
                counts[btext] = counts.get(btext, 0) + info.doc_frequency()
        found = {btext.decode("utf-8"): counts[btext] for btext in sorted(counts)}
        found = dict(list(found.items())[:PREFIX_CANDIDATES])
        for term, count in found.items():
            self._frequencies[fieldname, term] = count
        self._frequencies[key] = found
        return found

    def file_number(self, text: str) -> Query:
        """Resources with this file number (first: any spelling), then those mentioning it."""
        mention = self.phrase(
            analyse(normalise_file_number(text)), ("file_number", "title", "summary", "body")
        )
        for key in file_number_keys(text):
            if self.has("file_number_key", key):
                return _or([Term("file_number_key", key, boost=EXACT_BOOST), mention])
        return mention

    def ecli(self, key: str) -> Query:
        """The resource with this ECLI, else the words of the ECLI where they occur."""
        if self.has("ecli_key", key):
            return Term("ecli_key", key, boost=EXACT_BOOST)
        return self.phrase(analyse(key.replace(":", " ")), ("meta", "body", "summary"))

    def norm(self, key: str) -> Query:
        """Resources that carry the norm or a provision within it (first), then those whose
        text mentions it: "§ 25 AufenthG" finds "§ 25 Abs. 4a Satz 3 AufenthG" too, while
        "§ 25 Abs. 4a AufenthG" finds neither "§ 25 Abs. 4b" nor the whole "§ 25"."""
        norm = Norm.from_key(key)
        # The words of the citation, for highlighting only: matching uses the keys.
        for term in analyse(norm.label if norm else key):
            self.highlight.extend(
                Term(name, term) for name in SNIPPET_FIELDS if self.has(name, term)
            )
        queries = [
            Term("norm_tree", key, boost=EXACT_BOOST),
            Term("norm_mention", key, boost=NORM_MENTION_BOOST),
        ]
        return _or([q for q in queries if self.has(q.fieldname, key)])

    def field(self, clause: Clause) -> Query:
        kind, value = clause.field, clause.text
        if kind == "title":
            return self.phrase(analyse(value), ("title",))
        if kind == "court":
            return self.phrase(analyse(value), ("court",))
        if kind == "topic":
            return self.phrase(analyse(value), ("topic_text",))
        if kind == "tag":
            return self.phrase(analyse(value), ("tag_text",))
        if kind == "organisation":
            return self.phrase(analyse(value), ("organisation_text",))
        if kind == "file_number":
            return self.file_number(value)
        if kind == "norm":
            norm = parse_norm(value)
            if norm is None:
                return self.phrase(analyse(value), ("norm_text",))
            return self.norm(norm.key)
        if kind == "type":
            slug = _lookup(value, TYPE_WORDS)
            return Term("type", slug) if slug else NullQuery
        if kind == "language":
            code = _lookup(value, LANGUAGE_WORDS)
            return Term("language", code) if code else NullQuery
        if kind == "year":
            return Term("year", value) if re.fullmatch(r"\d{4}", value) else NullQuery
        if kind == "legal_area":
            slug = legal_area_slug(value)
            return Term("legal_area", slug) if slug else NullQuery
        return NullQuery

    def clause(self, clause: Clause) -> Query | None:
        if clause.kind == "word":
            return self.words(clause.text)
        if clause.kind == "phrase":
            return self.phrase(analyse(clause.text), PHRASE_FIELDS)
        if clause.kind == "prefix":
            return self.prefix(clause.text)
        if clause.kind == "file_number":
            return self.file_number(clause.text)
        if clause.kind == "norm":
            return self.norm(clause.text)
        if clause.kind == "ecli":
            return self.ecli(clause.text)
        if clause.kind == "field":
            return self.field(clause)
        return None

    def compile(self, parsed: ParsedQuery, any_word: bool = False) -> Query | None:
        """The Whoosh query: all groups (or, with ``any_word``, any), minus the excluded."""
        groups = []
        for group in parsed.groups:
            queries = [q for q in (self.clause(c) for c in group) if q is not None]
            if queries:
                groups.append(_or(queries))
        if not groups:
            return None
        positive = _or(groups) if any_word else _and(groups)
        excluded = [q for q in (self.clause(c) for c in parsed.excluded) if q is not None]
        excluded = [q for q in excluded if q is not NullQuery]
        return AndNot(positive, _or(excluded)) if excluded else positive

    def describe(self, text: str) -> Query | None:
        """A case description: any word, scored as BM25F over the text fields; no syntax.

        Every word counts, weighted by how often the description uses it (saturated, as
        BM25 does for documents); the engine gives each its idf over the public documents
        (see ``portal.search.engine.Combined``). Norms and file numbers the description
        cites rank the resources that carry them higher.
        """
        text = unicodedata.normalize("NFKC", text or "")[:DESCRIBE_MAX_LENGTH]
        counts: dict[str, int] = {}
        for term in analyse(text):
            if len(term) > 1 and not term.isdigit():
                counts[term] = counts.get(term, 0) + 1
        weights = [
            (term, (DESCRIBE_K3 + 1) * count / (DESCRIBE_K3 + count))
            for term, count in counts.items()
        ]
        queries: list[Query] = []
        if weights:
            queries.append(
                Combined(
                    weights,
                    DESCRIBE_FIELDS,
                    k1=DESCRIBE_K1,
                    b=DESCRIBE_B,
                )
            )
        citations = [self.norm(norm.key) for norm in extract_norms(text)[:10]]
        citations += [self.file_number(key) for _, _, key in find_file_numbers(text)[:5]]
        citations = [q for q in citations if q is not NullQuery]
        if citations and DESCRIBE_CITATION_BOOST > 0:
            queries.append(Or(citations, boost=DESCRIBE_CITATION_BOOST))
        if not queries:
            return None
        return queries[0] if len(queries) == 1 else Or(queries)


def _or(queries: list[Query]) -> Query:
    queries = [q for q in queries if q is not NullQuery]
    if not queries:
        return NullQuery
    return queries[0] if len(queries) == 1 else Or(queries)


def _and(queries: list[Query]) -> Query:
    if not queries or any(q is NullQuery for q in queries):
        return NullQuery
    return queries[0] if len(queries) == 1 else And(queries)


def _lookup(value: str, table: dict[str, tuple[str, ...]]) -> str | None:
    key = fold(value).strip()
    for slug, words in table.items():
        if key in words or key == slug:
            return slug
    return None


def legal_area_slug(value: str) -> str | None:
    """The legal area slug for a typed name ("Aufenthaltsrecht", "aufenthaltsrecht")."""

    key = fold(value).strip()
    for slug, label in LEGAL_AREAS.items():
        if key in (slug, fold(str(label))):
            return slug
    return None
