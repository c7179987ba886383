import io
import zipfile

import docx
import pytest
from odf.opendocument import OpenDocumentText
from odf.text import H, P

from tests.helpers import build_pdf


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
