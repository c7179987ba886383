"""Saved searches: saving, new-match counts, private Atom feeds and daily e-mail alerts.

Every result goes through `portal.search.services.search` for the saved search's owner, so
the index applies the owner's visibility; feeds and alerts check `can_view` once more before
showing anything. Services add and flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.api import params
from portal.extensions import db
from portal.mail import send_mail
from portal.resources.access import can_view, visible_clause
from portal.resources.models import Resource
from portal.saved.models import SavedSearch
from portal.search import services as search
from portal.timeutil import utcnow
from portal.urls import external_url

logger = logging.getLogger(__name__)

MAX_NAME = 120
#: How many matches a feed or an alert lists at most.
FEED_SIZE = 50
ALERT_SIZE = 20
#: How many of a search's results are checked for new ones at most.
NEW_MATCH_WINDOW = 1000
#: A case description shares some word with nearly every resource: its list, feed and alerts
#: take its best matches only (by relevance), newest first.
DESCRIBE_WINDOW = 100


class SavedSearchError(Exception):
    """A domain error whose message can be shown to the user."""


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- saving ------------------------------------------------------------------------------


def read_search_args(args: MultiDict) -> params.SearchQuery:
    """The search (query, mode, filters) from search-page parameters; paging is dropped."""
    wanted = MultiDict(
        [(k, v) for k, v in args.items(multi=True) if k in params.KNOWN and k not in ("page",)]
    )
    try:
        return params.parse_search(wanted)
    except params.InvalidParameter as exc:
        message = _l("Die Suche enthält ungültige Angaben: %(msg)s", msg=str(exc))
        raise SavedSearchError(message) from None


def _stored_filters(filters: dict) -> dict:
    return {
        name: value.isoformat() if isinstance(value, date) else list(value)
        for name, value in filters.items()
    }


def search_filters(saved: SavedSearch) -> dict:
    """The saved filters in the form the search entry point takes (dates as `date`)."""
    filters = {}
    for name, value in (saved.filters or {}).items():
        if name in ("date_from", "date_to"):
            filters[name] = date.fromisoformat(value)
        else:
            filters[name] = list(value)
    return filters


def save_search(user, name: str, query: params.SearchQuery) -> SavedSearch:
    name = (name or "").strip()
    if not name:
        raise SavedSearchError(_l("Bitte geben Sie einen Namen an."))
    if len(name) > MAX_NAME:
        raise SavedSearchError(_l("Höchstens %(limit)d Zeichen.", limit=MAX_NAME))
    now = utcnow()
    saved = SavedSearch(
        user_id=user.id,
        name=name,
        query=query.q,
        mode=query.mode,
        filters=_stored_filters(query.filters),
        created_at=now,
        last_seen_at=now,
    )
    db.session.add(saved)
    db.session.flush()
    return saved


def user_searches(user) -> list[SavedSearch]:
    return list(
        db.session.scalars(
            select(SavedSearch)
            .where(SavedSearch.user_id == user.id)
            .order_by(SavedSearch.name, SavedSearch.id)
        )
    )


def get_own(user, saved_id: int) -> SavedSearch | None:
    saved = db.session.get(SavedSearch, saved_id)
    return saved if saved is not None and saved.user_id == user.id else None


def delete_search(saved: SavedSearch) -> None:
    db.session.delete(saved)
    db.session.flush()


# --- running -----------------------------------------------------------------------------


def run(saved: SavedSearch, user, *, sort: str = "relevance", page: int = 1, per_page: int = 20):
    """The saved search's results for `user` (normally its owner), via the search entry point."""
    return search.search(
        user,
        saved.query,
        mode=saved.mode,
        filters=search_filters(saved),
        sort=sort,
        page=page,
        per_page=per_page,
    )


def new_matches(saved: SavedSearch, user, since: datetime, limit: int | None = None) -> list:
    """Resources matching the saved search that were published after `since`, newest first.

    Cheap when nothing was published since (one SQL query). Otherwise the search runs for the
    owner and its hits are kept when their resource was published after `since`.
    """
    recent = set(
        db.session.scalars(
            select(Resource.id).where(Resource.published_at > since, visible_clause(user, Resource))
        )
    )
    if not recent:
        return []
    if saved.mode == "describe":
        found = [hit for hit in _best_matches(saved, user) if hit.resource.id in recent]
        return found[:limit] if limit else found
    found = []
    seen = 0
    page = 1
    per_page = 100
    while seen < NEW_MATCH_WINDOW:
        result = run(saved, user, sort="newest", page=page, per_page=per_page)
        for hit in result.hits:
            if hit.resource.id in recent and can_view(user, hit.resource):
                found.append(hit)
        seen += len(result.hits)
        if len(result.hits) < per_page or len(found) >= len(recent):
            break
        page += 1
    found.sort(key=lambda hit: hit.resource.published_at, reverse=True)
    return found[:limit] if limit else found


def new_match_count(saved: SavedSearch, user) -> int:
    return len(new_matches(saved, user, saved.last_seen_at))


@dataclass
class SavedWithCount:
    saved: SavedSearch
    new: int


def with_counts(user) -> list[SavedWithCount]:
    return [SavedWithCount(saved, new_match_count(saved, user)) for saved in user_searches(user)]


def mark_seen(saved: SavedSearch) -> None:
    saved.last_seen_at = utcnow()


# --- feeds -------------------------------------------------------------------------------


def new_feed_token(saved: SavedSearch) -> str:
    """A new private feed address for the saved search; the old one stops working."""
    token = secrets.token_urlsafe(32)
    saved.feed_token_hash = _sha256(token)
    saved.feed_created_at = utcnow()
    db.session.flush()
    return token


def revoke_feed(saved: SavedSearch) -> None:
    saved.feed_token_hash = None
    saved.feed_created_at = None


def revoke_all_feeds(user) -> int:
    """Revoke the feed addresses of all of `user`'s saved searches; returns how many."""
    rows = list(
        db.session.scalars(
            select(SavedSearch).where(
                SavedSearch.user_id == user.id, SavedSearch.feed_token_hash.is_not(None)
            )
        )
    )
    for saved in rows:
        revoke_feed(saved)
    return len(rows)


def feed_search(token: str) -> SavedSearch | None:
    """The saved search behind a feed token, if the token is current and its owner active."""
    if not token or len(token) > 100:
        return None
    saved = db.session.scalar(
        select(SavedSearch).where(SavedSearch.feed_token_hash == _sha256(token))
    )
    if saved is None or saved.user is None or not saved.user.is_active:
        return None
    return saved


def _best_matches(saved: SavedSearch, user) -> list:
    """A description's ``DESCRIBE_WINDOW`` best matches ``user`` may see, newest first."""
    result = run(saved, user, sort="relevance", per_page=DESCRIBE_WINDOW)
    hits = [hit for hit in result.hits if can_view(user, hit.resource)]
    hits.sort(key=lambda hit: hit.resource.published_at or datetime.min, reverse=True)
    return hits


def feed_hits(saved: SavedSearch) -> list:
    """The newest matches the owner may see (checked again with can_view)."""
    owner = saved.user
    if saved.mode == "describe":
        return _best_matches(saved, owner)[:FEED_SIZE]
    result = run(saved, owner, sort="newest", per_page=FEED_SIZE)
    return [hit for hit in result.hits if can_view(owner, hit.resource)]


# --- alerts ------------------------------------------------------------------------------


def send_alerts(today: date | None = None) -> int:
    """Mail each owner the new matches of their alerting searches, once a day; returns mails.

    Commits after each search, so a failure half-way neither loses nor repeats a mail.
    """
    today = today or utcnow().date()
    sent = 0
    due = db.session.scalars(
        select(SavedSearch.id).where(
            SavedSearch.email_alerts.is_(True),
            (SavedSearch.last_alert_on.is_(None)) | (SavedSearch.last_alert_on < today),
        )
    ).all()
    for saved_id in due:
        saved = db.session.get(SavedSearch, saved_id)
        owner = saved.user
        if owner is None or not owner.is_active:
            continue
        now = utcnow()
        since = saved.last_alert_at or saved.created_at
        hits = new_matches(saved, owner, since)
        if hits:
            try:
                send_mail(
                    owner.email,
                    _l("Neue Treffer für Ihre gespeicherte Suche „%(name)s“", name=saved.name),
                    "saved_alert",
                    locale=owner.language,
                    saved=saved,
                    total=len(hits),
                    matches=[
                        (hit.resource.title, external_url(f"/resources/{hit.resource.id}"))
                        for hit in hits[:ALERT_SIZE]
                    ],
                    open_url=external_url(f"/saved/{saved.id}"),
                )
            except Exception:  # noqa: BLE001 - try again tomorrow; the others still go out
                logger.exception("Could not send the alert for saved search %s", saved.id)
                db.session.rollback()
                continue
            sent += 1
        saved.last_alert_on = today
        saved.last_alert_at = now
        db.session.commit()
    return sent
