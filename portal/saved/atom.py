"""The Atom feed of a saved search's newest matches."""

from portal.atom import Entry, atom_document
from portal.urls import external_url


def atom_feed(saved, hits, self_url: str) -> bytes:
    updated = max(
        (hit.resource.published_at or hit.resource.updated_at for hit in hits), default=None
    )
    return atom_document(
        f"{self_url.rsplit('/', 1)[0]}/saved-search-{saved.id}",
        f"KOK-Wissensportal: {saved.name}",
        self_url,
        updated or saved.created_at,
        [
            Entry(
                url=external_url(f"/resources/{hit.resource.id}"),
                title=hit.resource.title,
                updated=hit.resource.updated_at,
                published=hit.resource.published_at,
                summary=hit.resource.summary or hit.snippet or "",
            )
            for hit in hits
        ],
    )
