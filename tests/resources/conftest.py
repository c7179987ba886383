"""Helpers for the knowledge-base tests (shared fixtures live in tests/conftest.py)."""

import pytest

from portal.extensions import db
from portal.resources.models import Resource


@pytest.fixture
def other_org(create_org):
    return create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")


@pytest.fixture
def switch_user(client, auth, create_user, office, member_org, other_org):
    """Log out and log in as a fresh user: "owner" (member of member_org), "outsider"
    (member of other_org), "editor" or "admin" (office)."""

    def switch(who: str):
        auth.logout()
        role, organisation = {
            "owner": ("member", member_org),
            "outsider": ("member", other_org),
            "office_member": ("member", office),
            "editor": ("editor", office),
            "admin": ("admin", office),
        }[who]
        user = create_user(role=role, organisation=organisation)
        response = auth.login(user.email)
        assert response.status_code == 302
        return user

    return switch


@pytest.fixture
def load(app):
    """Fresh copy of a resource from the database."""

    def get(resource_id: int) -> Resource:
        with app.app_context():
            resource = db.session.get(Resource, resource_id)
            db.session.expunge(resource)
            return resource

    return get


@pytest.fixture
def attach(app):
    """Store a file for a resource as an attachment (bypassing the upload form)."""
    import hashlib
    import secrets

    from portal.resources.attachments import upload_folder
    from portal.resources.models import Attachment

    def make(resource_id: int, data: bytes = b"Hallo Welt\n", filename: str = "notiz.txt"):
        with app.app_context():
            stored = f"{secrets.token_hex(16)}.txt"
            (upload_folder() / stored).write_bytes(data)
            attachment = Attachment(
                resource_id=resource_id,
                filename=filename,
                stored_name=stored,
                kind="txt",
                mimetype="text/plain",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                text=data.decode("utf-8", "replace"),
            )
            db.session.add(attachment)
            db.session.commit()
            return attachment.id

    return make
