"""Extract plain text from attachments for the search index; never raises.

PDFs are read in a process of their own (``pdf_worker.py``) with a page and time budget: a
small hostile PDF can make pypdf spend many seconds on each page. What was read until the
budget ran out is kept, with a note that the rest of the text is not searchable; the file
itself is stored all the same (its owner expects the attachment, and can still download it).
"""

import io
import json
import logging
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from flask_babel import gettext
from odf import opendocument, teletype
from odf.namespaces import TEXTNS

from portal.files.inspection import UploadRejected, decode_text, open_checked_zip

logger = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 2_000_000
#: Defaults of the PDF budget (the portal passes EXTRACTION_TIMEOUT / EXTRACTION_MAX_PAGES).
PDF_TIME_BUDGET = 20.0
PDF_MAX_PAGES = 2_000
_PDF_WORKER = Path(__file__).with_name("pdf_worker.py")


@dataclass(frozen=True)
class ExtractedText:
    text: str
    error: str | None = None  # German message for the user when nothing could be read
    truncated: bool = False
    incomplete: str | None = None  # German note when a budget stopped the extraction


class _BudgetExceeded(Exception):
    def __init__(self, text: str, done: int, pages: int | None):
        super().__init__(text)
        self.text, self.done, self.pages = text, done, pages


def extract_text(
    data: bytes,
    kind: str,
    *,
    time_budget: float = PDF_TIME_BUDGET,
    max_pages: int = PDF_MAX_PAGES,
) -> ExtractedText:
    """Return the text of a PDF, DOCX, ODT or TXT file, or an empty text and an error."""
    extractors = {
        "pdf": lambda pdf: _pdf_text(pdf, time_budget, max_pages),
        "docx": _docx_text,
        "odt": _odt_text,
        "txt": _txt_text,
    }
    if kind not in extractors:
        return ExtractedText("", gettext("Aus diesem Dateityp kann kein Text gelesen werden."))
    try:
        if kind in ("docx", "odt"):
            # The libraries unpack members themselves; check the archive even if the caller did.
            open_checked_zip(data).close()
        text = extractors[kind](data)
    except _BudgetExceeded as stopped:
        logger.warning(
            "PDF text extraction stopped by its budget after %s of %s pages",
            stopped.done,
            stopped.pages,
        )
        note = gettext(
            "Der Text wurde nur teilweise gelesen (%(done)s von %(pages)s Seiten, Zeit- oder "
            "Seitenlimit); der übrige Text ist nicht durchsuchbar.",
            done=stopped.done,
            pages=stopped.pages if stopped.pages is not None else "?",
        )
        return ExtractedText(stopped.text[:MAX_TEXT_LENGTH], incomplete=note)
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


def _pdf_text(data: bytes, time_budget: float, max_pages: int) -> str:
    """The text of a PDF, read by ``pdf_worker.py`` within ``time_budget`` seconds."""
    command = [
        sys.executable,
        "-I",
        str(_PDF_WORKER),
        str(max_pages),
        str(MAX_TEXT_LENGTH),
        str(int(time_budget) + 2),  # CPU seconds: a backstop behind the wall-clock timeout
    ]
    worker = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stopped = False
    try:
        out, err = worker.communicate(data, timeout=time_budget)
    except subprocess.TimeoutExpired:
        worker.kill()
        out, err = worker.communicate()  # what the worker wrote before it was stopped
        stopped = True
    pages: int | None = None
    parts: list[str] = []
    failed = done = 0
    for line in out.decode("utf-8", "replace").splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue  # the line the worker was writing when it was stopped
        if message.get("error") == "encrypted":
            raise UploadRejected(gettext("Die PDF-Datei ist mit einem Passwort geschützt."))
        if "error" in message:
            raise ValueError(f"unreadable PDF: {message.get('detail')}")
        if "pages" in message:
            pages = int(message["pages"])
        elif "failed" in message:
            # One broken page should not cost the text of all the others.
            logger.warning("Cannot extract text from PDF page %s: %s", message["page"], message)
            failed += 1
            done += 1
        elif "text" in message:
            parts.append(str(message["text"]))
            done += 1
    text = "\n\n".join(parts)
    if worker.returncode and not stopped:
        # Out of memory or CPU time: the same as running out of time.
        logger.warning("The PDF worker ended with %s: %s", worker.returncode, err[-500:])
        stopped = True
    if pages is None and not stopped:
        raise ValueError("the PDF worker reported nothing")
    if stopped or (pages is not None and done < pages and len(text) <= MAX_TEXT_LENGTH):
        raise _BudgetExceeded(text, done, pages)
    if failed and not any(part.strip() for part in parts):
        raise ValueError(f"no page of the PDF could be read ({failed} failed)")
    return text


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
