"""A consultation on a draft position paper, each organisation's response and its comments."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow

VERDICTS = ("agree", "agree_with_changes", "reject")


class Consultation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    # The paper's text when the consultation opened, as numbered sections: [{"number", "text"}].
    sections: Mapped[list] = mapped_column(JSON, default=list)
    deadline: Mapped[date]
    # Organisation ids asked; None: every member organisation.
    asked: Mapped[list | None] = mapped_column(JSON)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(Text, default="")

    resource = relationship("Resource")
    responses = relationship(
        "ConsultationResponse", cascade="all, delete-orphan", back_populates="consultation"
    )


class ConsultationResponse(db.Model):
    """One organisation's answer: drafted by its staff, submitted once."""

    __tablename__ = "consultation_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    verdict: Mapped[str] = mapped_column(String(30), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    # Section number (as text) -> comment on it.
    section_comments: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    consultation = relationship("Consultation", back_populates="responses")
    organisation = relationship("Organisation")

    __table_args__ = (UniqueConstraint("consultation_id", "organisation_id"),)
