"""How words are written in the documents a viewer may see: suggestions and completions
in the case people write ("Zwangsprostitution", "EGMR"), never from hidden documents."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from whoosh.spelling import Corrector
from whoosh.support.levenshtein import distance

from portal.search.analysis import WRITTEN_SEPARATOR
from portal.search.engine import SegmentCache, weight_in


def written_form(snap, word: str, visible: np.ndarray) -> str:
    """How the lower-case ``word`` is written in the documents ``visible`` to the viewer (a
    mask): "zwangsprostitution" -> "Zwangsprostitution", "egmr" -> "EGMR"; the word itself
    unless most of its occurrences there are written otherwise ("sexuelle", though
    "Sexuelle" starts a title).

    Only forms found in visible documents count, and only their occurrences there (counted
    in full from the cached postings).
    """
    leaves = snap.searcher.reader().leaf_readers()
    prefix = f"{word}{WRITTEN_SEPARATOR}".encode()
    forms: set[bytes] = set()
    for leaf, _ in leaves:
        if "spell_case" in leaf.schema:
            forms.update(btext for btext, _ in leaf.iter_prefix("spell_case", prefix))
    if not forms:
        return word
    count, best = max(
        (weight_in(snap.segments, leaves, visible, "spell_case", form), form) for form in forms
    )
    if 2 * count <= weight_in(snap.segments, leaves, visible, "spell", word.encode()):
        return word
    return best[len(prefix) :].decode("utf-8")


class SegmentCorrector(Corrector):
    """Whoosh's ``ReaderCorrector`` of a field, with each segment's candidates remembered.

    Over several segments Whoosh compares a word with every term of the field sharing its
    first letters, in Python, at every search (18-45 ms for a word without hits at 2,000
    documents). Here each segment's terms within the distance are remembered per word
    (segments never change: after an edit only the new one is read), terms whose length alone
    puts them beyond the distance are not compared. Candidates are ranked by Whoosh's own
    ``Corrector.suggest``.

    Only words of the documents in ``visible`` (a mask of document numbers: what the viewer
    may see) are candidates, and their frequencies are counted there (from the cached
    postings): as Whoosh's corrector over an index of those documents alone. Words and counts
    of hidden documents would otherwise decide which suggestion a viewer gets.
    """

    def __init__(self, reader, fieldname: str, segments: SegmentCache, visible: np.ndarray):
        self.fieldname = fieldname
        self._field = reader.schema[fieldname]
        self._leaves = reader.leaf_readers()
        self._segments = segments
        self._visible = visible

    def _suggestions(self, text: str, maxdist: int, prefix: int) -> Iterator[tuple[float, str]]:
        wordfield = self._field.spelling_fieldname(self.fieldname)
        words: set[str] = set()
        for leaf, _ in self._leaves:
            words.update(
                self._segments.remember(
                    leaf,
                    wordfield,
                    ("within", text, maxdist, prefix),
                    lambda leaf=leaf: _within(leaf, wordfield, text, maxdist, prefix),
                )
            )
        for word in words:
            btext = self._field.to_bytes(word)
            frequency = weight_in(
                self._segments, self._leaves, self._visible, self.fieldname, btext
            )
            if frequency:
                yield (0 - (maxdist + (1.0 / frequency * 0.5)), word)


def _within(reader, fieldname: str, text: str, maxdist: int, prefix: int) -> tuple[str, ...]:
    """A segment's terms within ``maxdist`` edits of ``text`` (Whoosh's ``terms_within`` of a
    multi-segment reader, for one segment): the edit distance is at least the difference in
    length, so only terms of a length within ``maxdist`` are compared."""
    field = reader.schema[fieldname]
    found = []
    for btext in reader.expand_prefix(fieldname, text[:prefix]):
        word = field.from_bytes(btext)
        if abs(len(word) - len(text)) <= maxdist and distance(word, text, limit=maxdist) <= maxdist:
            found.append(word)
    return tuple(found)
