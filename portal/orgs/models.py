"""Organisations: the coordination office and the member counselling centres."""

from datetime import datetime

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.legal.courts import FEDERAL_STATES
from portal.timeutil import utcnow

ORG_KINDS = {
    "office": _l("Koordinierungsstelle"),
    "member": _l("Fachberatungsstelle"),
}


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(60), default="")
    kind: Mapped[str] = mapped_column(String(20), default="member")
    city: Mapped[str] = mapped_column(String(120), default="")
    federal_state: Mapped[str | None] = mapped_column(String(2))
    focus_areas: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(60), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users = relationship("User", back_populates="organisation", lazy="dynamic")

    @property
    def is_office(self) -> bool:
        return self.kind == "office"

    @property
    def kind_label(self) -> str:
        return str(ORG_KINDS.get(self.kind, self.kind))

    @property
    def federal_state_name(self) -> str:
        return FEDERAL_STATES.get(self.federal_state or "", "")

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def url(self) -> str:
        return url_for("orgs.detail", slug=self.slug)

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"
