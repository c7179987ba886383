"""German text analysis for the search index.

Three analyzers, each a Whoosh analyzer to pass to a field:

- ``german_analyzer()`` for body-like text (title, summary, full text): words are lower-cased,
  German stop words dropped, compounds split into known parts (index only), spelling variants
  folded and words reduced to their Snowball stem.
- ``keyword_analyzer()`` for exact-ish values (tags, topics): one term per comma-separated value,
  lower-cased and folded, not stemmed.
- ``spelling_analyzer()`` for "did you mean": the surface words of ``german_analyzer()``
  (lower-cased, stop words dropped), neither stemmed nor folded.

Folding makes these spellings one term: "Geschädigte", "Geschaedigte", "Geschadigte" (and the
same for ö/oe/o, ü/ue/u), "Straße"/"Strasse", any case. It runs *before* the stemmer, so the
stemmer always sees one spelling and no ß. (Folding after the stemmer would be too late: the
stems of "geschaedigte" and "geschädigte" differ with some Snowball versions, and Whoosh's
``CharsetFilter(accent_map)`` maps ß to a single s.)

The analyzers are pickled into the index's schema, so the filter classes below must stay
importable as ``portal.search.analysis.<Name>`` and hold no unpicklable state; the word lists
and caches live at module level. Changing a word list or this pipeline means rebuilding the
index.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from pathlib import Path

import Stemmer
from whoosh.analysis import (
    Analyzer,
    Filter,
    RegexTokenizer,
    StopFilter,
    StripFilter,
    Token,
    Tokenizer,
)

from portal.legal.citations import Norm
from portal.search.mentions import find_norms

DATA_DIR = Path(__file__).parent / "data"

#: A word: starts with a letter or digit, goes on with letters, digits, "_", combining accents
#: and soft hyphens (as found in text extracted from PDFs). Words joined by single dots stay one
#: token, so "z.B.", "1.500" and "12.03.2018" are one term each. "§" is no word character.
_WORD = r"[^\W_][\w\u0300-\u036f\u00ad]*"
TOKEN_PATTERN = rf"{_WORD}(?:\.{_WORD})*"

#: Linking elements ("Fugenelemente") allowed between two compound parts, longest first.
LINKS = ("ens", "es", "en", "er", "s", "n", "e", "")
#: Inflection endings allowed after the last part ("Menschenhändlern" -> handler + n).
ENDINGS = ("ern", "es", "en", "er", "s", "n", "e", "")
#: Parts shorter than this are never used; words shorter than twice this are never split.
MIN_PART = 3
#: Longer tokens are not split (the longest German statute name has 63 letters).
MAX_COMPOUND = 64

STEM_CACHE_SIZE = 100_000
SPLIT_CACHE_SIZE = 50_000

# "ue" is a transliterated "ü" except after a vowel ("Steuer", "Frauen", "neue") or "q"
# ("Quelle"); the same rule as the Snowball German stemmer.
_TRANSLITERATION = re.compile(r"ae|oe|(?<![aeiouyäöüq])ue")
_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d"})


def fold(text: str) -> str:
    """Return lower-case ``text`` with umlauts, ae/oe/ue, ß and accents folded to plain letters."""
    text = text.lower()
    if not text.isascii():
        text = text.replace("\u00ad", "").translate(_SPECIAL)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return _TRANSLITERATION.sub(lambda m: m.group()[0], text)


# Snowball stemmers from PyStemmer are not thread-safe: one per thread.
_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("german")
        stemmer.maxCacheSize = 0  # stem_term() has its own cache
    return stemmer


@lru_cache(maxsize=STEM_CACHE_SIZE)
def stem_term(word: str) -> str:
    """Return the index term for one lower-case word: folded, and stemmed if it is all letters."""
    folded = fold(word)
    if folded.isalpha():
        return _stemmer().stemWord(folded)
    return folded  # numbers, "232a", "z.b": folding only


def _read_words(name: str) -> list[str]:
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _variants(word: str) -> set[str]:
    word = word.lower()
    transliterated = word.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    return {word, word.replace("ß", "ss"), transliterated.replace("ß", "ss"), fold(word)}


@cache
def german_stop_words() -> frozenset[str]:
    """Return the shipped German stop words with their ss, ae/oe/ue and plain-vowel spellings."""
    return frozenset(v for word in _read_words("stopwords_de.txt") for v in _variants(word))


@cache
def compound_parts() -> frozenset[str]:
    """Return the shipped compound parts, folded (see ``fold``)."""
    return frozenset(fold(word) for word in _read_words("compound_parts_de.txt"))


Span = tuple[str, int, int]  # a known part, and where it is spelled in the word


def _split(word: str, parts: frozenset[str]) -> list[Span] | None:
    """Return the fewest known parts (two or more) that spell ``word``, or None."""
    n = len(word)

    @cache
    def rest_from(start: int, whole: bool) -> list[Span] | None:
        # The rest may be one last part plus an inflection ending ...
        if whole:
            for ending in ENDINGS:
                end = n - len(ending)
                if end - start >= MIN_PART and word.endswith(ending) and word[start:end] in parts:
                    return [(word[start:end], start, end)]
        # ... or a part, a linking element and more parts; longer first parts win ties.
        best: list[Span] | None = None
        for cut in range(n - MIN_PART, start + MIN_PART - 1, -1):
            piece = word[start:cut]
            if piece in parts:
                part, links = piece, LINKS
            elif piece + "e" in parts:
                # A dropped final "e": "Strafverfahren", "Hilfsangebot", "Grenzkontrolle".
                part, links = piece + "e", ("s", "")
            else:
                continue
            for link in links:
                if word.startswith(link, cut) and n - cut - len(link) >= MIN_PART:
                    rest = rest_from(cut + len(link), True)
                    if rest is not None and (best is None or len(rest) + 1 < len(best)):
                        best = [(part, start, cut), *rest]
        return best

    return rest_from(0, False)


@lru_cache(maxsize=SPLIT_CACHE_SIZE)
def split_compound(word: str) -> tuple[str, ...]:
    """Return the known parts of ``word`` and its shorter compounds, or () if it has none.

    All folded: each part in its dictionary form, followed by its own parts if it is a listed
    compound itself, then every run of two or more adjacent parts as spelled in the word:
    "Fachberatungsstellen" -> ("fach", "beratung", "stelle", "fachberatung", "beratungsstelle"),
    so "Beratungsstelle" finds "Fachberatungsstellen".
    """
    word = fold(word)
    if not 2 * MIN_PART <= len(word) <= MAX_COMPOUND or not word.isalpha():
        return ()
    spans = _split(word, compound_parts())
    if spans is None:
        return ()
    result: list[str] = []
    for part, _, _ in spans:
        result.extend((part, *split_compound(part)))
    for first in range(len(spans)):
        for last in range(first + 1, len(spans)):
            if (first, last) != (0, len(spans) - 1):
                result.append(word[spans[first][1] : spans[last][2]])
    return tuple(dict.fromkeys(result))


class LowercaseNFCFilter(Filter):
    """Lower-cases tokens, composes combining accents (NFC) and drops soft hyphens."""

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text.lower()
            if not text.isascii():
                text = unicodedata.normalize("NFC", text.replace("\u00ad", ""))
            t.text = text
            yield t


class CompoundSplitFilter(Filter):
    """When indexing, follows each compound with its known parts at the same position.

    "arbeitsausbeutung" -> "arbeitsausbeutung", "arbeit", "ausbeutung" (see ``split_compound``).
    Queries are not split (``mode="query"``): a query for "Arbeitsausbeutung" finds only that
    compound, a query for "Ausbeutung" also every compound that has it as a known part.
    """

    is_morph = True  # spelling suggestions (no_morph=True) get surface words only

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            # Read before yielding: later filters change the text of this reused token.
            parts = () if t.stopped or t.mode == "query" else split_compound(t.text)
            yield t
            for part in parts:
                t.text = part
                yield t


class GermanStemFilter(Filter):
    """Folds spelling variants and reduces words to their German Snowball stem (PyStemmer)."""

    is_morph = True

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            if not t.stopped:
                t.text = stem_term(t.text)
            yield t


class FoldFilter(Filter):
    """Folds spelling variants (see ``fold``) and collapses inner white space."""

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            text = " ".join(fold(t.text).split())
            if text:
                t.text = text
                yield t


def _words() -> Analyzer:
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseNFCFilter()
        | StopFilter(stoplist=german_stop_words(), minsize=1)
    )


def german_analyzer() -> Analyzer:
    """Return the analyzer for German body text: words, stop words, compounds, folding, stems.

    The same analyzer serves indexing and queries (Whoosh uses the field's analyzer for both);
    compounds are split only when indexing. With ``TEXT(spelling=True)`` Whoosh calls it with
    ``no_morph=True`` for the spelling words, which skips splitting, folding and stemming, so
    "did you mean" suggests real words ("geschädigte"), not stems ("geschadigt"); search again
    with ``searcher.correct_query(...).string`` (its ``.query`` holds the unstemmed word).
    Wildcard and prefix text goes through the same folding and stemming ("Geschä*" -> "gescha*").
    """
    return _words() | CompoundSplitFilter() | GermanStemFilter()


def index_terms(text: str) -> list[str]:
    """The terms the index would store for `text` (compounds split, folded, stemmed): for
    small collections matched outside Whoosh, such as the network's questions."""
    return [t.text for t in german_analyzer()(text)]


def spelling_analyzer() -> Analyzer:
    """Return the analyzer for a separate spelling field: surface words, no stems, no folding.

    Same words as ``german_analyzer(...)(text, no_morph=True)``; use it for a field that only
    feeds "did you mean" (e.g. ``TEXT(analyzer=spelling_analyzer(), phrase=False)``).
    """
    return _words()


#: Between the lower-case word and its written form in the ``spell`` field ("egmr|EGMR").
WRITTEN_SEPARATOR = "|"


class WrittenFormFilter(Filter):
    """Words written with capitals, as "lower|Written" ("zwangsprostitution|Zwangsprostitution",
    "egmr|EGMR"); words written in lower case and stop words are left out.

    The lower-case part equals the word of the ``spell`` field, so suggestions and completions
    (lower case) can look up how people write them.
    """

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        stops = german_stop_words()
        for t in tokens:
            lower, written = _lower_and_written(t.text)
            if written == lower or lower in stops:
                continue
            t.text = f"{lower}{WRITTEN_SEPARATOR}{written}"
            yield t


def _lower_and_written(text: str) -> tuple[str, str]:
    """A word in lower case and as written, soft hyphens removed, accents composed (NFC)."""
    written = text.replace("\u00ad", "")
    lower = text.lower()
    if not text.isascii():
        written = unicodedata.normalize("NFC", written)
        lower = unicodedata.normalize("NFC", lower.replace("\u00ad", ""))
    return lower, written


def written_form_analyzer() -> Analyzer:
    """Return the analyzer of the former ``spell_case`` field (see ``WrittenFormFilter``; kept
    so that an index built before schema version 5 still opens until ``reindex``)."""
    return RegexTokenizer(TOKEN_PATTERN) | WrittenFormFilter()


class SpellingFormFilter(Filter):
    """The surface words of ``spelling_analyzer``, each as written if it has capitals:
    "sexuelle" stays "sexuelle", "Zwangsprostitution" becomes
    "zwangsprostitution|Zwangsprostitution" and "EGMR" "egmr|EGMR"; stop words are left out.

    One field holds both views, so each word written with capitals costs one posting, not
    two: the lower-case word is every term up to the separator (``spelling_word``), so a
    lower-case prefix finds all written forms, and the forms tell how the documents a viewer
    may see write a word (``portal.search.spelling``).
    """

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        stops = german_stop_words()
        for t in tokens:
            lower, written = _lower_and_written(t.text)
            if lower in stops:
                continue
            t.text = lower if written == lower else f"{lower}{WRITTEN_SEPARATOR}{written}"
            yield t


def spelling_form_analyzer() -> Analyzer:
    """Return the analyzer of the ``spell`` field (see ``SpellingFormFilter``)."""
    return RegexTokenizer(TOKEN_PATTERN) | SpellingFormFilter()


def spelling_word(term: str) -> str:
    """The lower-case word of a ``spell`` term: "egmr|EGMR" -> "egmr", "sexuelle" -> itself."""
    return term.split(WRITTEN_SEPARATOR, 1)[0]


class NormMentionTokenizer(Tokenizer):
    """The norms a text mentions, each with the provisions above it: "§ 232a Abs. 1 Nr. 1
    StGB" -> "StGB § 232a Abs. 1 Nr. 1", "StGB § 232a", "StGB § 232a Abs. 1".

    Uses the recogniser of the search box (``portal.search.mentions.find_norms``), so a norm is
    found in a text as it would be recognised when typed. Indexing runs this in the writer's
    processes, not in the process that reads the database.
    """

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        keys = [value]
        if tokenize:
            keys = [k for _, _, key in find_norms(value) for k in (key, *norm_ancestor_keys(key))]
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for n, key in enumerate(keys):
            token.text = key
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = key
            if positions:
                token.pos = start_pos + n
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token


def norm_ancestor_keys(key: str) -> list[str]:
    """Keys of the provisions above a norm key ("StGB § 232a Abs. 1 Nr. 1" -> "StGB § 232a",
    "StGB § 232a Abs. 1"): a search for one of them finds the norm too."""
    norm = Norm.from_key(key)
    return [parent.key for parent in norm.ancestors] if norm else []


def keyword_analyzer(commas: bool = True) -> Analyzer:
    """Return the analyzer for tags and topics: each value one term, lower-cased and folded.

    "Sexuelle Ausbeutung, Arbeitsausbeutung" -> "sexulle ausbeutung", "arbeitsausbeutung"
    (with ``commas=False`` white space separates the values instead). Not stemmed, so show
    labels from the database, not from index terms.
    """
    tokenizer = RegexTokenizer(r"[^,]+" if commas else r"\S+")
    return tokenizer | StripFilter() | FoldFilter()
