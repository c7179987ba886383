import io
import os
import random
import zipfile

import pytest
from pypdf import PdfWriter

from portal.files import UploadRejected, inspect_upload, inspection

NOISE = random.Random(0).randbytes(300)
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def rejection(data: bytes, filename: str) -> str:
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(data, filename)
    return str(caught.value)


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- Accepted files ------------------------------------------------------------------------


def test_a_pdf_is_recognised_by_its_content(make_pdf):
    inspected = inspect_upload(make_pdf(), "Jahresbericht 2024.pdf")
    assert (inspected.kind, inspected.mimetype, inspected.extension) == (
        "pdf",
        "application/pdf",
        "pdf",
    )
    assert inspected.safe_filename == "Jahresbericht 2024.pdf"
    assert inspected.size == len(make_pdf())


def test_a_blank_pdf_written_by_pypdf_is_accepted():
    assert inspect_upload(blank_pdf(), "leer.pdf").kind == "pdf"


def test_a_pdf_opening_at_a_page_without_javascript_is_accepted(make_pdf):
    pdf = make_pdf(catalog=b"/OpenAction [3 0 R /Fit]")
    assert inspect_upload(pdf, "a.pdf").kind == "pdf"


def test_a_docx_is_recognised_by_its_members(make_docx):
    inspected = inspect_upload(make_docx(), "Leitfaden.docx")
    assert (inspected.kind, inspected.mimetype) == ("docx", DOCX_MIMETYPE)


def test_a_docx_with_an_external_hyperlink_is_accepted(make_docx, rezip):
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId99" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"'
        b' Target="https://www.kok-gegen-menschenhandel.de" TargetMode="External"/>'
        b"</Relationships>"
    )
    data = rezip(make_docx(), {"word/_rels/footnotes.xml.rels": rels})
    assert inspect_upload(data, "a.docx").kind == "docx"


def test_an_odt_is_recognised_by_its_mimetype_member(make_odt):
    inspected = inspect_upload(make_odt(), "Protokoll.odt")
    assert (inspected.kind, inspected.mimetype) == (
        "odt",
        "application/vnd.oasis.opendocument.text",
    )


@pytest.mark.parametrize(
    "data",
    [
        "Grüße aus Köln – Straße, Maß, Übung.\n".encode(),
        "\ufeffMit BOM: Äpfel und Öl\r\n".encode(),
        "Windows-1252: Grüße aus Köln".encode("cp1252"),
        b"BMW und ID3 sind keine Bilder, nur Text.",
        b"Ein Kommentar zu a < b und c > d.",
    ],
)
def test_plain_text_in_utf8_or_windows_1252_is_accepted(data):
    inspected = inspect_upload(data, "notiz.txt")
    assert (inspected.kind, inspected.mimetype) == ("txt", "text/plain")


@pytest.mark.parametrize(
    ("builder", "filename", "expected"),
    [
        ("pdf", "bild.png", "bild.pdf"),
        ("pdf", "ohne Endung", "ohne Endung.pdf"),
        ("docx", "bericht.pdf", "bericht.docx"),
        ("odt", "protokoll.docx", "protokoll.odt"),
        ("txt", "notizen.docx", "notizen.txt"),
    ],
)
def test_the_content_decides_the_kind_and_the_name_gets_its_extension(
    make_pdf, make_docx, make_odt, builder, filename, expected
):
    data = {
        "pdf": make_pdf,
        "docx": make_docx,
        "odt": make_odt,
        "txt": lambda: b"Nur Text",
    }[builder]()
    inspected = inspect_upload(data, filename)
    assert inspected.kind == builder
    assert inspected.safe_filename == expected


# --- Refused files -------------------------------------------------------------------------


def test_an_empty_file_is_refused():
    assert rejection(b"", "leer.pdf") == "Die Datei ist leer."


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        b"<html><body>Rechnung</body></html>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"\xef\xbb\xbf  \n\t<SVG onload=alert(1)>",
        b"<script>alert(1)</script>",
        b"\n\n<!doctype html>",
        b"Harmlos am Anfang\n<iframe src=x></iframe><script>alert(1)</script>",
        b"#!/bin/sh\nrm -rf /\n",
    ],
)
def test_html_svg_xml_and_scripts_are_refused_even_when_named_pdf(data):
    assert "Web-Seite" in rejection(data, "rechnung.pdf")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"MZ\x90\x00\x03\x00\x00\x00",
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
        NOISE,
        b"Text mit Steuerzeichen \x1b[31m",
    ],
)
def test_binary_files_are_refused_as_unsupported(data):
    assert "nicht unterstützt" in rejection(data, "datei.txt")


@pytest.mark.parametrize(
    "extra",
    [
        [b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"],
        [b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"],
        [b"<< /S /Launch /F (cmd.exe) >>"],
    ],
)
def test_a_pdf_with_javascript_or_launch_actions_is_refused(make_pdf, extra):
    pdf = make_pdf(catalog=b"/OpenAction 6 0 R", extra=extra)
    assert "aktive Inhalte" in rejection(pdf, "a.pdf")


def test_javascript_hidden_from_the_byte_scan_is_found_in_the_structure(make_pdf):
    # The strings make a byte scanner believe the action sits inside a stream.
    hidden = b"<< /T (stream\n) /S /JavaScript /JS (app.alert\\(1\\)) /U (endstream) >>"
    pdf = make_pdf(catalog=b"/OpenAction 6 0 R", extra=[hidden])
    assert b"/JavaScript" not in b"".join(inspection._outside_pdf_streams(pdf))
    assert "aktive Inhalte" in rejection(pdf, "a.pdf")


def test_a_password_protected_pdf_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("geheim", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    assert "Passwort" in rejection(out.getvalue(), "a.pdf")


@pytest.mark.parametrize("data", [b"%PDF-1.7\nnothing else", b"%PDF-" + NOISE])
def test_a_corrupt_pdf_is_refused(data):
    assert "beschädigt" in rejection(data, "a.pdf")


@pytest.mark.parametrize("with_vba_project", [False, True])
def test_a_macro_enabled_document_renamed_docx_is_refused(make_docx, rezip, with_vba_project):
    docx = make_docx()
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        content_types = archive.read("[Content_Types].xml")
    docm_types = content_types.replace(
        b"wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    ).replace(b"application/vnd.openxmlformats-officedocument.application/", b"application/")
    changes = {"[Content_Types].xml": docm_types}
    if with_vba_project:
        changes["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0"
    data = rezip(docx, changes)
    assert "Makros" in rejection(data, "Rechnung.docx")


def test_a_docx_carrying_a_vba_project_is_refused(make_docx, rezip):
    data = rezip(make_docx(), {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    assert "Makros" in rejection(data, "a.docx")


def test_an_odt_with_basic_macros_is_refused(make_odt, rezip):
    data = rezip(make_odt(), {"Basic/Standard/Module1.xml": b"<module/>"})
    assert "Makros" in rejection(data, "a.odt")


def test_a_docx_loading_a_remote_template_is_refused(make_docx, rezip):
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'attachedTemplate" Target="http://evil.example/t.dotm" TargetMode="External"/>'
        b"</Relationships>"
    )
    data = rezip(make_docx(), {"word/_rels/settings.xml.rels": rels})
    assert "Internet" in rejection(data, "a.docx")


def test_a_docx_with_an_xml_entity_declaration_is_refused(make_docx, rezip):
    with zipfile.ZipFile(io.BytesIO(make_docx())) as archive:
        document = archive.read("word/document.xml")
    declaration = b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    document = document.replace(b"?>", b"?>" + declaration, 1)
    data = rezip(make_docx(), {"word/document.xml": document})
    assert "XML-Deklarationen" in rejection(data, "a.docx")


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(make_docx, rezip):
    data = rezip(make_docx(), {"word/media/image1.bin": bytes(50 * 1024 * 1024)})
    assert len(data) < 1024 * 1024
    assert "unverhältnismäßig groß" in rejection(data, "a.docx")


def test_a_zip_declaring_too_much_data_in_total_is_refused(make_docx, rezip, monkeypatch):
    monkeypatch.setattr(inspection, "MAX_ZIP_UNCOMPRESSED", 1024 * 1024)
    data = rezip(make_docx(), {"word/media/image1.bin": os.urandom(2 * 1024 * 1024)})
    assert "unverhältnismäßig groß" in rejection(data, "a.docx")


def test_a_zip_with_more_than_1000_members_is_refused(make_docx, rezip):
    members = {f"word/media/{number}.txt": b"x" for number in range(1000)}
    assert "zu viele" in rejection(rezip(make_docx(), members), "a.docx")


@pytest.mark.parametrize(
    "member",
    ["../../evil.sh", "word/../../evil.sh", "/etc/cron.d/evil", "C:/evil.bat", "word\\..\\x"],
)
def test_a_zip_with_path_traversal_members_is_refused(make_docx, rezip, member):
    data = rezip(make_docx(), {member: b"boom"})
    assert "Pfadangaben" in rejection(data, "a.docx")


def test_an_encrypted_zip_is_refused(make_docx):
    # zipfile cannot write encrypted members; set the "encrypted" flag by hand.
    data = bytearray(make_docx())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = data.find(signature)
        while position != -1:
            data[position + flag_offset] |= 0x01
            position = data.find(signature, position + 4)
    assert "verschlüsselt" in rejection(bytes(data), "a.docx")


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + NOISE,
        b"PK\x05\x06" + bytes(18),
    ],
)
def test_a_corrupt_or_empty_zip_is_refused(data):
    assert "beschädigt" in rejection(data, "a.docx")


def test_a_truncated_docx_is_refused(make_docx):
    data = make_docx()
    assert "beschädigt" in rejection(data[: len(data) // 2], "a.docx")


@pytest.mark.parametrize(
    "members",
    [
        {"notes.txt": b"hello"},
        {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"},
        {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<a/>"},
    ],
)
def test_other_zip_files_are_refused_as_unsupported(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    assert "nicht unterstützt" in rejection(out.getvalue(), "a.docx")


# --- File names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "kind", "expected"),
    [
        ("../../etc/passwd", "txt", "passwd.txt"),
        ("C:\\Users\\anna\\Desktop\\Grüße.txt", "txt", "Grüße.txt"),
        ("con.pdf", "pdf", "con_.pdf"),
        ("LPT1.report.pdf", "pdf", "LPT1.report_.pdf"),
        ("a\x00b.pdf", "pdf", "a b.pdf"),
        ("Bericht\n2024\r.pdf", "pdf", "Bericht 2024.pdf"),
        (".htaccess", "txt", "htaccess.txt"),
        ("...", "pdf", "Datei.pdf"),
        ("", "pdf", "Datei.pdf"),
        ("rechnung\u202egpj.exe", "pdf", "rechnunggpj.pdf"),
        (
            "U\u0308bersicht Fachberatungsstelle Köln.PDF",
            "pdf",
            "Übersicht Fachberatungsstelle Köln.pdf",
        ),
        ('a<b>:c|"d?*.pdf', "pdf", "a_b__c__d__.pdf"),
        ("Protokoll v1.2", "txt", "Protokoll v1.2.txt"),
        ("  Leerzeichen   überall  .odt ", "odt", "Leerzeichen überall.odt"),
    ],
)
def test_hostile_file_names_become_safe_display_names(filename, kind, expected):
    assert inspection.safe_filename(filename, kind) == expected


def test_a_500_character_name_is_cut_to_150_keeping_the_extension():
    name = inspection.safe_filename("ä" * 500 + ".pdf", "pdf")
    assert len(name) == 150
    assert name == "ä" * 146 + ".pdf"


def test_the_safe_filename_is_used_by_inspect_upload(make_pdf):
    assert inspect_upload(make_pdf(), "../../geheim/\x00Bericht.pdf").safe_filename == "Bericht.pdf"
