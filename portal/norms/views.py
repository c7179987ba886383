"""The norm index (/norms/) and one page per norm or provision (/norms/<slug>)."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from portal.extensions import db
from portal.legal.citations import Norm
from portal.norms import services
from portal.notifications import services as notifications

bp = Blueprint("norms", __name__, url_prefix="/norms")

PER_PAGE = 25


@bp.route("/")
def index():
    books = services.cited_norms(current_user)
    return render_template("norms/index.html", books=books)


@bp.route("/<slug>")
def detail(slug: str):
    try:
        norm = Norm.from_slug(slug)
    except ValueError:
        abort(404)
    page = db.paginate(
        services.citing_resources(current_user, norm),
        page=max(request.args.get("page", 1, type=int) or 1, 1),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "norms/detail.html",
        norm=norm,
        page=page,
        parents=norm.ancestors,
        provisions=services.sub_provisions(current_user, norm),
        following=notifications.is_following(current_user, "norm", norm.key),
    )
