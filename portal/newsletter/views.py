"""/kok-informiert/: the archive for members; composing, preview and sending for the office."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.auth.access import role_required
from portal.extensions import db
from portal.newsletter import services
from portal.newsletter.models import Issue
from portal.urls import external_url

bp = Blueprint("newsletter", __name__, url_prefix="/kok-informiert")


def _issue(issue_id: int) -> Issue:
    issue = db.session.get(Issue, issue_id)
    if issue is None or not services.may_read(issue, current_user):
        abort(404)
    return issue


@bp.get("/")
def index():
    q = request.args.get("q", "")[:500]
    return render_template("newsletter/index.html", issues=services.find(current_user, q), q=q)


@bp.post("/new")
@role_required("editor")
def create():
    title = request.form.get("title", "").strip()
    if not title or len(title) > services.MAX_TITLE:
        flash(_("Bitte geben Sie der Ausgabe einen Titel (höchstens 200 Zeichen)."), "error")
        return redirect(url_for("newsletter.index"))
    issue = services.create_issue(current_user, title, "")
    db.session.commit()
    return redirect(url_for("newsletter.compose", issue_id=issue.id))


@bp.get("/<int:issue_id>")
def detail(issue_id: int):
    issue = _issue(issue_id)
    return render_template(
        "newsletter/detail.html",
        issue=issue,
        items=services.visible_items(issue, current_user),
    )


@bp.route("/<int:issue_id>/compose", methods=["GET", "POST"])
@role_required("editor")
def compose(issue_id: int):
    issue = _issue(issue_id)
    if issue.sent_at is not None:
        return redirect(url_for("newsletter.detail", issue_id=issue.id))
    error = None
    if request.method == "POST":
        title = request.form.get("title", "")
        notes = {
            item.id: request.form.get(f"note-{item.id}", item.note)[:2000] for item in issue.items
        }
        if not title.strip() or len(title) > services.MAX_TITLE:
            error = _("Bitte geben Sie der Ausgabe einen Titel (höchstens 200 Zeichen).")
        else:
            services.update_issue(issue, current_user, title, request.form.get("intro", ""), notes)
            db.session.commit()
            flash(_("Die Ausgabe ist gespeichert."), "success")
            return redirect(url_for("newsletter.compose", issue_id=issue.id))
    return render_template(
        "newsletter/compose.html",
        issue=issue,
        candidates=services.candidates(issue),
        error=error,
        form=request.form if error else None,
    ), (400 if error else 200)


@bp.post("/<int:issue_id>/<any(add, remove, up, down):step>")
@role_required("editor")
def change(issue_id: int, step: str):
    issue = _issue(issue_id)
    target = request.form.get("id", type=int) or 0
    try:
        if step == "add":
            services.add_item(issue, current_user, target)
        elif step == "remove":
            services.remove_item(issue, current_user, target)
        else:
            services.move_item(issue, current_user, target, -1 if step == "up" else 1)
    except services.IssueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
    return redirect(url_for("newsletter.compose", issue_id=issue.id, _anchor="items"))


@bp.get("/<int:issue_id>/preview")
@role_required("editor")
def preview(issue_id: int):
    """The mail as the signed-in editor would get it."""
    issue = _issue(issue_id)
    items = [
        (item, external_url(f"/resources/{item.resource_id}"))
        for item in services.visible_items(issue, current_user)
    ]
    mail = render_template(
        "mail/newsletter.txt",
        issue=issue,
        items=items,
        url=external_url(f"/kok-informiert/{issue.id}"),
        kind_label=_("„KOK informiert“"),
        unsubscribe_url=external_url("/notifications/settings"),
    )
    return render_template("newsletter/preview.html", issue=issue, mail=mail)


@bp.post("/<int:issue_id>/send")
@role_required("editor")
def send(issue_id: int):
    issue = _issue(issue_id)
    try:
        count = services.send_issue(issue, current_user)
    except services.IssueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("newsletter.compose", issue_id=issue.id))
    db.session.commit()
    flash(
        ngettext(
            "Die Ausgabe ist an %(num)s Konto versandt.",
            "Die Ausgabe ist an %(num)s Konten versandt.",
            count,
        ),
        "success",
    )
    return redirect(url_for("newsletter.detail", issue_id=issue.id))
