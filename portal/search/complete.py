"""Autocomplete for the search boxes: the last word completed from words the viewer may see.

Candidates are the surface words of the ``spell`` field (lower-case, neither stemmed nor
folded) that start with the typed prefix. The index holds every resource, so the vocabulary
alone would reveal words of hidden resources: a candidate is offered only if it occurs in a
document the viewer may see (``Snapshot.visible_mask``: published, one of the viewer's
audiences; the same set the search starts from), and it is ranked by the number of those
documents, never by counts that include hidden ones. Every word of the prefix is counted, so
hidden documents cannot decide which words are looked at either (a preselection by the
whole index's frequencies would let hidden words push visible ones out).

Cost: the first time a segment is asked for a three-letter prefix its words are decoded
with their documents (100-250 ms for the broadest prefixes at 10,000 documents) and kept in
the search's postings cache; then every prefix starting so is counted in the viewer's mask
with arrays (well under a millisecond).
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata

import numpy as np
from flask import current_app

from portal.resources.access import user_audiences
from portal.search.analysis import spelling_word
from portal.search.query import MAX_LENGTH
from portal.search.services import catch_up
from portal.search.spelling import written_form

logger = logging.getLogger(__name__)

#: Letters typed before anything is completed (as for ``word*`` in the search box).
MIN_PREFIX = 3
#: Longest word completed (longer input is no word a person types).
MAX_WORD = 60
MAX_LIMIT = 20

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
    visible = snap.visible_mask(audiences)
    words = completions(snap, prefix, visible, limit)
    words = [written_form(snap, w, visible) for w in words]
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


def completions(snap, prefix: str, visible: np.ndarray, limit: int = 8) -> list[str]:
    """Words of the ``spell`` field starting with ``prefix`` that occur in ``visible``
    documents (a mask), ranked by the number of those documents, then shorter first, then
    alphabetically. ``prefix`` itself is offered only alongside longer words.

    Every word of the prefix is counted, exactly, in all its written forms (a document
    writing "egmr" and "EGMR" counts once): words are read with their documents per segment
    for the first ``MIN_PREFIX`` letters (cached with the segment), so a longer prefix is a
    slice of what the shorter one read.
    """
    bprefix = prefix.encode("utf-8")
    parent = prefix[:MIN_PREFIX].encode("utf-8")
    counts: dict[str, int] = {}
    for leaf, offset in snap.searcher.reader().leaf_readers():
        if "spell" not in leaf.schema:
            continue
        terms, docs, starts = snap.segments.prefix_postings(leaf, "spell", parent)
        low = bisect.bisect_left(terms, bprefix)
        high = bisect.bisect_left(terms, bprefix + b"\xff", low)  # UTF-8 has no 0xff byte
        if low == high:
            continue
        end = starts[high] if high < len(terms) else len(docs)
        local = docs[starts[low] : end]
        lengths = np.diff(np.append(starts[low:high], end))
        term_ids = np.repeat(np.arange(low, high), lengths)
        seen = visible[offset + local]
        if not seen.any():
            continue
        words, word_ids = snap.segments.remember(
            leaf, "spell", ("words", parent), lambda terms=terms: _words_of(terms)
        )
        # One (word, document) pair per document, whichever forms of the word it holds.
        width = leaf.doc_count_all() + 1
        pairs = np.unique(word_ids[term_ids[seen]] * width + local[seen])
        for word_id, count in enumerate(np.bincount(pairs // width).tolist()):
            if count:
                counts[words[word_id]] = counts.get(words[word_id], 0) + count
    ranked = sorted(counts, key=lambda word: (-counts[word], len(word), word))
    if ranked == [prefix]:
        return []  # the word is typed in full: nothing to complete
    return ranked[:limit]


def _words_of(terms: list[bytes]) -> tuple[list[str], np.ndarray]:
    """The lower-case words of ``spell`` terms ("egmr|EGMR" -> "egmr"), and for each term
    the index of its word."""
    words: list[str] = []
    index: dict[str, int] = {}
    ids = np.empty(len(terms), dtype=np.int64)
    for i, btext in enumerate(terms):
        word = spelling_word(btext.decode("utf-8"))
        if word not in index:
            index[word] = len(words)
            words.append(word)
        ids[i] = index[word]
    return words, ids
