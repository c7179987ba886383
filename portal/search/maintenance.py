"""Rebuilding the index from the database and checking that both agree."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.resources.models import Resource
from portal.search.index import document_for
from portal.search.models import IndexTask
from portal.search.outbox import apply_pending, load_resources

logger = logging.getLogger(__name__)

CHUNK = 200
#: From this many resources, a rebuild analyses documents in several processes by default.
PARALLEL_FROM = 2_000
MAX_PROCS = 4


def _all_resource_ids(s: Session) -> list[int]:
    return list(s.scalars(select(Resource.id).order_by(Resource.id)))


def iter_documents(s: Session, ids: list[int], progress: Callable[[int], None] | None = None):
    """Index documents of the resources ``ids``, loaded in chunks."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        resources = load_resources(s, chunk)
        for resource_id in chunk:
            if resource_id in resources:
                yield document_for(resources[resource_id])
        s.expunge_all()
        if progress:
            progress(len(chunk))


def default_procs(count: int) -> int:
    """Processes for rebuilding ``count`` documents: every core (at most 4) for big rebuilds."""
    if count < PARALLEL_FROM:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_PROCS))


def rebuild(search_index, *, procs: int | None = None, progress=None, on_total=None) -> int:
    """Rebuild the index from the database in one commit; return the number of documents.

    Tasks queued before the rebuild started are covered by it and deleted; tasks queued while
    it ran are applied afterwards. ``procs`` defaults to ``default_procs``.
    """
    with Session(db.engine) as s:
        covered = s.scalar(select(func.max(IndexTask.id))) or 0
        ids = _all_resource_ids(s)
        if procs is None:
            procs = default_procs(len(ids))
        if on_total:
            on_total(len(ids))
        count = search_index.rebuild(iter_documents(s, ids, progress), procs=procs)
        s.execute(delete(IndexTask).where(IndexTask.id <= covered))
        s.commit()
    apply_pending(search_index)
    return count


def ensure_index(search_index) -> bool:
    """Build the index if it is missing (or empty while the database has resources).

    Called when a command starts (``bootstrap``, ``check-index``); True if it was built.
    """
    if search_index.exists():
        with search_index.open().searcher() as searcher:
            if searcher.doc_count_all() > 0:
                return False
        with Session(db.engine) as s:
            if s.execute(select(Resource.id).limit(1)).first() is None:
                return False
    else:
        search_index.create()
    logger.info("Building the search index in %s from the database", search_index.path)
    rebuild(search_index)
    return True


@dataclass
class Drift:
    """Differences between the database and the index."""

    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    pending: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def check(search_index) -> Drift:
    """Compare every resource's current index document with what the index holds."""
    stored = search_index.stored_stamps()
    drift = Drift()
    with Session(db.engine) as s:
        drift.pending = s.scalar(select(func.count(IndexTask.id))) or 0
        ids = _all_resource_ids(s)
        for doc in iter_documents(s, ids):
            resource_id = int(doc["id"])
            stamp = stored.pop(resource_id, None)
            if stamp is None:
                drift.missing.append(resource_id)
            elif stamp != doc["stamp"]:
                drift.stale.append(resource_id)
    drift.extra = sorted(stored)
    return drift
