"""How words are written in the documents a viewer may see: suggestions and completions
in the case people write ("Zwangsprostitution", "EGMR"), never from hidden documents."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from whoosh.spelling import Corrector
from whoosh.support.levenshtein import distance

from portal.search.analysis import WRITTEN_SEPARATOR, spelling_word
from portal.search.engine import SegmentCache, weight_in


def written_form(snap, word: str, visible: np.ndarray) -> str:
    """How the lower-case ``word`` is written in the documents ``visible`` to the viewer (a
    mask): "zwangsprostitution" -> "Zwangsprostitution", "egmr" -> "EGMR"; the word itself
    unless most of its occurrences there are written otherwise ("sexuelle", though
    "Sexuelle" starts a title).

    Only forms found in visible documents count, and only their occurrences there (counted
    in full from the cached postings). The ``spell`` field holds the word itself where it is
    written in lower case and "word|Written" where it is not (``SpellingFormFilter``).
    """
    leaves = snap.searcher.reader().leaf_readers()
    prefix = f"{word}{WRITTEN_SEPARATOR}".encode()
    forms: set[bytes] = set()
    for leaf, _ in leaves:
        if "spell" in leaf.schema:
            forms.update(btext for btext, _ in leaf.iter_prefix("spell", prefix))
    if not forms:
        return word
    counts = {form: weight_in(snap.segments, leaves, visible, "spell", form) for form in forms}
    count, best = max((n, form) for form, n in counts.items())
    lower = weight_in(snap.segments, leaves, visible, "spell", word.encode())
    if 2 * count <= lower + sum(counts.values()):
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
        words: dict[str, set[str]] = {}  # each word with its terms (written forms)
        for leaf, _ in self._leaves:
            terms = self._segments.remember(
                leaf,
                wordfield,
                ("within", text, maxdist, prefix),
                lambda leaf=leaf: _within(leaf, wordfield, text, maxdist, prefix),
            )
            for term in terms:
                words.setdefault(spelling_word(term), set()).add(term)
        for word, terms in words.items():
            # Occurrences of the word, however written, in the visible documents.
            frequency = sum(
                weight_in(
                    self._segments,
                    self._leaves,
                    self._visible,
                    self.fieldname,
                    self._field.to_bytes(term),
                )
                for term in terms
            )
            if frequency:
                yield (0 - (maxdist + (1.0 / frequency * 0.5)), word)


def _within(reader, fieldname: str, text: str, maxdist: int, prefix: int) -> tuple[str, ...]:
    """A segment's terms whose words are within ``maxdist`` edits of ``text`` (Whoosh's
    ``terms_within`` of a multi-segment reader, for one segment): the edit distance is at
    least the difference in length, so only words of a length within ``maxdist`` are compared,
    and each word once, however many written forms it has."""
    field = reader.schema[fieldname]
    close: dict[str, bool] = {}
    found = []
    for btext in reader.expand_prefix(fieldname, text[:prefix]):
        term = field.from_bytes(btext)
        word = spelling_word(term)
        near = close.get(word)
        if near is None:
            near = close[word] = abs(len(word) - len(text)) <= maxdist and (
                distance(word, text, limit=maxdist) <= maxdist
            )
        if near:
            found.append(term)
    return tuple(found)
