"""Queries behind the norm pages; every count follows the one visibility rule.

A section's page ("§ 25 AufenthG") includes the resources that cite one of its provisions
("§ 25 Abs. 4a Satz 3 AufenthG") and lists those provisions with their counts; a provision
has a page of its own, with a link up to the provision above it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Select, distinct, func, select

from portal.extensions import db
from portal.legal.citations import KNOWN_BOOKS, LEVELS, Norm
from portal.resources.access import visible_clause
from portal.resources.lists import resource_query
from portal.resources.models import Resource, ResourceNorm


@dataclass
class CitedNorm:
    key: str
    label: str
    slug: str
    count: int
    #: Levels below the section (0 for a section, 1 for an Absatz, ...), for indenting.
    depth: int = 0


@dataclass
class LawBook:
    book: str
    norms: list[CitedNorm] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(norm.count for norm in self.norms)


def book_of(key: str) -> str:
    """The law book of a norm key: "SGB XIV § 13" -> "SGB XIV", "EMRK Art. 4" -> "EMRK"."""
    norm = Norm.from_key(key)
    return norm.book if norm else key.rsplit(" ", 2)[0]


def _number_order(value: str) -> tuple[int, str]:
    match = re.match(r"([0-9]+)(.*)", value)
    return (int(match[1]), match[2]) if match else (0, value)


def provision_order(norm: Norm) -> tuple:
    """Sort key: by section, then Absatz, Satz, Nummer, Buchstabe ("§ 25 Abs. 4" before
    "§ 25 Abs. 4a" before "§ 25 Abs. 5"; the whole section first)."""
    return (
        _number_order(norm.section),
        *(_number_order(getattr(norm, level)) for level, _ in LEVELS),
    )


def _book_order(book: str) -> tuple[int, str]:
    known = KNOWN_BOOKS.index(book) if book in KNOWN_BOOKS else len(KNOWN_BOOKS)
    return known, book.lower()


def _cited(user):
    return (
        select(ResourceNorm)
        .join(Resource, Resource.id == ResourceNorm.resource_id)
        .where(ResourceNorm.confirmed, visible_clause(user, Resource))
    )


def cited_norms(user) -> list[LawBook]:
    """Sections (and articles) cited by resources `user` may see, grouped by law book; each
    counts the resources citing the section or a provision within it."""
    rows = db.session.execute(
        _cited(user)
        .with_only_columns(ResourceNorm.section_key, func.count(distinct(ResourceNorm.resource_id)))
        .group_by(ResourceNorm.section_key)
    )
    books: dict[str, LawBook] = {}
    for key, count in rows:
        norm = Norm.from_key(key)
        if norm is None:
            continue
        cited = CitedNorm(norm.key, norm.label, norm.slug, count)
        books.setdefault(norm.book, LawBook(norm.book)).norms.append(cited)
    for group in books.values():
        group.norms.sort(key=lambda cited: provision_order(Norm.from_key(cited.key)))
    return sorted(books.values(), key=lambda group: _book_order(group.book))


def sub_provisions(user, norm: Norm) -> list[CitedNorm]:
    """Provisions within `norm` that resources `user` may see cite, each with the resources
    citing it or a provision within it; in the order of the law."""
    rows = db.session.execute(
        _cited(user)
        .with_only_columns(ResourceNorm.key, ResourceNorm.resource_id)
        .where(ResourceNorm.section_key == norm.section_norm.key)
    )
    citing: dict[Norm, set[int]] = {}
    for key, resource_id in rows:
        cited = Norm.from_key(key)
        if cited is None or not norm.contains(cited):
            continue
        # A resource citing "Abs. 4a Satz 3" counts for "Abs. 4a" too.
        for provision in (*cited.ancestors, cited):
            if provision != norm and norm.contains(provision):
                citing.setdefault(provision, set()).add(resource_id)
    depth = len(norm.ancestors) + 1
    found = [
        CitedNorm(p.key, p.label, p.slug, len(ids), len(p.ancestors) - depth)
        for p, ids in citing.items()
    ]
    return sorted(found, key=lambda cited: provision_order(Norm.from_key(cited.key)))


def citing_resources(user, norm: Norm) -> Select:
    """The resources `user` may see that cite `norm` or a provision within it (confirmed),
    newest decision first."""
    return resource_query(user, status="all", norm_key=norm.key, sort="decision_date")
