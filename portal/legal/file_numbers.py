"""German file numbers (Aktenzeichen) such as "3 StR 123/19", "1 BvR 1234/18" or "C-123/19".

A file number is chamber, register sign, running number and year: "3 StR 123/19" is the
123rd case of 2019 in register StR (criminal appeals) of the 3rd senate. People type them
with or without spaces, with "." instead of "/", and in any case; this module reduces
all of those to one canonical spelling so they compare equal. The canonical form always
writes "/" before a two- or four-digit year, also where a court officially writes a dot
(BVerwG "10 C 23.12", Berlin "VG 10 K 123.17 A"); Bavarian "17.31263", where the year comes
first, keeps its dot.

For look-ups, :func:`file_number_key` goes further: one key for every spelling, whatever
the spacing, case, dots, dashes or a register sign split in two ("4 St RR 181/05" and
"4StRR181/05" are both ``4strr181/05``).

The register signs' casing ("StR", "BvR", "Js") comes from the list bundled with
``legal-reference-extraction``; that package finds file numbers in text but does not
normalise them, so the normalisation is done here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from refex.extractors.case import CaseRefExtractorMixin

# Register signs and prefixes missing from the library's list.
_EXTRA_CODES = (
    # Subject areas of the social courts ("L 7 VE 3/18")
    "AL", "AS", "AY", "BK", "BL", "EG", "KA", "KG", "KR", "KS", "LW", "P", "R", "RE", "RS",
    "SB", "SO", "SF", "U", "ÜG", "V", "VE", "VG", "VH", "VJ", "VK", "VS",
    # Court prefixes used in Berlin and elsewhere ("VG 10 K 123.17 A")
    "AG", "LG", "OLG", "OVG", "VGH", "SG", "LSG", "ArbG", "LAG",
    # Seats of the Bavarian administrative courts ("Au 5 K 17.31263", "AN 4 K 19.50012")
    "Au", "AN", "RN", "BT", "RO",
)  # fmt: skip

# Prosecutors' registers: Js (investigations), UJs (unknown suspects), BJs (federal), ...
PROSECUTOR_FILE_NUMBER_PATTERN = re.compile(
    r"(?<![\w/.])[0-9]{1,4}\s*(?:[A-Za-z]{1,2})?Js\s*[0-9]{1,6}\s*[/.]\s*[0-9]{2,4}(?![\w/])"
)

# A file number as typed, with or without spaces: court prefix ("L", "B", "VG", "III-"),
# chamber ("3", "12a", "VI"), register ("StR", "St RR", "KLs"), a prosecutor's number inside
# a court's ("401 Js"), number and year ("123/19", "17.19", Bavarian "18.31263"), a second
# number ("-17/01") and a suffix ("R", "B ER", ".A"); or EU ("C-123/19"), ECtHR ("Nr. 25965/04").
# A prefix may also be a word typed before the number ("BGH 3 StR 123/19"), a suffix a word
# after it: look-ups try the key without them too (``file_number_keys``).
FILE_NUMBER_PATTERN = re.compile(
    r"(?<![\w/§.])(?:"
    r"(?P<prefix>(?:[A-Za-zÄÖÜäöü]{1,3}|[IVX]{1,5}\s*-)\s*(?=[0-9]))?"
    r"(?P<core>(?:\d{1,4}[a-z]?|(?i:[ivx]{1,5})[a-z]?)\s*"
    r"(?P<register>[A-Za-zÄÖÜäöü]{1,6}(?:\s+[A-Za-z]{1,3})?)\s*"
    r"(?:\d{1,6}\s*[A-Za-z]{1,3}\s*)?"
    r"(?:\d{1,6}\s*[/.]\s*\d{2,4}|\d{2}\.\d{4,5})"
    r"(?:\s*-\s*\d{1,6}\s*/\s*\d{2,4})?)"
    r"(?P<suffix>\.[Aa]|\s*(?i:b\s*er|nzb|er|wa|r|b|a))?"
    r"|[CTF]\s*-?\s*\d{1,4}\s*/\s*\d{2,4}"
    r"|Nr\.\s*\d{3,6}\s*/\s*\d{2}"
    r")(?![\w/])"
)

_EGMR = re.compile(
    r"(?:(?:Beschwerde-?\s?)?(?:Nr|No|Application no)\.?)\s*([0-9]{1,6})\s*/\s*([0-9]{2})",
    re.IGNORECASE,
)
_EU = re.compile(r"([CTF])\s*-\s*([0-9]{1,4})\s*/\s*([0-9]{2,4})(?:\s*(P|R|REC|DEP|OP))?", re.I)
_PREFIX = re.compile(r"^(?:Az\.?|Aktenzeichen:?|Geschäftszeichen:?)\s*", re.IGNORECASE)
# "123.19" and "123/19" mean the same; Bavarian "17.31263" (year first) does not.
_NUMBER_YEAR = re.compile(r"\b([0-9]{1,6})[./]([0-9]{2}|[0-9]{4})(?=$|[ .][A-Za-z]| )")
# For keys (no spaces left): "123.19" -> "123/19", but not "17.31263" (Bavarian, year first).
_DOT_YEAR = re.compile(r"(?<=[0-9])\.(?=(?:[0-9]{2}|[0-9]{4})(?![0-9]))")
_NOT_KEY = re.compile(r"[^\w/]|_")
_ROMAN_WITH_LETTER = re.compile(r"([IVXivx]+)([a-z])")


def normalise_file_number(value: str) -> str:
    """Canonical spelling, e.g. " 3  str 123 / 19 " -> "3 StR 123/19"; "" for blank input."""
    text = unicodedata.normalize("NFKC", value)
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = _PREFIX.sub("", " ".join(text.split())).strip(" ,;")
    if egmr := _EGMR.fullmatch(text):
        return f"Nr. {egmr[1]}/{egmr[2]}"
    if eu := _EU.fullmatch(text):
        suffix = f" {eu[4].upper()}" if eu[4] else ""
        return f"{eu[1].upper()}-{eu[2]}/{eu[3]}{suffix}"

    text = re.sub(r"([0-9])\s*([/.])\s*([0-9])", r"\1\2\3", text)
    # "3StR123/19" -> "3 StR 123/19", keeping chambers such as "5a".
    text = re.sub(r"([0-9])(?=[^\W\d_]{2})", r"\1 ", text)
    text = re.sub(r"([^\W\d_])(?=[0-9])", r"\1 ", text)
    text = _NUMBER_YEAR.sub(r"\1/\2", text)
    return " ".join(_recase(token) for token in text.split())


def file_number_key(value: str) -> str:
    """The look-up key of a file number: no spaces, case or separators besides "/".

    "4 St RR 181/05", "4 StRR 181/05" and "4StRR181/05" -> "4strr181/05";
    "12a K 4711/19.A" and "12aK4711/19 A" -> "12ak4711/19a"; "1 C 17.19" -> "1c17/19".
    A dot between number and a two- or four-digit year counts as "/" (as in
    :func:`normalise_file_number`); every other character but letters, digits and "/" is
    dropped. "" for blank input.
    """
    text = unicodedata.normalize("NFKC", value or "").lower()
    text = _PREFIX.sub("", " ".join(text.split())).strip()
    text = re.sub(r"\s+", "", text)
    text = _DOT_YEAR.sub("/", text)
    return _NOT_KEY.sub("", text)


ECLI_PATTERN = re.compile(
    r"(?<![\w:])ECLI\s*:\s*[A-Z]{2}\s*:\s*[A-Z0-9.]{1,7}\s*:\s*[0-9]{4}\s*:\s*[A-Z0-9.]*[A-Z0-9]",
    re.IGNORECASE,
)


def ecli_key(value: str) -> str:
    """The European Case Law Identifier in one spelling: upper case, no spaces, or ""."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()
    return text if ECLI_PATTERN.fullmatch(text) else ""


def file_number_keys(text: str) -> list[str]:
    """Look-up keys of a file number, most specific first: as written, then without what may
    be a court prefix or a suffix ("VG 10 K 123.17 A" -> "vg10k123/17a", "10k123/17a",
    "vg10k123/17", "10k123/17"; "BGH 3 StR 123/19" -> also "3str123/19")."""
    text = " ".join(text.split())
    m = FILE_NUMBER_PATTERN.fullmatch(text)
    variants = [text]
    if m and m["core"]:
        variants += [text[m.start("core") :], text[: m.end("core")], m["core"]]
    keys = (file_number_key(variant) for variant in variants)
    return [key for key in dict.fromkeys(keys) if key]


def is_public_prosecutor_number(value: str) -> bool:
    """True for a public prosecutor's file number such as "123 Js 456/19"."""
    return PROSECUTOR_FILE_NUMBER_PATTERN.fullmatch(normalise_file_number(value)) is not None


def _recase(token: str) -> str:
    if token.isalpha():
        known = _codes().get(token.lower())
        if known:
            return known
        if roman := _ROMAN_WITH_LETTER.fullmatch(token):
            return roman[1].upper() + roman[2]
        return token.upper() if token.islower() else token
    # "1234/19.a" -> "1234/19.A" (asylum suffix of the NRW courts)
    return re.sub(r"\.([A-Za-z.]+)$", lambda m: "." + m[1].upper(), token)


@cache
def _codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for code in (*_EXTRA_CODES, *sorted(CaseRefExtractorMixin().get_codes())):
        codes.setdefault(code.lower(), code)
    return codes
