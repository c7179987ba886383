"""The knowledge base's security-relevant steps reach the audit trail."""

from pathlib import Path

from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.resources.models import Attachment


def actions(app, target_type=None):
    with app.app_context():
        stmt = select(AuditEntry).order_by(AuditEntry.seq)
        if target_type:
            stmt = stmt.where(AuditEntry.target_type == target_type)
        return [(e.action, e.details) for e in db.session.scalars(stmt)]


def test_publish_archive_and_restore_are_recorded(app, client, login_as, create_resource):
    resource = create_resource(status="draft")
    login_as("editor")
    client.post(f"/resources/{resource.id}/publish", data={})
    client.post(f"/resources/{resource.id}/archive", data={})
    client.post(f"/resources/{resource.id}/unarchive", data={})
    assert [a for a, _ in actions(app, "resource")] == [
        "resource.published",
        "resource.archived",
        "resource.restored",
    ]
    assert actions(app, "resource")[0][1] == {"from": "draft"}


def test_downloads_of_protected_attachments_are_recorded_and_public_ones_not(
    app, client, login_as, create_resource, office
):
    login_as("editor")
    protected = create_resource(organisation=office, visibility="office", attachments=["geheim"])
    public = create_resource(attachments=["offen"])
    uploads = Path(app.instance_path) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        attachments = db.session.scalars(select(Attachment)).all()
        ids = {a.resource_id: a.id for a in attachments}
        for a in attachments:
            (uploads / a.stored_name).write_bytes(b"inhalt")
    for resource in (protected, public):
        with client.get(f"/resources/{resource.id}/attachments/{ids[resource.id]}") as response:
            assert response.status_code == 200
    downloads = actions(app, "attachment")
    assert downloads == [("attachment.downloaded", {"resource": protected.id})]
