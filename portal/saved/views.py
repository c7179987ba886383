"""Saved searches (/saved) and their private Atom feeds (/feeds/<token>.atom, public)."""

from urllib.parse import parse_qsl

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal.extensions import db
from portal.notifications import services as notifications
from portal.saved import services
from portal.saved.atom import atom_feed
from portal.saved.forms import SaveSearchForm
from portal.search import services as search_services
from portal.urls import external_url

bp = Blueprint("saved", __name__, url_prefix="/saved")
feeds_bp = Blueprint("feeds", __name__, url_prefix="/feeds")


def _own_or_404(saved_id: int):
    saved = services.get_own(current_user, saved_id)
    if saved is None:
        abort(404)
    return saved


@bp.get("/")
def index():
    return render_template("saved/index.html", entries=services.with_counts(current_user))


@bp.post("/")
def save():
    form = SaveSearchForm()
    if form.validate_on_submit():
        args = MultiDict(parse_qsl(form.search.data or "", keep_blank_values=False))
        try:
            query = services.read_search_args(args)
            saved = services.save_search(current_user, form.name.data, query)
        except services.SavedSearchError as exc:
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Die Suche „%(name)s“ wurde gespeichert.", name=saved.name), "success")
            return redirect(url_for("saved.index"))
    return render_template("saved/save.html", form=form), 400


@bp.get("/<int:saved_id>")
def detail(saved_id: int):
    """Run the saved search and note the visit (what is shown now is no longer new)."""
    saved = _own_or_404(saved_id)
    page = request.args.get("page", 1, type=int) or 1
    new_ids = {
        hit.resource.id for hit in services.new_matches(saved, current_user, saved.last_seen_at)
    }
    result = services.run(saved, current_user, page=max(page, 1))
    services.mark_seen(saved)
    db.session.commit()
    return render_template(
        "saved/detail.html",
        saved=saved,
        result=result,
        new_ids=new_ids,
        filters=search_services.filters_in_words(services.search_filters(saved), result.facets),
        following=notifications.is_following(current_user, "saved_search", saved.id),
    )


@bp.post("/<int:saved_id>/delete")
def delete(saved_id: int):
    saved = _own_or_404(saved_id)
    name = saved.name
    services.delete_search(saved)
    db.session.commit()
    flash(_("Die Suche „%(name)s“ wurde gelöscht.", name=name), "success")
    return redirect(url_for("saved.index"))


@bp.post("/<int:saved_id>/alerts")
def alerts(saved_id: int):
    saved = _own_or_404(saved_id)
    saved.email_alerts = request.form.get("enabled") == "1"
    db.session.commit()
    if saved.email_alerts:
        flash(_("Sie erhalten neue Treffer einmal täglich per E-Mail."), "success")
    else:
        flash(_("E-Mail-Benachrichtigungen für diese Suche sind aus."), "success")
    return redirect(url_for("saved.index"))


@bp.post("/<int:saved_id>/feed")
def feed_create(saved_id: int):
    saved = _own_or_404(saved_id)
    token = services.new_feed_token(saved)
    db.session.commit()
    feed_url = external_url(url_for("feeds.feed", token=token))
    page = render_template("saved/feed_created.html", saved=saved, feed_url=feed_url)
    return page, 200, {"Cache-Control": "no-store"}


@bp.post("/<int:saved_id>/feed/revoke")
def feed_revoke(saved_id: int):
    saved = _own_or_404(saved_id)
    services.revoke_feed(saved)
    db.session.commit()
    flash(_("Die Feed-Adresse wurde widerrufen und funktioniert nicht mehr."), "success")
    return redirect(url_for("saved.index"))


@feeds_bp.get("/<token>.atom")
def feed(token: str):
    """Public (a feed reader has no session): the token is the credential."""
    saved = services.feed_search(token)
    if saved is None:
        abort(404)
    body = atom_feed(saved, services.feed_hits(saved), self_url=external_url(request.path))
    return Response(
        body,
        mimetype="application/atom+xml",
        headers={"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"},
    )
