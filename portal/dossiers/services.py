"""Dossiers: who may open them, and changing their entries. Services add and flush; the view
commits once. Entries whose resource the viewer may not see (any more) are left out
everywhere: on the page, in counts and in every export."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from portal.dossiers.models import Dossier, DossierEntry
from portal.extensions import db
from portal.resources.access import can_view, visible_clause
from portal.resources.models import Resource
from portal.timeutil import utcnow

MAX_NOTE = 2000


class DossierError(Exception):
    """A German message for the person who asked."""


def _open_to(user):
    return or_(
        Dossier.owner_id == user.id,
        (Dossier.shared.is_(True)) & (Dossier.organisation_id == user.organisation_id),
    )


def dossiers_of(user) -> list[Dossier]:
    """The dossiers `user` may open: their own, and those their organisation shares."""
    return list(
        db.session.scalars(
            select(Dossier).where(_open_to(user)).order_by(Dossier.updated_at.desc(), Dossier.id)
        )
    )


def entry_counts(user, dossiers: list[Dossier]) -> dict[int, int]:
    """Visible entries per dossier."""
    if not dossiers:
        return {}
    rows = db.session.execute(
        select(DossierEntry.dossier_id, func.count())
        .join(Resource, Resource.id == DossierEntry.resource_id)
        .where(
            DossierEntry.dossier_id.in_([d.id for d in dossiers]),
            visible_clause(user, Resource),
        )
        .group_by(DossierEntry.dossier_id)
    )
    return dict(rows.all())


def get_dossier(user, dossier_id: int) -> Dossier | None:
    """The dossier if `user` may open it, else None."""
    return db.session.scalar(select(Dossier).where(Dossier.id == dossier_id, _open_to(user)))


def visible_entries(user, dossier: Dossier) -> list[DossierEntry]:
    """The dossier's entries `user` may see, in their order."""
    return list(
        db.session.scalars(
            select(DossierEntry)
            .join(Resource, Resource.id == DossierEntry.resource_id)
            .where(DossierEntry.dossier_id == dossier.id, visible_clause(user, Resource))
            .order_by(DossierEntry.position, DossierEntry.id)
        )
    )


def create_dossier(user, title: str, shared: bool = False) -> Dossier:
    title = (title or "").strip()
    if not title:
        raise DossierError(_l("Bitte geben Sie einen Titel an."))
    dossier = Dossier(
        title=title[:200], owner_id=user.id, organisation_id=user.organisation_id, shared=shared
    )
    db.session.add(dossier)
    db.session.flush()
    return dossier


def update_dossier(user, dossier: Dossier, title: str, shared: bool) -> None:
    """Rename; only the owner opens or closes a dossier to the organisation."""
    title = (title or "").strip()
    if not title:
        raise DossierError(_l("Bitte geben Sie einen Titel an."))
    dossier.title = title[:200]
    if dossier.owner_id == user.id:
        dossier.shared = shared
    dossier.updated_at = utcnow()


def delete_dossier(user, dossier: Dossier) -> None:
    if dossier.owner_id != user.id:
        raise DossierError(_l("Nur wer die Mappe angelegt hat, kann sie löschen."))
    db.session.delete(dossier)


def add_entry(user, dossier: Dossier, resource: Resource | None) -> DossierEntry:
    """Put a resource `user` may see at the end of the dossier."""
    if resource is None or not can_view(user, resource):
        raise DossierError(_l("Diesen Eintrag gibt es nicht."))
    exists = db.session.scalar(
        select(DossierEntry.id).where(
            DossierEntry.dossier_id == dossier.id, DossierEntry.resource_id == resource.id
        )
    )
    if exists is not None:
        raise DossierError(_l("Der Eintrag liegt schon in dieser Mappe."))
    last = db.session.scalar(
        select(func.max(DossierEntry.position)).where(DossierEntry.dossier_id == dossier.id)
    )
    entry = DossierEntry(dossier_id=dossier.id, resource_id=resource.id, position=(last or 0) + 1)
    db.session.add(entry)
    dossier.updated_at = utcnow()
    db.session.flush()
    return entry


def _entry(user, dossier: Dossier, entry_id: int) -> DossierEntry:
    for entry in visible_entries(user, dossier):
        if entry.id == entry_id:
            return entry
    raise DossierError(_l("Diesen Eintrag gibt es nicht."))


def set_note(user, dossier: Dossier, entry_id: int, note: str) -> None:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DossierError(_l("Höchstens %(limit)d Zeichen.", limit=MAX_NOTE))
    _entry(user, dossier, entry_id).note = note
    dossier.updated_at = utcnow()


def move_entry(user, dossier: Dossier, entry_id: int, step: int) -> None:
    """Move an entry one place up (-1) or down (+1) among the entries `user` sees."""
    entries = visible_entries(user, dossier)
    index = next((i for i, e in enumerate(entries) if e.id == entry_id), None)
    if index is None:
        raise DossierError(_l("Diesen Eintrag gibt es nicht."))
    other = index + step
    if 0 <= other < len(entries):
        entries[index], entries[other] = entries[other], entries[index]
        # Renumber the visible ones in their new order; hidden entries keep their numbers.
        positions = sorted(e.position for e in entries)
        for entry, position in zip(entries, positions, strict=True):
            entry.position = position
        if len(set(positions)) < len(positions):
            for number, entry in enumerate(entries, start=1):
                entry.position = number
        dossier.updated_at = utcnow()


def remove_entry(user, dossier: Dossier, entry_id: int) -> None:
    db.session.delete(_entry(user, dossier, entry_id))
    dossier.updated_at = utcnow()
