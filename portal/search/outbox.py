"""The index follows the database: an outbox of index tasks, written in the same transaction.

``after_flush`` records one ``IndexTask`` per created, changed or deleted resource (and per
resource whose attachments, norms, court or organisation name changed) on the flush's own
connection, so the task commits or rolls back with the change. ``after_commit`` then applies
every pending task: it waits for the Whoosh write lock, writes, commits the index and only then
deletes the tasks it applied. A crash between the two commits leaves the tasks for the next
writer (the next commit that records tasks, the next search, ``reindex``). Applying is
idempotent: a task means "make the index document of this resource match the database".

Not seen by the hooks: bulk ``update()``/``delete()`` statements and raw SQL; ``check-index``
reports what they leave behind.
"""

from __future__ import annotations

import logging

from flask import current_app, has_app_context
from sqlalchemy import delete, event, insert, inspect, literal, select
from sqlalchemy.orm import Session, selectinload

from portal.extensions import db
from portal.search.models import IndexTask
from portal.timeutil import utcnow

logger = logging.getLogger(__name__)

#: Tasks applied per Whoosh commit.
BATCH = 500
_APPLY_FLAG = "search_apply_pending"

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
    from portal.orgs.models import Organisation
    from portal.resources.models import Attachment, Court, Resource, ResourceNorm

    if _search_index() is None:
        return
    tasks: dict[int, str] = {}
    courts: set[int] = set()
    organisations: set[int] = set()
    record = False

    for obj in session.deleted:
        if isinstance(obj, Resource) and obj.id is not None:
            tasks[obj.id] = "delete"
        elif isinstance(obj, Attachment | ResourceNorm) and obj.resource_id is not None:
            tasks.setdefault(obj.resource_id, "upsert")
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Resource):
            if obj in session.new or session.is_modified(obj):
                tasks.setdefault(obj.id, "upsert")
        elif isinstance(obj, Attachment | ResourceNorm):
            resource_id = obj.resource_id or (obj.resource.id if obj.resource else None)
            if resource_id is not None:
                tasks.setdefault(resource_id, "upsert")
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
            [
                {"resource_id": rid, "action": action, "created_at": now}
                for rid, action in tasks.items()
            ],
        )
    for column, ids in ((Resource.court_id, courts), (Resource.organisation_id, organisations)):
        if ids:
            connection.execute(
                insert(IndexTask).from_select(
                    ["resource_id", "action", "created_at"],
                    select(Resource.id, literal("upsert"), literal(now)).where(column.in_(ids)),
                )
            )
    if tasks or courts or organisations or record:
        session.info[_APPLY_FLAG] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop(_APPLY_FLAG, False):
        return
    search_index = _search_index()
    if search_index is None:
        return
    try:
        apply_pending(search_index)
    except Exception:
        # The tasks stay in the outbox; the next writer applies them.
        logger.exception("Applying index tasks failed; they stay pending")


def _after_rollback(session: Session, _previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_APPLY_FLAG, None)


def has_pending() -> bool:
    """True if the outbox holds tasks (cheap: one indexed row at most)."""
    with Session(db.engine) as s:
        return s.execute(select(IndexTask.id).limit(1)).first() is not None


def load_resources(session: Session, ids) -> dict:
    """Resources by id, with everything their index document needs loaded."""
    from portal.resources.models import Resource

    rows = session.scalars(
        select(Resource)
        .where(Resource.id.in_(list(ids)))
        .options(
            selectinload(Resource.attachments),
            selectinload(Resource.norms),
            selectinload(Resource.court),
            selectinload(Resource.organisation),
        )
    )
    return {r.id: r for r in rows}


def apply_pending(
    search_index, *, blocking: bool = True, batch: int = BATCH, max_batches: int | None = None
) -> int:
    """Apply pending index tasks (all, or ``max_batches`` of ``batch``); return how many.

    Waits up to the index's write timeout for the lock (``blocking=False``: gives up at once,
    leaving the tasks to the writer that holds it). Tasks are read after the lock is taken,
    so what is written reflects the database at that moment, and deleted only after the
    Whoosh commit. Raises ``whoosh.index.LockError`` if the lock stayed busy.
    """
    from whoosh.index import LockError

    from portal.search.index import document_for

    applied = batches = 0
    while True:
        if not has_pending():
            return applied
        try:
            writer = search_index.writer() if blocking else search_index.open().writer(timeout=0.0)
        except LockError:
            if not blocking:
                return applied
            raise
        try:
            # A new transaction, begun after the lock was taken: SQLite (WAL) would otherwise
            # answer from the snapshot of before the wait, and a writer that committed
            # meanwhile would be missed.
            with Session(db.engine) as s:
                tasks = s.execute(
                    select(IndexTask.id, IndexTask.resource_id).order_by(IndexTask.id).limit(batch)
                ).all()
                resource_ids = {resource_id for _, resource_id in tasks}
                resources = load_resources(s, resource_ids)
                documents = {rid: document_for(r) for rid, r in resources.items()}
            for resource_id in sorted(resource_ids):
                if resource_id in documents:
                    writer.update_document(**documents[resource_id])
                else:
                    writer.delete_by_term("id", str(resource_id))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        task_ids = [task_id for task_id, _ in tasks]
        # Its own write transaction, which waits for the busy timeout like any other writer.
        with Session(db.engine) as s:
            s.execute(delete(IndexTask).where(IndexTask.id.in_(task_ids)))
            s.commit()
        applied += len(task_ids)
        batches += 1
        if len(tasks) < batch or (max_batches and batches >= max_batches):
            return applied
