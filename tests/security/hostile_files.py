"""Small builders for hostile and harmless uploads, shared by the security tests.

The PDF and DOCX builders are the ones of tests/files (imported, not copied); the hostile
variants are assembled here so that each probe states exactly what it carries.
"""

import io
import zipfile

import docx

from tests.helpers import build_pdf

TXT = b"Hallo Welt, eine harmlose Notiz.\n"


def pdf(text: str = "Harmlose Seite", catalog: bytes = b"", extra=()) -> bytes:
    """A one-page PDF (tests/files' builder)."""
    return build_pdf(text, catalog, extra)


def docx_bytes(*paragraphs: str) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs or ("Grüße aus Köln",):
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rezip(data: bytes, changes: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """Copy a ZIP container, replacing members (bytes) or adding new ones."""
    changes = dict(changes)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = changes.pop(info.filename, None)
            if content is None:
                content = source.read(info)
            target.writestr(info.filename, content, compress_type=info.compress_type)
        for name, content in changes.items():
            target.writestr(name, content, compress_type=compression)
    return out.getvalue()


# --- hostile files ----------------------------------------------------------------------


def html_as_pdf() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def svg_as_pdf() -> bytes:
    return (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    )


def macro_docm_as_docx() -> bytes:
    """A Word document with a VBA project and the macro-enabled content type."""
    base = docx_bytes("Makro-Dokument")
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        types = archive.read("[Content_Types].xml")
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    ).replace(
        b"</Types>",
        b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
    )
    return rezip(
        base,
        {"[Content_Types].xml": types, "word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 512},
    )


def zip_bomb_docx(megabytes: int = 8) -> bytes:
    """A valid DOCX plus one member that inflates ~1000-fold (a few kB on the wire)."""
    return rezip(docx_bytes("Bombe"), {"word/media/filler.bin": b"\0" * (megabytes << 20)})


def xxe_docx(secret_path) -> bytes:
    """A DOCX whose main part declares an external entity pointing at a local file."""
    base = docx_bytes("Platzhalter")
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        document = archive.read("word/document.xml")
    head, _, rest = document.partition(b"?>")
    doctype = b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "%s">]>' % secret_path.as_uri().encode()
    body = (head + b"?>" + doctype + rest).replace(b"Platzhalter", b"&xxe;")
    return rezip(base, {"word/document.xml": body})


def pdf_with_javascript() -> bytes:
    return pdf(
        catalog=b"/OpenAction 6 0 R",
        extra=[b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"],
    )


def pdf_with_hex_escaped_javascript() -> bytes:
    """/JavaScript spelled with #-escapes, which naive scanners miss."""
    return pdf(
        catalog=b"/OpenAction 6 0 R",
        extra=[b"<< /Type /Action /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"],
    )


def pdf_with_open_action_launch() -> bytes:
    return pdf(
        catalog=b"/OpenAction << /S /Launch /F (cmd.exe) >>",
    )
