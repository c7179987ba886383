"""Demo knowledge base: case law, training material and position papers (all fictional).

Courts and norms are real; parties, file numbers and facts are invented, and every person is
named only by an initial. The records (`resources.jsonl`) go through the JSONL importer (so the
demo exercises it) and are idempotent by external id: loading them twice changes nothing. A few
attachments (TXT, DOCX, PDF) are generated in code and stored through the attachment service.
"""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.files.pdf import text_pdf
from portal.resources.attachments import add_attachment, read_upload
from portal.resources.courts import sync_courts
from portal.resources.models import Attachment, Resource
from portal.resources.transfer import ImportSummary, import_lines

# One record per line, in the import format (records.py); case law first, links may point
# forwards (the importer allows it).
RECORDS = Path(__file__).with_name("resources.jsonl")


def load_demo_resources() -> ImportSummary:
    """Import the demo records (idempotent by external id) and add the demo attachments."""
    sync_courts()
    with RECORDS.open(encoding="utf-8") as lines:
        summary = import_lines(lines)
    _add_attachments()
    return summary


# --- attachments ---------------------------------------------------------------------------

HANDOUT_TXT = """Handreichung: Rechte von Betroffenen im Strafverfahren (Demo)

1. Nebenklage (§ 395 StPO): Betroffene von Taten nach §§ 232 bis 233a StGB können sich dem
   Verfahren als Nebenklägerin oder Nebenkläger anschließen.
2. Opferanwältin (§ 397a StPO): Bei Verbrechen nach §§ 232 bis 232b StGB wird auf Antrag
   kostenfrei ein Beistand bestellt.
3. Psychosoziale Prozessbegleitung (§ 406g StPO): Begleitung vor, während und nach der
   Hauptverhandlung.
4. Adhäsionsverfahren (§§ 403 ff. StPO): Schmerzensgeld schon im Strafverfahren geltend machen.

Alle Fallbeispiele in dieser Handreichung sind erfunden.
"""

CHECKLIST_LINES = [
    "Arbeitsbeginn und Arbeitsende jeden Tag notieren (Datum, Uhrzeit, Ort).",
    "Pausen und Fahrten zwischen Einsatzorten festhalten.",
    "Namen von Vorarbeitern und Kolleginnen notieren, soweit gefahrlos möglich.",
    "Lohnzahlungen mit Datum, Betrag und Art (bar, Überweisung) aufschreiben.",
    "Fotos von Unterkunft, Dienstplänen und Arbeitskleidung sichern.",
    "Belege und Nachrichten nicht löschen, sondern an sicherer Stelle aufbewahren.",
]

PDF_LINES = [
    "KOK-Stellungnahme (Demo): Aufenthaltsrecht für Betroffene",
    "Forderung 1: Aufenthaltstitel unabhängig von der Aussagebereitschaft.",
    "Forderung 2: Bedenkfrist nach § 59 Abs. 7 AufenthG konsequent gewähren.",
    "Forderung 3: Zugang zu Sprachkursen und Arbeitsmarkt ab dem ersten Tag.",
]

ATTACHMENTS = [
    ("demo-training-nebenklage", "Handreichung_Opferrechte.txt", "txt"),
    ("demo-training-arbeitszeit", "Checkliste_Arbeitszeiten.docx", "docx"),
    ("demo-paper-aufenthalt-2019", "Stellungnahme_Aufenthaltsrecht.pdf", "pdf"),
]


def _docx_bytes() -> bytes:
    from docx import Document

    document = Document()
    document.add_heading("Checkliste: Arbeitszeiten dokumentieren", level=1)
    document.add_paragraph("Für Betroffene von Arbeitsausbeutung (Demo-Material).")
    for line in CHECKLIST_LINES:
        document.add_paragraph(line, style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _attachment_bytes(kind: str) -> bytes:
    if kind == "txt":
        return HANDOUT_TXT.encode("utf-8")
    if kind == "docx":
        return _docx_bytes()
    return text_pdf(PDF_LINES)


def _add_attachments() -> None:
    """Attach the generated files once (by file name), as the demo editor."""
    editor = db.session.scalar(select(User).where(User.email == "redaktion@kok-demo.example"))
    if editor is None:
        return
    for external_id, filename, kind in ATTACHMENTS:
        resource = db.session.scalar(select(Resource).where(Resource.external_id == external_id))
        if resource is None:
            continue
        exists = db.session.scalar(
            select(Attachment.id).where(
                Attachment.resource_id == resource.id, Attachment.filename == filename
            )
        )
        if exists is None:
            add_attachment(resource, editor, read_upload(_attachment_bytes(kind), filename))
