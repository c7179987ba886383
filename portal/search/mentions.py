"""Norms and file numbers as people type them, found in a text (search box and index).

One recogniser for both sides: the query parser (`query.py`) turns what it finds into
clauses, and the index (`analysis.NormMentionTokenizer`) records the norms a text mentions,
so a norm is found in a document exactly as it would be recognised in the search box.
"""

from __future__ import annotations

import re
from functools import lru_cache

from portal.legal.citations import KNOWN_BOOKS, canonical_book, parse_norm
from portal.legal.file_numbers import normalise_file_number

_BOOK = r"[A-Za-zÄÖÜäöü][A-Za-zÄÖÜäöü/-]*(?: [IVX]{1,5}\b)?"
_SECTION = r"\d{1,4}\s?[a-z]?\b"
_PARTS = r"(?:\s*(?:Abs\.?|Absatz|S\.|Satz|Nr\.?|Nummer|lit\.?|Buchst\.?|UAbs\.?)\s*\d*[a-z]?\b)*"
_NORM_PATTERNS = (
    # "§ 232a StGB", "§25 Abs.4a AufenthG", "Art. 4 EMRK"
    re.compile(rf"(?:§§?|\bArt\.?|\bArtikel)\s*{_SECTION}{_PARTS}\s*(?P<book>{_BOOK})"),
    # "StGB 232a", "StGB § 232a", "EMRK Art. 4"
    re.compile(rf"\b(?P<book>{_BOOK})\s+(?:§\s*|Art\.?\s*)?{_SECTION}{_PARTS}"),
    # "232a StGB"
    re.compile(rf"\b{_SECTION}{_PARTS}\s+(?P<book>{_BOOK})"),
)
_FILE_NUMBER = re.compile(
    r"(?<![\w/])(?:(?:[A-ZÄÖÜ][A-Za-z]{0,3}\s+)?\d{1,4}\s*[A-Za-zÄÖÜäöü]{1,6}"
    r"(?:\s+[A-Za-z]{1,3})?\s*\d{1,6}\s*[/.]\s*\d{2,4}(?:\s+[A-Z]\b)?"
    r"|[CTF]\s*-\s*\d{1,4}/\d{2,4})(?![\w/])"
)


@lru_cache(maxsize=1)
def _book_keys() -> frozenset[str]:
    return frozenset(book.lower() for book in KNOWN_BOOKS)


def _is_book(name: str) -> bool:
    return name.lower() in _book_keys() or canonical_book(name) is not None


def find_norms(text: str) -> list[tuple[int, int, str]]:
    """(start, end, norm key) of the norms typed in ``text``, as people type them."""
    found: list[tuple[int, int, str]] = []
    for pattern in _NORM_PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e, _ in found):
                continue
            if not _is_book(m["book"]):
                continue
            norm = parse_norm(m.group(0))
            if norm is not None:
                found.append((m.start(), m.end(), norm.key))
    return found


def find_file_numbers(text: str) -> list[tuple[int, int, str]]:
    """(start, end, canonical file number) typed in ``text``."""
    found = []
    for m in _FILE_NUMBER.finditer(text):
        # "232a StGB 123/19" is no file number; "3 StR 123/19" is.
        letters = re.sub(r"[^A-Za-zÄÖÜäöü]", "", m.group(0))
        if letters and not _is_book(letters):
            found.append((m.start(), m.end(), normalise_file_number(m.group(0))))
    return found
