"""JSON API, read-only under /api/v1, and the profile's token routes under /api-tokens.

Bearer tokens authenticate only under /api/v1 (see `portal.api.load_user_from_token`); a
logged-in browser session may read the API too. Errors are ``{"error": {"code", "message"}}``.
"""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.api import params, rate_limit, rate_limit_key, services
from portal.api.forms import TokenForm
from portal.api.openapi import openapi_document
from portal.api.representation import resource_json, search_json
from portal.extensions import db, limiter
from portal.notifications import services as notification_services
from portal.resources.access import can_view
from portal.resources.models import Resource
from portal.search import services as search_services
from portal.statistics import services as statistics_services
from portal.urls import external_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# HTML forms, so outside /api/: errors and logins answer as pages, not JSON.
tokens_bp = Blueprint("api_tokens", __name__, url_prefix="/api-tokens")

limiter.limit(rate_limit, key_func=rate_limit_key)(bp)


def json_error(code: int, message: str):
    return jsonify(error={"code": code, "message": message}), code


@bp.get("/search")
def search():
    try:
        query = params.parse_search(request.args)
    except params.InvalidParameter as exc:
        return json_error(400, str(exc))
    result = search_services.search(
        current_user,
        query.q,
        mode=query.mode,
        filters=query.filters,
        sort=query.sort,
        page=query.page,
        per_page=query.per_page,
    )
    return jsonify(search_json(query, result))


@bp.get("/resources/<int:resource_id>")
def resource_detail(resource_id: int):
    resource = db.session.get(Resource, resource_id)
    if resource is None or not can_view(current_user, resource):
        abort(404)
    return jsonify(resource_json(resource, current_user))


@bp.get("/notifications")
def notifications():
    """The token user's own notifications, newest first (only what they may still see)."""
    limit = request.args.get("limit", 50, type=int)
    page = request.args.get("page", 1, type=int)
    if limit is None or not 1 <= limit <= 100:
        return json_error(400, "limit must be a whole number from 1 to 100")
    if page is None or page < 1:
        return json_error(400, "page must be a whole number from 1")
    found = db.paginate(
        notification_services.visible_notifications(current_user),
        page=page,
        per_page=limit,
        error_out=False,
    )
    return jsonify(
        total=found.total,
        page=page,
        notifications=[
            {
                "id": n.id,
                "kind": n.kind,
                "created_at": n.created_at.isoformat(),
                "read": n.read_at is not None,
                "resource_id": n.resource_id,
                "url": external_url(notification_services.target_path(n)),
                "text": notification_services.text(n),
            }
            for n in found.items
        ],
    )


@bp.get("/statistics")
def statistics():
    try:
        filters = params.parse_statistics(request.args)
    except params.InvalidParameter as exc:
        return json_error(400, str(exc))
    return jsonify(statistics_services.compute(current_user, filters).as_json())


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


# --- tokens on the profile page (session login, CSRF-protected forms) --------------------


@tokens_bp.post("/")
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return render_template("api/token_form.html", form=form), 400
    try:
        row, token = services.create_token(current_user, form.name.data)
    except services.TokenError as exc:
        form.name.errors.append(str(exc))
        return render_template("api/token_form.html", form=form), 400
    db.session.commit()
    # Shown in this answer only; it is never stored, so a reload cannot show it again.
    response = render_template("api/token_created.html", row=row, token=token)
    return response, 200, {"Cache-Control": "no-store"}


@tokens_bp.post("/<int:token_id>/revoke")
def revoke_token(token_id: int):
    try:
        services.revoke_token(current_user, token_id)
    except services.TokenError:
        abort(404)
    db.session.commit()
    flash(_("Das Token wurde widerrufen und funktioniert nicht mehr."), "success")
    return redirect(url_for("auth.profile") + "#h-api-tokens")
