"""Reading and checking the query parameters of GET /api/v1/search."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from werkzeug.datastructures import MultiDict

from portal.legal.citations import parse_norm
from portal.legal.courts import COURT_LEVELS
from portal.resources.fields import BY_NAME, FACET_FIELDS
from portal.resources.models import LANGUAGES, LEGAL_AREAS, RESOURCE_TYPES, STATUSES
from portal.search.query import DESCRIBE_MAX_LENGTH
from portal.search.services import FACETS, STATUS_FILTER
from portal.statistics.services import StatisticsFilters

MODES = ("search", "describe")
SORTS = ("relevance", "newest", "oldest")
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_QUERY = 1000
#: A case description is long by nature: the API takes what the search page takes.
MAX_DESCRIPTION = DESCRIBE_MAX_LENGTH
MAX_PAGE = 500  # the search entry point pages no further
# Filters that may be repeated (?topic=a&topic=b means both); the others take one value.
FILTERS = (*FACETS, STATUS_FILTER)
KNOWN = {"q", "mode", "sort", "page", "per_page", "date_from", "date_to", *FILTERS}
_SLUG = re.compile(r"^[A-Za-z0-9_.:-]{1,120}$")


class InvalidParameter(ValueError):
    """A query parameter the API cannot accept; the message names it."""


@dataclass
class SearchQuery:
    q: str = ""
    mode: str = "search"
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    filters: dict = field(default_factory=dict)


def _int(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,7}", raw):
        raise InvalidParameter(f"{name} must be an integer between {low} and {high}")
    value = int(raw)
    if not low <= value <= high:
        raise InvalidParameter(f"{name} must be an integer between {low} and {high}")
    return value


def _choice(args: MultiDict, name: str, choices, default: str) -> str:
    value = args.get(name) or default
    if value not in choices:
        raise InvalidParameter(f"{name} must be one of: {', '.join(choices)}")
    return value


def _date(args: MultiDict, name: str) -> date | None:
    raw = args.get(name)
    if not raw:
        return None
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidParameter(f"{name} must be a date YYYY-MM-DD") from None


def _filter_value(name: str, value: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidParameter(f"{name} must not be empty")
    if name == "type" and value not in RESOURCE_TYPES:
        raise InvalidParameter(f"type must be one of: {', '.join(RESOURCE_TYPES)}")
    if name == "legal_area" and value not in LEGAL_AREAS:
        raise InvalidParameter(f"legal_area must be one of: {', '.join(LEGAL_AREAS)}")
    if name == STATUS_FILTER and value not in STATUSES:
        raise InvalidParameter(f"status must be one of: {', '.join(STATUSES)}")
    if name == "language" and value not in LANGUAGES:
        raise InvalidParameter(f"language must be one of: {', '.join(LANGUAGES)}")
    if name in {f.name for f in FACET_FIELDS} and value not in BY_NAME[name].choices:
        raise InvalidParameter(f"{name} must be one of: {', '.join(BY_NAME[name].choices)}")
    if name == "year" and not re.fullmatch(r"[12][0-9]{3}", value):
        raise InvalidParameter("year must be a four-digit year")
    if name == "norm":
        norm = parse_norm(value)
        if norm is None:
            raise InvalidParameter('norm must be a citation such as "§ 232a StGB"')
        return norm.key
    if name in ("court", "court_level", "organisation") and not _SLUG.match(value):
        raise InvalidParameter(f"{name} is not a valid value")
    if name == "topic" and len(value) > 200:
        raise InvalidParameter("topic is too long")
    return value


def parse_search(args: MultiDict) -> SearchQuery:
    """The checked search parameters; InvalidParameter names the first bad one."""
    unknown = sorted(set(args) - KNOWN)
    if unknown:
        raise InvalidParameter(f"unknown parameter: {unknown[0]}")
    q = args.get("q", "")
    mode = _choice(args, "mode", MODES, "search")
    if mode == "describe" and len(q) > MAX_DESCRIPTION:
        raise InvalidParameter(f"q must be at most {MAX_DESCRIPTION} characters with mode=describe")
    if mode != "describe" and len(q) > MAX_QUERY:
        raise InvalidParameter(
            f"q must be at most {MAX_QUERY} characters ({MAX_DESCRIPTION} with mode=describe)"
        )
    query = SearchQuery(
        q=q.strip(),
        mode=mode,
        sort=_choice(args, "sort", SORTS, "relevance"),
        page=_int(args, "page", 1, 1, MAX_PAGE),
        per_page=_int(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    )
    for name in FILTERS:
        values = [_filter_value(name, v) for v in args.getlist(name)]
        if values:
            query.filters[name] = list(dict.fromkeys(values))
    date_from, date_to = _date(args, "date_from"), _date(args, "date_to")
    if date_from and date_to and date_from > date_to:
        raise InvalidParameter("date_from must not be after date_to")
    if date_from:
        query.filters["date_from"] = date_from
    if date_to:
        query.filters["date_to"] = date_to
    return query


STATISTICS_KNOWN = {"year_from", "year_to", "court_level", "legal_area"}


def parse_statistics(args: MultiDict) -> StatisticsFilters:
    """The checked filters of GET /api/v1/statistics; InvalidParameter names the first bad one."""
    unknown = sorted(set(args) - STATISTICS_KNOWN)
    if unknown:
        raise InvalidParameter(f"unknown parameter: {unknown[0]}")
    year_from = _int(args, "year_from", 0, 1900, 2100) or None
    year_to = _int(args, "year_to", 0, 1900, 2100) or None
    if year_from and year_to and year_from > year_to:
        raise InvalidParameter("year_from must not be after year_to")
    levels = [v.strip() for v in args.getlist("court_level")]
    if any(v not in COURT_LEVELS for v in levels):
        raise InvalidParameter(f"court_level must be one of: {', '.join(COURT_LEVELS)}")
    areas = [v.strip() for v in args.getlist("legal_area")]
    if any(v not in LEGAL_AREAS for v in areas):
        raise InvalidParameter(f"legal_area must be one of: {', '.join(LEGAL_AREAS)}")
    return StatisticsFilters(
        year_from=year_from,
        year_to=year_to,
        court_levels=list(dict.fromkeys(levels)),
        legal_areas=list(dict.fromkeys(areas)),
    )
