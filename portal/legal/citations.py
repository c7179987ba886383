"""Norm citations ("§ 232a StGB", "Art. 4 EMRK") found in text or typed into a search box.

Finding references is left to the ``legal-reference-extraction`` package (import name
``refex``); this module only normalises its output into :class:`Norm` values.

What the library does not do, and how the gaps are filled here:

* It does not know "EMRK" (nor "GRCh"): its book list lacks them and its generic book
  pattern only accepts abbreviations ending in G, O, V or B. They are added to the
  extractor's book list through its public ``law_book_codes`` property.
* It needs a space after "§" and after "Abs." and matches book codes case-sensitively,
  so "§25 Abs.4a AufenthG" and "§ 232a stgb" find nothing. Whitespace is normalised
  before extraction, and :func:`parse_norm` re-cases the book of a typed citation.
* It requires a "§" or "Art." marker, so search-box forms such as "232a StGB" or
  "StGB 232a" are rewritten to "§ 232a StGB" by :func:`parse_norm` before extraction.
* It returns book codes lower-cased ("stgb", "sgb xiv"); the display casing is taken
  from a curated list of the portal's laws, then from the library's own code list.
* In "§ 615 Satz 1 i.V.m. § 611a BGB" it drops the first section (see
  :func:`_sections_before_ivm`, which recovers it with the library's own pattern).
* Not filled: "Art. 4 der EMRK" (an article between number and book), genitive "-s" full
  names ("des Strafgesetzbuchs"), and "§§ 232a bis 233" only yields the two endpoints.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from refex.citations import LawCitation
from refex.engines.regex import RegexLawExtractor
from refex.orchestrator import CitationExtractor

# The laws the portal cites most, in their official casing.
KNOWN_BOOKS: tuple[str, ...] = (
    "StGB",
    "StPO",
    "AufenthG",
    "AufenthV",
    "AsylG",
    "AsylbLG",
    "BeschV",
    "FreizügG/EU",
    "OEG",
    "SGB II",
    "SGB III",
    "SGB V",
    "SGB VIII",
    "SGB X",
    "SGB XII",
    "SGB XIV",
    "BGB",
    "ZPO",
    "ArbGG",
    "MiLoG",
    "AEntG",
    "AÜG",
    "SchwarzArbG",
    "ProstSchG",
    "ProstG",
    "JVEG",
    "GVG",
    "VwGO",
    "GG",
    "EMRK",
    "AEUV",
    "EUV",
    "GRCh",
)

# Books whose units are articles ("Art. 4 EMRK") rather than sections.
ARTICLE_BOOKS: frozenset[str] = frozenset({"GG", "EMRK", "AEUV", "EUV", "GRCh"})

# Books the library's code list lacks and its generic pattern cannot match.
_BOOKS_MISSING_IN_LIBRARY = ("EMRK", "GRCh", "SGB XIV")

# Full names the library reports for "§ 232 des Strafgesetzbuches" and the like.
_FULL_NAMES = {
    "strafgesetzbuch": "StGB",
    "strafprozessordnung": "StPO",
    "aufenthaltsgesetz": "AufenthG",
    "asylgesetz": "AsylG",
    "asylbewerberleistungsgesetz": "AsylbLG",
    "opferentschädigungsgesetz": "OEG",
    "grundgesetz": "GG",
    "arbeitsgerichtsgesetz": "ArbGG",
    "mindestlohngesetz": "MiLoG",
    "arbeitnehmer-entsendegesetz": "AEntG",
    "schwarzarbeitsbekämpfungsgesetz": "SchwarzArbG",
    "prostituiertenschutzgesetz": "ProstSchG",
    "prostitutionsgesetz": "ProstG",
    "bürgerliches gesetzbuch": "BGB",
    "bürgerlichen gesetzbuch": "BGB",
    "zivilprozessordnung": "ZPO",
    "gerichtsverfassungsgesetz": "GVG",
    "verwaltungsgerichtsordnung": "VwGO",
}

# "Fünften Buchs Sozialgesetzbuch" is the SGB V.
_SGB_ORDINALS = (
    "erst", "zweit", "dritt", "viert", "fünft", "sechst", "siebt",
    "acht", "neunt", "zehnt", "elft", "zwölft", "dreizehnt", "vierzehnt",
)  # fmt: skip
_SGB_BY_ORDINAL = re.compile(
    r"(?P<ordinal>" + "|".join(_SGB_ORDINALS) + r")\w* buch\w* (?:des )?sozialgesetzbuch\w*"
)

_ROMAN = {
    "1": "I", "2": "II", "3": "III", "4": "IV", "5": "V", "6": "VI", "7": "VII",
    "8": "VIII", "9": "IX", "10": "X", "11": "XI", "12": "XII", "13": "XIII", "14": "XIV",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Norm:
    """One section or article of a law, without Absatz, Satz or Nummer."""

    book: str
    section: str

    @property
    def is_article(self) -> bool:
        """True when the book counts in articles ("Art. 4 EMRK"), not sections."""
        return _is_article_book(self.book)

    @property
    def _sign(self) -> str:
        return "Art." if self.is_article else "§"

    @property
    def key(self) -> str:
        """Canonical sortable key, e.g. "StGB § 232a" or "EMRK Art. 4"."""
        return f"{self.book} {self._sign} {self.section}"

    @property
    def label(self) -> str:
        """German display form, e.g. "§ 232a StGB" or "Art. 4 EMRK"."""
        return f"{self._sign} {self.section} {self.book}"

    @property
    def slug(self) -> str:
        """URL form, e.g. "stgb-232a" or "sgb-xiv-71"."""
        return f"{_slugify(self.book)}-{self.section}"

    @classmethod
    def from_slug(cls, slug: str) -> Norm:
        """The norm behind a slug made by :attr:`slug`; ValueError if it is not one.

        Only books known by name (the portal's list or the library's ~1,900 codes) can be
        read back; a slug cannot restore the casing of an unknown book.
        """
        book_slug, _, section = slug.strip().lower().rpartition("-")
        book = _books_by_slug().get(book_slug)
        if book is None or not re.fullmatch(r"[0-9]+[a-z]*", section):
            raise ValueError(f"not a norm slug: {slug!r}")
        return cls(book, section)

    def __str__(self) -> str:
        return self.label


def extract_norms(text: str) -> list[Norm]:
    """All norms cited in ``text``, in order of first appearance, without duplicates."""
    text = _normalise_spacing(text)
    found: list[tuple[int, Norm]] = []
    citations = [
        citation
        for citation in _extractor().extract(text, fmt="plain").citations
        if isinstance(citation, LawCitation) and citation.book and citation.number
    ]
    for citation in citations:
        norm = Norm(_display_book(citation.book, citation.span.text), citation.number)
        found.append((citation.span.start, norm))
    found.extend(_sections_before_ivm(text, citations))
    found.sort(key=lambda item: item[0])
    return list(dict.fromkeys(norm for _, norm in found))


def _sections_before_ivm(text: str, citations: list[LawCitation]) -> list[tuple[int, Norm]]:
    """Recover "§ 615 Satz 1" in "§ 615 Satz 1 i.V.m. § 611a BGB", which the library drops.

    The library matches the book-less "§ 615 Satz 1 i.V.m." but only hands it the book of
    a later match of the same pattern, never of "§ 611a BGB", found in an earlier pass.
    Here it takes the book of the citation that directly follows, using the library's
    own pattern for the book-less part.
    """
    engine = _law_engine()
    if engine._compiled_patterns is None:  # compiled lazily by the first extraction
        return []
    recovered = []
    starts = sorted(citations, key=lambda citation: citation.span.start)
    for match in engine._compiled_patterns["single_ivm"].finditer(text):
        if any(c.span.start <= match.start() < c.span.end for c in starts):
            continue
        following = next((c for c in starts if c.span.start >= match.end()), None)
        if following and not text[match.end() : following.span.start].strip(" ."):
            book = _display_book(following.book, following.span.text)
            section = match["sect"].replace(" ", "").lower()
            recovered.append((match.start(), Norm(book, section)))
    return recovered


def parse_norm(text: str) -> Norm | None:
    """The norm a user typed ("§25 Abs.4a AufenthG", "232a stgb", "StGB 232a"), or None."""
    text = _normalise_spacing(text).strip(" .,;")
    book_first = _BOOK_FIRST.match(text)
    if book_first:
        text = f"{book_first['rest']} {book_first['book']}"
    tokens = text.split(" ")
    book = None
    for width in (3, 2, 1):
        if len(tokens) > width:
            book = canonical_book(" ".join(tokens[-width:]))
            if book:
                tokens[-width:] = [book]
                break
    if book is None:
        return None
    tokens = [_STRUCTURE_WORDS.get(token.lower(), token) for token in tokens]
    if tokens[0] not in ("§", "Art."):
        tokens.insert(0, "Art." if _is_article_book(book) else "§")
    norms = extract_norms(" ".join(tokens))
    return norms[0] if len(norms) == 1 else None


def canonical_book(name: str) -> str | None:
    """The official abbreviation for a law book code in any casing ("stgb" -> "StGB")."""
    key = " ".join(name.split()).lower()
    genitive = re.sub(r"e?s$", "", key)
    key = _FULL_NAMES.get(key) or _FULL_NAMES.get(genitive) or key
    key = re.sub(r" (?:19|20)[0-9]{2}$", "", key.lower())  # "AufenthG 2004" is the AufenthG
    if ordinal := _SGB_BY_ORDINAL.fullmatch(key):
        key = f"sgb {_ROMAN[str(_SGB_ORDINALS.index(ordinal['ordinal']) + 1)].lower()}"
    sgb = re.fullmatch(r"sgb ([0-9]{1,2})", key)
    if sgb and sgb[1] in _ROMAN:
        key = f"sgb {_ROMAN[sgb[1]].lower()}"
    return _books_by_key().get(key)


def _is_article_book(book: str) -> bool:
    return book in ARTICLE_BOOKS or _law_engine().get_unit_hint(book) == "article"


_BOOK_FIRST = re.compile(
    r"^(?P<book>[A-Za-zÄÖÜäöüß][\w/-]*(?: [IVXivx]+)?) (?P<rest>(?:§ |Art\. )?[0-9].*)$"
)
_STRUCTURE_WORDS = {"abs.": "Abs.", "nr.": "Nr.", "satz": "Satz", "s.": "S.", "art.": "Art."}


def _normalise_spacing(text: str) -> str:
    """Single spaces, and a space after "§" and "Abs."/"Nr."/"S."/"Art." as the library needs."""
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    text = re.sub(r"(§§?)(?=[0-9])", r"\1 ", text)
    text = re.sub(r"\b(Abs|Nr|S|Art|abs|nr|art)\.(?=[0-9])", r"\1. ", text)
    text = re.sub(r"\bi\. ?V\. ?m\.", "i.V.m.", text)
    return re.sub(r"^(?:Artikel|artikel|art\.?|Art)(?= [0-9])", "Art.", text)


def _display_book(book: str, marker_text: str) -> str:
    canonical = canonical_book(book)
    if canonical:
        return canonical
    # Unknown to both lists: keep the casing the text used.
    found = list(re.finditer(re.escape(book), marker_text, re.IGNORECASE))
    return found[-1].group(0) if found else book


def _slugify(value: str) -> str:
    value = value.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    return re.sub(r"[^a-z0-9]+", "-", value).strip("-")


@cache
def _law_engine() -> RegexLawExtractor:
    engine = RegexLawExtractor()
    engine.law_book_codes = [*engine.law_book_codes, *_BOOKS_MISSING_IN_LIBRARY]
    return engine


@cache
def _extractor() -> CitationExtractor:
    return CitationExtractor(engines=[_law_engine()])


@cache
def _books_by_key() -> dict[str, str]:
    books: dict[str, str] = {}
    for code in (*KNOWN_BOOKS, *_law_engine().law_book_codes):
        books.setdefault(code.lower(), code)
    return books


@cache
def _books_by_slug() -> dict[str, str]:
    books: dict[str, str] = {}
    for code in _books_by_key().values():
        books.setdefault(_slugify(code), code)
    return books
