"""Countries by their ISO 3166-1 alpha-2 codes, named in the reader's language.

The names come from the Unicode CLDR data that Babel ships (German "Rumänien", English
"Romania"), so no list is kept here. `COUNTRIES` maps each code to a lazy name that follows the
current locale: a vocabulary like the portal's others, so imports accept the code, the German
or the English name in any case.
"""

from __future__ import annotations

from babel import Locale
from flask_babel import LazyString, get_locale

# CLDR territories that are no countries of ISO 3166-1 (regions, unions, reserved codes); the
# user-assigned "XK" (Kosovo) stays, as authorities and courts use it.
_NOT_COUNTRIES = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB"}
_NOT_COUNTRIES |= {"ZZ"}


def country_name(code: str, locale: str | None = None) -> str:
    """The country's name in `locale` (default: the current one, else German)."""
    chosen = Locale.parse(locale) if locale else (get_locale() or Locale("de"))
    return chosen.territories.get(code) or Locale("de").territories.get(code, code)


def _codes() -> list[str]:
    names = Locale("de").territories
    codes = (c for c in names if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES)
    return sorted(codes, key=lambda code: names[code])


#: code -> name in the current locale, ordered by the German name.
COUNTRIES: dict[str, LazyString] = {code: LazyString(country_name, code) for code in _codes()}
