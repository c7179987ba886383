"""A dossier ("Mappe") and its entries: resources in an order of their own, each with a note."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow


class Dossier(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # The owner's organisation when it was created; `shared` opens it to that organisation.
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner = relationship("User")
    organisation = relationship("Organisation")
    entries = relationship(
        "DossierEntry",
        back_populates="dossier",
        cascade="all, delete-orphan",
        order_by="DossierEntry.position",
    )

    def __repr__(self) -> str:
        return f"<Dossier {self.id} {self.title!r}>"


class DossierEntry(db.Model):
    __tablename__ = "dossier_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    dossier = relationship("Dossier", back_populates="entries")
    resource = relationship("Resource")

    __table_args__ = (UniqueConstraint("dossier_id", "resource_id"),)
