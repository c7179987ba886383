"""/consultations/: records for members, responses for the organisations asked, the office's
overview, export and closing."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.auth.access import is_editor, role_required
from portal.consultations import services
from portal.consultations.models import Consultation
from portal.downloads import download
from portal.extensions import db
from portal.orgs.models import Organisation
from portal.resources.access import can_view
from portal.resources.models import Resource

bp = Blueprint("consultations", __name__, url_prefix="/consultations")


def _consultation(consultation_id: int) -> Consultation:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        abort(404)
    return consultation


@bp.get("/")
def index():
    consultations = db.session.scalars(
        select(Consultation).order_by(Consultation.opened_at.desc())
    ).all()
    return render_template("consultations/index.html", consultations=consultations)


@bp.route("/new/<int:resource_id>", methods=["GET", "POST"])
@role_required("editor")
def create(resource_id: int):
    paper = db.session.get(Resource, resource_id)
    if paper is None or not can_view(current_user, paper):
        abort(404)
    organisations = [
        o
        for o in db.session.scalars(
            select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
        )
        if not o.is_office
    ]
    error = None
    deadline = request.form.get("deadline", "")
    chosen = [int(v) for v in request.form.getlist("asked") if v.isdigit()]
    if request.method == "POST":
        try:
            when = date.fromisoformat(deadline)
        except ValueError:
            error = _("Bitte geben Sie die Frist als Datum an.")
        else:
            try:
                consultation = services.open_consultation(current_user, paper, when, chosen)
            except services.ConsultationError as exc:
                db.session.rollback()
                error = str(exc)
            else:
                db.session.commit()
                flash(_("Die Konsultation ist eröffnet."), "success")
                return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    return render_template(
        "consultations/new.html",
        paper=paper,
        sections=services.split_sections(paper.body or paper.summary),
        organisations=organisations,
        chosen=chosen,
        deadline=deadline,
        error=error,
    ), (400 if error else 200)


@bp.route("/<int:consultation_id>", methods=["GET", "POST"])
def detail(consultation_id: int):
    consultation = _consultation(consultation_id)
    asked = services.is_asked(current_user, consultation)
    response = services.response_of(consultation, current_user.organisation_id) if asked else None
    error = None
    form = None
    if request.method == "POST":
        form = request.form
        section_comments = {
            s["number"]: request.form.get(f"section-{s['number']}", "")
            for s in consultation.sections
        }
        try:
            response = services.save_response(
                consultation,
                current_user,
                request.form.get("verdict", ""),
                request.form.get("comment", ""),
                section_comments,
                submit="submit" in request.form,
            )
        except services.ConsultationError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(
                _("Die Rückmeldung Ihrer Organisation ist abgegeben.")
                if response.submitted_at
                else _("Der Entwurf der Rückmeldung ist gespeichert."),
                "success",
            )
            return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    return render_template(
        "consultations/detail.html",
        consultation=consultation,
        asked=asked,
        response=response,
        verdicts=services.VERDICT_LABELS,
        error=error,
        form=form,
        answered=len(services.submitted(consultation)),
        total=len(services.asked_organisations(consultation)),
        office=is_editor(current_user),
        open_=consultation.closed_at is None and consultation.deadline >= date.today(),
    ), (400 if error else 200)


@bp.get("/<int:consultation_id>/overview")
@role_required("editor")
def overview(consultation_id: int):
    consultation = _consultation(consultation_id)
    return render_template(
        "consultations/overview.html",
        consultation=consultation,
        states=services.status_by_organisation(consultation),
        responses=services.submitted(consultation),
        sections=services.consolidated(consultation),
        verdicts=services.VERDICT_LABELS,
        print_view=request.args.get("print") == "1",
    )


@bp.get("/<int:consultation_id>/export.csv")
@role_required("editor")
def export(consultation_id: int):
    consultation = _consultation(consultation_id)
    return download(
        services.export_csv(consultation), "text/csv", f"konsultation-{consultation.id}.csv"
    )


@bp.post("/<int:consultation_id>/close")
@role_required("editor")
def close(consultation_id: int):
    consultation = _consultation(consultation_id)
    try:
        services.close(consultation, current_user, request.form.get("outcome", ""))
    except services.ConsultationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Die Konsultation ist abgeschlossen."), "success")
    return redirect(url_for("consultations.overview", consultation_id=consultation.id))
