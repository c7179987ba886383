"""A question to the whole network, its answers and the entries it points to."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow

question_resource = Table(
    "question_resource",
    db.metadata,
    Column("question_id", ForeignKey("question.id", ondelete="CASCADE"), primary_key=True),
    Column("resource_id", ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True),
)


class Question(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The asker's organisation when asking (a later move does not change who asked).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    # Other centres see neither name nor organisation; the office and the asker do.
    anonymous: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    answered_at: Mapped[datetime | None]  # the asker marked an answer helpful

    author = relationship("User")
    organisation = relationship("Organisation")
    answers = relationship(
        "Answer",
        order_by="Answer.created_at",
        cascade="all, delete-orphan",
        back_populates="question",
    )
    resources = relationship("Resource", secondary=question_resource, order_by="Resource.id")

    @property
    def url(self) -> str:
        return f"/questions/{self.id}"

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.title!r}>"


class Answer(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)  # Markdown
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    helpful: Mapped[bool] = mapped_column(default=False)

    author = relationship("User")
    question = relationship("Question", back_populates="answers")
