"""Attachments: checked, stored under a random name, text extracted for the search."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.files import ExtractedText, InspectedFile, extract_text, inspect_upload
from portal.resources.access import can_edit
from portal.resources.errors import ResourceError
from portal.resources.models import Attachment, Resource
from portal.resources.revisions import touch

logger = logging.getLogger(__name__)


def upload_folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def attachment_path(attachment: Attachment) -> Path:
    return upload_folder() / attachment.stored_name


@dataclass(frozen=True)
class Upload:
    """An upload checked and read, before anything is written."""

    data: bytes
    inspected: InspectedFile
    extracted: ExtractedText


def read_upload(data: bytes, filename: str) -> Upload:
    """Check an upload and extract its text (slow: call it outside a write transaction).

    Raises UploadRejected or ResourceError.
    """
    limit = int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024
    if len(data) > limit:
        raise ResourceError(
            _l("Die Datei ist größer als %(mb)s MB.", mb=current_app.config["MAX_UPLOAD_MB"])
        )
    inspected = inspect_upload(data, filename)
    extracted = extract_text(
        data,
        inspected.kind,
        time_budget=float(current_app.config["EXTRACTION_TIMEOUT"]),
        max_pages=int(current_app.config["EXTRACTION_MAX_PAGES"]),
    )
    return Upload(data, inspected, extracted)


def add_attachment(resource: Resource, user, upload: Upload) -> Attachment:
    """Store a read upload and attach it (the file is written before the row is added)."""
    if not can_edit(user, resource):
        raise ResourceError(_l("Sie dürfen diesen Eintrag nicht bearbeiten."))
    inspected, extracted = upload.inspected, upload.extracted
    stored_name = f"{secrets.token_hex(16)}.{inspected.extension}"
    path = upload_folder() / stored_name
    path.write_bytes(upload.data)
    attachment = Attachment(
        resource=resource,
        filename=inspected.safe_filename[:200],
        stored_name=stored_name,
        kind=inspected.kind,
        mimetype=inspected.mimetype,
        size=inspected.size,
        sha256=hashlib.sha256(upload.data).hexdigest(),
        text=extracted.text or "",
        extraction_error=str(extracted.error or extracted.incomplete or "")[:500],
        uploaded_by_id=user.id,
    )
    db.session.add(attachment)
    touch(resource, user, "attachment_add", attachment.filename)
    return attachment


def remove_attachment(attachment: Attachment, user) -> None:
    """Remove an attachment (the file is deleted after the view commits: see delete_file)."""
    resource = attachment.resource
    if not can_edit(user, resource):
        raise ResourceError(_l("Sie dürfen diesen Eintrag nicht bearbeiten."))
    name = attachment.filename
    resource.attachments.remove(attachment)
    touch(resource, user, "attachment_remove", name)


def delete_file(stored_name: str) -> None:
    try:
        (upload_folder() / stored_name).unlink(missing_ok=True)
    except OSError:
        logger.warning("Could not delete upload %s", stored_name, exc_info=True)
