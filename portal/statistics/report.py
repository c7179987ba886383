"""The statistics page's charts: each one's title, SVG and numbers as a table (also its CSV)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal, format_percent
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal.audit.services import spreadsheet_safe
from portal.legal.countries import COUNTRIES
from portal.legal.courts import FEDERAL_STATES
from portal.resources.models import CONTROL_MEANS, EXPLOITATION_FORMS, LEGAL_AREAS, RESOURCE_TYPES
from portal.statistics import charts
from portal.statistics.services import TOP, Statistics

NO_AREA = _l("ohne Angabe")


@dataclass
class Chart:
    id: str
    title: Any
    svg: Markup
    headers: list[Any]
    rows: list[list[Any]]
    note: Any = None
    #: Columns (by index) that hold shares between 0 and 1, shown as percentages.
    percent_columns: set[int] = field(default_factory=set)

    def csv(self) -> str:
        """The table as CSV (numbers as numbers, texts safe from spreadsheet formulas)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([str(h) for h in self.headers])
        for row in self.rows:
            writer.writerow([v if isinstance(v, int | float) else spreadsheet_safe(v) for v in row])
        return out.getvalue()


def _label(table, key) -> str:
    return str(table.get(key, key)) if key else str(NO_AREA)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def build(result: Statistics) -> list[Chart]:
    """Every chart of the page, in page order."""
    return [
        _years(result),
        _outcomes(result),
        _sentences(result),
        _counts(
            "exploitation-forms",
            _l("Ausbeutungsformen"),
            result.exploitation_forms,
            EXPLOITATION_FORMS,
            _l("Ausbeutungsform"),
        ),
        _counts(
            "control-means",
            _l("Kontrollmittel"),
            result.control_means,
            CONTROL_MEANS,
            _l("Kontrollmittel"),
        ),
        _counts(
            "nationalities",
            _l("Staatsangehörigkeit der Betroffenen"),
            result.victims_nationalities,
            COUNTRIES,
            _l("Staatsangehörigkeit"),
            top=TOP,
        ),
        _states(result),
        _counts(
            "norms",
            _l("Am häufigsten zitierte Normen"),
            result.cited_norms,
            {},
            _l("Norm"),
            top=TOP,
        ),
        _organisations(result),
    ]


def _years(result: Statistics) -> Chart:
    areas = [
        a for a in [*LEGAL_AREAS, ""] if any(a in v for v in result.by_year_and_legal_area.values())
    ]
    names = [_label(LEGAL_AREAS, a) for a in areas]
    columns = [
        (year, [result.by_year_and_legal_area[year].get(a, 0) for a in areas])
        for year in result.by_year
    ]
    title = _l("Entscheidungen pro Jahr nach Rechtsgebiet")
    return Chart(
        "years",
        title,
        charts.vertical_bars("chart-years", str(title), columns, names),
        [_l("Jahr"), *names, _l("Entscheidungen")],
        [[year, *values, result.by_year[year]] for year, values in columns],
        note=_l("Jede Entscheidung zählt beim ersten angegebenen Rechtsgebiet."),
    )


def _outcomes(result: Statistics) -> Chart:
    names = [str(_l("Entschädigung zugesprochen")), str(_l("Aufenthaltserlaubnis erteilt"))]
    rows, columns = [], []
    for year, counts in result.outcomes_by_year.items():
        total = counts["decisions"]
        compensation = _share(counts["compensation_awarded"], total)
        residence = _share(counts["residence_granted"], total)
        columns.append((year, [round(compensation * 100), round(residence * 100)]))
        rows.append(
            [
                year,
                total,
                counts["compensation_awarded"],
                compensation,
                counts["residence_granted"],
                residence,
            ]
        )
    title = _l("Ergebnisse im Zeitverlauf: Anteil der Entscheidungen")
    return Chart(
        "outcomes",
        title,
        charts.vertical_bars("chart-outcomes", str(title), columns, names, False, " %"),
        [
            _l("Jahr"),
            _l("Entscheidungen"),
            names[0],
            _l("Anteil Entschädigung"),
            names[1],
            _l("Anteil Aufenthaltserlaubnis"),
        ],
        rows,
        percent_columns={3, 5},
    )


def _sentences(result: Statistics) -> Chart:
    rows, bars, labels = [], [], []
    for norm, f in result.sentences_by_offence.items():
        rows.append(
            [
                norm,
                f["decisions"],
                f["median_months"],
                f["min_months"],
                f["max_months"],
                f["suspended"],
            ]
        )
        bars.append((norm, [f["median_months"]]))
        labels.append(
            str(
                _l(
                    "Median %(median)s Monate (%(low)s–%(high)s; %(count)s Entsch.)",
                    median=format_decimal(f["median_months"]),
                    low=f["min_months"],
                    high=f["max_months"],
                    count=f["decisions"],
                )
            )
        )
    title = _l("Strafmaß nach Delikt (höchste Freiheitsstrafe in Monaten)")
    svg = charts.horizontal_bars("chart-sentences", str(title), bars, labels=labels)
    return Chart(
        "sentences",
        title,
        svg,
        [
            _l("Norm"),
            _l("Entscheidungen"),
            _l("Median (Monate)"),
            _l("Minimum (Monate)"),
            _l("Maximum (Monate)"),
            _l("davon zur Bewährung"),
        ],
        rows,
        note=_l("Strafverfahren mit angegebener Strafe, nach jeder zitierten Norm des StGB."),
    )


def _counts(chart_id, title, counts: dict, labels, heading, top: int | None = None) -> Chart:
    items = list(counts.items())
    shown = items[:top] if top else items
    rows = [(_label(labels, key) if labels else key, [value]) for key, value in shown]
    return Chart(
        chart_id,
        title,
        charts.horizontal_bars(f"chart-{chart_id}", str(title), rows),
        [heading, _l("Entscheidungen")],
        [[_label(labels, key) if labels else key, value] for key, value in items],
        note=(
            _l("Das Diagramm zeigt die %(top)s häufigsten; die Tabelle alle.", top=top)
            if top and len(items) > top
            else _l("Eine Entscheidung kann mehrere Einträge haben.")
        ),
    )


def _states(result: Statistics) -> Chart:
    title = _l("Entscheidungen nach Bundesland (Sitz des Gerichts)")
    return Chart(
        "states",
        title,
        charts.state_tiles("chart-states", str(title), result.by_federal_state, FEDERAL_STATES),
        [_l("Bundesland"), _l("Entscheidungen")],
        [[FEDERAL_STATES[code], n] for code, n in result.by_federal_state.items()],
        note=_l("Bundesgerichte und europäische Gerichte gehören zu keinem Land."),
    )


def _organisations(result: Statistics) -> Chart:
    names = [str(label) for label in RESOURCE_TYPES.values()]
    entries = list(result.contributions_by_organisation.values())
    bars = [(e["name"], [e.get(t, 0) for t in RESOURCE_TYPES]) for e in entries[:TOP]]
    title = _l("Beiträge pro Organisation")
    return Chart(
        "organisations",
        title,
        charts.horizontal_bars("chart-organisations", str(title), bars, names),
        [_l("Organisation"), *names, _l("Gesamt")],
        [[e["name"], *(e.get(t, 0) for t in RESOURCE_TYPES), e["total"]] for e in entries],
        note=_l("Veröffentlichte Einträge aller Arten, die Sie sehen dürfen."),
    )


def cell(chart: Chart, index: int, value) -> str:
    """A table cell as the page shows it (German numbers, percentages)."""
    if index in chart.percent_columns:
        return format_percent(value, "#,##0.0 %")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_decimal(value)
    return str(value)
