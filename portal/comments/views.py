"""Comment routes under /resources/<id>/comments; the detail page shows the thread."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.comments import services
from portal.comments.models import Comment
from portal.extensions import db
from portal.resources.access import can_view
from portal.resources.models import Resource

bp = Blueprint("comments", __name__, url_prefix="/resources/<int:resource_id>/comments")


def _resource(resource_id: int) -> Resource:
    resource = db.session.get(Resource, resource_id)
    if resource is None or not can_view(current_user, resource):
        abort(404)
    return resource


def _comment(resource: Resource, comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.resource_id != resource.id:
        abort(404)
    return comment


def _to_thread(resource: Resource, comment_id: int | None = None):
    anchor = f"comment-{comment_id}" if comment_id else "comments"
    return redirect(url_for("resources.detail", resource_id=resource.id, _anchor=anchor))


@bp.post("")
def add(resource_id: int):
    resource = _resource(resource_id)
    body = request.form.get("body", "")
    parent_id = request.form.get("parent_id", type=int)
    try:
        comment = services.add_comment(resource, current_user, body, parent_id)
    except services.CommentError as exc:
        db.session.rollback()
        # The page again, with the text kept and the message beside the field.
        return render_template(
            "comments/write.html", resource=resource, body=body, parent_id=parent_id, error=exc
        ), 400
    db.session.commit()
    flash(_("Ihr Kommentar ist gespeichert."), "success")
    return _to_thread(resource, comment.id)


@bp.route("/<int:comment_id>/edit", methods=["GET", "POST"])
def edit(resource_id: int, comment_id: int):
    resource = _resource(resource_id)
    comment = _comment(resource, comment_id)
    if not services.may_edit(comment, current_user):
        abort(403)
    body, error = comment.body, None
    if request.method == "POST":
        body = request.form.get("body", "")
        try:
            services.edit_comment(comment, current_user, body)
        except services.CommentError as exc:
            db.session.rollback()
            error = exc
        else:
            db.session.commit()
            flash(_("Ihr Kommentar ist geändert."), "success")
            return _to_thread(resource, comment.id)
    return render_template(
        "comments/write.html", resource=resource, comment=comment, body=body, error=error
    ), (400 if error else 200)


@bp.post("/<int:comment_id>/delete")
def delete(resource_id: int, comment_id: int):
    resource = _resource(resource_id)
    comment = _comment(resource, comment_id)
    if not services.may_delete(comment, current_user):
        abort(403)
    services.delete_comment(comment, current_user)
    db.session.commit()
    flash(_("Ihr Kommentar ist gelöscht."), "success")
    return _to_thread(resource)


@bp.post("/<int:comment_id>/<any(hide, show):action>")
def moderate(resource_id: int, comment_id: int, action: str):
    resource = _resource(resource_id)
    comment = _comment(resource, comment_id)
    try:
        services.set_hidden(comment, current_user, action == "hide")
    except services.CommentError:
        abort(403)
    db.session.commit()
    flash(
        _("Der Kommentar ist ausgeblendet.")
        if action == "hide"
        else _("Der Kommentar ist wieder sichtbar."),
        "success",
    )
    return _to_thread(resource, comment.id)
