"""Attachments: type from the content, size limit, storage, text extraction, safe download."""

import hashlib
import io
import re
from pathlib import Path

import pytest
from sqlalchemy.orm import undefer
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.extensions import db
from portal.files import ExtractedText
from portal.resources import attachments
from portal.resources.models import Attachment, Resource
from tests.helpers import build_pdf as pdf_with
from tests.helpers import counting_statements


def upload(client, resource_id, data: bytes, filename: str):
    return client.post(
        f"/resources/{resource_id}/attachments",
        data={"file": (io.BytesIO(data), filename), "upload": "1"},
        content_type="multipart/form-data",
    )


def attachments_of(app, resource_id) -> list[Attachment]:
    with app.app_context():
        query = db.select(Attachment).filter_by(resource_id=resource_id)
        rows = db.session.scalars(query.options(undefer(Attachment.text))).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_a_pdf_is_stored_under_a_random_name_with_hash_and_text(
    app, client, login_as, create_resource
):
    resource = create_resource(status="draft", type="training_material")
    login_as("member")
    data = pdf_with("Schulung zu Arbeitsausbeutung")
    response = upload(client, resource.id, data, "Folien Köln.pdf")
    assert response.status_code == 302
    [attachment] = attachments_of(app, resource.id)
    assert attachment.kind == "pdf" and attachment.mimetype == "application/pdf"
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert "Arbeitsausbeutung" in attachment.text
    assert attachment.extraction_error == ""
    assert "Köln" not in attachment.stored_name and len(attachment.stored_name) >= 32
    stored = Path(app.instance_path) / "uploads" / attachment.stored_name
    assert stored.read_bytes() == data
    with app.app_context():
        actions = [r.action for r in db.session.get(Resource, resource.id).revisions]
        assert actions[0] == "attachment_add"


def test_download_headers(app, client, login_as, create_resource):
    resource = create_resource(status="published")
    login_as("editor")
    upload(client, resource.id, "Grüße aus Köln\n".encode(), "Grüße.txt")
    [attachment] = attachments_of(app, resource.id)
    response = client.get(f"/resources/{resource.id}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.data == "Grüße aus Köln\n".encode()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "text/plain"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Gr%C3%BC%C3%9Fe.txt" in disposition
    response.close()


def test_an_html_file_named_pdf_is_refused_in_german(app, client, login_as, create_resource):
    resource = create_resource(status="draft")
    login_as("member")
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    response = upload(client, resource.id, html, "urteil.pdf")
    assert response.status_code == 400
    assert "Die Datei sieht aus wie eine Web-Seite" in response.text
    assert 'class="error" id="file-error"' in response.text
    assert attachments_of(app, resource.id) == []
    assert not any((Path(app.instance_path) / "uploads").glob("*"))


@pytest.fixture
def app_config(app_config):
    app_config["MAX_UPLOAD_MB"] = 1
    return app_config


@pytest.mark.parametrize("size", [1024 * 1024 + 1, 2 * 1024 * 1024])
def test_oversize_uploads_answer_413(app, client, login_as, create_resource, size):
    resource = create_resource(status="draft")
    login_as("member")
    # The body is encoded up front: the test client would spool a large form to a temporary
    # file and never close it.
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(b"a" * size), "gross.txt"), "upload": "1"}
    )
    response = client.post(
        f"/resources/{resource.id}/attachments",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert attachments_of(app, resource.id) == []


def test_an_unreadable_file_is_kept_and_flagged(
    app, client, login_as, create_resource, monkeypatch
):
    resource = create_resource(status="draft")
    login_as("member")
    monkeypatch.setattr(
        attachments,
        "extract_text",
        lambda data, kind, **budget: ExtractedText("", "Datei beschädigt?"),
    )
    response = upload(client, resource.id, pdf_with("egal"), "kaputt.pdf")
    assert response.status_code == 302
    [attachment] = attachments_of(app, resource.id)
    assert attachment.extraction_error == "Datei beschädigt?"
    page = client.get(response.headers["Location"]).text
    assert "Datei beschädigt?" in page


@pytest.mark.parametrize("who", ["outsider"])
def test_outsiders_get_404_for_downloads_and_cannot_upload(
    app, client, switch_user, create_resource, attach, who
):
    resource = create_resource(status="draft")
    attachment_id = attach(resource.id)
    switch_user(who)
    assert client.get(f"/resources/{resource.id}/attachments/{attachment_id}").status_code == 404
    assert upload(client, resource.id, b"hallo", "x.txt").status_code == 404
    assert (
        client.post(f"/resources/{resource.id}/attachments/{attachment_id}/delete").status_code
        == 404
    )


def test_an_attachment_id_from_another_resource_is_404(client, login_as, create_resource, attach):
    visible = create_resource(status="published")
    hidden = create_resource(status="draft", organisation=None)
    attachment_id = attach(hidden.id)
    login_as("member")
    assert client.get(f"/resources/{visible.id}/attachments/{attachment_id}").status_code == 404


def test_removing_an_attachment_deletes_the_file(app, client, login_as, create_resource):
    resource = create_resource(status="draft")
    login_as("member")
    upload(client, resource.id, b"Notiz\n", "notiz.txt")
    [attachment] = attachments_of(app, resource.id)
    path = Path(app.instance_path) / "uploads" / attachment.stored_name
    assert path.exists()
    response = client.post(f"/resources/{resource.id}/attachments/{attachment.id}/delete")
    assert response.status_code == 302
    assert attachments_of(app, resource.id) == []
    assert not path.exists()


def test_a_resource_page_lists_attachments_without_reading_their_text(
    app, client, login_as, create_resource
):
    resource = create_resource(status="published", title="Schulung")
    login_as("editor")
    upload(client, resource.id, "Grüße aus Köln, Arbeitsausbeutung\n".encode(), "Notiz.txt")
    client.get(f"/resources/{resource.id}")  # the first request after a change: the index

    with counting_statements(app) as statements:
        page = client.get(f"/resources/{resource.id}")

    assert page.status_code == 200 and "Notiz.txt" in page.text
    reads = [s for s in statements if re.search(r"\bFROM attachment\b", s)]
    assert reads and not [s for s in reads if "attachment.text" in s]
    search = client.get("/search/", query_string={"q": "Arbeitsausbeutung"}).text
    assert "Schulung" in search and "<mark>Arbeitsausbeutung</mark>" in search
