"""The statistics page ("Statistik") and its charts' CSV files."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from portal.downloads import download
from portal.statistics import report, services
from portal.statistics.forms import StatisticsForm

bp = Blueprint("statistics", __name__, url_prefix="/statistics")


def _compute():
    form = StatisticsForm(request.args)
    valid = form.validate()
    filters = form.filters() if valid else services.StatisticsFilters()
    result = services.compute(current_user, filters)
    return form, filters, result


@bp.route("/")
def index():
    form, filters, result = _compute()
    return render_template(
        "statistics/index.html",
        form=form,
        filters=filters,
        result=result,
        charts=report.build(result),
        cell=report.cell,
    )


@bp.route("/<chart_id>.csv")
def chart_csv(chart_id: str):
    _, _, result = _compute()
    chart = next((c for c in report.build(result) if c.id == chart_id), None)
    if chart is None:
        abort(404)
    return download(chart.csv(), "text/csv", f"statistik-{chart.id}.csv")
