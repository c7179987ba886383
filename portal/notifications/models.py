"""What a person is told, how often they want mail about it, and what they follow."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow


class Notification(db.Model):
    """One event for one person; the text is rendered from `kind` and `params` in the reader's
    language when shown, so a later language change applies to old entries too."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), index=True
    )
    # Values the text needs beyond the resource (a comment, a saved search's name).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # When it went out by mail, alone or in a digest; None: not (yet) mailed.
    mailed_at: Mapped[datetime | None]

    user = relationship("User")
    resource = relationship("Resource")

    __table_args__ = (Index("ix_notification_user_created", "user_id", "created_at"),)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} user={self.user_id}>"


class NotificationSetting(db.Model):
    """How a person wants mail about one kind: immediately, daily, weekly or not at all."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    frequency: Mapped[str] = mapped_column(String(10))


class DigestState(db.Model):
    """The periods whose digests a person already got (`send-digests` sends each once)."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    daily_on: Mapped[date | None]
    weekly_on: Mapped[date | None]  # the Monday of the week last sent


class Follow(db.Model):
    """A person follows a norm (its key), a court (slug), a topic (legal area key), an
    organisation (slug), a resource (id) or one of their saved searches (id)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_key: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Saved searches: matches published after this moment are new.
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")

    __table_args__ = (
        UniqueConstraint("user_id", "target_type", "target_key"),
        Index("ix_follow_target", "target_type", "target_key"),
    )

    def __repr__(self) -> str:
        return f"<Follow {self.target_type}:{self.target_key} user={self.user_id}>"
