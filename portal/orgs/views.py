"""Directory of the network's organisations."""

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.notifications import services as notifications
from portal.orgs.models import Organisation

bp = Blueprint("orgs", __name__, url_prefix="/organisations")


@bp.route("/")
def directory():
    organisations = db.session.scalars(
        select(Organisation)
        .where(Organisation.active.is_(True))
        .order_by(Organisation.kind.desc(), Organisation.name)
    ).all()
    return render_template("orgs/directory.html", organisations=organisations)


@bp.route("/<slug>")
def detail(slug: str):
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.slug == slug, Organisation.active.is_(True))
    )
    if organisation is None:
        abort(404)
    return render_template(
        "orgs/detail.html",
        organisation=organisation,
        following=notifications.is_following(current_user, "organisation", organisation.slug),
    )
