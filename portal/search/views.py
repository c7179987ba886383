"""Search pages ("Suche" with facets, "Fall beschreiben", help) and search-box completions."""

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.dossiers.pdf import DossierItem, dossier_pdf
from portal.dossiers.services import dossiers_of
from portal.downloads import download
from portal.extensions import db, limiter
from portal.questions import services as question_services
from portal.resources import cite
from portal.resources.models import Resource
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
    result = _request_search()
    # The network's questions are few: matched beside the index (see portal.questions).
    q = result.query
    questions = (
        question_services.find(current_user, "all", q)
        if request.args.get("mode") != "describe" and q.strip() and result.page == 1
        else []
    )
    return render_template(
        "search/index.html",
        result=result,
        questions=questions,
        facet_labels=services.FACET_LABELS,
        sort_labels=SORT_LABELS,
        describe_max=DESCRIBE_MAX_LENGTH,
        active_filters=sum(len([v for v in values if v]) for values in result.filters.values()),
        dossier_choices=[(d.id, d.title) for d in dossiers_of(current_user)],
    )


#: Most results a citation list holds (the search pages no further than its last page).
CITATION_LIMIT = 500


def _request_search(per_page: int = 20, page: int | None = None):
    """The search the query string describes, as the search page runs it."""
    args = request.args
    mode = "describe" if args.get("mode") == "describe" else "search"
    q = args.get("q", "")[: DESCRIBE_MAX_LENGTH if mode == "describe" else 10 * MAX_LENGTH]
    filters = {key: args.getlist(key) for key in services.FILTER_KEYS if args.getlist(key)}
    return services.search(
        current_user,
        q,
        mode=mode,
        filters=filters,
        sort=args.get("sort", "relevance"),
        page=page or args.get("page", 1, type=int) or 1,
        per_page=per_page,
    )


def _all_results() -> list:
    """The resources of every page of the search (up to CITATION_LIMIT), in result order."""
    found, page = [], 1
    while len(found) < CITATION_LIMIT:
        result = _request_search(per_page=services.MAX_PER_PAGE, page=page)
        found.extend(hit.resource for hit in result.hits)
        if page >= result.pages:
            break
        page += 1
    found = found[:CITATION_LIMIT]
    # Hits come with their courts only; the lists and the dossier print norms, organisation
    # and attachments too: loaded for all of them at once (the rows already loaded fill up).
    db.session.scalars(
        select(Resource)
        .where(Resource.id.in_([resource.id for resource in found]))
        .options(
            selectinload(Resource.norms),
            selectinload(Resource.organisation),
            selectinload(Resource.attachments),
        )
    ).all()
    return found


@bp.route("/citations.<any(ris, csv):kind>")
@limiter.limit(_search_limit)
def citations(kind: str):
    """The current search results as a citation list (RIS or CSV), with the search's own
    query string."""
    resources = _all_results()
    return download(*cite.citation_list(resources, kind), f"suchergebnisse.{kind}")


#: Most results a PDF dossier of a search holds.
DOSSIER_LIMIT = 200


@bp.route("/dossier.pdf")
@limiter.limit(_search_limit)
def dossier():
    """The current search results as one PDF dossier (the search's own query string)."""
    items = [DossierItem(resource) for resource in _all_results()[:DOSSIER_LIMIT]]
    query = request.args.get("q", "").strip()
    subtitle = _("Suchergebnisse für „%(q)s“", q=query[:200]) if query else _("Suchergebnisse")
    body = dossier_pdf(current_user, _("Dossier"), subtitle, items)
    return download(body, "application/pdf", "suchergebnisse.pdf")


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


SORT_LABELS = {
    "relevance": _l("Relevanz"),
    "newest": _l("Neueste zuerst"),
    "oldest": _l("Älteste zuerst"),
}
