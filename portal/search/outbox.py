"""The index follows the database: an outbox of index tasks, written in the same transaction.

``after_flush`` records one ``IndexTask`` per created, changed or deleted resource (and per
resource whose attachments, norms, court or organisation name changed) on the flush's own
connection, so the task commits or rolls back with the change. ``after_commit`` then applies
tasks: it waits for the Whoosh write lock, writes, commits the index and only then deletes the
tasks it applied. Applying is idempotent: a task means "make the index document of this
resource match the database".

A request applies only the tasks of the resources it changed itself, at most
``REQUEST_BATCH`` of them, so its own change is searchable at once and it never pays for a
backlog (a killed import, a crash between the two commits, a renamed court with thousands of
decisions). A backlog belongs to the ``Drainer``: one thread per process, started when a
request or search sees pending tasks, applying ``DRAIN_BATCH`` tasks per Whoosh commit until
none are left; Whoosh's write lock lets one writer at a time work across processes.
Searches apply nothing (their totals never grow while one pages through them). The command
line (imports, ``reindex``, ``drain-index``) applies everything at once; a long import writes
the documents of the resources it creates while it goes on (``IndexAhead``).

Not seen by the hooks: bulk ``update()``/``delete()`` statements and raw SQL; ``check-index``
reports what they leave behind.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import Flask, current_app, has_app_context, has_request_context
from sqlalchemy import delete, event, func, insert, inspect, literal, select
from sqlalchemy.orm import Session, selectinload

from portal.extensions import db
from portal.orgs.models import Organisation
from portal.resources.models import Attachment, Court, Resource, ResourceNorm
from portal.search.index import document_for, merge_later, merge_tiers
from portal.search.models import IndexTask
from portal.timeutil import utcnow

logger = logging.getLogger(__name__)

#: Tasks applied per Whoosh commit.
BATCH = 500
#: From this many pending tasks (an import, a big reindex) one commit takes them all, written by
#: ``PROCS`` processes into a segment each: a 3,000-line import indexed in 5.3 s instead of 11 s.
#: (One commit in a single process was slower than batches of 500: 13.6 s.)
PARALLEL_FROM = 1_000
PARALLEL_BATCH = 20_000
PROCS = min(2, os.cpu_count() or 1)
#: Resources loaded from the database per query.
LOAD_CHUNK = 500
#: Tasks a request applies after its commit (its own resources only).
REQUEST_BATCH = 50
#: Tasks the background drainer applies per Whoosh commit (it holds the lock that long).
DRAIN_BATCH = 200
#: Tasks older than this count as a backlog (admin notice); younger ones are being applied.
BACKLOG_AGE_SECONDS = 30
#: From this many lines an import hands the resources it creates to the index writer while it
#: goes on (``IndexAhead``).
AHEAD_FROM = PARALLEL_FROM
_APPLY_FLAG = "search_apply_pending"
_AHEAD = "search_index_ahead"

# Attributes of a court and an organisation that appear in index documents.
_COURT_ATTRS = ("name", "short_name", "aliases", "level")
_ORG_ATTRS = ("name", "short_name")


def register_hooks() -> None:
    """Listen to the Flask-SQLAlchemy session (once per process, whatever the number of apps)."""
    for name, fn in (
        ("after_flush", _after_flush),
        ("after_commit", _after_commit),
        ("after_soft_rollback", _after_rollback),
    ):
        if not event.contains(db.session, name, fn):
            event.listen(db.session, name, fn)


def _search_index():
    if not has_app_context():
        return None
    return current_app.extensions.get("search_index")


def _changed(session: Session, obj, attrs: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[attr].history.has_changes() for attr in attrs)


def _after_flush(session: Session, _flush_context) -> None:
    # The session still shows the pre-flush state here, and new objects have their ids.
    if _search_index() is None:
        return
    tasks: set[int] = set()  # whether to write or remove is decided when applying
    courts: set[int] = set()
    organisations: set[int] = set()
    record = False

    for obj in session.deleted:
        if isinstance(obj, Resource) and obj.id is not None:
            tasks.add(obj.id)
        elif isinstance(obj, Attachment | ResourceNorm) and obj.resource_id is not None:
            tasks.add(obj.resource_id)
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Resource):
            if obj in session.new or session.is_modified(obj):
                tasks.add(obj.id)
        elif isinstance(obj, Attachment | ResourceNorm):
            resource_id = obj.resource_id or (obj.resource.id if obj.resource else None)
            if resource_id is not None:
                tasks.add(resource_id)
        elif (
            isinstance(obj, Court)
            and obj not in session.new
            and _changed(session, obj, _COURT_ATTRS)
        ):
            courts.add(obj.id)
        elif (
            isinstance(obj, Organisation)
            and obj not in session.new
            and _changed(session, obj, _ORG_ATTRS)
        ):
            organisations.add(obj.id)
        elif isinstance(obj, IndexTask):
            record = True  # someone queued a task by hand (tests, scripts): apply it too

    connection = session.connection()
    now = utcnow()
    if tasks:
        connection.execute(
            insert(IndexTask),
            [{"resource_id": rid, "created_at": now} for rid in sorted(tasks)],
        )
    ahead = session.info.get(_AHEAD)
    if ahead is not None:
        ahead.flushed(tasks, bool(courts or organisations))
    for column, ids in ((Resource.court_id, courts), (Resource.organisation_id, organisations)):
        if ids:
            connection.execute(
                insert(IndexTask).from_select(
                    ["resource_id", "created_at"],
                    select(Resource.id, literal(now)).where(column.in_(ids)),
                )
            )
    if tasks or courts or organisations or record:
        own = session.info.setdefault(_APPLY_FLAG, set())
        own.update(tasks)
        if courts or organisations or record:
            own.add(None)  # tasks of resources not listed here: more than the own ones


def _after_commit(session: Session) -> None:
    ahead = session.info.pop(_AHEAD, None)
    if ahead is not None:
        try:
            ahead.finish()
        except Exception:
            # Its tasks stay in the outbox and are applied below (or by the drainer).
            logger.exception("Committing the documents written ahead failed")
    own = session.info.pop(_APPLY_FLAG, None)
    if own is None:
        return
    search_index = _search_index()
    if search_index is None:
        return
    try:
        if has_request_context():
            ids = sorted(i for i in own if i is not None)
            if ids:
                apply_pending(
                    search_index, resource_ids=ids, batch=REQUEST_BATCH, max_batches=1, merge=False
                )
            if (
                None in own
                or len(ids) > REQUEST_BATCH
                or has_pending()
                or search_index.needs_merge()
            ):
                wake_drainer()
        else:
            apply_pending(search_index)  # the command line and scripts: everything, now
    except Exception:
        # The tasks stay in the outbox; the drainer or the next writer applies them.
        logger.exception("Applying index tasks failed; they stay pending")
        if has_request_context():
            wake_drainer()


def _after_rollback(session: Session, _previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_APPLY_FLAG, None)
        ahead = session.info.pop(_AHEAD, None)
        if ahead is not None:
            ahead.cancel()


def has_pending() -> bool:
    """True if the outbox holds tasks (cheap: one indexed row at most)."""
    with Session(db.engine) as s:
        return s.execute(select(IndexTask.id).limit(1)).first() is not None


def _pending_count(at_most: int, resource_ids=None) -> int:
    """How many tasks are pending (of ``resource_ids``, if given), counted up to ``at_most``."""
    with Session(db.engine) as s:
        rows = select(IndexTask.id)
        if resource_ids is not None:
            rows = rows.where(IndexTask.resource_id.in_(resource_ids))
        rows = rows.limit(at_most).subquery()
        return s.scalar(select(func.count()).select_from(rows)) or 0


def backlog() -> int:
    """Tasks pending for longer than ``BACKLOG_AGE_SECONDS`` (0: the index is up to date)."""
    older = utcnow() - timedelta(seconds=BACKLOG_AGE_SECONDS)
    with Session(db.engine) as s:
        return s.scalar(select(func.count(IndexTask.id)).where(IndexTask.created_at < older)) or 0


def load_resources(session: Session, ids) -> dict:
    """Resources by id, with everything their index document needs loaded."""
    rows = session.scalars(
        select(Resource)
        .where(Resource.id.in_(list(ids)))
        .options(
            selectinload(Resource.attachments).undefer(Attachment.text),
            selectinload(Resource.norms),
            selectinload(Resource.court),
            selectinload(Resource.organisation),
        )
    )
    return {r.id: r for r in rows}


def apply_pending(
    search_index,
    *,
    blocking: bool = True,
    batch: int = BATCH,
    max_batches: int | None = None,
    resource_ids: list[int] | None = None,
    merge: bool = True,
) -> int:
    """Apply pending index tasks (all, or ``max_batches`` of ``batch``); return how many.

    ``resource_ids``: only the tasks of these resources. Waits up to the index's write timeout
    for the lock (``blocking=False``: gives up at once, leaving the tasks to the writer that
    holds it). Tasks are read after the lock is taken, so what is written reflects the
    database at that moment, and deleted only after the Whoosh commit. Raises
    ``whoosh.index.LockError`` if the lock stayed busy. ``merge=False`` (a request's own
    change): the commit merges no segments unless there are too many (``merge_later``); the
    drainer merges them afterwards.
    """
    from whoosh.index import LockError

    applied = batches = 0
    while True:
        pending = _pending_count(PARALLEL_FROM, resource_ids)
        if not pending:
            return applied
        large = (
            blocking
            and PROCS > 1
            and pending >= PARALLEL_FROM
            and batch == BATCH
            and resource_ids is None
        )
        limit = PARALLEL_BATCH if large else batch
        try:
            if not blocking:
                writer = search_index.writer(timeout=0.0)
            elif large:
                writer = search_index.writer(procs=PROCS)
            else:
                writer = search_index.writer()
        except LockError:
            if not blocking:
                return applied
            raise
        try:
            # A new transaction, begun after the lock was taken: SQLite (WAL) would otherwise
            # answer from the snapshot of before the wait, and a writer that committed
            # meanwhile would be missed.
            with Session(db.engine) as s:
                query = select(IndexTask.id, IndexTask.resource_id)
                if resource_ids is not None:
                    query = query.where(IndexTask.resource_id.in_(resource_ids))
                tasks = s.execute(query.order_by(IndexTask.id).limit(limit)).all()
                resource_ids = sorted({resource_id for _, resource_id in tasks})
                _write(writer, s, resource_ids, document_for)
        except BaseException:
            writer.cancel()
            raise
        if large:
            writer.commit()
        else:
            writer.commit(mergetype=merge_tiers if merge else merge_later)
        task_ids = [task_id for task_id, _ in tasks]
        # Its own write transaction, which waits for the busy timeout like any other writer.
        with Session(db.engine) as s:
            s.execute(delete(IndexTask).where(IndexTask.id.in_(task_ids)))
            s.commit()
        applied += len(task_ids)
        batches += 1
        if len(tasks) < limit or (max_batches and batches >= max_batches):
            return applied


def _write(writer, session: Session, resource_ids: list[int], document_for) -> None:
    """Make the index documents of ``resource_ids`` match the database, in ``writer``.

    Like ``update_document`` for each, but resources not in the index yet (an import, a reindex
    into an empty index) are just added, without a lookup.
    """
    with writer.searcher() as searcher:
        indexed = {}
        for resource_id in resource_ids:
            docnum = searcher.document_number(id=str(resource_id))
            if docnum is not None:
                indexed[resource_id] = docnum
    known = set(writer.schema.names())
    for start in range(0, len(resource_ids), LOAD_CHUNK):
        chunk = resource_ids[start : start + LOAD_CHUNK]
        resources = load_resources(session, chunk)
        for resource_id in chunk:
            if resource_id in indexed:
                writer.delete_document(indexed[resource_id])
            if resource_id in resources:
                writer.add_document(**_fitting(document_for(resources[resource_id]), known))
        session.expunge_all()  # a whole import's resources need not stay in memory


def _fitting(doc: dict, known: set[str]) -> dict:
    """The document with only the fields the index knows.

    An index built before a schema change lacks new fields until `reindex` (check-index
    reports its documents as stale); it keeps taking changes meanwhile.
    """
    if known.issuperset(doc):
        return doc
    doc = {k: v for k, v in doc.items() if k in known}
    doc["stamp"] = "older schema"  # never equal to a current stamp
    return doc


# --- an import's documents, written while it goes on ------------------------------------


class IndexAhead:
    """The index documents of the resources a long transaction creates, written meanwhile.

    An import checks and writes its rows on one core for a while (about 16 s for 10,000
    lines); the index used to be written only after the commit. Here each batch of new
    resources is handed over once flushed, and ``PROCS`` writer processes analyse them while
    the import goes on. The index still follows the database: the writer commits after the
    database commit (``_after_commit``) and is cancelled by a rollback; the outbox's tasks of
    the resources it wrote are deleted only after its commit, and only those of this
    transaction (up to ``ceiling``): a later change of the same resource keeps its task.

    Only new resources are handed over: nobody else can change them before the commit, so
    their documents are final once flushed. If one of them (or a court or organisation) is
    changed again in the same transaction, the writer is cancelled at the commit and the
    tasks rewrite everything as before. Holds the index's write lock from the first batch
    to the commit, as applying the tasks after the commit held it.
    """

    def __init__(self, search_index, session: Session):
        self.search_index = search_index
        self.session = session
        self.writer = None
        self.searcher = None
        self.handed: set[int] = set()
        self.ceiling = 0  # the highest index task id of this transaction
        self.spoilt = False
        self.off = False

    def add(self, resources) -> None:
        """Write the index documents of these new, flushed resources (in the writer's
        processes; committed with the database)."""
        if self.off or self.spoilt or not resources:
            return
        if self.writer is None:
            from whoosh.index import LockError

            try:
                self.writer = self.search_index.writer(procs=PROCS)
            except LockError:
                self.off = True  # another writer is busy: the tasks do it after the commit
                logger.info("Index writer busy: the import's documents follow its commit")
                return
            self.searcher = self.writer.searcher()
            self.session.info[_AHEAD] = self
        ids = [resource.id for resource in resources]
        self.handed.update(ids)
        try:
            self._add_documents(ids)
        except Exception:
            # An index failure never fails the import: the tasks write it after the commit.
            logger.exception("Writing an import's documents failed; its tasks write them later")
            self.spoilt = True
            return
        # This transaction's tasks so far, those of these resources included (recorded by
        # the flush before): what ``finish`` may delete.
        self.ceiling = self.session.scalar(select(func.max(IndexTask.id))) or 0

    def _add_documents(self, ids: list[int]) -> None:
        known = set(self.writer.schema.names())
        # The batch's attachments, norms, court and organisation in a few queries.
        loaded = load_resources(self.session, ids)
        for resource_id in ids:
            # A left-over document of a reused id (drift) is replaced, as in ``_write``.
            docnum = self.searcher.document_number(id=str(resource_id))
            if docnum is not None:
                self.writer.delete_document(docnum)
            self.writer.add_document(**_fitting(document_for(loaded[resource_id]), known))

    def flushed(self, tasks: set[int], others: bool) -> None:
        """After a flush (``_after_flush``): a resource handed over and changed again (or a
        court or organisation, whose names documents carry) spoils the documents written."""
        if self.writer is not None and (others or tasks & self.handed):
            self.spoilt = True

    def finish(self) -> None:
        """After the database commit: commit the index and delete the tasks it covered."""
        if self.writer is None:
            return
        if self.spoilt:
            logger.info("Resources changed after their documents were written: rewriting")
            self.cancel()
            return
        try:
            self._close_searcher()
            self.writer.commit()  # a segment per process, merged later (see ``apply_pending``)
        except Exception:
            logger.exception("Writing the import's documents failed; the tasks stay pending")
            self.writer = None
            return
        self.writer = None
        handed = sorted(self.handed)
        with Session(db.engine) as s:
            for start in range(0, len(handed), LOAD_CHUNK):
                chunk = handed[start : start + LOAD_CHUNK]
                s.execute(
                    delete(IndexTask).where(
                        IndexTask.resource_id.in_(chunk), IndexTask.id <= self.ceiling
                    )
                )
            s.commit()

    def cancel(self) -> None:
        """Drop what was written (a rollback, an error); the lock is released."""
        writer, self.writer = self.writer, None
        self._close_searcher()
        if writer is None:
            return
        # Whoosh's own cancel only flags the parent's copies of the writer processes: they
        # are ended here, or they would go on with files the cancel removes.
        for task in getattr(writer, "tasks", []):
            task.terminate()
            task.join()
        writer.cancel()

    def _close_searcher(self) -> None:
        if self.searcher is not None:
            self.searcher.close()
            self.searcher = None


@contextmanager
def index_ahead(lines: int) -> Iterator[IndexAhead | None]:
    """An ``IndexAhead`` for the session's transaction if an import of ``lines`` lines is
    worth one (None: the tasks write the index after the commit, as for any change).

    Hand it the resources created after each flush; commit the session inside the block.
    Leaving the block uncommitted (an error) cancels what was written.
    """
    search_index = _search_index()
    if search_index is None or PROCS < 2 or lines < AHEAD_FROM:
        yield None
        return
    ahead = IndexAhead(search_index, db.session())
    try:
        yield ahead
    finally:
        if db.session.info.get(_AHEAD) is ahead:
            db.session.info.pop(_AHEAD, None)
        ahead.cancel()  # nothing left to cancel after the commit


# --- the background drainer -------------------------------------------------------------


class Drainer:
    """One thread per process that applies a backlog in small batches and merges the
    segments that requests' commits left unmerged, then ends."""

    def __init__(self):
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._app: Flask | None = None
        self._checked: dict[int, float] = {}

    def wake(self, app: Flask) -> None:
        """Start the thread unless it runs (cheap; safe to call from any request)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._app is app:
                return
            self._app = app
            self._thread = threading.Thread(
                target=self._run, args=(app,), name="portal-index-drainer", daemon=True
            )
            self._thread.start()

    def wake_if_pending(self, app: Flask, every: float = 5.0) -> None:
        """Wake the drainer if tasks are pending; looks at most every ``every`` seconds."""
        now = time.monotonic()
        if now - self._checked.get(id(app), -every) < every:
            return
        self._checked[id(app)] = now
        if has_pending():
            self.wake(app)

    def running(self) -> bool:
        with self._lock:
            return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait until the thread has ended (tests, commands); False on timeout."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _run(self, app: Flask) -> None:
        search_index = app.extensions["search_index"]
        idle = 0.2
        with app.app_context():
            while True:
                try:
                    applied = apply_pending(
                        search_index, blocking=False, batch=DRAIN_BATCH, max_batches=1
                    )
                except Exception:
                    logger.exception("The index drainer failed; it tries again")
                    applied = 0
                    idle = min(idle * 2, 30.0)
                if applied:
                    logger.info("Index drainer applied %s tasks", applied)
                    idle = 0.2
                    continue
                try:
                    merged = search_index.merge()
                except Exception:
                    # The segments stay as they are; the next change wakes the drainer again.
                    logger.exception("The index drainer failed to merge segments")
                    merged = 0
                if merged:
                    logger.info("Index drainer merged %s segments", merged)
                    continue
                with self._lock:
                    if not has_pending() and merged is not None and not search_index.needs_merge():
                        if self._thread is threading.current_thread():
                            self._thread = None
                        return
                # Another writer holds the index lock (another process drains, a request
                # writes its own change): try again shortly.
                time.sleep(idle)
                idle = min(idle * 2, 5.0)


drainer = Drainer()


def wake_drainer() -> None:
    """Start this process's drainer for the current app."""
    drainer.wake(current_app._get_current_object())
