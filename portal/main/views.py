"""Start page, health check, language switch and static information pages."""

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import text

from portal.auth.access import is_editor
from portal.auth.forms import LanguageForm
from portal.extensions import db
from portal.resources import lists as resource_lists
from portal.search import outbox
from portal.urls import safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
def dashboard():
    # The office hears of an index backlog (searches miss recent changes until it is applied).
    backlog = outbox.backlog() if is_editor(current_user) else 0
    return render_template(
        "main/dashboard.html", kb=resource_lists.dashboard(current_user), index_backlog=backlog
    )


@bp.route("/healthz")
def healthz():
    """Liveness and database check for load balancers; reveals nothing else."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        current_app.logger.exception("Health check failed")
        return jsonify(status="error"), 503
    return jsonify(status="ok")


@bp.route("/language", methods=["POST"])
def set_language():
    """Language choice for visitors who are not logged in (stored in the session)."""
    form = LanguageForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            current_user.language = form.language.data
            db.session.commit()
        else:
            session["language"] = form.language.data
    return redirect(safe_next(request.form.get("next")) or "/")


@bp.route("/privacy")
def privacy():
    return render_template("main/privacy.html")
