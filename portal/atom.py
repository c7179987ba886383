"""Atom 1.0 documents (RFC 4287): a saved search's private feed and the public feed."""

from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from portal.security.text import xml_text

ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class Entry:
    url: str
    title: str
    updated: datetime | None
    published: datetime | None = None
    summary: str = ""


def _stamp(value: datetime | None) -> str:
    value = value or datetime(1970, 1, 1)
    return value.replace(tzinfo=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def atom_document(
    feed_id: str, title: str, self_url: str, updated: datetime | None, entries: list[Entry]
) -> bytes:
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

    sub(feed, "id", feed_id)
    sub(feed, "title", title)
    sub(feed, "link", rel="self", href=self_url)
    sub(feed, "updated", _stamp(updated))
    author = sub(feed, "author")
    sub(author, "name", "KOK-Wissensportal")
    for item in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", item.url)
        sub(entry, "title", item.title)
        sub(entry, "link", rel="alternate", href=item.url)
        sub(entry, "updated", _stamp(item.updated))
        if item.published:
            sub(entry, "published", _stamp(item.published))
        if item.summary:
            sub(entry, "summary", item.summary, type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
