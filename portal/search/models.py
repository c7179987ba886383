"""The search outbox: index work recorded in the same transaction as the change it follows."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import utcnow

ACTIONS = ("upsert", "delete")


class IndexTask(db.Model):
    """One resource whose index document must be rewritten (or removed) after the commit.

    Rows are written by the session hooks in ``portal.search.outbox`` inside the transaction
    that changed the resource and deleted only after the Whoosh commit succeeded, so a crash
    between the two leaves the row for the next writer. ``resource_id`` is no foreign key: a
    delete task outlives its resource.
    """

    # Ids are never reused (AUTOINCREMENT on SQLite): a writer deletes the tasks it applied by
    # id, and a reused id would delete a newer task it never saw.
    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = {"sqlite_autoincrement": True}

    def __repr__(self) -> str:
        return f"<IndexTask {self.id} {self.resource_id}>"
