"""/public/: released entries without login; only title, summary, court, date, file number and
norms ever reach these pages (never the body, attachments, organisation or internal fields)."""

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import select

from portal.atom import Entry, atom_document
from portal.extensions import db
from portal.resources.access import PUBLIC
from portal.resources.models import Resource
from portal.urls import external_url

bp = Blueprint("public", __name__, url_prefix="/public")

PER_PAGE = 20
FEED_SIZE = 50


def released():
    """Published entries the office released, newest first."""
    return (
        select(Resource)
        .where(Resource.status == "published", Resource.visibility == PUBLIC)
        .order_by(Resource.published_at.desc(), Resource.id.desc())
    )


@bp.get("/")
def index():
    page = db.paginate(
        released(),
        page=max(request.args.get("page", 1, type=int) or 1, 1),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template("public/index.html", page=page)


@bp.get("/<int:resource_id>")
def detail(resource_id: int):
    resource = db.session.scalar(released().where(Resource.id == resource_id))
    if resource is None:
        abort(404)
    return render_template("public/detail.html", resource=resource)


@bp.get("/feed.atom")
def feed():
    entries = db.session.scalars(released().limit(FEED_SIZE)).all()
    body = atom_document(
        external_url("/public/"),
        "KOK-Wissensportal: öffentliche Einträge",
        external_url("/public/feed.atom"),
        max((r.published_at for r in entries if r.published_at), default=None),
        [
            Entry(
                url=external_url(f"/public/{r.id}"),
                title=r.title,
                updated=r.published_at,
                published=r.published_at,
                summary=r.summary or "",
            )
            for r in entries
        ],
    )
    return Response(body, mimetype="application/atom+xml")
