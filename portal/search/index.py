"""The Whoosh index of resources: schema, index documents, a cached searcher and the writer.

One index lives in ``<instance>/search-index`` (``SEARCH_INDEX_DIR`` overrides). Every resource
is indexed, whatever its status; searches add the status and audience filter (see
``portal.search.services``). Stored fields are only ``id`` and ``stamp``: snippets highlight the
text loaded from the database with the character offsets kept in the postings, and facet labels
come from the database too.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
from whoosh import classify, fields, index, writing
from whoosh.reading import MultiReader, SegmentReader
from whoosh.searching import Searcher

from portal.legal.courts import COURT_LEVELS
from portal.legal.file_numbers import ecli_key, file_number_keys
from portal.resources.access import MEMBERS, resource_audiences
from portal.resources.fields import FACET_FIELDS, indexed_text
from portal.resources.models import RESOURCE_TYPES
from portal.search.analysis import (
    NormMentionTokenizer,
    german_analyzer,
    norm_ancestor_keys,
    spelling_form_analyzer,
)
from portal.search.engine import Engine, PublicBM25F, Scored, SegmentCache, segment_id
from portal.search.spelling import SegmentCorrector

logger = logging.getLogger(__name__)

#: Bump when the schema or a document's content changes; check-index then reports drift.
SCHEMA_VERSION = "5"

#: Full-text fields with their query-time weight: what a plain word searches.
TEXT_FIELDS: dict[str, float] = {
    "title": 4.0,
    "file_number": 4.0,
    "norm_text": 3.0,
    "court": 2.0,
    "summary": 2.0,
    "topic_text": 1.5,
    "tag_text": 1.5,
    "meta": 1.2,
    "organisation_text": 1.0,
    "body": 1.0,
    "attachments": 0.7,
}

#: Fields whose text comes from the database and can be shown as a snippet, best first.
SNIPPET_FIELDS = ("title", "summary", "body", "attachments")

#: Scored queries a snapshot remembers (each two arrays over all documents: about 1 MB at
#: 100,000 documents).
SCORED_CACHE = 16

#: Segments of about the same size (documents within the same power of ``MERGE_FACTOR``)
#: are merged into one once there are ``MERGE_FACTOR`` of them (``merge_tiers``).
MERGE_FACTOR = 8
#: Beyond this many segments the smallest ``MERGE_FACTOR`` are merged whatever their size:
#: a search reads every segment's term table.
MAX_SEGMENTS = 16
#: A request's index commit merges nothing while the index has fewer segments than this:
#: the drainer merges after it (``WhooshIndex.merge``); beyond, the request merges itself.
MAX_REQUEST_SEGMENTS = 2 * MAX_SEGMENTS

#: Separator between attachment texts; the snippet code rebuilds the same string.
ATTACHMENT_SEPARATOR = "\n\n"


def make_schema() -> fields.Schema:
    """Return the index schema (the analyzers are pickled into the index)."""
    german = german_analyzer()

    def text(chars: bool = False) -> fields.TEXT:
        # Field weights are applied at query time (TEXT_FIELDS), where they scale the score
        # linearly; an index-time field_boost would only raise the BM25 term frequency.
        return fields.TEXT(analyzer=german, chars=chars)

    def exact() -> fields.KEYWORD:
        # Multi-valued, comma-separated, kept verbatim (facet values are these strings).
        return fields.KEYWORD(commas=True, lowercase=False, scorable=True)

    # The field table's facets (case facts: exploitation forms, ...), their keys verbatim.
    facets = {f.name: exact() for f in FACET_FIELDS}
    return fields.Schema(
        **facets,
        id=fields.ID(stored=True, unique=True),
        stamp=fields.STORED(),
        # Access control and status: never queried by users (the parser cannot reach them).
        audience=fields.KEYWORD(lowercase=False, scorable=False),
        status=fields.ID(),
        # Full text; snippet fields keep character offsets for pinpoint highlighting.
        title=text(chars=True),
        summary=text(chars=True),
        body=text(chars=True),
        attachments=text(chars=True),
        file_number=text(),
        norm_text=text(),
        court=text(),
        topic_text=text(),
        tag_text=text(),
        meta=text(),
        organisation_text=text(),
        # Exact keys, whatever the spelling: "3 StR 123/19" and "3StR123/19" -> "3str123/19",
        # an ECLI in upper case without spaces, norms "StGB § 232a".
        file_number_key=fields.KEYWORD(lowercase=False),
        ecli_key=fields.ID(),
        # Norms as cited ("AufenthG § 25 Abs. 4a"): the facet and its filter.
        norm=exact(),
        # The same with the provisions above each ("AufenthG § 25"): what norm queries match.
        norm_tree=exact(),
        # Norms the text mentions, with the provisions above each, for norm queries.
        norm_mention=fields.TEXT(analyzer=NormMentionTokenizer(), phrase=False),
        # Filters and facets.
        type=fields.ID(),
        court_id=fields.ID(),
        court_level=fields.ID(),
        legal_area=exact(),
        topic=exact(),
        organisation=fields.ID(),
        year=fields.ID(),
        language=fields.ID(),
        date=fields.NUMERIC(int, bits=32, sortable=True, signed=False),
        # Surface words (neither stemmed nor folded) for "did you mean" and completion, those
        # with capitals as written ("egmr|EGMR"), for suggestions in the case people write.
        spell=fields.TEXT(analyzer=spelling_form_analyzer(), phrase=False),
    )


def _yyyymmdd(value: date | datetime | None) -> int | None:
    if value is None:
        return None
    return value.year * 10_000 + value.month * 100 + value.day


def resource_date(resource) -> date | datetime | None:
    """The date a resource is sorted and filtered by: decision, publication or event date."""
    return (
        resource.decision_date
        or resource.published_on
        or resource.event_date
        or resource.published_at
        or resource.created_at
    )


def attachment_text(resource) -> str:
    """The attachment text exactly as indexed (snippets highlight this string)."""
    return ATTACHMENT_SEPARATOR.join(a.text for a in resource.attachments if a.text)


def _values(items: Iterable[str]) -> str:
    return ",".join(v.replace(",", " ").strip() for v in items if v and v.strip())


def document_for(resource) -> dict:
    """Return the index document of a resource (with its ``stamp``)."""
    court = resource.court
    organisation = resource.organisation
    norms = list(resource.norms)
    when = resource_date(resource)
    attachments = attachment_text(resource)
    court_names = []
    if court is not None:
        court_names = [court.name, court.short_name, *(court.aliases or [])]
        if court.level in COURT_LEVELS:
            court_names.append(COURT_LEVELS[court.level])
    meta = [str(RESOURCE_TYPES.get(resource.type, "")), *indexed_text(resource)]
    spelling = " ".join(
        [resource.title or "", resource.summary or "", resource.body or ""]
        + list(resource.topics or [])
        + list(resource.tags or [])
    )
    doc = {
        "id": str(resource.id),
        "audience": " ".join(
            sorted(
                resource_audiences(resource.status, resource.visibility, resource.organisation_id)
            )
        ),
        "status": resource.status,
        "title": resource.title or "",
        "summary": resource.summary or "",
        "body": resource.body or "",
        "attachments": attachments,
        "file_number": resource.file_number or "",
        # The file number's key, and its keys without court prefix or suffix.
        "file_number_key": " ".join(file_number_keys(resource.file_number or "")),
        "ecli_key": ecli_key(resource.ecli or ""),
        "norm": _values(n.key for n in norms),
        "norm_tree": _values(
            dict.fromkeys(k for n in norms for k in (*norm_ancestor_keys(n.key), n.key))
        ),
        "norm_mention": "\n".join(
            [resource.title or "", resource.summary or "", resource.body or "", attachments]
        ),
        "norm_text": " ; ".join(f"{n.label} {n.key}" for n in norms),
        "court": " ; ".join(name for name in court_names if name),
        "topic_text": " ; ".join(resource.topics or []),
        "tag_text": " ; ".join(resource.tags or []),
        "meta": " ; ".join(part for part in meta if part),
        "organisation_text": (
            f"{organisation.name} ; {organisation.short_name}" if organisation else ""
        ),
        "type": resource.type,
        "court_id": str(court.id) if court is not None else "",
        "court_level": court.level if court is not None else "",
        "legal_area": _values(resource.legal_areas or []),
        "topic": _values(resource.topics or []),
        "organisation": str(resource.organisation_id),
        "year": str(when.year) if when else "",
        "language": resource.language or "",
        "spell": spelling,
    }
    for f in FACET_FIELDS:
        if f.name in doc or resource.type not in f.types:
            continue
        value = getattr(resource, f.name, None)
        doc[f.name] = _values(value if isinstance(value, list) else [value or ""])
    if when is not None:
        doc["date"] = _yyyymmdd(when)
    doc = {name: value for name, value in doc.items() if value not in ("", None)}
    doc["stamp"] = stamp_of(doc)
    return doc


def stamp_of(doc: dict) -> str:
    """A short hash of an index document: equal stamps mean the indexed content is current."""
    payload = json.dumps(
        {k: v for k, v in doc.items() if k != "stamp"}, sort_keys=True, ensure_ascii=False
    )
    return SCHEMA_VERSION + ":" + hashlib.sha1(payload.encode(), usedforsecurity=False).hexdigest()


@dataclass
class Snapshot:
    """A searcher and what is cached for it; valid until the index changes.

    Document sets are boolean arrays over document numbers, built from per-segment term data
    (``portal.search.engine.SegmentCache``), so a new snapshot after a small change reads only
    the new segment's terms.
    """

    searcher: object
    segments: SegmentCache = field(default_factory=SegmentCache)
    _masks: dict[object, np.ndarray] = field(default_factory=dict)
    _sets: dict[tuple, frozenset[int]] = field(default_factory=dict)
    _scored: OrderedDict[str, Scored] = field(default_factory=OrderedDict)
    _engine: Engine | None = None
    _facets: dict = field(default_factory=dict)
    #: Facet labels read from the database, by (facet name, value); see ``services``.
    labels: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Term presence by (field, term), and prefix expansions, for the query
    #: compiler (``portal.search.query.Compiler``); a snapshot belongs to one thread.
    frequencies: dict[tuple, object] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        # Closed when replaced (``close``), or when the snapshot is collected (a thread ended):
        # a searcher's files must not be left to the garbage collector.
        self.close = weakref.finalize(self, _close_searcher, self.searcher)

    def prepare(self) -> None:
        """Read what lives in files opened on demand, while the segments' files exist.

        A writer that merges segments deletes the old segments' files; a snapshot still using
        them keeps the files it has open. So the field lengths and dates are read (cached per
        segment) and the stored-fields file is opened now, not at the first hit.
        """
        engine = self.engine()
        scorable = [name for name, spec in self.searcher.schema.items() if spec.scorable]
        for reader, _ in engine.leaves:
            for name in scorable:
                self.segments.get(reader, "len", name)
            self.segments.get(reader, "date", "")
            if reader.doc_count_all():
                reader.stored_fields(0)

    def engine(self) -> Engine:
        """The array engine over this snapshot's searcher (see ``portal.search.engine``)."""
        if self._engine is None:
            self._engine = Engine(self.searcher, self.segments)
        return self._engine

    def key_terms(self, fieldname: str, text: str, number: int) -> list[tuple[str, float]]:
        """The ``number`` most telling terms of ``text`` with their weights, picked as Whoosh's
        ``Searcher.key_terms_from_text`` picks them, but from the public documents' statistics
        (``PublicStats``): what hidden documents contain never changes which terms are picked
        or how much each weighs.
        """
        reader = _PublicTermWeights(self.searcher.schema, self.engine().stats, fieldname)
        expander = classify.Expander(reader, fieldname)
        expander.add_text(text)
        return expander.expanded_terms(number)

    def corrector(self, fieldname: str, visible: np.ndarray) -> SegmentCorrector:
        """Whoosh's spelling corrector of a field over the ``visible`` documents (a mask), with
        the segments' candidates cached."""
        return SegmentCorrector(self.searcher.ixreader, fieldname, self.segments, visible)

    def _mask(self, key, build) -> np.ndarray:
        cached = self._masks.get(key)
        if cached is None:
            cached = build()
            cached.flags.writeable = False
            if len(self._masks) > 256:
                self._masks.clear()
            self._masks[key] = cached
        return cached

    def visible_mask(
        self, audiences: Iterable[str], statuses: Iterable[str] | None = ("published",)
    ) -> np.ndarray:
        """Documents of resources any of ``audiences`` may see, as a boolean array (cached).

        Only published resources by default; ``statuses=None`` means every workflow status
        (what the audiences allow: drafts belong to the owning organisation and the office).
        """
        audiences = frozenset(audiences)
        statuses = None if statuses is None else frozenset(statuses)

        def build():
            engine = self.engine()
            mask = engine.terms_mask("audience", sorted(audiences))
            if statuses is not None:
                mask &= engine.terms_mask("status", sorted(statuses))
            return mask

        return self._mask(("visible", audiences, statuses), build)

    def visible_docs(
        self, audiences: Iterable[str], statuses: Iterable[str] | None = ("published",)
    ) -> frozenset[int]:
        """``visible_mask`` as a set of document numbers (cached)."""
        audiences = frozenset(audiences)
        statuses = None if statuses is None else frozenset(statuses)
        key = ("docs", audiences, statuses)
        cached = self._sets.get(key)
        if cached is None:
            mask = self.visible_mask(audiences, statuses)
            cached = self._sets[key] = frozenset(np.flatnonzero(mask).tolist())
        return cached

    def scored(self, query) -> Scored:
        """``Engine.evaluate(query)``, remembered for the last ``SCORED_CACHE`` queries.

        Paging through results and narrowing them with facets ask the same query again.
        The arrays are read-only: callers derive new ones.
        """
        key = repr(query)
        found = self._scored.get(key)
        if found is None:
            found = self.engine().evaluate(query)
            found.scores.flags.writeable = False
            found.matched.flags.writeable = False
            if len(self._scored) >= SCORED_CACHE:
                self._scored.popitem(last=False)
        else:
            del self._scored[key]  # to the end: most recently used
        self._scored[key] = found
        return found

    def filter_mask(self, query) -> np.ndarray:
        """Documents matching a filter query (facet values, date ranges) as a boolean array."""
        return self._mask(
            ("filter", repr(query)),
            lambda: self.engine().evaluate(query).matched & self.engine().live(),
        )

    def facet_postings(self, fieldname: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The values of a facet field (sorted) and its postings as two parallel arrays:
        document numbers (deleted ones too) and the index of the value each carries (cached).

        Counting a facet is then one vectorised step, ``bincount(value_ids[matched[docs]])``,
        however many values the field has (courts, nationalities, norms).
        """
        cached = self._facets.get(fieldname)
        if cached is None:
            cached = self.engine().facet_postings(fieldname)
            for array in cached:
                array.flags.writeable = False
            self._facets[fieldname] = cached
        return cached

    def value_positions(self, fieldname: str, other: str) -> np.ndarray:
        """For each value of facet field ``fieldname``, the index of the same value among
        ``other``'s values (``len`` of those where ``other`` lacks it; cached)."""
        key = (fieldname, other)
        cached = self._facets.get(key)
        if cached is None:
            known = self.facet_postings(other)[0]
            values = self.facet_postings(fieldname)[0]
            positions = np.searchsorted(known, values)
            found = positions < len(known)
            found[found] = known[positions[found]] == values[found]
            # One slot past the end for values ``other`` lacks: callers size arrays by one.
            cached = np.where(found, positions, len(known))
            cached.flags.writeable = False
            self._facets[key] = cached
        return cached


class _PublicTermWeights:
    """What Whoosh's ``Expander`` asks of a reader for one field, answered from the public
    documents only (``PublicStats``: document count and each term's total weight there)."""

    def __init__(self, schema, stats, fieldname: str):
        self.schema = schema
        self._stats = stats
        self._fieldname = fieldname

    def doc_count_all(self) -> int:
        return self._stats.doc_count

    def field_length(self, fieldname: str) -> float:
        return self._stats.field_length(fieldname)

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        return self.frequency(*term) > 0

    def frequency(self, fieldname: str, btext: bytes) -> float:
        if fieldname != self._fieldname:
            raise ValueError(f"Term weights of {self._fieldname}, not {fieldname}")
        return self._stats.collection_frequency(fieldname, btext)


def _tier(segment) -> int:
    return int(math.log(max(segment.doc_count(), 1), MERGE_FACTOR))


def _to_merge(segments) -> list:
    """The segments of the smallest size tier that holds ``MERGE_FACTOR`` of them; with
    more than ``MAX_SEGMENTS`` and no full tier, the smallest ``MERGE_FACTOR``; else []."""
    tiers: dict[int, list] = {}
    for segment in segments:
        tiers.setdefault(_tier(segment), []).append(segment)
    for tier in sorted(tiers):
        if len(tiers[tier]) >= MERGE_FACTOR:
            return tiers[tier]
    if len(segments) > MAX_SEGMENTS:
        return sorted(segments, key=lambda segment: segment.doc_count())[:MERGE_FACTOR]
    return []


def merge_tiers(writer, segments) -> list:
    """A Whoosh merge policy: merge the segments of one full size tier (see ``_to_merge``).

    Whoosh's own policy (``MERGE_SMALL``) merged every few commits all segments up to a
    fibonacci bound, so a segment of some dozens of documents was rewritten again and again
    (about 0.4 s of an edit every fifth edit). Here a document is rewritten once per tier:
    a few times in its life.
    """
    merged = _to_merge(segments)
    for segment in merged:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in merged]


def merge_later(writer, segments) -> list:
    """A Whoosh merge policy for a request's commit: no merge below ``MAX_REQUEST_SEGMENTS``."""
    if len(segments) < MAX_REQUEST_SEGMENTS:
        return segments
    return merge_tiers(writer, segments)


def _refreshed(ix, old):
    """A reader of the index's latest state that takes over ``old``'s readers of segments
    that did not change (same segment, same deletions); ``old``'s other readers are closed.

    Opening a segment's reader reads the headers of its term tables: after a change, only
    the new segment and the one that lost the old version need a new reader (that was about
    a twentieth of a loaded server's work). Not Whoosh's ``Searcher.refresh()``: whoosh3 3.54
    reuses a segment's reader when only its deletions changed, so deleted and replaced
    documents would still be found.
    """
    leaves = [reader for reader, _ in old.leaf_readers()]
    try:
        toc = ix._read_toc()
        unchanged = {(s.segment_id(), s.deleted_count()) for s in toc.segments}
        keep = [
            reader
            for reader in leaves
            # With one segment Whoosh returns that reader itself, with its old generation.
            if len(toc.segments) > 1
            and isinstance(reader, SegmentReader)
            and (reader.segment().segment_id(), reader.segment().deleted_count()) in unchanged
        ]
    except (OSError, AttributeError):  # files just removed by a writer; another Whoosh
        keep = []
    for reader in leaves:
        if not any(reader is kept for kept in keep):
            _close_searcher(reader)
    if not keep:
        return ix.reader()
    try:
        # The same table of contents the readers were chosen by: with a newer one, Whoosh
        # would take a reader whose segment has lost documents since.
        return ix._reader(
            ix.storage, toc.schema, toc.segments, toc.generation, reuse=MultiReader(keep)
        )
    except OSError:  # as Whoosh's ``FileIndex.reader`` (which retries): its reused are closed
        return ix.reader()


def _close_searcher(searcher) -> None:
    try:
        searcher.close()
    except Exception:  # already closed, or its files are gone
        logger.debug("Closing a searcher failed", exc_info=True)


class WhooshIndex:
    """The portal's index directory, with a per-thread cached searcher and a waiting writer."""

    def __init__(
        self, path: str | Path, write_timeout: float = 30.0, postings_budget: int = 64 * 2**20
    ):
        self.path = Path(path)
        self.write_timeout = write_timeout
        self._ix = None
        self._local = threading.local()
        self._open_lock = threading.Lock()
        #: Field lengths, dates and decoded postings of segments, shared by all snapshots
        #: (segments never change); postings within ``postings_budget`` bytes.
        self.segments = SegmentCache(postings_budget)

    def exists(self) -> bool:
        return self.path.is_dir() and index.exists_in(str(self.path))

    def _creation_lock(self):
        # Whoosh's create_in() erases the directory: two processes creating the index at once
        # would wipe each other's first commits, so creating is serialised across processes.
        from whoosh.filedb.filestore import FileStorage

        self.path.mkdir(parents=True, exist_ok=True)
        return FileStorage(str(self.path)).lock("_CREATE_LOCK")

    def create(self) -> None:
        """Create an empty index (erasing any index in the directory)."""
        lock = self._creation_lock()
        lock.acquire(blocking=True)
        try:
            with self._open_lock:
                self._ix = index.create_in(str(self.path), make_schema())
                self._local = threading.local()
        finally:
            lock.release()

    def open(self):
        """Return the Whoosh index, creating an empty one if the directory holds none."""
        if self._ix is None:
            with self._open_lock:
                if self._ix is None:
                    if not self.exists():
                        lock = self._creation_lock()
                        lock.acquire(blocking=True)
                        try:
                            if not self.exists():  # checked again under the lock
                                index.create_in(str(self.path), make_schema())
                        finally:
                            lock.release()
                    self._ix = index.open_dir(str(self.path))
        return self._ix

    @property
    def schema(self) -> fields.Schema:
        return self.open().schema

    def snapshot(self) -> Snapshot:
        """Return this thread's searcher, refreshed only when the index changed on disk."""
        snap: Snapshot | None = getattr(self._local, "snapshot", None)
        if snap is not None and snap.searcher.up_to_date():
            return snap
        old = None
        if snap is not None:
            snap.close.detach()  # its unchanged segments' readers go on in the new snapshot
            old = snap.searcher.reader()
            self._local.snapshot = None  # in pieces now: never used again, even if this fails
        searcher = self.searcher(reuse=old)
        self.segments.retain({segment_id(leaf.reader()) for leaf, _ in searcher.leaf_searchers()})
        snap = self._local.snapshot = Snapshot(searcher, self.segments)
        snap.prepare()
        return snap

    def searcher(self, reuse=None):
        """A new searcher that ranks with public statistics only (see ``PublicStats``).

        ``reuse``: a reader of this index not used any more (an old snapshot's); its readers of
        segments that did not change go on in the new searcher, the others are closed.
        """
        weighting = PublicBM25F(self.segments, MEMBERS)
        ix = self.open()
        if reuse is None:
            return ix.searcher(weighting=weighting)
        return Searcher(_refreshed(ix, reuse), fromindex=ix, weighting=weighting)

    def writer(self, procs: int = 1, timeout: float | None = None):
        """A writer that waits up to ``timeout`` (default ``write_timeout``) seconds for the
        lock of another writer.

        With ``procs`` > 1, that many processes analyse and write the documents added, each into
        a segment of its own (for big batches: the commit adds the segments without merging).
        Segments are written as separate files, not one compound file: opening a compound
        segment copies its term dictionary into memory (Whoosh's ``BufferFile``), which made
        every new searcher after a change cost 0.35 s at 100,000 documents.
        """
        kwargs = {
            "timeout": self.write_timeout if timeout is None else timeout,
            "compound": False,
        }
        if procs > 1:
            kwargs.update(procs=procs, multisegment=True, limitmb=128)
        return self.open().writer(**kwargs)

    def needs_merge(self) -> bool:
        """True if ``merge`` would merge segments (a full size tier, too many segments)."""
        return bool(_to_merge(self.open()._segments()))

    def merge(self) -> int | None:
        """Merge segments as ``merge_tiers`` does until nothing is left to merge, if another
        writer does not hold the lock; return the number of segments merged (None: the lock
        was busy)."""
        merged = 0
        while self.needs_merge():
            try:
                writer = self.writer(timeout=0.0)
            except index.LockError:
                return None
            segments = len(writer.segments)
            writer.commit(mergetype=merge_tiers)
            merged += segments - len(self.open()._segments()) + 1
        return merged

    def rebuild(self, documents: Iterable[dict], procs: int = 1) -> int:
        """Replace the whole index content with ``documents`` in one commit; return the count.

        An index with an older schema is recreated with the current one first.
        """
        ix = self.open()
        if set(ix.schema.names()) != set(make_schema().names()):
            self.create()
        w = self.writer(procs=procs)
        count = 0
        try:
            for doc in documents:
                w.add_document(**doc)
                count += 1
        except BaseException:
            w.cancel()
            raise
        w.commit(mergetype=writing.CLEAR)
        return count

    def stored_stamps(self) -> dict[int, str]:
        """Return {resource id: stamp} of every indexed document."""
        with self.open().searcher() as searcher:
            return {int(f["id"]): f.get("stamp", "") for f in searcher.all_stored_fields()}

    def iter_ids(self) -> Iterator[int]:
        with self.open().searcher() as searcher:
            for stored in searcher.all_stored_fields():
                yield int(stored["id"])

    def close(self) -> None:
        """Close this thread's searcher and forget the opened index (it reopens on demand)."""
        snap = getattr(self._local, "snapshot", None)
        if snap is not None:
            snap.close()
            self._local.snapshot = None
        self._ix = None
