"""Autocomplete for the search boxes: the last word completed from words the viewer may see.

Candidates are the surface words of the ``spell`` field (lower-case, neither stemmed nor
folded; a word written with capitals is the part before "|" of its "word|Written" terms) that
start with the typed prefix. The index holds every resource, so the vocabulary
alone would reveal words of hidden resources: a candidate is offered only if it occurs in a
document the viewer may see (``Snapshot.visible_docs``: published, one of the viewer's
audiences; the same set the search starts from), and it is ranked by the number of those
documents, never by counts that include hidden ones.

Cost is bounded whatever the index size: the prefix expansion keeps the ``CANDIDATES`` most
frequent words, and for each at most ``READ_BUDGET`` postings are read and ``VISIBLE_CAP``
visible documents counted.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import re
import threading
import unicodedata
import weakref

from flask import current_app
from whoosh.reading import TermNotFound

from portal.resources.access import user_audiences
from portal.search.analysis import spelling_word
from portal.search.query import MAX_LENGTH
from portal.search.services import catch_up
from portal.search.spelling import READ_BUDGET, written_form

logger = logging.getLogger(__name__)

#: Letters typed before anything is completed (as for ``word*`` in the search box).
MIN_PREFIX = 3
#: Longest word completed (longer input is no word a person types).
MAX_WORD = 60
MAX_LIMIT = 20
#: Most frequent expansions of the prefix that are checked against the visible documents.
CANDIDATES = 40
#: Visible documents counted per candidate (the ranking key; bounds the cost).
VISIBLE_CAP = 100
#: Prefixes whose candidates are kept per searcher (a searcher lives until the index changes).
EXPANSION_CACHE = 256

#: The word being typed at the end of the text, after white space or an opening mark such as
#: ``-`` (exclude), ``"`` (phrase) or ``(``. Field syntax (``gericht:BG``), ``word*`` and
#: anything else ending the text is left alone.
_LAST_WORD = re.compile(r"(?:^|[\s\-+\"'(„“‚‘»«])([^\W_][\w\u0300-\u036f\u00ad.]*)$")
#: A field name right before an opening quote: ``gericht:"Landgericht Ham``.
_FIELD_QUOTE = re.compile(r"\w:$")


def complete(user, text: str, limit: int = 8) -> list[str]:
    """Up to ``limit`` queries completing the last word of ``text`` with words ``user`` may see.

    Earlier words are kept verbatim; an upper-case first letter stays upper-case. Returns []
    for anonymous or inactive users, prefixes under ``MIN_PREFIX`` characters, field syntax
    and odd input. Never raises.
    """
    try:
        return _complete(user, text, limit)
    except Exception:  # a completion is never worth an error
        logger.exception("Completing %r failed", (text or "")[:80])
        return []


def _complete(user, text: str, limit: int) -> list[str]:
    limit = min(max(int(limit or 0), 0), MAX_LIMIT)
    if not text or not limit or len(text) > MAX_LENGTH:
        return []
    match = _LAST_WORD.search(text)
    if match is None:
        return []
    word = match.group(1)
    head = text[: match.start(1)]
    if len(word) > MAX_WORD or word.endswith("."):
        return []
    if _in_field(head):
        return []
    # The spelling analyzer's normalisation (LowercaseNFCFilter): lower case, composed accents.
    prefix = unicodedata.normalize("NFC", word.lower().replace("\u00ad", ""))
    if len(prefix) < MIN_PREFIX:
        return []
    audiences = user_audiences(user)
    if not audiences:
        return []

    search_index = current_app.extensions["search_index"]
    catch_up(search_index)  # a backlog is the drainer's; the own change was applied
    snap = search_index.snapshot()
    visible = snap.visible_docs(audiences)
    if not visible:
        return []
    words = completions(snap.searcher, prefix, visible, limit)
    words = [written_form(snap.searcher, w, visible) for w in words]
    if word[0].isupper():
        words = [w[:1].upper() + w[1:] for w in words]
    return [head + w for w in words]


def _in_field(head: str) -> bool:
    """Is the word after ``head`` a field value (``gericht:BG``, ``gericht:"Landgericht Ham``)?

    Field values are courts, file numbers, norms and codes, not words of the ``spell`` field.
    """
    token = re.split(r"\s", head)[-1]
    if ":" in token:
        return True
    if head.count('"') % 2:  # inside an open quote: is it a field's?
        return bool(_FIELD_QUOTE.search(head[: head.rfind('"')]))
    return False


def completions(searcher, prefix: str, visible: frozenset[int], limit: int = 8) -> list[str]:
    """Words of the ``spell`` field starting with ``prefix`` that occur in ``visible`` documents.

    Ranked by the number of visible documents (counted up to ``VISIBLE_CAP``), then shorter
    first, then alphabetically. ``prefix`` itself is offered only alongside longer words.
    """
    reader = searcher.reader()
    candidates = _candidates(searcher, prefix.encode("utf-8"))
    ranked = []
    for word, terms in candidates:
        count = _visible_count(reader, terms, visible)
        if count:
            ranked.append((-count, len(word), word))
    ranked.sort()
    words = [word for _, _, word in ranked]
    if words == [prefix]:
        return []  # the word is typed in full: nothing to complete
    return words[:limit]


# The searcher is one thread's (``WhooshIndex.snapshot``): its cache is used by that thread
# alone and goes with the searcher when the index changes.
_expansions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_expansions_lock = threading.Lock()


def _candidates(searcher, bprefix: bytes) -> list[tuple[str, list[bytes]]]:
    """``_frequent_expansions`` of the prefix, cached with the searcher."""
    with _expansions_lock:
        cache = _expansions.get(searcher)
        if cache is None:
            cache = _expansions[searcher] = {}
    found = cache.get(bprefix)
    if found is None:
        found = _frequent_expansions(searcher.reader(), bprefix, CANDIDATES)
        if len(cache) >= EXPANSION_CACHE:
            cache.clear()
        cache[bprefix] = found
    return found


def _frequent_expansions(reader, bprefix: bytes, n: int) -> list[tuple[str, list[bytes]]]:
    """The ``n`` words starting with ``bprefix`` found in the most documents (hidden included),
    each with its terms in the ``spell`` field (the word and its written forms).

    The document frequency only picks which words are checked, it never reaches the viewer
    (a document writing a word in two ways counts twice here). One pass over each segment's
    term list: a 3-letter prefix expands to thousands of words at 100,000 documents, and a
    separate ``doc_frequency`` lookup per word costs more.
    """
    frequency: dict[str, int] = {}
    terms: dict[str, set[bytes]] = {}
    for leaf, _base in reader.leaf_readers():
        if "spell" not in leaf.schema:
            continue
        for btext, info in leaf.iter_prefix("spell", bprefix):
            word = spelling_word(btext.decode("utf-8"))
            frequency[word] = frequency.get(word, 0) + info.doc_frequency()
            terms.setdefault(word, set()).add(btext)
    best = heapq.nsmallest(n, frequency, key=lambda w: (-frequency[w], w))
    return [(word, sorted(terms[word])) for word in best]


def _visible_count(reader, terms: list[bytes], visible: frozenset[int]) -> int:
    """Visible documents containing the word in any of its written forms (``terms``), up to
    ``VISIBLE_CAP`` (``READ_BUDGET`` postings read per form)."""
    found: set[int] = set()
    for btext in terms:
        try:
            postings = reader.postings("spell", btext)
        except TermNotFound:  # gone from every segment since the expansion
            continue
        for docnum in itertools.islice(postings.all_ids(), READ_BUDGET):
            if docnum in visible:
                found.add(docnum)
                if len(found) >= VISIBLE_CAP:
                    return len(found)
    return len(found)
