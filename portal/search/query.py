"""The search box language, parsed by hand so users can reach only what is documented.

Documented syntax (see templates/search/help.html):

- plain words: all must match (``Ausbeutung Landwirtschaft``); stop words are ignored
- ``"exact phrase"``; ``-word`` or ``-"phrase"`` excludes; ``a OR b`` either word
- ``word*``: words starting with at least 3 letters (the expansion is capped)
- field filters ``name:value`` or ``name:"two words"`` with the names in ``FIELDS``
- file numbers ("3 StR 123/19", "3StR123/19") and norms ("§ 232a StGB", "232a StGB",
  "StGB 232a", "§25 Abs.4a AufenthG") anywhere in the query; resources that carry them rank first

Everything else is text: unknown ``name:`` prefixes, brackets, ``~``, ``^``, ranges, stray
quotes and stars. Input is capped at ``MAX_LENGTH`` characters and ``MAX_CLAUSES`` clauses, so
parsing takes well under a millisecond per clause and never raises.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh.query import And, AndNot, NullQuery, Or, Phrase, Query, Term
from whoosh.query.compound import PreloadedOr

from portal.legal.citations import KNOWN_BOOKS, canonical_book, extract_norms, parse_norm
from portal.legal.file_numbers import normalise_file_number
from portal.search.analysis import fold, german_analyzer, stem_term
from portal.search.engine import Combined
from portal.search.index import SNIPPET_FIELDS, TEXT_FIELDS

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

#: Boost of an exact file number or norm match: carriers rank above mere mentions.
EXACT_BOOST = 25.0
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
    kind: str  # word, phrase, prefix, field, norm, file_number
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

_BOOK = r"[A-Za-zÄÖÜäöü][A-Za-zÄÖÜäöü/-]*(?: [IVX]{1,5}\b)?"
_SECTION = r"\d{1,4}\s?[a-z]?\b"
_PARTS = r"(?:\s*(?:Abs\.?|Absatz|S\.|Satz|Nr\.?|Nummer|lit\.?|Buchst\.?|UAbs\.?)\s*\d*[a-z]?\b)*"
_NORM_PATTERNS = (
    # "§ 232a StGB", "§25 Abs.4a AufenthG", "Art. 4 EMRK"
    re.compile(rf"(?:§§?|\bArt\.?|\bArtikel)\s*{_SECTION}{_PARTS}\s*(?P<book>{_BOOK})"),
    # "StGB 232a", "StGB § 232a", "EMRK Art. 4"
    re.compile(rf"\b(?P<book>{_BOOK})\s+(?:§\s*|Art\.?\s*)?{_SECTION}{_PARTS}"),
    # "232a StGB"
    re.compile(rf"\b{_SECTION}{_PARTS}\s+(?P<book>{_BOOK})"),
)
_FILE_NUMBER = re.compile(
    r"(?<![\w/])(?:(?:[A-ZÄÖÜ][A-Za-z]{0,3}\s+)?\d{1,4}\s*[A-Za-zÄÖÜäöü]{1,6}"
    r"(?:\s+[A-Za-z]{1,3})?\s*\d{1,6}\s*[/.]\s*\d{2,4}(?:\s+[A-Z]\b)?"
    r"|[CTF]\s*-\s*\d{1,4}/\d{2,4})(?![\w/])"
)
_TOKEN = re.compile(
    r"""(?P<neg>-)?(?:(?P<field>[A-Za-zÄÖÜäöü]+):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"()]+))"""
)
_WORDISH = re.compile(r"\w", re.UNICODE)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")[:MAX_LENGTH]
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


@lru_cache(maxsize=1)
def _book_keys() -> frozenset[str]:
    return frozenset(book.lower() for book in KNOWN_BOOKS)


def _is_book(name: str) -> bool:
    return name.lower() in _book_keys() or canonical_book(name) is not None


def find_norms(text: str) -> list[tuple[int, int, str]]:
    """(start, end, norm key) of the norms typed in ``text``, as people type them."""
    found: list[tuple[int, int, str]] = []
    for pattern in _NORM_PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e, _ in found):
                continue
            if not _is_book(m["book"]):
                continue
            norm = parse_norm(m.group(0))
            if norm is not None:
                found.append((m.start(), m.end(), norm.key))
    return found


def find_file_numbers(text: str) -> list[tuple[int, int, str]]:
    """(start, end, canonical file number) typed in ``text``."""
    found = []
    for m in _FILE_NUMBER.finditer(text):
        # "232a StGB 123/19" is no file number; "3 StR 123/19" is.
        letters = re.sub(r"[^A-Za-zÄÖÜäöü]", "", m.group(0))
        if letters and not _is_book(letters):
            found.append((m.start(), m.end(), normalise_file_number(m.group(0))))
    return found


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
    for start, end, key in find_file_numbers(text):
        if free(start, end, quoted):
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

    def __init__(self, reader):
        self.reader = reader
        self._frequencies: dict[tuple[str, str], int] = {}
        #: Terms to highlight in the hits besides the query's own (the words of norms).
        self.highlight: list[Query] = []

    def frequency(self, fieldname: str, term: str) -> int:
        """Documents with ``term`` in ``fieldname`` (remembered: a lookup visits every segment)."""
        key = (fieldname, term)
        found = self._frequencies.get(key)
        if found is None:
            try:
                found = self.reader.doc_frequency(fieldname, term)
            except (KeyError, ValueError):
                found = 0
            self._frequencies[key] = found
        return found

    def has(self, fieldname: str, term: str) -> bool:
        return self.frequency(fieldname, term) > 0

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
            for n, btext in enumerate(self.reader.expand_prefix(name, prefix)):
                if n >= PREFIX_CANDIDATES:
                    break
                term = btext.decode("utf-8") if isinstance(btext, bytes) else btext
                frequency[term] = frequency.get(term, 0) + self.frequency(name, term)
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

    def file_number(self, key: str) -> Query:
        exact = Term("file_number_key", key, boost=EXACT_BOOST)
        mention = self.phrase(analyse(key), ("file_number", "title", "summary", "body"))
        return _or([exact, mention] if self.has("file_number_key", key) else [mention])

    def norm(self, key: str) -> Query:
        """Resources that carry the norm (first), then those whose text mentions it."""
        norm = parse_norm(key)
        # The words of the citation, for highlighting only: matching uses the keys.
        for term in analyse(norm.label if norm else key):
            self.highlight.extend(
                Term(name, term) for name in SNIPPET_FIELDS if self.has(name, term)
            )
        queries = [
            Term("norm", key, boost=EXACT_BOOST),
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
            return self.file_number(normalise_file_number(value))
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
    from portal.resources.models import LEGAL_AREAS

    key = fold(value).strip()
    for slug, label in LEGAL_AREAS.items():
        if key in (slug, fold(str(label))):
            return slug
    return None
