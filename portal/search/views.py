"""Search pages ("Suche" with facets, "Fall beschreiben", help) and search-box completions."""

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.extensions import limiter
from portal.resources.fields import FACET_FIELDS
from portal.search import complete as autocomplete
from portal.search import services
from portal.search.query import DESCRIBE_MAX_LENGTH, FIELDS, MAX_LENGTH

bp = Blueprint("search", __name__, url_prefix="/search")


def _search_limit() -> str:
    return current_app.config["RATELIMIT_SEARCH"]


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(_search_limit)
def index():
    if request.method == "POST":
        # Forms of older pages posted descriptions: the same search as a bookmarkable GET.
        return redirect(url_for("search.index", **_search_args(request.form)), code=303)
    args = request.args
    mode = "describe" if args.get("mode") == "describe" else "search"
    q = args.get("q", "")[: DESCRIBE_MAX_LENGTH if mode == "describe" else 10 * MAX_LENGTH]
    filters = {key: args.getlist(key) for key in services.FILTER_KEYS if args.getlist(key)}
    result = services.search(
        current_user,
        q,
        mode=mode,
        filters=filters,
        sort=args.get("sort", "relevance"),
        page=args.get("page", 1, type=int) or 1,
    )
    return render_template(
        "search/index.html",
        result=result,
        facet_labels=FACET_LABELS,
        sort_labels=SORT_LABELS,
        describe_max=DESCRIBE_MAX_LENGTH,
    )


def _search_args(form) -> dict[str, list[str]]:
    """The search parameters of a posted form (no CSRF token), for a GET URL."""
    keys = ("q", "mode", "sort", "page", *services.FILTER_KEYS)
    return {key: form.getlist(key) for key in keys if form.getlist(key)}


def _complete_limit() -> str:
    return current_app.config["RATELIMIT_COMPLETE"]


@bp.route("/complete")
@limiter.limit(_complete_limit)
def complete():
    # JSON for static/js/autocomplete.js; the login guard and no-store apply as to every page.
    q = request.args.get("q", "")[: 10 * MAX_LENGTH]
    return jsonify(query=q, suggestions=autocomplete.complete(current_user, q))


@bp.route("/help")
def help():
    return render_template("search/help.html", fields=FIELDS)


FACET_LABELS = {
    "type": _l("Art"),
    "court": _l("Gericht"),
    "court_level": _l("Instanz"),
    "legal_area": _l("Rechtsgebiet"),
    "norm": _l("Norm"),
    "topic": _l("Thema"),
    "organisation": _l("Organisation"),
    "year": _l("Jahr"),
    "language": _l("Sprache"),
    "status": _l("Bearbeitungsstand"),
    **{f.name: f.label for f in FACET_FIELDS},
}
SORT_LABELS = {
    "relevance": _l("Relevanz"),
    "newest": _l("Neueste zuerst"),
    "oldest": _l("Älteste zuerst"),
}
