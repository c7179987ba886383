"""The court table: seeded from the curated catalogue (`portal.legal.courts`), read by forms."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.legal import courts as court_catalogue
from portal.resources.models import Court


def sync_courts() -> tuple[int, int]:
    """Create or update the Court rows from the curated catalogue; returns (created, updated)."""
    existing = {court.slug: court for court in db.session.scalars(select(Court))}
    created = updated = 0
    for entry in court_catalogue.all_courts():
        values = {
            "name": entry.name,
            "short_name": entry.short_name or "",
            "level": entry.level,
            "federal_state": entry.state,
            "aliases": list(entry.aliases),
            "needs_curation": False,
        }
        court = existing.get(entry.slug)
        if court is None:
            db.session.add(Court(slug=entry.slug, **values))
            created += 1
        elif any(getattr(court, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(court, key, value)
            updated += 1
    db.session.flush()
    return created, updated


def court_form_choices() -> list[tuple[str, str]]:
    """(slug, name) of every catalogue court and every court an import added, by name.

    Read only: a catalogue court gets its row when an entry first names it (`records`), so
    opening a form never writes.
    """
    names = {entry.slug: entry.name for entry in court_catalogue.all_courts()}
    for slug, name in db.session.execute(select(Court.slug, Court.name)):
        names.setdefault(slug, name)
    return sorted(names.items(), key=lambda item: item[1].casefold())


def court_name(slug: str) -> str:
    """The name of the court with this slug (catalogue first, then the table), or ""."""
    if not slug:
        return ""
    entry = court_catalogue.get_court(slug)
    if entry is not None:
        return entry.name
    return db.session.scalar(select(Court.name).filter_by(slug=slug)) or ""
