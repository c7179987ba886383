"""/meetings/: upcoming and past meetings, registration, iCalendar, the office's planning."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.auth.access import is_editor, role_required
from portal.downloads import download
from portal.extensions import db
from portal.meetings import services
from portal.meetings.forms import MeetingForm
from portal.meetings.models import Meeting, MeetingMaterial
from portal.orgs.models import Organisation
from portal.urls import external_url

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


def _meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not services.is_invited(current_user, meeting):
        abort(404)
    return meeting


@bp.get("/")
def index():
    return render_template(
        "meetings/index.html",
        upcoming=services.visible_meetings(current_user),
        past=services.visible_meetings(current_user, upcoming=False),
        kinds=services.KIND_LABELS,
    )


def _form(meeting: Meeting | None = None) -> MeetingForm:
    form = MeetingForm(obj=meeting) if request.method == "GET" else MeetingForm()
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
    )
    form.invited.choices = [(o.id, o.name) for o in organisations if not o.is_office]
    if request.method == "GET" and meeting is not None:
        form.invited.data = meeting.invited or []
    return form


def _plan(form: MeetingForm) -> services.Plan:
    return services.Plan(
        kind=form.kind.data,
        title=form.title.data.strip(),
        starts_at=form.starts_at.data,
        ends_at=form.ends_at.data,
        place=(form.place.data or "").strip(),
        online_url=(form.online_url.data or "").strip(),
        agenda=(form.agenda.data or "").strip(),
        capacity=form.capacity.data,
        registration_deadline=form.registration_deadline.data,
        invited=list(form.invited.data) or None,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("editor")
def create():
    return _edit(None)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@role_required("editor")
def edit(meeting_id: int):
    return _edit(_meeting(meeting_id))


def _edit(meeting: Meeting | None):
    form = _form(meeting)
    if form.validate_on_submit():
        try:
            saved = services.save_meeting(current_user, _plan(form), meeting)
        except services.MeetingError as exc:
            db.session.rollback()
            form.ends_at.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Das Treffen ist gespeichert."), "success")
            return redirect(url_for("meetings.detail", meeting_id=saved.id))
    return render_template("meetings/edit.html", form=form, meeting=meeting), (
        400 if form.errors else 200
    )


@bp.get("/<int:meeting_id>")
def detail(meeting_id: int):
    meeting = _meeting(meeting_id)
    return render_template(
        "meetings/detail.html",
        meeting=meeting,
        kinds=services.KIND_LABELS,
        roles=services.ROLE_LABELS,
        registration=services.registration_of(current_user, meeting),
        confirmed=services.confirmed(meeting),
        waiting=services.waiting_list(meeting),
        registration_open=services.registration_open(meeting),
        materials=services.visible_materials(meeting, current_user),
        office=is_editor(current_user),
    )


@bp.post("/<int:meeting_id>/register")
def register(meeting_id: int):
    meeting = _meeting(meeting_id)
    try:
        registration = services.register(current_user, meeting)
    except services.MeetingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            _("Sie stehen auf der Warteliste.")
            if registration.waiting
            else _("Sie sind angemeldet."),
            "success",
        )
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/cancel")
def cancel(meeting_id: int):
    meeting = _meeting(meeting_id)
    services.cancel(current_user, meeting)
    db.session.commit()
    flash(_("Sie sind abgemeldet."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.get("/<int:meeting_id>/attendees.csv")
@role_required("editor")
def attendees(meeting_id: int):
    meeting = _meeting(meeting_id)
    return download(services.attendees_csv(meeting), "text/csv", f"treffen-{meeting.id}.csv")


@bp.post("/<int:meeting_id>/materials")
@role_required("editor")
def add_material(meeting_id: int):
    meeting = _meeting(meeting_id)
    try:
        services.add_material(
            meeting, current_user, request.form.get("reference", ""), request.form.get("role", "")
        )
    except services.MeetingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
    return redirect(url_for("meetings.detail", meeting_id=meeting.id, _anchor="materials"))


@bp.post("/<int:meeting_id>/materials/<int:material_id>/delete")
@role_required("editor")
def remove_material(meeting_id: int, material_id: int):
    meeting = _meeting(meeting_id)
    material = db.session.get(MeetingMaterial, material_id)
    if material is None or material.meeting_id != meeting.id:
        abort(404)
    db.session.delete(material)
    db.session.commit()
    return redirect(url_for("meetings.detail", meeting_id=meeting.id, _anchor="materials"))


@bp.get("/<int:meeting_id>.ics")
def ics(meeting_id: int):
    meeting = _meeting(meeting_id)
    return download(
        services.icalendar([meeting], meeting.title), "text/calendar", f"treffen-{meeting.id}.ics"
    )


@bp.route("/calendar", methods=["GET", "POST"])
def calendar():
    """The address of one's own calendar feed; a POST makes a new one (the old one ends)."""
    if request.method == "POST":
        services.new_calendar_token(current_user)
        db.session.commit()
        flash(_("Die neue Adresse gilt; eine frühere funktioniert nicht mehr."), "success")
        return redirect(url_for("meetings.calendar"))
    token = services.calendar_token(current_user)
    return render_template(
        "meetings/calendar.html",
        feed_url=external_url(f"/meetings/calendar/{token}.ics") if token else None,
    )


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """Without login: the signed, revocable address names one person's registrations."""
    owner = services.calendar_owner(token)
    if owner is None:
        abort(404)
    body = services.icalendar(services.registered_meetings(owner), "KOK-Treffen")
    return download(body, "text/calendar", "kok-treffen.ics")
