import io
import zipfile
import zlib

import docx
import pytest
from odf.opendocument import OpenDocumentText
from odf.text import H, P


def _pdf(objects: list[bytes]) -> bytes:
    """Assemble numbered objects into a PDF with a correct cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def build_pdf(text: str = "Grüße aus Köln", catalog: bytes = b"", extra=()) -> bytes:
    """A one-page PDF showing `text`; `catalog` and `extra` add active content."""
    escaped = text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(")
    escaped = escaped.replace(b")", b"\\)")
    content = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % escaped
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog,
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            *extra,
        ]
    )


def build_slow_pdf(pages: int = 3, operators: int = 100_000, first_page: str = "") -> bytes:
    """A small PDF whose pages share one compressed stream of empty text operators.

    pypdf spends seconds on each such page (about 6 s for 100,000 operators here) though the
    file has 2 KB. ``first_page``: a readable page in front of the slow ones.
    """
    stream = zlib.compress(b"BT /F1 12 Tf " + b"() Tj " * operators + b"ET", 9)
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in below
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream),
        font,
    ]
    contents = [3] * pages
    if first_page:
        readable = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % first_page.encode("cp1252")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(readable), readable))
        contents = [len(objects), *contents]
    first = len(objects) + 1
    for content in contents:
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 4 0 R >> >> >>" % content
        )
    kids = b" ".join(b"%d 0 R" % number for number in range(first, len(objects) + 1))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(contents))
    return _pdf(objects)


def build_pages_pdf(*texts: str) -> bytes:
    """A PDF with one page per text."""
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", font]
    pages = []
    for text in texts:
        content = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode("cp1252")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % len(objects)
        )
        pages.append(len(objects))
    kids = b" ".join(b"%d 0 R" % number for number in pages)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages))
    return _pdf(objects)


@pytest.fixture
def make_pdf():
    """Build a one-page PDF showing `text`; `catalog` and `extra` add active content."""
    return build_pdf


@pytest.fixture
def make_docx():
    """Build a DOCX with the given paragraphs and a one-cell table."""

    def make(*paragraphs: str, table_text: str | None = None) -> bytes:
        document = docx.Document()
        for paragraph in paragraphs or ("Grüße aus Köln",):
            document.add_paragraph(paragraph)
        if table_text is not None:
            document.add_table(rows=1, cols=1).cell(0, 0).text = table_text
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()

    return make


@pytest.fixture
def make_odt():
    """Build an ODT with a heading and paragraphs."""

    def make(heading: str = "Überschrift", *paragraphs: str) -> bytes:
        document = OpenDocumentText()
        document.text.addElement(H(outlinelevel=1, text=heading))
        for paragraph in paragraphs or ("Grüße aus Köln",):
            document.text.addElement(P(text=paragraph))
        out = io.BytesIO()
        document.write(out)
        return out.getvalue()

    return make


@pytest.fixture
def rezip():
    """Copy a ZIP container, replacing (value bytes) or dropping (value None) members."""

    def rezip(data: bytes, changes: dict | None = None, compression=zipfile.ZIP_DEFLATED) -> bytes:
        changes = dict(changes or {})
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                if info.filename in changes:
                    content = changes.pop(info.filename)
                    if content is None:
                        continue
                else:
                    content = source.read(info)
                target.writestr(info.filename, content, compress_type=info.compress_type)
            for name, content in changes.items():
                if content is not None:
                    target.writestr(name, content, compress_type=compression)
        return out.getvalue()

    return rezip
