"""Counts behind the statistics page and `GET /api/v1/statistics`.

Only published resources the viewer may see are counted: every query goes through
`visible_clause`, the SQL form of the one visibility rule (`portal.resources.access`), so
drafts and other organisations' hidden entries never reach a chart, a CSV file or the API.
Case-law figures count decisions; "contributions per organisation" counts every type.
"""

from __future__ import annotations

import statistics as stats
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, and_, select

from portal.extensions import db
from portal.legal.citations import Norm
from portal.legal.courts import COURT_LEVELS, FEDERAL_STATES
from portal.orgs.models import Organisation
from portal.resources.access import visible_clause
from portal.resources.models import LEGAL_AREAS, RESOURCE_TYPES, Court, Resource, ResourceNorm

#: How many nationalities, norms and organisations the charts show (the API gives all).
TOP = 15
#: Criminal-law sections whose sentences are compared ("sentence lengths by offence").
OFFENCE_BOOKS = ("StGB",)


@dataclass
class StatisticsFilters:
    """The statistics' filters, as on the search: year range, court levels, legal areas."""

    year_from: int | None = None
    year_to: int | None = None
    court_levels: list[str] = field(default_factory=list)
    legal_areas: list[str] = field(default_factory=list)

    def as_args(self) -> dict:
        """The filters as query parameters (for links to CSV files and the API)."""
        args: dict = {}
        if self.year_from:
            args["year_from"] = self.year_from
        if self.year_to:
            args["year_to"] = self.year_to
        if self.court_levels:
            args["court_level"] = list(self.court_levels)
        if self.legal_areas:
            args["legal_area"] = list(self.legal_areas)
        return args


@dataclass
class Statistics:
    """Every chart's numbers; keys are stable (they are the API's JSON)."""

    total: int = 0
    by_year: dict[str, int] = field(default_factory=dict)
    by_year_and_legal_area: dict[str, dict[str, int]] = field(default_factory=dict)
    outcomes_by_year: dict[str, dict[str, int]] = field(default_factory=dict)
    sentences_by_offence: dict[str, dict] = field(default_factory=dict)
    exploitation_forms: dict[str, int] = field(default_factory=dict)
    control_means: dict[str, int] = field(default_factory=dict)
    victims_nationalities: dict[str, int] = field(default_factory=dict)
    by_federal_state: dict[str, int] = field(default_factory=dict)
    cited_norms: dict[str, int] = field(default_factory=dict)
    contributions_by_organisation: dict[str, dict] = field(default_factory=dict)

    def as_json(self) -> dict:
        return dict(self.__dict__)


def _year_bounds(filters: StatisticsFilters):
    clauses = []
    if filters.year_from:
        clauses.append(Resource.decision_date >= date(filters.year_from, 1, 1))
    if filters.year_to:
        clauses.append(Resource.decision_date <= date(filters.year_to, 12, 31))
    return clauses


def decisions_query(user, filters: StatisticsFilters) -> Select:
    """Published case law `user` may see, within the filters (legal areas aside: a JSON list,
    checked in Python by `_in_areas`)."""
    query = (
        select(
            Resource.id,
            Resource.decision_date,
            Resource.legal_areas,
            Resource.outcome,
            Resource.sentence_months,
            Resource.sentence_suspended,
            Resource.exploitation_forms,
            Resource.control_means,
            Resource.victims_nationalities,
            Court.level,
            Court.federal_state,
        )
        .outerjoin(Court, Court.id == Resource.court_id)
        .where(
            Resource.type == "case_law",
            Resource.status == "published",
            visible_clause(user, Resource),
            *_year_bounds(filters),
        )
    )
    if filters.court_levels:
        query = query.where(Court.level.in_(filters.court_levels))
    return query


def _in_areas(areas, filters: StatisticsFilters) -> bool:
    return not filters.legal_areas or bool(set(areas or []) & set(filters.legal_areas))


def compute(user, filters: StatisticsFilters) -> Statistics:
    """The numbers of every chart, over what `user` may see."""
    rows = [
        row
        for row in db.session.execute(decisions_query(user, filters)).all()
        if _in_areas(row.legal_areas, filters)
    ]
    result = Statistics(total=len(rows))
    by_year: Counter = Counter()
    by_area: dict[str, Counter] = defaultdict(Counter)
    outcomes: dict[str, Counter] = defaultdict(Counter)
    exploitation, control, nationalities, states = Counter(), Counter(), Counter(), Counter()
    for row in rows:
        year = str(row.decision_date.year) if row.decision_date else ""
        if year:
            by_year[year] += 1
            # The first legal area named, so that a year's areas add up to its decisions.
            areas = [a for a in row.legal_areas or [] if a in LEGAL_AREAS]
            by_area[year][areas[0] if areas else ""] += 1
            outcomes[year]["decisions"] += 1
            for key in ("compensation_awarded", "residence_granted"):
                if key in (row.outcome or []):
                    outcomes[year][key] += 1
        exploitation.update(row.exploitation_forms or [])
        control.update(row.control_means or [])
        nationalities.update(row.victims_nationalities or [])
        if row.federal_state in FEDERAL_STATES:
            states[row.federal_state] += 1
    years = sorted(by_year)
    result.by_year = {y: by_year[y] for y in years}
    result.by_year_and_legal_area = {
        y: {a: by_area[y][a] for a in (*LEGAL_AREAS, "") if by_area[y][a]} for y in years
    }
    result.outcomes_by_year = {
        y: {k: outcomes[y][k] for k in ("decisions", "compensation_awarded", "residence_granted")}
        for y in years
    }
    result.exploitation_forms = dict(exploitation.most_common())
    result.control_means = dict(control.most_common())
    result.victims_nationalities = dict(nationalities.most_common())
    result.by_federal_state = {code: states[code] for code in FEDERAL_STATES}
    ids = [row.id for row in rows]
    sentences = {row.id: (row.sentence_months, row.sentence_suspended) for row in rows}
    result.cited_norms, result.sentences_by_offence = _norm_figures(ids, sentences)
    result.contributions_by_organisation = contributions(user, filters)
    return result


def _norm_figures(ids: list[int], sentences: dict) -> tuple[dict[str, int], dict[str, dict]]:
    """Decisions citing each section (most cited first), and the sentences of criminal
    decisions by each cited StGB section."""
    cited: Counter = Counter()
    months: dict[str, list[int]] = defaultdict(list)
    suspended: Counter = Counter()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = db.session.execute(
            select(ResourceNorm.resource_id, ResourceNorm.section_key)
            .where(ResourceNorm.resource_id.in_(chunk), ResourceNorm.confirmed.is_(True))
            .distinct()
        )
        for resource_id, section_key in rows:
            norm = Norm.from_key(section_key)
            label = norm.label if norm else section_key
            cited[label] += 1
            sentence, on_probation = sentences.get(resource_id, (None, None))
            if norm is not None and norm.book in OFFENCE_BOOKS and sentence is not None:
                months[label].append(sentence)
                suspended[label] += bool(on_probation)
    by_offence = {
        label: {
            "decisions": len(values),
            "median_months": stats.median(values),
            "min_months": min(values),
            "max_months": max(values),
            "suspended": suspended[label],
        }
        for label, values in sorted(months.items(), key=lambda item: (-len(item[1]), item[0]))
    }
    return dict(sorted(cited.items(), key=lambda item: (-item[1], item[0]))), by_offence


def _resource_year(row) -> int | None:
    when = row.decision_date or row.published_on or row.event_date or row.published_at
    return when.year if when else None


def contributions(user, filters: StatisticsFilters) -> dict[str, dict]:
    """Published resources per organisation and type that `user` may see (the office's report
    to funders). Court level and legal area filters leave only case law, as on the search."""
    query = (
        select(
            Resource.type,
            Resource.legal_areas,
            Resource.decision_date,
            Resource.published_on,
            Resource.event_date,
            Resource.published_at,
            Organisation.slug,
            Organisation.name,
            Court.level,
        )
        .join(Organisation, Organisation.id == Resource.organisation_id)
        .outerjoin(Court, and_(Court.id == Resource.court_id))
        .where(Resource.status == "published", visible_clause(user, Resource))
    )
    counts: dict[str, dict] = {}
    for row in db.session.execute(query):
        year = _resource_year(row)
        if filters.year_from and (year is None or year < filters.year_from):
            continue
        if filters.year_to and (year is None or year > filters.year_to):
            continue
        if filters.court_levels or filters.legal_areas:
            if row.type != "case_law" or not _in_areas(row.legal_areas, filters):
                continue
            if filters.court_levels and row.level not in filters.court_levels:
                continue
        entry = counts.setdefault(
            row.slug, {"name": row.name, "total": 0, **dict.fromkeys(RESOURCE_TYPES, 0)}
        )
        entry[row.type] = entry.get(row.type, 0) + 1
        entry["total"] += 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1]["total"], item[1]["name"])))


def court_levels() -> dict[str, str]:
    """The court levels a filter may choose (key -> German name)."""
    return dict(COURT_LEVELS)
