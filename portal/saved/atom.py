"""An Atom 1.0 document (RFC 4287) for a saved search's newest matches."""

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from portal.security.text import xml_text
from portal.urls import external_url

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(value: datetime | None) -> str:
    value = value or datetime(1970, 1, 1)
    return value.replace(tzinfo=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def atom_feed(saved, hits, self_url: str) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def sub(parent, tag, text=None, **attrs):
        # ElementTree writes any character; what XML cannot carry (stored before input was
        # cleaned, or a snippet) is dropped here, so the document always parses.
        attrs = {key: xml_text(str(value)) for key, value in attrs.items()}
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = xml_text(str(text))
        return element

    sub(feed, "id", f"{self_url.rsplit('/', 1)[0]}/saved-search-{saved.id}")
    sub(feed, "title", f"KOK-Wissensportal: {saved.name}")
    sub(feed, "link", rel="self", href=self_url)
    updated = max(
        (hit.resource.published_at or hit.resource.updated_at for hit in hits), default=None
    )
    sub(feed, "updated", _stamp(updated or saved.created_at))
    author = sub(feed, "author")
    sub(author, "name", "KOK-Wissensportal")
    for hit in hits:
        resource = hit.resource
        url = external_url(f"/resources/{resource.id}")
        entry = sub(feed, "entry")
        sub(entry, "id", url)
        sub(entry, "title", resource.title)
        sub(entry, "link", rel="alternate", href=url)
        sub(entry, "updated", _stamp(resource.updated_at))
        if resource.published_at:
            sub(entry, "published", _stamp(resource.published_at))
        summary = resource.summary or hit.snippet or ""
        if summary:
            sub(entry, "summary", summary, type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
