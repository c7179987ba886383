"""A meeting or training the office plans, who registered, and the entries it links."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow

KINDS = ("training", "networking")
MATERIAL_ROLES = ("agenda", "slides", "minutes", "other")


class Meeting(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="networking")
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]  # local time in Germany (Europe/Berlin), as typed
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")  # address, or "online"
    online_url: Mapped[str] = mapped_column(String(500), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")  # Markdown
    capacity: Mapped[int | None]  # None: no limit
    registration_deadline: Mapped[datetime | None]
    # Organisation ids invited; None: every member organisation (and the office).
    invited: Mapped[list | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None]  # the reminder a week before went out

    registrations = relationship(
        "Registration",
        order_by="Registration.created_at",
        cascade="all, delete-orphan",
        back_populates="meeting",
    )
    materials = relationship(
        "MeetingMaterial", order_by="MeetingMaterial.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.title!r}>"


class Registration(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    waiting: Mapped[bool] = mapped_column(default=False)  # on the waiting list

    meeting = relationship("Meeting", back_populates="registrations")
    user = relationship("User")

    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)


class MeetingMaterial(db.Model):
    """An entry of the knowledge base (agenda paper, slides, minutes) linked from a meeting."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20), default="other")

    resource = relationship("Resource")


class CalendarKey(db.Model):
    """The secret in a person's calendar feed address; a new one ends the old address."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    nonce: Mapped[str] = mapped_column(String(32))
