"""A minimal PDF writer for generated text pages (demo attachments and test files).

Real documents come from users; this only has to produce a valid one-page PDF whose text a
PDF reader (and our extraction) finds. Object numbers are fixed so that callers can add
objects (``extra``, numbered from 6) and refer to them from the catalogue.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence


def assemble_pdf(objects: Sequence[bytes]) -> bytes:
    """Numbered objects (1, 2, ...) as a PDF with a correct cross-reference table."""
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


def _escape(line: str) -> bytes:
    encoded = line.encode("cp1252")
    return encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf(lines: Iterable[str], catalog: bytes = b"", extra: Sequence[bytes] = ()) -> bytes:
    """A one-page PDF showing `lines` (Helvetica, WinAnsi); `catalog` and `extra` add entries
    to the catalogue and further objects (6, 7, ...)."""
    shown = b" ".join(b"(%s) Tj T*" % _escape(line) for line in lines)
    content = b"BT /F1 12 Tf 72 720 Td 16 TL %s ET" % shown
    return assemble_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog,
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            *extra,
        ]
    )
