"""Rank every match of a query with NumPy arrays instead of Whoosh's per-posting matchers.

Whoosh scores one posting at a time in Python (a method call, a field-length lookup and the
BM25 formula per posting), which is what makes broad words, prefixes and case descriptions slow
on a big index. Here each term's postings are read block by block into arrays and scored with
the same BM25F formula and parameters as Whoosh (with the statistics below and the quantised
field length of each document), so scores equal Whoosh's up to rounding. Term, Or,
PreloadedOr, And, AndNot and Combined are evaluated here; any other query (phrases, ranges) is
matched and scored by Whoosh itself and enters the arrays as its scores.

The engine reads postings and length columns through internals of the whoosh3 codec (block
data, column files; pinned in requirements.txt). ``tests/search/test_engine.py`` compares its
scores and order with Whoosh's own, so an upgrade that changes them fails there first; where
an internal is missing, the general (slower) way is taken.

Ranking statistics (document count, document frequency, average field length) come only from
the documents every member may see (``PublicStats``), never from the whole index: otherwise the
score of one's own draft would tell whether hidden documents of other organisations contain a
word. Whoosh's own scoring of phrases uses the same statistics (``PublicBM25F``).

Case descriptions are scored as one combined field (``Combined``, BM25F proper): a term's
frequencies in the fields are weighted and length-normalised per field and added up before
the saturation, instead of scoring each field on its own and summing.

Per-segment data that never changes (field lengths, the date column) is cached by segment id
in ``SegmentCache`` and shared by every snapshot of the index; masks of documents (visibility,
filters) are cached with each snapshot (see ``portal.search.index.Snapshot``).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, AndNot, NullQuery, NumericRange, Or, Phrase, Query, Term
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.util.numeric import byte_to_length

#: Field length of each stored length byte (Whoosh quantises lengths into one byte).
_LENGTHS = np.array([byte_to_length(b) or 0 for b in range(256)], dtype=np.float64)
#: The date column's value for documents without a date (unsigned 32 bits, all ones).
NO_DATE = 2**32 - 1


#: A term not looked up yet (None means: looked up, absent).
_ABSENT = object()
#: The kinds of ``SegmentCache`` tables that hold answers about single terms.
_TERM_TABLES = ("present", "remembered")
#: How many of a segment's documents are public (``PublicStats``).
NONE, SOME, ALL = "none", "some", "all"


class SegmentCache:
    """Per-segment data by segment id (a segment never changes; deletions are kept apart).

    Field lengths, dates and facet values are kept while the segment exists. Decoded postings
    (document numbers and term frequencies) are kept in a least-recently-used cache of
    ``postings_budget`` bytes: decoding a term's blocks (unpickling them with their positions)
    was most of the cost of a long case description, and the scored fields of 10,000
    documents take about 40 MB decoded, so a working set stays in memory.
    """

    #: What an entry costs besides its arrays (key, tuple, two array headers), in bytes.
    ENTRY_OVERHEAD = 300
    #: Answers about terms (weights, presence, spelling candidates) remembered for all
    #: segments together (about 100-150 bytes each); beyond, they are forgotten and asked anew.
    TERM_ENTRIES = 300_000
    #: Segments of at most this many documents keep their terms as sets (see ``has_term``).
    SMALL_SEGMENT = 63

    def __init__(self, postings_budget: int = 64 * 2**20):
        self._data: dict[tuple, object] = {}
        self._lock = threading.Lock()
        self._postings: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._postings_size = 0
        self.postings_budget = postings_budget
        self._term_entries = 0
        #: Segments with something kept here: ``retain`` walks the keys only when one is gone.
        self._held: set[str] = set()

    def postings(self, reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """``_postings`` of a term, from the cache when read before."""
        return self._lru(
            (segment_id(reader), fieldname, btext), lambda: _postings(reader, fieldname, btext)
        )

    def prefix_postings(
        self, reader, fieldname: str, bprefix: bytes
    ) -> tuple[list[bytes], np.ndarray, np.ndarray]:
        """Every term of a segment's field starting with ``bprefix`` (in term order), the
        local document numbers of all of them concatenated, and where each term's start.

        Kept in the postings cache: decoding thousands of rare words costs 100-250 ms at
        10,000 documents for a three-letter prefix; counting them in a mask costs microseconds.
        """

        def read():
            terms, parts = [], []
            for btext, _ in reader.iter_prefix(fieldname, bprefix):
                terms.append(btext)
                parts.append(_postings(reader, fieldname, btext)[0])
            if not parts:
                return terms, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
            starts = np.cumsum([0] + [len(ids) for ids in parts[:-1]], dtype=np.int64)
            return terms, np.concatenate(parts), starts

        return self._lru((segment_id(reader), (fieldname, "prefix"), bprefix), read)

    def _lru(self, key: tuple, read):
        """``read()`` (a tuple ending in arrays), kept in the postings cache under ``key``."""
        found = self._postings.get(key)
        if found is not None:
            with self._lock:
                if key in self._postings:
                    self._postings.move_to_end(key)
            return found
        found = read()
        size = self._size(found)
        if key[0] is not None and size <= self.postings_budget // 4:
            with self._lock:
                if key not in self._postings:
                    self._postings[key] = found
                    self._postings_size += size
                    self._held.add(key[0])
                while self._postings_size > self.postings_budget:
                    _, dropped = self._postings.popitem(last=False)
                    self._postings_size -= self._size(dropped)
        return found

    def _size(self, entry: tuple) -> int:
        """Bytes of a cache entry: its arrays, a term list's words, the overhead."""
        size = self.ENTRY_OVERHEAD
        for part in entry:
            if isinstance(part, np.ndarray):
                size += part.nbytes
            else:
                size += sum(len(t) + 40 for t in part)
        return size

    def _cached(self, key: tuple, read):
        found = self._data.get(key)
        if found is None:
            found = read()
            if key[0] is not None:
                with self._lock:
                    self._data[key] = found
                    self._held.add(key[0])
        return found

    def get(self, reader, kind: str, fieldname: str) -> np.ndarray:
        """Field lengths (``kind="len"``) or dates (``kind="date"``) of a segment's documents."""
        return self._cached(
            (segment_id(reader), kind, fieldname),
            lambda: _read_lengths(reader, fieldname) if kind == "len" else _read_dates(reader),
        )

    def field_values(self, reader, fieldname: str) -> dict[str, np.ndarray]:
        """Every term of a (facet) field in a segment with its local document numbers."""

        def read():
            values = {}
            if fieldname in reader.indexed_field_names():
                for btext in reader.lexicon(fieldname):
                    values[btext.decode("utf-8")] = _postings(reader, fieldname, btext)[0]
            return values

        return self._cached((segment_id(reader), "values", fieldname), read)

    def facet_arrays(self, reader, fieldname: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A segment's (facet) field as arrays: its values (sorted), and for each posting the
        local document number and the index of its value."""

        def read():
            by_value = self.field_values(reader, fieldname)
            values = sorted(by_value)
            if not values:
                return np.zeros(0, dtype=str), np.zeros(0, dtype=np.int64), np.zeros(0, np.int64)
            docs = [by_value[value] for value in values]
            value_ids = np.repeat(np.arange(len(values)), [len(ids) for ids in docs])
            return np.array(values, dtype=str), np.concatenate(docs), value_ids

        return self._cached((segment_id(reader), "facet", fieldname), read)

    def vocabulary(self, reader, fieldname: str) -> np.ndarray:
        """Sorted hashes of a field's terms in a segment: which terms need no lookup at all.

        A long description has hundreds of words and most are absent from most fields; a
        lookup in Whoosh's term table costs far more than a search in this array. Hashes
        may collide: a term found here can still be missing (the lookup then says so).
        """

        def read():
            if fieldname not in reader.indexed_field_names():
                return np.zeros(0, dtype=np.int64)
            hashes = np.fromiter((hash(t) for t in reader.lexicon(fieldname)), dtype=np.int64)
            hashes.sort()
            return hashes

        return self._cached((segment_id(reader), "vocabulary", fieldname), read)

    def _table(self, reader, kind: str, fieldname: str) -> dict:
        """A dict kept for a segment (a fresh one, not kept, for a reader without an id)."""
        key = (segment_id(reader), kind, fieldname)
        table = self._data.get(key)
        if table is None:
            table = {}
            if key[0] is not None:
                with self._lock:
                    table = self._data.setdefault(key, table)
                    self._held.add(key[0])
        return table

    def _keep(self, table: dict, key, value) -> None:
        """Remember an answer about a term, within ``TERM_ENTRIES`` for all segments."""
        self._term_entries += 1
        if self._term_entries > self.TERM_ENTRIES:
            with self._lock:
                for (_, kind, _), found in self._data.items():
                    if kind in _TERM_TABLES:
                        found.clear()
                self._term_entries = 1  # the one kept now
        table[key] = value

    def has_term(self, reader, fieldname: str, btext: bytes) -> bool:
        """Whether a segment's field has the term (remembered within ``TERM_ENTRIES``: a
        query looks its terms up in every segment, and most are asked again and again)."""
        if reader.doc_count_all() <= self.SMALL_SEGMENT:
            return btext in self._small_terms(reader, fieldname)
        present = self._table(reader, "present", fieldname)
        found = present.get(btext)
        if found is None:
            found = (fieldname, btext) in reader
            self._keep(present, btext, found)
        return found

    def term_stats(self, reader, fieldname: str, btext: bytes) -> tuple[int, float]:
        """A term's documents and total weight in a segment (deleted documents included)."""
        if not self.has_term(reader, fieldname, btext):
            return 0, 0.0

        def read():
            info = reader.term_info(fieldname, btext)
            return info.doc_frequency(), float(info.weight())

        return self.remember(reader, fieldname, ("stats", btext), read)

    def _small_terms(self, reader, fieldname: str) -> frozenset[bytes]:
        """A small segment's terms of a field, read whole once: every edit adds a small
        segment, and looking each term of a query or a resource page up in it cost more than
        reading them all."""
        return self._cached(
            (segment_id(reader), "terms", fieldname),
            lambda: (
                frozenset(reader.lexicon(fieldname))
                if fieldname in reader.indexed_field_names()
                else frozenset()
            ),
        )

    def remember(self, reader, fieldname: str, key: tuple, compute):
        """``compute()``, remembered for a segment's field under ``key`` (within
        ``TERM_ENTRIES``)."""
        table = self._table(reader, "remembered", fieldname)
        found = table.get(key, _ABSENT)
        if found is _ABSENT:
            found = compute()
            self._keep(table, key, found)
        return found

    def retain(self, segment_ids: set[str]) -> None:
        """Forget the data of segments that are gone (merged or deleted).

        Called for every new snapshot; most changes only add a segment, and walking the keys of
        every cached posting list then cost about 4 % of a loaded server's CPU.
        """
        with self._lock:
            if self._held <= segment_ids:
                return
            self._held &= segment_ids
            for key in [k for k in self._data if k[0] not in segment_ids]:
                del self._data[key]
            for key in [k for k in self._postings if k[0] not in segment_ids]:
                self._postings_size -= self._size(self._postings.pop(key))


def segment_id(reader) -> str | None:
    segment = reader.segment() if hasattr(reader, "segment") else None
    return segment.segment_id() if segment is not None else None


def _merged_values(parts: list[np.ndarray]) -> np.ndarray:
    """The sorted union of sorted arrays of distinct strings.

    After an edit there are a few large segments and some small ones: each array's values are
    looked up in the union so far (largest first) and only those it lacks are inserted,
    instead of sorting all values again.
    """
    parts = sorted(parts, key=len, reverse=True)
    values = parts[0]
    for part in parts[1:]:
        if not len(part):
            continue
        positions = np.searchsorted(values, part)
        known = positions < len(values)
        known[known] = values[positions[known]] == part[known]
        if not known.all():
            dtype = np.result_type(values.dtype, part.dtype)  # the longer string width
            values = np.insert(values.astype(dtype), positions[~known], part[~known])
    return values


def _numeric_column(column, count: int) -> np.ndarray:
    """All values of a fixed-width numeric column reader (raw, untranslated) as an array."""
    raw = getattr(column, "raw_column", lambda: column)()
    try:
        data = raw._dbfile.get(raw._basepos, raw._count * raw._fixedlen)
        values = np.frombuffer(data, dtype=np.dtype(">" + raw._typecode)).astype(np.int64)
        default = raw._default
    except AttributeError:  # another column implementation: the slow, general way
        return np.fromiter((raw[i] for i in range(count)), dtype=np.int64, count=count)
    if len(values) < count:
        values = np.concatenate([values, np.full(count - len(values), default, dtype=np.int64)])
    return values


def _read_lengths(reader, fieldname: str) -> np.ndarray:
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    count = reader.doc_count_all()
    try:
        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    except AttributeError:  # another codec: the slow, general way
        lengths = (reader.doc_field_length(i, fieldname) or 0 for i in range(count))
        return np.fromiter(lengths, dtype=np.float64, count=count)
    if column is None:
        return np.zeros(count)
    return _LENGTHS[_numeric_column(column, count)]


def _read_dates(reader) -> np.ndarray:
    """The raw (order-preserving) date column; ``NO_DATE`` where a document has none."""
    count = reader.doc_count_all()
    if not reader.has_column("date"):
        return np.full(count, NO_DATE, dtype=np.int64)
    return _numeric_column(reader.column_reader("date"), count)


def _postings(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Local document numbers and term frequencies of a term in one segment.

    Deleted documents are included: callers intersect with a mask of live documents.
    """
    matcher = reader.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child  # the deletions filter; masks remove deleted documents
    if not hasattr(matcher, "_read_data"):  # not the whoosh3 codec: the slow, general way
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float32)
    id_parts, weight_parts = [], []
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        raw_ids, raw_weights = matcher._data[0], matcher._data[1]
        ids = np.array(raw_ids, dtype=np.int32)
        if not matcher._byteids:
            ids = np.cumsum(ids, dtype=np.int32)
        id_parts.append(ids)
        if raw_weights is None:
            weight_parts.append(np.ones(len(ids), dtype=np.float32))
        elif isinstance(raw_weights, float):
            weight_parts.append(np.full(len(ids), raw_weights, dtype=np.float32))
        else:
            weight_parts.append(np.array(raw_weights, dtype=np.float32))
        matcher._next_block()
    if not id_parts:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    # Compact (4 bytes a posting each) for the postings cache; scoring widens them.
    return np.concatenate(id_parts), np.concatenate(weight_parts)


def characters(reader, fieldname: str, btext: bytes, docnums: list[int]) -> dict[int, list]:
    """Where a term occurs (position, start and end character) in some documents of a segment.

    ``docnums``: sorted local document numbers. Blocks without any of them are skipped
    undecoded; within a block the documents are found by bisection (Whoosh's ``skip_to``
    steps through a block one posting at a time).
    """
    return _posting_values(reader, fieldname, btext, docnums, "characters")


def positions(reader, fieldname: str, btext: bytes, docnums: list[int]) -> dict[int, list]:
    """Word positions of a term in some documents of a segment (as ``characters``)."""
    return _posting_values(reader, fieldname, btext, docnums, "positions")


def _posting_values(reader, fieldname, btext, docnums, astype) -> dict[int, list]:
    matcher = reader.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child  # deletions: the documents asked for are live
    decode = matcher.format.decoder(astype)
    found: dict[int, list] = {}
    if not hasattr(matcher, "_read_values"):  # not the whoosh3 codec: the general way
        for docnum in docnums:
            if matcher.is_active() and matcher.id() < docnum:
                matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                found[docnum] = decode(matcher.value())
        return found
    i = 0
    while matcher.is_active() and i < len(docnums):
        last = matcher.block_max_id()
        if docnums[i] <= last:
            if matcher._data is None:
                matcher._read_data()
            ids = np.asarray(matcher._data[0], dtype=np.int64)
            if not matcher._byteids:
                ids = np.cumsum(ids)
            if matcher._values is None:
                matcher._read_values()
            while i < len(docnums) and docnums[i] <= last:
                j = int(np.searchsorted(ids, docnums[i]))
                if j < len(ids) and ids[j] == docnums[i]:
                    found[docnums[i]] = decode(matcher._values[j])
                i += 1
        matcher._next_block()
    return found


def weight_in(segments: SegmentCache, leaves, mask: np.ndarray, fieldname: str, btext: bytes):
    """How often a term occurs in the documents of ``mask`` (its total weight there);
    ``leaves``: (segment reader, offset) pairs."""
    total = 0.0
    for reader, offset in leaves:
        if segments.has_term(reader, fieldname, btext):
            local, weights = segments.postings(reader, fieldname, btext)
            total += float(weights[mask[offset + local]].sum(dtype=np.float64))
    return total


class PublicStats:
    """BM25 statistics of one searcher from the public documents only (cached with it).

    Public: live documents with the ``audience`` term ``public`` (published, visible to every
    member). Hidden documents (drafts, office-only, one organisation's) count nowhere, so no
    score depends on them.
    """

    def __init__(self, searcher, segments: SegmentCache, public: str):
        self.segments = segments
        self.size = searcher.doc_count_all()
        self.leaves = [(leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers()]
        mask = np.zeros(self.size, dtype=bool)
        for reader, offset in self.leaves:
            ids = segments.field_values(reader, "audience").get(public)
            if ids is not None:
                mask[offset + ids] = True
            if reader.has_deletions():
                deleted = reader.deleted_docs_set
                mask[offset + np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
        mask.flags.writeable = False
        self.mask = mask
        #: The leaves with how many of their documents are public: none (nothing of theirs
        #: counts), all (Whoosh's statistics of a term are already the public ones), or some.
        self._public_leaves = []
        for reader, offset in self.leaves:
            part = mask[offset : offset + reader.doc_count_all()]
            share = ALL if part.all() else SOME if part.any() else NONE
            self._public_leaves.append((reader, offset, share))
        self.doc_count = int(np.count_nonzero(mask))
        self._lengths: dict[str, float] = {}
        self._frequencies: dict[tuple[str, bytes], int] = {}
        self._lock = threading.Lock()

    def avg_field_length(self, fieldname: str) -> float:
        found = self._lengths.get(fieldname)
        if found is None:
            total = 0.0
            for reader, offset in self.leaves:
                lengths = self.segments.get(reader, "len", fieldname)
                total += float(lengths[self.mask[offset : offset + len(lengths)]].sum())
            found = self._lengths[fieldname] = total / max(self.doc_count, 1)
        return found

    def doc_frequency(self, fieldname: str, btext: bytes) -> int:
        """Public documents with the term in the field."""
        key = (fieldname, btext)
        found = self._frequencies.get(key)
        if found is None:
            found = int(self._summed(fieldname, btext)[0])
            with self._lock:
                self._frequencies[key] = found
        return found

    def _summed(self, fieldname: str, btext: bytes) -> tuple[int, float]:
        """The term's public documents and its total weight in them, over all segments.

        A segment without public documents adds nothing; one with only public documents adds
        Whoosh's figures of the term; of the others, each segment's part is counted in its
        postings and remembered across snapshots under the segment's number of deletions (a
        segment only ever gains deletions, so the number names its state): after a change,
        only the segment that lost the old version is counted anew.
        """
        documents, weight = 0, 0.0
        for reader, offset, share in self._public_leaves:
            if share is NONE:
                continue
            if share is ALL:
                found = self.segments.term_stats(reader, fieldname, btext)
            elif self.segments.has_term(reader, fieldname, btext):

                def count(reader=reader, offset=offset):
                    local, weights = self.segments.postings(reader, fieldname, btext)
                    public = self.mask[offset + local]
                    return int(np.count_nonzero(public)), float(
                        weights[public].sum(dtype=np.float64)
                    )

                deleted = reader.segment().deleted_count() if reader.has_deletions() else 0
                found = self.segments.remember(reader, fieldname, (btext, deleted), count)
            else:
                continue
            documents += found[0]
            weight += found[1]
        return documents, weight

    def field_length(self, fieldname: str) -> float:
        """The field's total length in the public documents."""
        return self.avg_field_length(fieldname) * self.doc_count

    def collection_frequency(self, fieldname: str, btext: bytes) -> float:
        """How often the term occurs in the field of the public documents (its total weight)."""
        key = ("weight", fieldname, btext)
        found = self._frequencies.get(key)
        if found is None:
            found = self._summed(fieldname, btext)[1]
            with self._lock:
                self._frequencies[key] = found
        return found

    def remember_frequency(self, fieldname: str, btext: bytes, docnums: np.ndarray) -> None:
        """Count the public documents among a term's ``docnums`` (read anyway by the caller)."""
        key = (fieldname, btext)
        if key not in self._frequencies:
            with self._lock:
                self._frequencies[key] = int(np.count_nonzero(self.mask[docnums]))

    def idf(self, fieldname: str, btext: bytes) -> float:
        """Whoosh's idf (``log(N / (n + 1)) + 1``) over the public documents."""
        count = max(self.doc_count, 1)
        return math.log(count / (self.doc_frequency(fieldname, btext) + 1)) + 1


class PublicBM25F(BM25F):
    """Whoosh's BM25F with ``PublicStats`` (for what Whoosh scores itself: phrases)."""

    def __init__(self, segments: SegmentCache, public: str, **kwargs):
        super().__init__(**kwargs)
        self.segments = segments
        self.public = public
        self._stats: tuple[object, PublicStats] | None = None

    def stats(self, searcher) -> PublicStats:
        parent = searcher.get_parent()
        found = self._stats
        if found is None or found[0] is not parent:
            found = self._stats = (parent, PublicStats(parent, self.segments, self.public))
        return found[1]

    def idf(self, searcher, fieldname, text):
        field = searcher.schema[fieldname]
        return self.stats(searcher).idf(fieldname, field.to_bytes(text))

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return super().scorer(searcher, fieldname, text, qf=qf)
        scorer = BM25FScorer(
            searcher, fieldname, text, self._field_B.get(fieldname, self.B), self.K1, qf=qf
        )
        scorer.avgfl = self.stats(searcher).avg_field_length(fieldname) or 1
        return scorer


class Combined(Query):
    """A case description: BM25F over several fields with one idf per term.

    ``terms``: (analysed term, query weight); ``fields``: field name -> weight. A term's
    frequency in a document is the sum over the fields of ``weight * tf / (1 - b + b *
    length / average length)``, saturated once with ``k1``; its idf counts the public
    documents with the term in any of the fields, so a word in nearly every document counts
    for almost nothing (but a description of common words alone still finds something).
    Only the engine evaluates it; the terms it found (``Scored.terms``) are what the search
    highlights, so the query itself names no terms to Whoosh.
    """

    def __init__(
        self,
        terms: list[tuple[str, float]],
        fields: dict[str, float],
        k1: float = 1.2,
        b: float = 0.75,
    ):
        self.weights = list(terms)
        self.fields = dict(fields)
        self.k1, self.b = k1, b
        self.boost = 1.0

    def __repr__(self) -> str:
        return f"Combined({self.weights!r}, {self.fields!r}, {self.k1}, {self.b})"

    def __eq__(self, other) -> bool:
        return type(other) is Combined and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))

    def matcher(self, searcher, context=None):
        raise TypeError("Combined is evaluated by the array engine only")


@dataclass
class Scored:
    """Scores of every document (0 where it does not match) and which documents match."""

    scores: np.ndarray
    matched: np.ndarray
    #: Document numbers (sorted, deleted ones too) of each term scored here, by (field, bytes).
    terms: dict[tuple[str, bytes], np.ndarray] = field(default_factory=dict)


class Engine:
    """Evaluates queries over one searcher as dense arrays, one entry per document number."""

    def __init__(self, searcher, segments: SegmentCache):
        self.searcher = searcher
        self.segments = segments
        self.size = searcher.doc_count_all()
        self.leaves = [(leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers()]
        weighting = searcher.weighting
        if not isinstance(weighting, PublicBM25F):
            raise TypeError("the array engine scores with public statistics (PublicBM25F) only")
        self.weighting = weighting
        self.stats = weighting.stats(searcher)
        self._live: np.ndarray | None = None

    def empty(self) -> Scored:
        return Scored(np.zeros(self.size), np.zeros(self.size, dtype=bool))

    def evaluate(self, query) -> Scored:
        if query is NullQuery or query is None:
            return self.empty()
        if isinstance(query, Term):
            return self._term(query)
        if isinstance(query, NumericRange) and query.fieldname == "date":
            return self._date_range(query)
        if isinstance(query, AndNot):
            positive = self.evaluate(query.a)
            negative = self.evaluate(query.b)
            matched = positive.matched & ~negative.matched
            return Scored(np.where(matched, positive.scores, 0.0), matched, positive.terms)
        if type(query) is And:
            parts = [self.evaluate(q) for q in query.subqueries]
            matched = np.logical_and.reduce([p.matched for p in parts])
            scores = np.sum([p.scores for p in parts], axis=0) * query.boost
            terms = {key: ids for p in parts for key, ids in p.terms.items()}
            return Scored(np.where(matched, scores, 0.0), matched, terms)
        if isinstance(query, Combined):
            return self._combined(query)
        if type(query) is Phrase and query.slop == 1 and self._has_positions(query.fieldname):
            return self._phrase(query)
        if isinstance(query, Or) and query.__class__.__name__ in ("Or", "PreloadedOr"):
            if not query.subqueries:
                return self.empty()
            result = self.empty()
            for sub in query.subqueries:
                part = self.evaluate(sub)
                result.scores += part.scores
                result.matched |= part.matched
                result.terms.update(part.terms)
            if query.boost != 1.0:
                result.scores *= query.boost
            return result
        return self._by_whoosh(query)

    def _term(self, query: Term) -> Scored:
        result = self.empty()
        searcher = self.searcher
        fieldname = query.fieldname
        if fieldname not in searcher.schema:
            return result
        field = searcher.schema[fieldname]
        try:
            btext = field.to_bytes(query.text)
        except ValueError:
            return result
        parts = [
            (reader, offset, *self.segments.postings(reader, fieldname, btext))
            for reader, offset in self.leaves
            if self.segments.has_term(reader, fieldname, btext)
        ]
        if not parts:
            return result
        ids = [local + offset for _, offset, local, _ in parts]
        result.terms[fieldname, btext] = ids[0] if len(ids) == 1 else np.concatenate(ids)
        scorable = field.scorable
        if scorable:
            stats = self.stats
            stats.remember_frequency(fieldname, btext, result.terms[fieldname, btext])
            idf = stats.idf(fieldname, btext)
            avgfl = stats.avg_field_length(fieldname) or 1
            b = self.weighting._field_B.get(fieldname, self.weighting.B)
            k1 = self.weighting.K1
        for (reader, _, local, tf), docnums in zip(parts, ids, strict=True):
            tf = tf.astype(np.float64)
            if scorable:
                lengths = self.segments.get(reader, "len", fieldname)[local]
                lengths[lengths == 0] = 1  # as Whoosh's scorer: a missing length counts as 1
                scores = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths / avgfl)))
            else:
                scores = tf
            result.scores[docnums] += scores * query.boost
            result.matched[docnums] = True
        return result

    def _combined(self, query: Combined) -> Scored:
        """BM25F over the fields of ``query`` (see ``Combined``), all terms at once.

        Every posting of every term becomes one entry (term, document, weighted and
        length-normalised frequency); entries of the same term and document are summed, so
        a long description costs a few array operations, not a loop per term.
        """
        result = self.empty()
        schema = self.searcher.schema
        stats = self.stats
        fields = [
            (name, weight, stats.avg_field_length(name) or 1.0)
            for name, weight in query.fields.items()
            if name in schema and schema[name].scorable and weight > 0
        ]
        # Segments without any text in a field have none of its terms: not looked up.
        leaves = {
            name: [
                (reader, offset)
                for reader, offset in self.leaves
                if self.segments.get(reader, "len", name).any()
            ]
            for name, _, _ in fields
        }
        btexts = {
            name: [schema[name].to_bytes(text) for text, _ in query.weights]
            for name, _, _ in fields
        }
        present = {}
        for name, _, _ in fields:
            hashes = np.array([hash(t) for t in btexts[name]], dtype=np.int64)
            for reader, _ in leaves[name]:
                vocabulary = self.segments.vocabulary(reader, name)
                at = np.minimum(np.searchsorted(vocabulary, hashes), max(len(vocabulary) - 1, 0))
                present[name, id(reader)] = (
                    vocabulary[at] == hashes if len(vocabulary) else np.zeros(len(hashes), bool)
                )
        terms, docs, values = [], [], []
        for number in range(len(query.weights)):
            for name, weight, avgfl in fields:
                btext = btexts[name][number]
                found = []
                for reader, offset in leaves[name]:
                    if not present[name, id(reader)][number]:
                        continue
                    try:
                        local, tf = self.segments.postings(reader, name, btext)
                    except TermNotFound:
                        continue
                    lengths = self.segments.get(reader, "len", name)[local]
                    lengths[lengths == 0] = 1
                    ids = local + offset
                    found.append(ids)
                    docs.append(ids)
                    values.append(weight * tf / ((1 - query.b) + query.b * lengths / avgfl))
                    terms.append(np.full(len(ids), number, dtype=np.int64))
                if found:
                    result.terms[name, btext] = (
                        found[0] if len(found) == 1 else np.concatenate(found)
                    )
        if not docs:
            return result
        # One key per (term, document): the frequencies of its fields add up.
        keys, where = np.unique(
            np.concatenate(terms) * self.size + np.concatenate(docs), return_inverse=True
        )
        tf = np.bincount(where, weights=np.concatenate(values), minlength=len(keys))
        term_of, doc_of = np.divmod(keys, self.size)
        frequency = np.bincount(term_of[stats.mask[doc_of]], minlength=len(query.weights)).astype(
            np.float64
        )
        count = max(stats.doc_count, 1)
        idf = np.log(1 + (count - frequency + 0.5) / (frequency + 0.5))
        qweights = np.array([weight for _, weight in query.weights])
        k1 = query.k1
        contribution = (qweights * idf)[term_of] * tf * (k1 + 1) / (tf + k1)
        result.scores += np.bincount(doc_of, weights=contribution, minlength=self.size)
        result.matched[doc_of] = True
        return result

    def _date_range(self, query: NumericRange) -> Scored:
        """A date range from the date column (as Whoosh: a constant score, the boost)."""
        dates = self.dates()
        matched = dates != NO_DATE
        if query.start is not None:
            matched &= (dates > query.start) if query.startexcl else (dates >= query.start)
        if query.end is not None:
            matched &= (dates < query.end) if query.endexcl else (dates <= query.end)
        matched &= self.live()
        return Scored(np.where(matched, float(query.boost), 0.0), matched)

    def _has_positions(self, fieldname: str) -> bool:
        schema = self.searcher.schema
        if fieldname not in schema:
            return False
        field = schema[fieldname]
        return bool(field.format and field.format.supports("positions"))

    def _phrase(self, query: Phrase) -> Scored:
        """Words next to each other in this order: the documents with every word, then their
        positions read for those documents only. Scored as Whoosh scores a phrase: the sum
        of its words' scores, times the phrase's boost."""
        words = [Term(query.fieldname, word) for word in query.words]
        if not words:
            return self.empty()
        parts = [self._term(word) for word in words]
        matched = np.logical_and.reduce([p.matched for p in parts])
        found = np.zeros(self.size, dtype=bool)
        field = self.searcher.schema[query.fieldname]
        btexts = [field.to_bytes(word.text) for word in words]
        for reader, offset in self.leaves:
            local = np.flatnonzero(matched[offset : offset + reader.doc_count_all()])
            if not local.size:
                continue
            local = local.tolist()
            where = [positions(reader, query.fieldname, b, local) for b in btexts]
            for docnum in local:
                starts = set(where[0].get(docnum, ()))
                for i, found_at in enumerate(where[1:], start=1):
                    starts &= {p - i for p in found_at.get(docnum, ())}
                if starts:
                    found[offset + docnum] = True
        scores = np.sum([p.scores for p in parts], axis=0) * query.boost
        terms = {key: ids for p in parts for key, ids in p.terms.items()}
        return Scored(np.where(found, scores, 0.0), found, terms)

    def _by_whoosh(self, query) -> Scored:
        """Any other query (phrases, ranges): Whoosh's own matcher, segment by segment."""
        result = self.empty()
        context = self.searcher.context()
        for leaf, offset in self.searcher.leaf_searchers():
            matcher = query.matcher(leaf, context)
            ids, scores = [], []
            while matcher.is_active():
                ids.append(matcher.id())
                scores.append(matcher.score())
                matcher.next()
            if ids:
                index = offset + np.array(ids, dtype=np.int64)
                result.scores[index] += np.array(scores)
                result.matched[index] = True
        return result

    def live(self) -> np.ndarray:
        """True for every document that is not deleted."""
        if self._live is None:
            live = np.ones(self.size, dtype=bool)
            for reader, offset in self.leaves:
                deleted = reader.deleted_docs_set if reader.has_deletions() else ()
                if deleted:
                    live[offset + np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
            self._live = live
        return self._live

    def terms_mask(self, fieldname: str, values: list[str]) -> np.ndarray:
        """Live documents with any of ``values`` in an exact (keyword) field."""
        mask = np.zeros(self.size, dtype=bool)
        for reader, offset in self.leaves:
            by_value = self.segments.field_values(reader, fieldname)
            for value in values:
                ids = by_value.get(value)
                if ids is not None:
                    mask[offset + ids] = True
        return mask & self.live()

    def facet_postings(self, fieldname: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The values of an exact field (sorted) and its postings as two parallel arrays:
        document numbers (deleted ones too) and the index of the value each carries.

        Merged from each segment's arrays (``SegmentCache.facet_arrays``) with array
        operations: a new snapshot after an edit merges thousands of values (norms, courts,
        file numbers) again, which took about 100 ms at 10,000 documents value by value.
        """
        parts = [
            (self.segments.facet_arrays(reader, fieldname), offset)
            for reader, offset in self.leaves
        ]
        if not parts:
            return np.zeros(0, dtype=str), np.zeros(0, dtype=np.int64), np.zeros(0, np.int64)
        values = _merged_values([seg_values for (seg_values, _, _), _ in parts])
        doc_ids, value_ids = [], []
        for (seg_values, docs, seg_value_ids), offset in parts:
            doc_ids.append(offset + docs.astype(np.int64))
            value_ids.append(np.searchsorted(values, seg_values)[seg_value_ids])
        return values, np.concatenate(doc_ids), np.concatenate(value_ids)

    def dates(self) -> np.ndarray:
        """The date column (``YYYYMMDD``; ``NO_DATE`` where there is none) of every document."""
        if len(self.leaves) == 1:
            return self.segments.get(self.leaves[0][0], "date", "")
        return np.concatenate([self.segments.get(r, "date", "") for r, _ in self.leaves])

    def rank(self, scored: Scored | None, allowed: np.ndarray, sort: str) -> np.ndarray:
        """Document numbers of the allowed matches, best first (or by date).

        ``scored`` None means every allowed document (browsing by filters, sorted by date).
        Ties keep the document order, as Whoosh's sort does.
        """
        matched = allowed if scored is None else (scored.matched & allowed)
        docnums = np.flatnonzero(matched)
        if sort == "relevance" and scored is not None:
            order = np.lexsort((docnums, -scored.scores[docnums]))
        else:
            dates = self.dates()[docnums]
            if sort == "newest":
                # Documents without a date come last, as in Whoosh's reverse sort.
                dates = np.where(dates == NO_DATE, -1, dates)
                order = np.lexsort((docnums, -dates))
            else:
                order = np.lexsort((docnums, dates))
        return docnums[order]
