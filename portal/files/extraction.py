"""Extract plain text from attachments for the search index; never raises."""

import io
import logging
from dataclasses import dataclass

import docx
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from flask_babel import gettext
from odf import opendocument, teletype
from odf.namespaces import TEXTNS
from pypdf import PdfReader

from portal.files.inspection import UploadRejected, decode_text, open_checked_zip

logger = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 2_000_000


@dataclass(frozen=True)
class ExtractedText:
    text: str
    error: str | None = None  # German message for the user when nothing could be read
    truncated: bool = False


def extract_text(data: bytes, kind: str) -> ExtractedText:
    """Return the text of a PDF, DOCX, ODT or TXT file, or an empty text and an error."""
    extractors = {"pdf": _pdf_text, "docx": _docx_text, "odt": _odt_text, "txt": _txt_text}
    if kind not in extractors:
        return ExtractedText("", gettext("Aus diesem Dateityp kann kein Text gelesen werden."))
    try:
        if kind in ("docx", "odt"):
            # The libraries unpack members themselves; check the archive even if the caller did.
            open_checked_zip(data).close()
        text = extractors[kind](data)
    except UploadRejected as rejected:
        return ExtractedText("", str(rejected))
    except Exception:
        # Hostile or broken files make the libraries fail in many ways; none may stop an upload.
        logger.warning("Cannot extract text from a %s file", kind, exc_info=True)
        return ExtractedText(
            "", gettext("Der Text der Datei konnte nicht gelesen werden (Datei beschädigt?).")
        )
    if len(text) > MAX_TEXT_LENGTH:
        return ExtractedText(text[:MAX_TEXT_LENGTH], truncated=True)
    return ExtractedText(text)


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise UploadRejected(gettext("Die PDF-Datei ist mit einem Passwort geschützt."))
    parts: list[str] = []
    length = 0
    failed = 0
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception:
            # One broken page should not cost the text of all the others.
            logger.warning("Cannot extract text from PDF page %s", number, exc_info=True)
            failed += 1
            continue
        parts.append(text)
        length += len(text)
        if length > MAX_TEXT_LENGTH:
            break
    if failed and not any(part.strip() for part in parts):
        raise ValueError(f"no page of the PDF could be read ({failed} failed)")
    return "\n\n".join(parts)


def _docx_text(data: bytes) -> str:
    # python-docx parses with lxml and resolve_entities=False, so no external entities are
    # loaded (see the XXE test).
    document = docx.Document(io.BytesIO(data))
    parts: list[str] = []
    length = 0
    # Every paragraph in reading order, including those in tables and text boxes.
    for element in document.element.body.iter(qn("w:p")):
        text = Paragraph(element, document).text
        parts.append(text)
        length += len(text) + 1
        if length > MAX_TEXT_LENGTH:
            break
    return "\n".join(parts)


def _odt_text(data: bytes) -> str:
    # odfpy parses with defusedxml's SAX parser and external entities switched off.
    document = opendocument.load(io.BytesIO(data))
    parts: list[str] = []
    length = 0
    stack = [document.text]
    while stack and length <= MAX_TEXT_LENGTH:
        node = stack.pop()
        if getattr(node, "qname", None) in ((TEXTNS, "p"), (TEXTNS, "h")):
            text = teletype.extractText(node)
            parts.append(text)
            length += len(text) + 1
        else:
            stack.extend(reversed(getattr(node, "childNodes", [])))
    return "\n".join(parts)


def _txt_text(data: bytes) -> str:
    text = decode_text(data)
    if text is None:
        raise UploadRejected(gettext("Die Datei enthält keinen lesbaren Text."))
    return text
