"""Dossiers ("Mappen"): list, create, add entries from pages and search results, notes,
order, and export as a citation list."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.dossiers import services
from portal.dossiers.forms import AddEntryForm, ButtonForm, DossierForm, NoteForm
from portal.dossiers.pdf import DossierItem, dossier_pdf
from portal.downloads import download
from portal.extensions import db
from portal.resources import cite
from portal.resources.models import Resource
from portal.urls import safe_next

bp = Blueprint("dossiers", __name__, url_prefix="/dossiers")


def _dossier_or_404(dossier_id: int):
    dossier = services.get_dossier(current_user, dossier_id)
    if dossier is None:
        abort(404)
    return dossier


def _resource(raw) -> Resource | None:
    try:
        return db.session.get(Resource, int(raw))
    except (TypeError, ValueError):
        return None


@bp.route("/", methods=["GET", "POST"])
def index():
    form = DossierForm()
    if form.validate_on_submit():
        try:
            dossier = services.create_dossier(current_user, form.title.data, form.shared.data)
            resource = _resource(request.form.get("resource_id"))
            if resource is not None:
                services.add_entry(current_user, dossier, resource)
        except services.DossierError as exc:
            form.title.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Die Mappe „%(title)s“ wurde angelegt.", title=dossier.title), "success")
            return redirect(url_for("dossiers.detail", dossier_id=dossier.id))
    dossiers = services.dossiers_of(current_user)
    return render_template(
        "dossiers/index.html",
        form=form,
        dossiers=dossiers,
        counts=services.entry_counts(current_user, dossiers),
    ), (400 if form.errors else 200)


@bp.get("/<int:dossier_id>")
def detail(dossier_id: int):
    dossier = _dossier_or_404(dossier_id)
    form = DossierForm(obj=dossier)
    return render_template(
        "dossiers/detail.html",
        dossier=dossier,
        entries=services.visible_entries(current_user, dossier),
        form=form,
        note_form=NoteForm,
        button=ButtonForm(),
        is_owner=dossier.owner_id == current_user.id,
    )


@bp.post("/<int:dossier_id>")
def update(dossier_id: int):
    dossier = _dossier_or_404(dossier_id)
    form = DossierForm()
    if form.validate_on_submit():
        try:
            services.update_dossier(current_user, dossier, form.title.data, form.shared.data)
        except services.DossierError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Die Mappe wurde gespeichert."), "success")
    return redirect(url_for("dossiers.detail", dossier_id=dossier.id))


@bp.post("/<int:dossier_id>/delete")
def delete(dossier_id: int):
    dossier = _dossier_or_404(dossier_id)
    if ButtonForm().validate_on_submit():
        try:
            services.delete_dossier(current_user, dossier)
        except services.DossierError as exc:
            flash(str(exc), "error")
            return redirect(url_for("dossiers.detail", dossier_id=dossier.id))
        db.session.commit()
        flash(_("Die Mappe wurde gelöscht."), "success")
    return redirect(url_for("dossiers.index"))


@bp.post("/add")
def add():
    """Put a resource into a dossier (from a resource page or a search result)."""
    form = AddEntryForm()
    form.dossier.choices = [(d.id, d.title) for d in services.dossiers_of(current_user)]
    target = safe_next(form.next.data) or url_for("dossiers.index")
    if not form.validate_on_submit():
        flash(_("Bitte wählen Sie eine Mappe."), "error")
        return redirect(target)
    dossier = _dossier_or_404(form.dossier.data)
    try:
        services.add_entry(current_user, dossier, _resource(form.resource_id.data))
    except services.DossierError as exc:
        flash(str(exc), "error")
        return redirect(target)
    db.session.commit()
    flash(_("In die Mappe „%(title)s“ gelegt.", title=dossier.title), "success")
    return redirect(target)


def _entry_action(dossier_id: int, action) -> Response:
    dossier = _dossier_or_404(dossier_id)
    try:
        action(dossier)
    except services.DossierError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
    return redirect(url_for("dossiers.detail", dossier_id=dossier.id) + "#entries")


@bp.post("/<int:dossier_id>/entries/<int:entry_id>/note")
def note(dossier_id: int, entry_id: int):
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    return _entry_action(
        dossier_id, lambda d: services.set_note(current_user, d, entry_id, form.note.data)
    )


@bp.post("/<int:dossier_id>/entries/<int:entry_id>/<any(up, down):direction>")
def move(dossier_id: int, entry_id: int, direction: str):
    if not ButtonForm().validate_on_submit():
        abort(400)
    step = -1 if direction == "up" else 1
    return _entry_action(dossier_id, lambda d: services.move_entry(current_user, d, entry_id, step))


@bp.post("/<int:dossier_id>/entries/<int:entry_id>/remove")
def remove(dossier_id: int, entry_id: int):
    if not ButtonForm().validate_on_submit():
        abort(400)
    return _entry_action(dossier_id, lambda d: services.remove_entry(current_user, d, entry_id))


@bp.get("/<int:dossier_id>/citations.<any(ris, csv):kind>")
def citations(dossier_id: int, kind: str):
    dossier = _dossier_or_404(dossier_id)
    resources = [e.resource for e in services.visible_entries(current_user, dossier)]
    return download(*cite.citation_list(resources, kind), f"mappe-{dossier.id}.{kind}")


@bp.get("/<int:dossier_id>/dossier.pdf")
def pdf(dossier_id: int):
    dossier = _dossier_or_404(dossier_id)
    items = [
        DossierItem(e.resource, e.note) for e in services.visible_entries(current_user, dossier)
    ]
    subtitle = _("Mappe von %(name)s", name=dossier.owner.name if dossier.owner else "")
    return pdf_response(dossier_pdf(current_user, dossier.title, subtitle, items), dossier.id)


def pdf_response(body: bytes, name) -> Response:
    return download(body, "application/pdf", f"dossier-{name}.pdf")
