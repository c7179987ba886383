"""Autocomplete for the search boxes: the last word completed from words the viewer may see.

Candidates are the surface words of the ``spell`` field (lower-case, neither stemmed nor
folded) that start with the typed prefix. The index holds every resource, so the vocabulary
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
    for btext in candidates:
        count = _visible_count(reader, btext, visible)
        if count:
            term = btext.decode("utf-8")
            ranked.append((-count, len(term), term))
    ranked.sort()
    words = [term for _, _, term in ranked]
    if words == [prefix]:
        return []  # the word is typed in full: nothing to complete
    return words[:limit]


# The searcher is one thread's (``WhooshIndex.snapshot``): its cache is used by that thread
# alone and goes with the searcher when the index changes.
_expansions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_expansions_lock = threading.Lock()


def _candidates(searcher, bprefix: bytes) -> list[bytes]:
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


def _frequent_expansions(reader, bprefix: bytes, n: int) -> list[bytes]:
    """The ``n`` words starting with ``bprefix`` found in the most documents (hidden included).

    The document frequency only picks which words are checked, it never reaches the viewer.
    One pass over each segment's term list: a 3-letter prefix expands to thousands of words
    at 100,000 documents, and a separate ``doc_frequency`` lookup per word costs more.
    """
    frequency: dict[bytes, int] = {}
    for leaf, _base in reader.leaf_readers():
        if "spell" not in leaf.schema:
            continue
        for btext, info in leaf.iter_prefix("spell", bprefix):
            frequency[btext] = frequency.get(btext, 0) + info.doc_frequency()
    return heapq.nsmallest(n, frequency, key=lambda t: (-frequency[t], t))


def _visible_count(reader, btext: bytes, visible: frozenset[int], fieldname: str = "spell") -> int:
    """Visible documents containing the word, up to ``VISIBLE_CAP`` (``READ_BUDGET`` read)."""
    try:
        postings = reader.postings(fieldname, btext)
    except TermNotFound:  # gone from every segment since the expansion
        return 0
    count = 0
    for docnum in itertools.islice(postings.all_ids(), READ_BUDGET):
        if docnum in visible:
            count += 1
            if count >= VISIBLE_CAP:
                break
    return count
