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
* It finds "§ 25 Abs. 4a Satz 3 AufenthG" but leaves its structure empty: Absatz, Satz,
  Nummer and Buchstabe are read here from the matched text (:func:`_structure`), and
  "Nummer", "Absatz" and "Buchst." are spelled so that its pattern accepts them.
* Not filled: "Art. 4 der EMRK" (an article between number and book), genitive "-s" full
  names ("des Strafgesetzbuchs"), and "§§ 232a bis 233" only yields the two endpoints.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
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


#: Levels below a section or article, outermost first, with the German sign of each.
LEVELS: tuple[tuple[str, str], ...] = (
    ("paragraph", "Abs."),  # Absatz
    ("sentence", "Satz"),
    ("number", "Nr."),  # Nummer
    ("letter", "Buchst."),  # Buchstabe; "lit." in European law
)

# European laws write "lit. a" for a Buchstabe.
_LIT_BOOKS = frozenset({"EMRK", "AEUV", "EUV", "GRCh", "DSGVO"})


@dataclass(frozen=True, slots=True)
class Norm:
    """One provision of a law: a section or article, down to Absatz, Satz, Nummer and
    Buchstabe where cited ("§ 25 Abs. 4a Satz 3 AufenthG", "§ 232a Abs. 1 Nr. 1 StGB")."""

    book: str
    section: str
    paragraph: str = ""
    sentence: str = ""
    number: str = ""
    letter: str = ""

    @property
    def is_article(self) -> bool:
        """True when the book counts in articles ("Art. 4 EMRK"), not sections."""
        return _is_article_book(self.book)

    @property
    def _sign(self) -> str:
        return "Art." if self.is_article else "§"

    @property
    def _parts(self) -> list[tuple[str, str]]:
        """(level, value) of the levels cited, outermost first."""
        return [(level, getattr(self, level)) for level, _ in LEVELS if getattr(self, level)]

    @property
    def _structure(self) -> str:
        """ " Abs. 4a Satz 3", in German citation style ("" for a whole section)."""
        signs = dict(LEVELS)
        if self.book in _LIT_BOOKS:
            signs["letter"] = "lit."
        return "".join(f" {signs[level]} {value}" for level, value in self._parts)

    @property
    def key(self) -> str:
        """Canonical sortable key, e.g. "StGB § 232a", "AufenthG § 25 Abs. 4a Satz 3"."""
        return f"{self.book} {self._sign} {self.section}{self._structure}"

    @property
    def label(self) -> str:
        """German display form, e.g. "§ 25 Abs. 4a Satz 3 AufenthG" or "Art. 4 EMRK"."""
        return f"{self._sign} {self.section}{self._structure} {self.book}"

    @property
    def slug(self) -> str:
        """URL form, e.g. "stgb-232a", "aufenthg-25-abs-4a-satz-3" or "sgb-xiv-71"."""
        parts = "".join(f"-{_SLUG_WORDS[level]}-{value}" for level, value in self._parts)
        return f"{_slugify(self.book)}-{self.section}{parts}"

    @property
    def is_sub_provision(self) -> bool:
        """True below the section level ("§ 25 Abs. 4a AufenthG")."""
        return bool(self._parts)

    @property
    def parent(self) -> Norm | None:
        """The provision one level up ("§ 25 Abs. 4a Satz 3" -> "§ 25 Abs. 4a"), or None."""
        parts = self._parts
        if not parts:
            return None
        return replace(self, **{parts[-1][0]: ""})

    @property
    def ancestors(self) -> list[Norm]:
        """Every provision above this one, the section first."""
        found, norm = [], self.parent
        while norm is not None:
            found.append(norm)
            norm = norm.parent
        return found[::-1]

    @property
    def section_norm(self) -> Norm:
        """The whole section or article ("§ 25 AufenthG")."""
        return Norm(self.book, self.section)

    def contains(self, other: Norm) -> bool:
        """True if ``other`` is this provision or lies within it."""
        return other == self or self in other.ancestors

    @classmethod
    def from_slug(cls, slug: str) -> Norm:
        """The norm behind a slug made by :attr:`slug`; ValueError if it is not one.

        Only books known by name (the portal's list or the library's ~1,900 codes) can be
        read back; a slug cannot restore the casing of an unknown book.
        """
        m = _SLUG.fullmatch(slug.strip().lower())
        book = _books_by_slug().get(m["book"]) if m else None
        if book is None:
            raise ValueError(f"not a norm slug: {slug!r}")
        return cls(book, m["section"], **{level: m[level] or "" for level, _ in LEVELS})

    @classmethod
    def from_key(cls, key: str) -> Norm | None:
        """The norm behind a key made by :attr:`key` ("AufenthG § 25 Abs. 4a"), or None."""
        m = _KEY.fullmatch(key.strip())
        if m is None:
            return None
        structure, end = _structure(m["rest"])
        if m["rest"][end:].strip():
            return None
        return cls(m["book"], m["section"], **structure)

    def __str__(self) -> str:
        return self.label


_SLUG_WORDS = {"paragraph": "abs", "sentence": "satz", "number": "nr", "letter": "lit"}
_SLUG = re.compile(
    r"(?P<book>[a-z0-9-]+?)-(?P<section>[0-9]+[a-z]*)"
    r"(?:-abs-(?P<paragraph>[0-9]+[a-z]*))?(?:-satz-(?P<sentence>[0-9]+))?"
    r"(?:-nr-(?P<number>[0-9]+[a-z]*))?(?:-lit-(?P<letter>[a-z]{1,3}))?"
)
_KEY = re.compile(r"(?P<book>.+?) (?:§|Art\.) (?P<section>[0-9]+[a-z]*)(?P<rest>.*)")

# Absatz, Satz, Nummer, Buchstabe after a section number, as written in citations; an
# Absatz may be a Roman numeral right after the section ("§ 232a I Nr. 1 StGB").
_LEVEL_TOKEN = re.compile(
    r"\s*(?:(?:Abs\.?|Absatz)\s*(?P<paragraph>[0-9]+[a-z]?)\b"
    r"|(?:Satz|S\.)\s*(?P<sentence>[0-9]+)\b"
    r"|(?:Nr\.?|Nummer)\s*(?P<number>[0-9]+[a-z]?)\b"
    r"|(?:lit\.?|Buchst\.?|Buchstabe)\s*(?P<letter>[a-z]{1,3})\b"
    r"|(?P<roman>[IVX]{1,4})(?:\s?(?P<roman_letter>[a-z])(?![\w.]))?\b)"
)
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}


def _roman(value: str) -> str:
    total = 0
    for i, char in enumerate(value):
        number = _ROMAN_VALUES[char]
        following = _ROMAN_VALUES[value[i + 1]] if i + 1 < len(value) else 0
        total += -number if number < following else number
    return str(total)


def _structure(text: str) -> tuple[dict[str, str], int]:
    """The levels cited at the start of ``text`` (" Abs. 4a Satz 3 ...") and where they end.

    Each level is read once and outermost first; the reading stops at anything else
    ("Halbsatz 2", "i.V.m.", a second "Satz").
    """
    found: dict[str, str] = {}
    order = [level for level, _ in LEVELS]
    position = 0
    while m := _LEVEL_TOKEN.match(text, position):
        if m["roman"]:
            if found:
                break
            level, value = "paragraph", _roman(m["roman"]) + (m["roman_letter"] or "")
        else:
            level = next(name for name in order if m[name])
            value = m[level]
        if found and order.index(level) <= order.index(list(found)[-1]):
            break
        found[level] = value
        position = m.end()
    return found, position


def extract_norms(text: str) -> list[Norm]:
    """All norms cited in ``text``, in order of first appearance, without duplicates."""
    text = _normalise_spacing(text)
    found: list[tuple[int, Norm]] = []
    citations = [
        citation
        for citation in _extractor().extract(text, fmt="plain").citations
        if isinstance(citation, LawCitation) and citation.book and citation.number
    ]
    # Where the reading of each matched text got to: "§§ 25 Abs. 4a, 25 Abs. 4b AufenthG"
    # is one match with two citations of the same section.
    read_to: dict[int, int] = {}
    for citation in citations:
        span = citation.span
        structure: dict[str, str] = {}
        digits, letters = re.fullmatch(r"([0-9]*)(.*)", citation.number).groups()
        number = re.compile(
            rf"(?<![0-9A-Za-z]){re.escape(digits)}\s?{re.escape(letters)}(?![0-9a-z])"
        )
        if m := number.search(span.text, read_to.get(span.start, 0)):
            structure, length = _structure(span.text[m.end() :])
            read_to[span.start] = m.end() + length
        book = _display_book(citation.book, span.text)
        found.append((span.start, Norm(book, citation.number, **structure)))
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
            structure, _ = _structure(text[match.end("sect") : match.end()])
            recovered.append((match.start(), Norm(book, section, **structure)))
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
_STRUCTURE_WORDS = {
    "abs.": "Abs.",
    "abs": "Abs.",
    "absatz": "Abs.",
    "nr.": "Nr.",
    "nr": "Nr.",
    "nummer": "Nr.",
    "satz": "Satz",
    "s.": "S.",
    "lit.": "lit.",
    "lit": "lit.",
    "buchst.": "lit.",
    "buchstabe": "lit.",
    "art.": "Art.",
}


def _normalise_spacing(text: str) -> str:
    """Single spaces, and a space after "§" and "Abs."/"Nr."/"S."/"Art." as the library needs."""
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    text = re.sub(r"(§§?)(?=[0-9])", r"\1 ", text)
    text = re.sub(r"\b(Abs|Nr|S|Art|abs|nr|art)\.(?=[0-9])", r"\1. ", text)
    # The library's pattern knows "Abs.", "Nr." and "lit." (as single letters), not these:
    text = re.sub(r"\bAbsatz (?=[0-9])", "Abs. ", text)
    text = re.sub(r"\bNummer (?=[0-9])", "Nr. ", text)
    text = re.sub(r"\bBuchst(?:abe|\.)? ?(?=[a-z]{1,3}\b)", "lit. ", text)
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
