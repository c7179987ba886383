"""A comment on a resource, or a reply to one (one level deep)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow


class Comment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), index=True
    )
    # None: the author's account was deleted; the comment stays, unnamed.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)  # Markdown, rendered sanitised like resource bodies
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    # Deleted by its author while replies hang on it: the text is gone, the place stays.
    deleted_at: Mapped[datetime | None]
    # Hidden by the office (moderation); the text stays for the record and can be restored.
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    author = relationship("User", foreign_keys=[author_id])
    resource = relationship("Resource")
    replies = relationship(
        "Comment", order_by="Comment.created_at", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<Comment {self.id} resource={self.resource_id}>"
