"""Knowledge-base pages: lists, detail, print, create/edit, workflow, revisions, attachments."""

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_decimal, format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal import downloads
from portal.audit import record as audit_record
from portal.auth.access import is_editor
from portal.auth.views import _current_user_key
from portal.comments import services as comment_services
from portal.consultations import services as consultation_services
from portal.dossiers.services import dossiers_of
from portal.extensions import db, limiter
from portal.files import UploadRejected
from portal.legal.citations import parse_norm
from portal.notifications import services as notifications
from portal.orgs.models import Organisation
from portal.resources import (
    access,
    attachments,
    cite,
    courts,
    errors,
    fields,
    lists,
    revisions,
    services,
)
from portal.resources.access import redact_note, redact_record
from portal.resources.forms import (
    FORMS,
    AttachmentForm,
    FilterForm,
    LinkForm,
    TransitionForm,
    VersionForm,
)
from portal.resources.models import (
    RESOURCE_TYPES,
    VISIBILITY_LABELS,
    Attachment,
    Resource,
    ResourceLink,
    Revision,
)
from portal.resources.rendering import render_markdown
from portal.search.services import similar_resources
from portal.security import write_lock
from portal.timeutil import utcnow

logger = logging.getLogger(__name__)

bp = Blueprint("resources", __name__, url_prefix="/resources")

TYPE_SLUGS = {
    "case-law": "case_law",
    "training": "training_material",
    "position-papers": "position_paper",
}
LIST_ENDPOINTS = {
    None: "resources.index",
    "case_law": "resources.case_law",
    "training_material": "resources.training",
    "position_paper": "resources.position_papers",
}
PER_PAGE = 20


@bp.app_template_filter("markdown")
def markdown_filter(text):
    return render_markdown(text)


@bp.app_context_processor
def inject_resource_helpers():
    def review_count() -> int:
        return sum(lists.review_counts(current_user).values())

    return {"review_count": review_count}


def _flash_attachment(attachment: Attachment) -> None:
    if attachment.extraction_error and attachment.text:
        flash(
            _(
                "Die Datei „%(name)s“ wurde angehängt, ihr Text ist aber nur teilweise "
                "durchsuchbar: %(note)s",
                name=attachment.filename,
                note=attachment.extraction_error,
            ),
            "warning",
        )
    elif attachment.extraction_error:
        flash(
            _(
                "Die Datei wurde gespeichert, ihr Text ist aber nicht durchsuchbar: %(error)s",
                error=attachment.extraction_error,
            ),
            "warning",
        )
    else:
        flash(_("Die Datei „%(name)s“ wurde angehängt.", name=attachment.filename), "success")


def _resource_or_404(resource_id: int) -> Resource:
    resource = services.visible_resource(current_user, resource_id)
    if resource is None:
        abort(404)
    return resource


def _page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _version(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _organisation_choices() -> list[tuple[int, str]]:
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name))
    return [(o.id, o.name) for o in orgs]


# --- lists -------------------------------------------------------------------------------


def _list(resource_type: str | None):
    form = FilterForm(request.args)
    status = request.args.get("status", "published")
    form.court.choices = [("", _("alle Gerichte"))] + [
        (court_id, f"{name} ({format_decimal(count)})")
        for court_id, name, count in lists.court_counts(current_user, resource_type, status)
    ]
    form.organisation.choices = [("", _("alle Organisationen"))] + _organisation_choices()
    valid = form.validate()
    norm = parse_norm(form.norm.data) if valid and form.norm.data else None
    stmt = lists.resource_query(
        current_user,
        resource_type,
        court_id=form.court.data if valid else None,
        legal_area=(form.legal_area.data or "") if valid else "",
        year=form.year.data if valid else None,
        norm_key=norm.key if norm else "",
        topic=(form.topic.data or "") if valid else "",
        organisation_id=form.organisation.data if valid else None,
        status=(form.status.data or "published") if valid else "published",
        sort=(form.sort.data or "newest") if valid else "newest",
    )
    page = db.paginate(stmt, page=_page_number(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "resources/list.html",
        form=form,
        page=page,
        resource_type=resource_type,
        title=RESOURCE_TYPES[resource_type] if resource_type else _("Wissensdatenbank"),
        endpoint=LIST_ENDPOINTS[resource_type],
        topics=lists.known_topics(current_user),
    )


@bp.route("/")
def index():
    return _list(None)


@bp.route("/case-law")
def case_law():
    return _list("case_law")


@bp.route("/training")
def training():
    return _list("training_material")


@bp.route("/position-papers")
def position_papers():
    return _list("position_paper")


@bp.route("/mine")
def mine():
    page = db.paginate(
        lists.my_resources(current_user), page=_page_number(), per_page=50, error_out=False
    )
    organisation, held_back = lists.drafts_for_colleagues(
        current_user, db.session.scalars(lists.organisation_drafts(current_user).limit(50)).all()
    )
    return render_template(
        "resources/mine.html", page=page, organisation=organisation, held_back=held_back
    )


@bp.route("/review")
def review_queue():
    if not is_editor(current_user):
        abort(403)
    page = db.paginate(
        lists.review_queue(current_user), page=_page_number(), per_page=50, error_out=False
    )
    submitted = revisions.submissions(page.items)
    now = utcnow()
    return render_template(
        "resources/review_queue.html",
        page=page,
        submitted=submitted,
        waited={
            resource_id: format_timedelta(now - since, threshold=1)
            for resource_id, since in revisions.waiting_since(page.items, submitted).items()
        },
        counts=lists.review_counts(current_user),
        types=RESOURCE_TYPES,
    )


# --- detail and print --------------------------------------------------------------------


def _detail_context(resource: Resource) -> dict:
    history = access.can_see_history(current_user, resource)
    links = services.visible_links(resource, current_user)
    following = notifications.following(
        current_user,
        [("resource", str(resource.id))]
        + ([("court", resource.court.slug)] if resource.court is not None else []),
    )
    return {
        "resource": resource,
        "links": links,
        "norms": [n for n in resource.norms if n.confirmed],
        "norm_url": norm_url,
        "history": history,
        "revisions": resource.revisions if history else [],
        "notes": _notes(resource.revisions) if history else {},
        "actions": access.allowed_actions(current_user, resource),
        "may_edit": access.can_edit(current_user, resource),
        "action_labels": revisions.ACTION_LABELS,
        "facts": fields.facts_of(resource),
        "chain": services.instance_chain(resource, current_user, links),
        "show_technical": is_editor(current_user),
        "may_release": services.can_release(current_user, resource),
        "consultation": consultation_services.closed_for(resource)
        if resource.type == "position_paper"
        else None,
        "comments": comment_services.thread(resource),
        "may_edit_comment": lambda comment: comment_services.may_edit(comment, current_user),
        "following": {
            "resource": ("resource", str(resource.id)) in following,
            "court": resource.court is not None and ("court", resource.court.slug) in following,
        },
        "citation": cite.citation_line(resource),
        "dossier_choices": [(d.id, d.title) for d in dossiers_of(current_user)],
    }


def _notes(revisions) -> dict[int, str]:
    """Each revision's note as the reader may see it (links to hidden resources stay unnamed)."""
    return {rev.id: redact_note(current_user, rev.action, rev.comment) for rev in revisions}


def _diff(before: dict | None, after: dict | None) -> list:
    """What changed between two snapshots, as far as the reader may see (links included)."""
    return revisions.diff_records(
        redact_record(current_user, before), redact_record(current_user, after)
    )


def norm_url(slug: str) -> str:
    """The page of a norm (norms blueprint) listing what cites it."""
    return url_for("norms.detail", slug=slug)


@bp.route("/<int:resource_id>")
def detail(resource_id: int):
    resource = _resource_or_404(resource_id)
    return render_template(
        "resources/detail.html",
        similar=similar_resources(current_user, resource),
        **_detail_context(resource),
    )


@bp.route("/<int:resource_id>/print")
def print_view(resource_id: int):
    resource = _resource_or_404(resource_id)
    return render_template("resources/print.html", **_detail_context(resource))


@bp.route("/<int:resource_id>/citation.ris")
def citation_ris(resource_id: int):
    resource = _resource_or_404(resource_id)
    return downloads.download(*cite.citation_list([resource], "ris"), f"eintrag-{resource.id}.ris")


# --- create and edit ---------------------------------------------------------------------


def _prepare_form(form, resource_type: str, resource: Resource | None = None) -> None:
    if resource is not None:
        del form.attachments
    else:
        form.attachments.description = _(
            "Optional. PDF, Word (DOCX), OpenDocument (ODT) oder Text, höchstens %(mb)s MB je "
            "Datei.",
            mb=current_app.config["MAX_UPLOAD_MB"],
        )
    if resource_type == "case_law":
        form.court.choices = [("", _("– bitte wählen –"))] + courts.court_form_choices()
    if resource is not None and resource.visibility == access.PUBLIC:
        # Released by the office: kept on edit; set and withdrawn only by the release step.
        form.visibility.choices = [
            *form.visibility.choices,
            (access.PUBLIC, VISIBILITY_LABELS["public"]),
        ]
    if is_editor(current_user):
        form.organisation.choices = _organisation_choices()
        if form.organisation.data is None:
            form.organisation.data = (
                resource.organisation_id if resource else current_user.organisation_id
            )
    else:
        del form.organisation


def _chosen_organisation(form) -> Organisation | None:
    if "organisation" not in form._fields or not form.organisation.data:
        return None
    return db.session.get(Organisation, form.organisation.data)


@bp.route("/new")
def new():
    return render_template("resources/new.html", types=TYPE_SLUGS, labels=RESOURCE_TYPES)


@bp.route("/new/<type_slug>", methods=["GET", "POST"])
def create(type_slug: str):
    resource_type = TYPE_SLUGS.get(type_slug)
    if resource_type is None:
        abort(404)
    form = FORMS[resource_type]()
    _prepare_form(form, resource_type)
    if request.method == "GET":
        db.session.commit()  # keeps courts seeded on first use
    if form.is_submitted() and not form.suggest.data and form.validate():
        uploads = _read_uploads(form.attachments)
        if uploads is not None:
            stored = []
            try:
                resource = services.create_resource(
                    current_user,
                    resource_type,
                    form.record(),
                    organisation=_chosen_organisation(form),
                )
                for upload in uploads:
                    stored.append(attachments.add_attachment(resource, current_user, upload))
                db.session.commit()
            except errors.ResourceError as exc:
                db.session.rollback()
                for attachment in stored:
                    attachments.delete_file(attachment.stored_name)  # nothing refers to it
                flash(str(exc), "error")
            else:
                flash(_("Der Entwurf wurde gespeichert."), "success")
                for attachment in stored:
                    _flash_attachment(attachment)
                return redirect(url_for("resources.detail", resource_id=resource.id))
    form.offer_norms()
    return render_template(
        "resources/edit.html",
        form=form,
        resource=None,
        resource_type=resource_type,
        type_label=RESOURCE_TYPES[resource_type],
    )


def _read_uploads(field) -> list | None:
    """The files of a create form, checked and read; None (with the field's errors) if one
    is refused. Reading takes up to EXTRACTION_TIMEOUT each, so the read transaction ends
    first (portal.security.write_lock)."""
    files = [f for f in (field.data or []) if f and f.filename]
    if not files:
        return []
    limit = int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024
    blobs = []
    for file in files:
        data = file.read(limit + 1)
        if len(data) > limit:
            abort(413)
        blobs.append((data, file.filename or ""))
    write_lock.end_reads()
    uploads = []
    for data, filename in blobs:
        try:
            uploads.append(attachments.read_upload(data, filename))
        except (UploadRejected, errors.ResourceError) as exc:
            field.errors = [*field.errors, f"{filename}: {exc}"]
    return None if field.errors else uploads


def _render_edit(resource, form, attachment_form=None, link_form=None, status=200):
    form.offer_norms(resource)
    attachment_form = attachment_form or AttachmentForm(formdata=None)
    attachment_form.file.description = _(
        "PDF, Word (DOCX), OpenDocument (ODT) oder Text, höchstens %(mb)s MB.",
        mb=current_app.config["MAX_UPLOAD_MB"],
    )
    return (
        render_template(
            "resources/edit.html",
            form=form,
            resource=resource,
            resource_type=resource.type,
            type_label=resource.type_label,
            attachment_form=attachment_form,
            link_form=link_form or LinkForm(formdata=None),
            links=services.visible_links(resource, current_user),
            returned=revisions.last_return(resource),
        ),
        status,
    )


def _edit_form(resource: Resource):
    form_class = FORMS[resource.type]
    if request.method == "POST":
        form = form_class()
    else:
        form = form_class(formdata=None)
        form.fill_from(resource)
    _prepare_form(form, resource.type, resource)
    return form


def _conflict(form, resource: Resource, base_version: int):
    """Refuse a save based on an old version: keep the input, show what changed meanwhile.

    Only an earlier version of this resource is a base; any other number is refused. What
    changed is shown only to those who may see the history (old text may predate anonymising).
    """
    exists = 1 <= base_version <= resource.version
    # Saving again from this page deliberately builds on the current version.
    form.version.data = str(resource.version)
    if not exists:
        flash(
            _(
                "Die Fassung, auf der Ihre Änderungen beruhen (Version %(version)s), gibt es "
                "nicht. Ihre Eingaben stehen unten im Formular; wenn Sie erneut speichern, "
                "ersetzen sie den aktuellen Stand des Eintrags.",
                version=base_version,
            ),
            "error",
        )
        return _render_edit(resource, form, status=400)
    history = access.can_see_history(current_user, resource)
    changes, newer = [], []
    if history and base_version < resource.version:
        base = revisions.revision_at(resource, base_version)
        changes = _diff(base.data if base else {}, revisions.snapshot(resource))
        newer = [r for r in resource.revisions if r.version > base_version]
    form.offer_norms()
    return (
        render_template(
            "resources/conflict.html",
            form=form,
            resource=resource,
            resource_type=resource.type,
            type_label=resource.type_label,
            history=history,
            changes=changes,
            newer=newer,
            action_labels=revisions.ACTION_LABELS,
        ),
        409,
    )


@bp.route("/<int:resource_id>/edit", methods=["GET", "POST"])
def edit(resource_id: int):
    resource = _resource_or_404(resource_id)
    if not access.can_edit(current_user, resource):
        abort(403)
    form = _edit_form(resource)
    if request.method == "GET":
        db.session.commit()  # keeps courts seeded on first use
    if form.is_submitted() and not form.suggest.data and form.validate():
        base_version = _version(form.version.data)
        try:
            services.update_resource(
                resource,
                current_user,
                form.record(),
                base_version=base_version,
                comment=form.comment.data or "",
                organisation=_chosen_organisation(form),
            )
            db.session.commit()
        except errors.EditConflict:
            db.session.rollback()
            return _conflict(form, _resource_or_404(resource_id), base_version)
        except StaleDataError:
            # Somebody committed between our read and our write.
            db.session.rollback()
            return _conflict(form, _resource_or_404(resource_id), base_version)
        except errors.ResourceError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Die Änderungen wurden gespeichert."), "success")
            return redirect(url_for("resources.detail", resource_id=resource.id))
    return _render_edit(resource, form)


# --- workflow ----------------------------------------------------------------------------

ACTION_TITLES = {
    "submit": _l("Zur Prüfung einreichen"),
    "publish": _l("Veröffentlichen"),
    "return": _l("Zur Überarbeitung zurückgeben"),
    "archive": _l("Archivieren"),
    "unarchive": _l("Wieder veröffentlichen"),
}

ACTION_DONE = {
    "submit": _l("Zur Prüfung eingereicht."),
    "publish": _l("Veröffentlicht."),
    "return": _l("Zur Überarbeitung zurückgegeben."),
    "archive": _l("Archiviert."),
    "unarchive": _l("Wieder veröffentlicht."),
}


def _highlight(finding) -> tuple[str, str, str]:
    """The finding's context split around the match, for <mark>."""
    context, match = finding.context, " ".join(finding.match.split())
    index = context.find(match)
    if index < 0:
        return context, "", ""
    return context[:index], match, context[index + len(match) :]


@bp.route(
    "/<int:resource_id>/<any(submit, publish, return, archive, unarchive):action>",
    methods=["GET", "POST"],
)
def transition(resource_id: int, action: str):
    resource = _resource_or_404(resource_id)
    if action not in access.allowed_actions(current_user, resource):
        abort(403)
    form = TransitionForm()
    if request.method == "GET":
        form.version.data = str(resource.version)
    # The return form shows the findings too, so the editor can name them in the comment.
    findings = (
        services.anonymisation_findings(resource)
        if action in ("submit", "publish", "return")
        else []
    )
    if form.validate_on_submit():
        comment = form.comment.data or ""
        if action == "return" and not comment.strip():
            form.comment.errors.append(_("Bitte begründen Sie die Rückgabe in einem Kommentar."))
        elif findings and action in ("submit", "publish") and not form.confirm.data:
            form.confirm.errors.append(
                _("Bitte bestätigen Sie, dass Sie die Hinweise geprüft haben.")
            )
        else:
            try:
                services.transition(
                    resource,
                    current_user,
                    action,
                    comment=comment,
                    confirmed=bool(form.confirm.data),
                    # The page's version, so nobody publishes a state they have not seen.
                    base_version=_version(form.version.data) if form.version.data else None,
                )
                db.session.commit()
            except (errors.EditConflict, StaleDataError):
                db.session.rollback()
                flash(
                    _(
                        "Der Eintrag wurde inzwischen geändert. Bitte prüfen Sie den aktuellen "
                        "Stand und wiederholen Sie den Schritt."
                    ),
                    "error",
                )
                return redirect(
                    url_for("resources.transition", resource_id=resource_id, action=action)
                )
            except errors.ResourceError as exc:
                db.session.rollback()
                flash(str(exc), "error")
            else:
                flash(str(ACTION_DONE[action]), "success")
                return redirect(url_for("resources.detail", resource_id=resource.id))
    status = 400 if form.errors else 200
    return (
        render_template(
            "resources/transition.html",
            resource=resource,
            action=action,
            title=ACTION_TITLES[action],
            form=form,
            findings=[
                (f, services.field_label(f.field, resource), _highlight(f)) for f in findings
            ],
        ),
        status,
    )


@bp.post("/<int:resource_id>/<any(release, withdraw):step>")
def release(resource_id: int, step: str):
    """The office shows a published entry on the public pages, or takes it back."""
    resource = _resource_or_404(resource_id)
    try:
        services.set_public(resource, current_user, step == "release")
    except errors.ResourceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            _("Der Eintrag ist öffentlich.")
            if step == "release"
            else _("Der Eintrag ist nicht mehr öffentlich."),
            "success",
        )
    return redirect(url_for("resources.detail", resource_id=resource.id))


# --- revisions ---------------------------------------------------------------------------


def _revision_or_404(resource: Resource, revision_id: int) -> Revision:
    if not access.can_see_history(current_user, resource):
        abort(404)
    revision = db.session.get(Revision, revision_id)
    if revision is None or revision.resource_id != resource.id:
        abort(404)
    return revision


@bp.route("/<int:resource_id>/revisions/<int:revision_id>")
def revision(resource_id: int, revision_id: int):
    resource = _resource_or_404(resource_id)
    rev = _revision_or_404(resource, revision_id)
    compare = request.args.get("compare", "previous")
    if compare == "current":
        before, after = rev.data, revisions.snapshot(resource)
    else:
        compare = "previous"
        previous = revisions.previous_revision(rev)
        before, after = (previous.data if previous else {}), rev.data
    form = VersionForm(formdata=None)
    form.version.data = str(resource.version)
    return render_template(
        "resources/revision.html",
        resource=resource,
        revision=rev,
        compare=compare,
        changes=_diff(before, after),
        note=redact_note(current_user, rev.action, rev.comment),
        form=form,
        may_restore=access.can_edit(current_user, resource),
        action_labels=revisions.ACTION_LABELS,
        field_label=services.field_label,
    )


@bp.route("/<int:resource_id>/revisions/<int:revision_id>/restore", methods=["POST"])
def restore(resource_id: int, revision_id: int):
    resource = _resource_or_404(resource_id)
    rev = _revision_or_404(resource, revision_id)
    if not access.can_edit(current_user, resource):
        abort(403)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        revisions.restore_revision(resource, rev, current_user, _version(form.version.data))
        db.session.commit()
    except (errors.EditConflict, StaleDataError):
        db.session.rollback()
        flash(_("Der Eintrag wurde inzwischen geändert. Bitte prüfen Sie den Stand."), "error")
        return redirect(url_for("resources.revision", resource_id=resource_id, revision_id=rev.id))
    except errors.ResourceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Version %(version)s wurde wiederhergestellt.", version=rev.version), "success")
    return redirect(url_for("resources.detail", resource_id=resource_id))


# --- attachments -------------------------------------------------------------------------


@bp.route("/<int:resource_id>/attachments", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_UPLOAD"], key_func=_current_user_key)
def upload(resource_id: int):
    resource = _resource_or_404(resource_id)
    if not access.can_edit(current_user, resource):
        abort(403)
    attachment_form = AttachmentForm()
    if attachment_form.validate_on_submit():
        limit = int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024
        data = attachment_form.file.data.read(limit + 1)
        if len(data) > limit:
            abort(413)
        # Reading the text takes up to EXTRACTION_TIMEOUT: end the read transaction first,
        # then check again what may have changed meanwhile (portal.security.write_lock).
        write_lock.end_reads()
        try:
            upload = attachments.read_upload(data, attachment_form.file.data.filename or "")
        except (UploadRejected, errors.ResourceError) as exc:
            attachment_form.file.errors = [str(exc)]
            upload = None
        resource = _resource_or_404(resource_id)
        if upload is not None:
            attachment, committed = None, False
            try:
                attachment = attachments.add_attachment(resource, current_user, upload)
                db.session.commit()
                committed = True
            except errors.ResourceError as exc:
                db.session.rollback()
                attachment_form.file.errors = [str(exc)]
            finally:
                if attachment is not None and not committed:
                    attachments.delete_file(attachment.stored_name)  # nothing refers to it
            if not attachment_form.file.errors:
                _flash_attachment(attachment)
                return redirect(url_for("resources.edit", resource_id=resource.id) + "#attachments")
    form = _edit_form_for_get(resource)
    return _render_edit(resource, form, attachment_form=attachment_form, status=400)


def _edit_form_for_get(resource: Resource):
    form = FORMS[resource.type](formdata=None)
    form.fill_from(resource)
    _prepare_form(form, resource.type, resource)
    return form


@bp.route("/<int:resource_id>/attachments/<int:attachment_id>")
def download(resource_id: int, attachment_id: int):
    resource = _resource_or_404(resource_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.resource_id != resource.id:
        abort(404)
    path = attachments.attachment_path(attachment)
    if not path.is_file():
        logger.error("Attachment %s is missing its file %s", attachment.id, path)
        abort(404)
    if access.audited_download(resource):
        audit_record("attachment.downloaded", target=attachment, details={"resource": resource.id})
        db.session.commit()
    response = send_file(
        path,
        mimetype=attachment.mimetype,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["Content-Disposition"] = downloads.content_disposition(attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:resource_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
def remove_attachment(resource_id: int, attachment_id: int):
    resource = _resource_or_404(resource_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.resource_id != resource.id:
        abort(404)
    if not access.can_edit(current_user, resource) or not VersionForm().validate_on_submit():
        abort(403)
    stored_name, name = attachment.stored_name, attachment.filename
    try:
        attachments.remove_attachment(attachment, current_user)
        db.session.commit()
    except errors.ResourceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        attachments.delete_file(stored_name)
        flash(_("Der Anhang „%(name)s“ wurde entfernt.", name=name), "success")
    return redirect(url_for("resources.edit", resource_id=resource.id) + "#attachments")


# --- links -------------------------------------------------------------------------------


@bp.route("/<int:resource_id>/links", methods=["POST"])
def add_link(resource_id: int):
    resource = _resource_or_404(resource_id)
    if not access.can_edit(current_user, resource):
        abort(403)
    link_form = LinkForm()
    if link_form.validate_on_submit():
        other = services.find_resource_reference(current_user, link_form.reference.data)
        if other is None:
            link_form.reference.errors.append(
                _("Einen Eintrag mit dieser Nummer gibt es nicht oder Sie dürfen ihn nicht sehen.")
            )
        else:
            try:
                services.link_resources(resource, other, link_form.kind.data, current_user)
                db.session.commit()
            except errors.ResourceError as exc:
                db.session.rollback()
                link_form.reference.errors.append(str(exc))
            else:
                flash(_("Die Verknüpfung wurde gespeichert."), "success")
                return redirect(url_for("resources.edit", resource_id=resource.id) + "#links")
    form = _edit_form_for_get(resource)
    return _render_edit(resource, form, link_form=link_form, status=400)


@bp.route("/<int:resource_id>/links/<int:link_id>/delete", methods=["POST"])
def remove_link(resource_id: int, link_id: int):
    resource = _resource_or_404(resource_id)
    link = db.session.get(ResourceLink, link_id)
    if link is None or resource.id not in (link.source_id, link.target_id):
        abort(404)
    if not access.can_edit(current_user, resource) or not VersionForm().validate_on_submit():
        abort(403)
    try:
        services.remove_link(link, current_user)
        db.session.commit()
    except errors.ResourceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Die Verknüpfung wurde entfernt."), "success")
    return redirect(url_for("resources.edit", resource_id=resource.id) + "#links")
