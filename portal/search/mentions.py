"""Norms and file numbers as people type them, found in a text (search box and index).

One recogniser for both sides: the query parser (`query.py`) turns what it finds into
clauses, and the index (`analysis.NormMentionTokenizer`) records the norms a text mentions,
so a norm is found in a document exactly as it would be recognised in the search box.
"""

from __future__ import annotations

import re
from functools import lru_cache

from portal.legal.citations import KNOWN_BOOKS, Norm, canonical_book, parse_norm
from portal.legal.file_numbers import FILE_NUMBER_PATTERN

_BOOK = r"[A-Za-zÄÖÜäöü][A-Za-zÄÖÜäöü/-]*(?: [IVX]{1,5}\b)?"
_SECTION = r"\d{1,4}\s?[a-z]?\b"
_PARTS = (
    r"(?:\s*(?:Abs\.?|Absatz|S\.|Satz|Nr\.?|Nummer|lit\.?|Buchst\.?|Buchstabe|UAbs\.?)"
    r"\s*\d*[a-z]{0,2}\b|\s+[IVX]{1,4}\b(?=\s+(?:Nr|S\.|Satz)))*"
)
_NORM_PATTERNS = (
    # "§ 232a StGB", "§25 Abs.4a AufenthG", "Art. 4 EMRK"
    re.compile(rf"(?:§§?|\bArt\.?|\bArtikel)\s*{_SECTION}{_PARTS}\s*(?P<book>{_BOOK})"),
    # "StGB 232a", "StGB § 232a", "EMRK Art. 4"
    re.compile(rf"\b(?P<book>{_BOOK})\s+(?:§\s*|Art\.?\s*)?{_SECTION}{_PARTS}"),
    # "232a StGB"
    re.compile(rf"\b{_SECTION}{_PARTS}\s+(?P<book>{_BOOK})"),
)


@lru_cache(maxsize=1)
def _book_keys() -> frozenset[str]:
    return frozenset(book.lower() for book in KNOWN_BOOKS)


def _is_book(name: str) -> bool:
    return name.lower() in _book_keys() or canonical_book(name) is not None


@lru_cache(maxsize=8192)
def _parse_citation(text: str) -> Norm | None:
    """``parse_norm`` remembered: texts cite the same norms again and again (norms are frozen)."""
    return parse_norm(text)


def find_norms(text: str) -> list[tuple[int, int, str]]:
    """(start, end, norm key) of the norms typed in ``text``, as people type them."""
    found: list[tuple[int, int, str]] = []
    for pattern in _NORM_PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e, _ in found):
                continue
            if not _is_book(m["book"]):
                continue
            norm = _parse_citation(m.group(0))
            if norm is not None:
                found.append((m.start(), m.end(), norm.key))
    return found


def find_file_numbers(text: str) -> list[tuple[int, int, str]]:
    """(start, end, file number as typed) of the file numbers in ``text``."""
    found = []
    for m in FILE_NUMBER_PATTERN.finditer(text):
        # "§ 232a StGB 123/19" is no file number; "3 StR 123/19" is.
        if m["register"] and _is_book(m["register"]):
            continue
        found.append((m.start(), m.end(), m.group(0)))
    return found
