"""An issue of „KOK informiert" and the entries it presents, in order, each with a note."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow


class Issue(db.Model):
    __tablename__ = "newsletter_issue"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    recipients: Mapped[int] = mapped_column(default=0)

    items = relationship(
        "IssueItem",
        order_by="IssueItem.position",
        cascade="all, delete-orphan",
        back_populates="issue",
    )

    def __repr__(self) -> str:
        return f"<Issue {self.id} {self.title!r}>"


class IssueItem(db.Model):
    __tablename__ = "newsletter_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(
        ForeignKey("newsletter_issue.id", ondelete="CASCADE"), index=True
    )
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")

    issue = relationship("Issue", back_populates="items")
    resource = relationship("Resource")
