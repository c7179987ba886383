"""The bell's list, mail settings, "Gefolgt" and the unsubscribe link of a mail."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.extensions import db
from portal.notifications import services
from portal.resources.models import LEGAL_AREAS, Court
from portal.urls import safe_next

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

PER_PAGE = 30


@bp.app_context_processor
def inject_unread_count():
    """The header's bell asks this on every page (only for a signed-in person)."""

    def unread_notifications() -> int:
        return services.unread_count(current_user)

    return {"unread_notifications": unread_notifications}


@bp.get("/")
def index():
    page = db.paginate(
        services.visible_notifications(current_user),
        page=max(request.args.get("page", 1, type=int) or 1, 1),
        per_page=PER_PAGE,
        error_out=False,
    )
    entries = [(n, services.text(n), services.target_path(n)) for n in page.items]
    return render_template("notifications/index.html", page=page, entries=entries)


@bp.post("/<int:notification_id>/read")
def read(notification_id: int):
    services.mark_read(current_user, notification_id)
    db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("notifications.index"))


@bp.post("/read-all")
def read_all():
    count = services.mark_read(current_user)
    db.session.commit()
    flash(
        ngettext(
            "%(num)s Benachrichtigung als gelesen markiert.",
            "%(num)s Benachrichtigungen als gelesen markiert.",
            count,
        )
        if count
        else _("Es gab keine ungelesenen Benachrichtigungen."),
        "success",
    )
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    chosen = services.frequencies(current_user)
    errors = {}
    if request.method == "POST":
        for kind in services.KINDS:
            value = request.form.get(f"frequency-{kind}", "")
            if value in services.FREQUENCIES:
                chosen[kind] = value
            else:
                errors[kind] = _("Bitte wählen Sie eine der Möglichkeiten.")
        if not errors:
            for kind, value in chosen.items():
                services.set_frequency(current_user, kind, value)
            db.session.commit()
            flash(_("Ihre Einstellungen für Benachrichtigungen sind gespeichert."), "success")
            return redirect(url_for("notifications.settings"))
    return (
        render_template(
            "notifications/settings.html",
            kinds=services.KINDS,
            frequencies=services.FREQUENCIES,
            chosen=chosen,
            errors=errors,
        ),
        400 if errors else 200,
    )


@bp.get("/following")
def following():
    courts = db.session.scalars(db.select(Court).order_by(Court.name)).all()
    return render_template(
        "notifications/following.html",
        follows=services.followed(current_user),
        topics=LEGAL_AREAS,
        courts=courts,
    )


def _back() -> str:
    return safe_next(request.form.get("next")) or url_for("notifications.following")


@bp.post("/follow")
def follow():
    try:
        services.follow(
            current_user, request.form.get("target_type", ""), request.form.get("target_key", "")
        )
    except services.FollowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Sie folgen jetzt. Neues dazu erscheint unter den Benachrichtigungen."), "success")
    return redirect(_back())


@bp.post("/unfollow")
def unfollow():
    if services.unfollow(
        current_user, request.form.get("target_type", ""), request.form.get("target_key", "")
    ):
        db.session.commit()
        flash(_("Sie folgen nicht mehr."), "success")
    return redirect(_back())


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Works without login: the signed token names one person and one kind, nothing else."""
    found = services.read_unsubscribe_token(token)
    if found is None:
        abort(404)
    user, kind = found
    done = False
    if request.method == "POST":
        services.set_frequency(user, kind, "off")
        db.session.commit()
        done = True
    return render_template(
        "notifications/unsubscribe.html", kind_label=services.KINDS[kind], done=done
    )
