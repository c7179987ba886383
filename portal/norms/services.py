"""Queries behind the norm pages; every count follows the one visibility rule."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Select, distinct, func, select

from portal.extensions import db
from portal.legal.citations import KNOWN_BOOKS, Norm
from portal.resources.access import visible_clause
from portal.resources.lists import resource_query
from portal.resources.models import Resource, ResourceNorm


@dataclass
class CitedNorm:
    key: str
    label: str
    slug: str
    count: int


@dataclass
class LawBook:
    book: str
    norms: list[CitedNorm] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(norm.count for norm in self.norms)


def book_of(key: str) -> str:
    """The law book of a norm key: "SGB XIV § 13" -> "SGB XIV", "EMRK Art. 4" -> "EMRK"."""
    return key.rsplit(" ", 2)[0]


def _section_order(key: str) -> tuple[int, str]:
    section = key.rsplit(" ", 1)[-1]
    match = re.match(r"([0-9]+)(.*)", section)
    return (int(match[1]), match[2]) if match else (0, section)


def _book_order(book: str) -> tuple[int, str]:
    known = KNOWN_BOOKS.index(book) if book in KNOWN_BOOKS else len(KNOWN_BOOKS)
    return known, book.lower()


def cited_norms(user) -> list[LawBook]:
    """Confirmed norms of the resources `user` may see, grouped by law book, with counts."""
    rows = db.session.execute(
        select(
            ResourceNorm.key,
            func.min(ResourceNorm.label),
            func.min(ResourceNorm.slug),
            func.count(distinct(ResourceNorm.resource_id)),
        )
        .join(Resource, Resource.id == ResourceNorm.resource_id)
        .where(ResourceNorm.confirmed, visible_clause(user, Resource))
        .group_by(ResourceNorm.key)
    )
    books: dict[str, LawBook] = {}
    for key, label, slug, count in rows:
        book = book_of(key)
        books.setdefault(book, LawBook(book)).norms.append(CitedNorm(key, label, slug, count))
    for group in books.values():
        group.norms.sort(key=lambda norm: _section_order(norm.key))
    return sorted(books.values(), key=lambda group: _book_order(group.book))


def citing_resources(user, norm: Norm) -> Select:
    """The resources `user` may see that cite `norm` (confirmed), newest decision first."""
    return resource_query(user, status="all", norm_key=norm.key, sort="decision_date")
