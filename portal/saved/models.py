"""Saved searches: a query with filters, the time of the last visit, a private feed, alerts."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow


class SavedSearch(db.Model):
    __tablename__ = "saved_search"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # A search-box query (at most 1,000 characters) or a case description (at most 5,000).
    query: Mapped[str] = mapped_column(String(5000), default="")
    mode: Mapped[str] = mapped_column(String(20), default="search")
    # Filter name -> list of values (dates as YYYY-MM-DD), as the search page passes them.
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Matches published after this moment count as new.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Atom feed under /feeds/<token>.atom; only the sha256 of the token is stored.
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    feed_created_at: Mapped[datetime | None]
    # Daily e-mail of new matches (`flask send-alerts`).
    email_alerts: Mapped[bool] = mapped_column(default=False)
    last_alert_on: Mapped[date | None]
    last_alert_at: Mapped[datetime | None]

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<SavedSearch {self.id} {self.name!r} user={self.user_id}>"
