"""Admin area: users, invitations and organisations, behind one guard."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from portal.admin import services
from portal.admin.forms import CourtForm, InviteForm, OrganisationForm, UserEditForm, UserFilterForm
from portal.audit import record
from portal.audit import services as audit_services
from portal.audit import words as audit_words
from portal.audit.forms import AuditFilterForm
from portal.auth import privacy, two_factor
from portal.auth import services as auth_services
from portal.auth.access import has_role, invitable_roles
from portal.auth.forms import ActionForm
from portal.auth.models import ROLES, Invitation, User
from portal.auth.sessions import end_sessions
from portal.extensions import db
from portal.orgs.models import Organisation
from portal.orgs.services import OrganisationError, save_organisation
from portal.resources.models import Court
from portal.search import outbox

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Editors may invite members; everything else in this blueprint is for admins only.
EDITOR_ENDPOINTS = {
    "admin.invitation_list",
    "admin.invite",
    "admin.invitation_resend",
    "admin.invitation_revoke",
    "admin.court_list",
    "admin.court_edit",
}


@bp.before_request
def guard():
    needed = "editor" if request.endpoint in EDITOR_ENDPOINTS else "admin"
    if not has_role(current_user, needed):
        abort(403)


@bp.context_processor
def inject_index_backlog():
    """Every admin page says when the search index lags behind (see portal.search.outbox)."""
    return {"index_backlog": outbox.backlog()}


def _organisation_choices() -> list[tuple[int, str]]:
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name))
    return [(o.id, o.name) for o in orgs]


def _page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


# --- users -------------------------------------------------------------------------------


@bp.route("/users")
def user_list():
    form = UserFilterForm(request.args)
    form.organisation.choices = [("", _("alle Organisationen"))] + [
        (o.slug, o.name)
        for o in db.session.scalars(select(Organisation).order_by(Organisation.name))
    ]
    form.validate()
    stmt = services.user_query(
        q=form.q.data or "",
        organisation=form.organisation.data or "",
        role=form.role.data or "",
        status=form.status.data or "",
    )
    page = db.paginate(stmt, page=_page_number(), per_page=50, error_out=False)
    return render_template(
        "admin/user_list.html",
        form=form,
        page=page,
        two_factor_roles=current_app.config["TWO_FACTOR_REQUIRED_ROLES"],
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    form.organisation.choices = _organisation_choices()
    if request.method == "GET":
        form.organisation.data = user.organisation_id
    if form.validate_on_submit():
        organisation = db.get_or_404(Organisation, form.organisation.data)
        try:
            changed = services.update_user(user, organisation, form.role.data, current_user)
        except services.AdminError as exc:
            form.role.errors.append(str(exc))
        else:
            db.session.commit()
            if changed:
                flash(
                    _("Änderungen gespeichert. Die Sitzungen der Person wurden beendet."), "success"
                )
            return redirect(url_for("admin.user_list"))
    return render_template("admin/user_edit.html", form=form, user=user)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def user_set_active(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    activate = request.form.get("active") == "1"
    try:
        services.set_active(user, activate, current_user)
    except services.AdminError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            _("Das Konto ist wieder aktiv.")
            if activate
            else _("Das Konto wurde deaktiviert; alle Sitzungen sind beendet."),
            "success",
        )
    return redirect(url_for("admin.user_edit", user_id=user.id))


# --- invitations -------------------------------------------------------------------------


@bp.route("/invitations")
def invitation_list():
    page = db.paginate(
        services.invitation_query(), page=_page_number(), per_page=50, error_out=False
    )
    return render_template("admin/invitation_list.html", page=page, roles=ROLES)


@bp.route("/invitations/new", methods=["GET", "POST"])
def invite():
    form = InviteForm()
    form.organisation.choices = _organisation_choices()
    form.role.choices = [(r, ROLES[r]) for r in invitable_roles(current_user)]
    if form.validate_on_submit():
        organisation = db.get_or_404(Organisation, form.organisation.data)
        try:
            auth_services.invite(form.email.data, organisation, form.role.data, current_user)
        except auth_services.RoleNotAllowed as exc:
            form.role.errors.append(str(exc))
        except auth_services.AuthError as exc:
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Die Einladung an %(email)s wurde gesendet.", email=form.email.data), "success")
            return redirect(url_for("admin.invitation_list"))
    return render_template("admin/invite.html", form=form)


def _invitation_for_action(invitation_id: int) -> Invitation:
    invitation = db.get_or_404(Invitation, invitation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if invitation.role not in invitable_roles(current_user):
        abort(403)
    return invitation


@bp.route("/invitations/<int:invitation_id>/resend", methods=["POST"])
def invitation_resend(invitation_id: int):
    invitation = _invitation_for_action(invitation_id)
    try:
        auth_services.resend_invitation(invitation)
    except auth_services.AuthError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Die Einladung wurde erneut gesendet."), "success")
    return redirect(url_for("admin.invitation_list"))


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
def invitation_revoke(invitation_id: int):
    invitation = _invitation_for_action(invitation_id)
    try:
        auth_services.revoke_invitation(invitation)
    except auth_services.AuthError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Die Einladung wurde zurückgezogen."), "success")
    return redirect(url_for("admin.invitation_list"))


# --- organisations -----------------------------------------------------------------------


@bp.route("/organisations")
def organisation_list():
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return render_template("admin/organisation_list.html", organisations=organisations)


@bp.route("/organisations/new", methods=["GET", "POST"])
@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def organisation_edit(organisation_id: int | None = None):
    organisation = db.get_or_404(Organisation, organisation_id) if organisation_id else None
    form = OrganisationForm(obj=organisation if request.method == "GET" else None)
    if request.method == "GET" and organisation is not None:
        form.focus_areas.data = ", ".join(organisation.focus_areas or [])
        form.federal_state.data = organisation.federal_state or ""
    if form.validate_on_submit():
        fields = {
            name: field.data
            for name, field in form._fields.items()
            if name not in ("submit", "csrf_token")
        }
        try:
            saved = save_organisation(organisation, **fields)
        except OrganisationError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            record("organisation.updated" if organisation else "organisation.created", target=saved)
            db.session.commit()
            flash(_("Die Organisation wurde gespeichert."), "success")
            return redirect(url_for("admin.organisation_list"))
    return render_template("admin/organisation_edit.html", form=form, organisation=organisation)


# --- account security: second factor, sessions ------------------------------------------


def _user_for_action(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return user


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
def user_reset_two_factor(user_id: int):
    user = _user_for_action(user_id)
    two_factor.admin_reset(user, current_user)
    db.session.commit()
    flash(
        _(
            "Der zweite Faktor wurde zurückgesetzt; die Person richtet ihn bei der nächsten "
            "Anmeldung neu ein."
        ),
        "success",
    )
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
def user_end_sessions(user_id: int):
    """Sign the person out everywhere (e.g. a lost laptop)."""
    user = _user_for_action(user_id)
    count = end_sessions(user.id)
    record("user.sessions_ended", target=user, details={"count": count})
    db.session.commit()
    flash(ngettext("%(num)d Sitzung beendet.", "%(num)d Sitzungen beendet.", count), "success")
    if user.id == current_user.id:
        return redirect(url_for("auth.login"))
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/delete", methods=["POST"])
def user_delete(user_id: int):
    """Delete an account for good; its resources stay with the organisation."""
    user = _user_for_action(user_id)
    if User.normalise_email(request.form.get("confirm", "")) != user.email:
        flash(_("Bitte geben Sie zur Bestätigung die E-Mail-Adresse der Person ein."), "error")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    try:
        privacy.delete_user(user, current_user)
    except auth_services.AuthError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    db.session.commit()
    flash(_("Das Konto wurde gelöscht."), "success")
    return redirect(url_for("admin.user_list"))


# --- audit trail (read-only: nothing here changes or deletes an entry) ---------------------


@bp.route("/audit")
def audit_list():
    form = AuditFilterForm(request.args)
    form.validate()
    stmt = audit_services.entry_query(**form.filters())
    page = db.paginate(stmt, page=_page_number(), per_page=100, error_out=False)
    export_args = {k: v for k, v in request.args.items() if k in form._fields and v}
    return render_template(
        "admin/audit_list.html",
        form=form,
        page=page,
        words=audit_words.describe(page.items),
        actions=audit_services.ACTIONS,
        export_args=export_args,
    )


@bp.route("/audit/export", methods=["POST"])
def audit_export():
    if not ActionForm().validate_on_submit():
        abort(400)
    form = AuditFilterForm(request.args)
    form.validate()
    filters = form.filters()
    body = audit_services.export_csv(audit_services.entry_query(**filters))
    record("audit.exported", details={k: str(v) for k, v in filters.items()})
    db.session.commit()
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit.csv"},
    )


# --- courts an import added ---------------------------------------------------------------


@bp.route("/courts")
def court_list():
    courts = db.session.scalars(services.courts_to_curate()).all()
    return render_template("admin/court_list.html", courts=courts)


@bp.route("/courts/<int:court_id>", methods=["GET", "POST"])
def court_edit(court_id: int):
    court = db.get_or_404(Court, court_id)
    form = CourtForm(obj=court if request.method == "GET" else None)
    if request.method == "GET":
        form.aliases.data = ", ".join(court.aliases or [])
        form.federal_state.data = court.federal_state or ""
    if form.validate_on_submit():
        services.curate_court(
            court,
            form.name.data,
            form.short_name.data or "",
            form.level.data or "",
            form.federal_state.data or "",
            form.aliases.data or "",
        )
        record("court.curated", target=court, details={"name": court.name})
        db.session.commit()
        flash(_("Das Gericht wurde geprüft und gespeichert."), "success")
        return redirect(url_for("admin.court_list"))
    return render_template("admin/court_edit.html", form=form, court=court)
