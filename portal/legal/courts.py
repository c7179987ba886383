"""A curated catalogue of German and European courts, kept as data in ``data/courts.json``.

The catalogue holds every federal court, all Oberlandesgerichte, Oberverwaltungsgerichte /
Verwaltungsgerichtshöfe, Landesarbeitsgerichte and Landessozialgerichte, the EGMR and the
EuGH, and a selection of first-instance courts in large cities. A court shared by two
states (OVG Berlin-Brandenburg, LSG Niedersachsen-Bremen) is filed under the state of its seat.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "courts.json"

# Court levels by jurisdiction, each from the lowest to the highest instance.
COURT_LEVELS: dict[str, str] = {
    "AG": "Amtsgericht",
    "LG": "Landgericht",
    "OLG": "Oberlandesgericht",
    "BGH": "Bundesgerichtshof",
    "VG": "Verwaltungsgericht",
    "OVG": "Oberverwaltungsgericht / Verwaltungsgerichtshof",
    "BVerwG": "Bundesverwaltungsgericht",
    "ArbG": "Arbeitsgericht",
    "LAG": "Landesarbeitsgericht",
    "BAG": "Bundesarbeitsgericht",
    "SG": "Sozialgericht",
    "LSG": "Landessozialgericht",
    "BSG": "Bundessozialgericht",
    "BFH": "Bundesfinanzhof",
    "BPatG": "Bundespatentgericht",
    "BVerfG": "Bundesverfassungsgericht",
    "EGMR": "Europäischer Gerichtshof für Menschenrechte",
    "EuGH": "Gerichtshof der Europäischen Union",
}

# The 16 Länder by their ISO 3166-2 codes (without the "DE-" prefix).
FEDERAL_STATES: dict[str, str] = {
    "BW": "Baden-Württemberg",
    "BY": "Bayern",
    "BE": "Berlin",
    "BB": "Brandenburg",
    "HB": "Bremen",
    "HH": "Hamburg",
    "HE": "Hessen",
    "MV": "Mecklenburg-Vorpommern",
    "NI": "Niedersachsen",
    "NW": "Nordrhein-Westfalen",
    "RP": "Rheinland-Pfalz",
    "SL": "Saarland",
    "SN": "Sachsen",
    "ST": "Sachsen-Anhalt",
    "SH": "Schleswig-Holstein",
    "TH": "Thüringen",
}


@dataclass(frozen=True, slots=True)
class Court:
    """One court, with the names it goes by."""

    slug: str
    name: str
    short_name: str
    level: str
    state: str | None
    seat: str
    aliases: tuple[str, ...] = ()

    @property
    def level_label(self) -> str:
        """German name of the court's level, e.g. "Oberlandesgericht"."""
        return COURT_LEVELS[self.level]

    @property
    def state_name(self) -> str | None:
        """German name of the court's Land, or None for federal and European courts."""
        return FEDERAL_STATES[self.state] if self.state else None

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the court is known by: full name, short name, aliases."""
        return (self.name, self.short_name, *self.aliases)

    def __str__(self) -> str:
        return self.name


def all_courts() -> tuple[Court, ...]:
    """Every court in the catalogue, in catalogue order."""
    return _load()[0]


def find_court(name: str) -> Court | None:
    """The court with this name, short name or alias, ignoring case, spacing and umlauts."""
    return _load()[1].get(match_key(name))


def get_court(slug: str) -> Court | None:
    """The court with this slug (e.g. "olg-muenchen"), or None."""
    return _load()[2].get(slug)


# Long level words and their abbreviations, so "Oberlandesgericht München" finds "OLG München".
_LEVEL_WORDS = {
    "oberlandesgericht": "olg",
    "landgericht": "lg",
    "amtsgericht": "ag",
    "oberverwaltungsgericht": "ovg",
    "verwaltungsgerichtshof": "vgh",
    "verwaltungsgericht": "vg",
    "landesarbeitsgericht": "lag",
    "arbeitsgericht": "arbg",
    "landessozialgericht": "lsg",
    "sozialgericht": "sg",
}


def match_key(name: str) -> str:
    """Lookup key for a court name: case, spacing, punctuation and umlaut spelling removed."""
    text = unicodedata.normalize("NFKC", name).casefold().replace("ß", "ss")
    # "München", "Muenchen" and "Munchen" must meet: fold both spellings to the bare vowel.
    text = text.translate(str.maketrans({"ä": "a", "ö": "o", "ü": "u"}))
    text = re.sub(r"([aou])e", r"\1", text)
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(_LEVEL_WORDS.get(word, word) for word in words)


@cache
def _load() -> tuple[tuple[Court, ...], dict[str, Court], dict[str, Court]]:
    records = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    courts = tuple(Court(**{**record, "aliases": tuple(record["aliases"])}) for record in records)
    by_key: dict[str, Court] = {}
    for court in courts:
        for alias in court.names:
            by_key.setdefault(match_key(alias), court)
    return courts, by_key, {court.slug: court for court in courts}
