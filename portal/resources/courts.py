"""The court table: seeded from the curated catalogue (`portal.legal.courts`), read by forms."""

from __future__ import annotations

from sqlalchemy import func, select

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


def ensure_courts() -> None:
    """Seed the court table when catalogue courts are missing (a fresh database)."""
    catalogued = db.session.scalar(select(func.count(Court.id)).where(~Court.needs_curation))
    if catalogued < len(court_catalogue.all_courts()):
        sync_courts()


def court_choices() -> list[tuple[int, str]]:
    """(id, name) of every court, by name, for select fields."""
    courts = db.session.scalars(select(Court).order_by(Court.name))
    return [(court.id, court.name) for court in courts]
