"""A dossier as one PDF (ReportLab): title page, contents, and per entry its citation line,
facts, summary, norms, related entries and attachment names; page numbers on every page.

German typography: the standard fonts' WinAnsi encoding carries „ “ – € and the umlauts, dates
are written 12.03.2019, numbers 12.500. Only what the caller passes is printed: the views pass
the entries the viewer may see, and related entries go through `visible_links`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from flask_babel import format_decimal
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
)
from reportlab.platypus.tableofcontents import TableOfContents

from portal.resources import fields
from portal.resources.cite import citation_line, resource_url
from portal.resources.models import Resource
from portal.resources.services import visible_links


@dataclass
class DossierItem:
    resource: Resource
    note: str = ""


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName="Helvetica", fontSize=10,
                          leading=14, spaceAfter=4)  # fmt: skip
    return {
        "body": body,
        "title": ParagraphStyle(
            "title",
            parent=base["Title"],
            fontName="Helvetica-Bold",
            fontSize=24,
            leading=30,
            spaceAfter=18,
        ),  # fmt: skip
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=12, leading=16),
        "h1": ParagraphStyle(
            "h1",
            parent=base["Heading1"],
            fontName="Helvetica-Bold",
            fontSize=15,
            leading=19,
            spaceBefore=6,
            spaceAfter=6,
        ),  # fmt: skip
        "h2": ParagraphStyle(
            "h2",
            parent=base["Heading3"],
            fontName="Helvetica-Bold",
            fontSize=10.5,
            leading=14,
            spaceBefore=6,
            spaceAfter=2,
        ),  # fmt: skip
        "citation": ParagraphStyle("citation", parent=body, fontName="Helvetica-Oblique"),
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11),
        "toc1": ParagraphStyle("toc1", parent=body, leftIndent=0, firstLineIndent=0),
    }


def _date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def fact_text(field: fields.Field, value) -> str:
    """A fact as the detail page shows it, as plain text."""
    if field.kind == "court":
        return value.name
    if field.kind == "date":
        return _date(value)
    if field.kind == "choice":
        return fields.choice_label(field, value)
    if field.kind == "choices":
        return ", ".join(fields.choice_label(field, v) for v in value)
    if field.kind in ("list", "lines"):
        return ", ".join(value)
    if field.kind == "boolean":
        return _("ja") if value else _("nein")
    if field.kind == "number":
        return f"{format_decimal(value)} €"
    if field.kind == "integer":
        return format_decimal(value)
    return str(value)


class _Document(BaseDocTemplate):
    """Notifies the table of contents of every entry heading."""

    def afterFlowable(self, flowable):  # noqa: N802 - ReportLab's hook
        key = getattr(flowable, "bookmark", None)
        if key:
            self.canv.bookmarkPage(key)
            self.notify("TOCEntry", (0, flowable.getPlainText(), self.page, key))


def _page_number(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 8.5)
    if doc.page > 1:
        canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, _("Seite %(num)s", num=doc.page))
        canvas.drawString(2 * cm, 1.2 * cm, doc.title)
    canvas.restoreState()


def dossier_pdf(user, title: str, subtitle: str, items: list[DossierItem]) -> bytes:
    """The PDF of a dossier (or of search results): `items` are what `user` may see."""
    s = _styles()
    out = io.BytesIO()
    doc = _Document(
        out,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=title,
        author=_("KOK-Wissensportal"),
        lang="de-DE",
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=_page_number)])
    toc = TableOfContents(levelStyles=[s["toc1"]], dotsMinLevel=0)

    story = [
        Spacer(1, 5 * cm),
        Paragraph(escape(title), s["title"]),
        Paragraph(escape(subtitle), s["subtitle"]),
        Spacer(1, 1 * cm),
        Paragraph(
            escape(
                _("%(num)s Einträge · erstellt am %(day)s", num=len(items), day=_date(date.today()))
            ),
            s["subtitle"],
        ),
        Paragraph(escape(_("KOK-Wissensportal – nur für den internen Gebrauch")), s["small"]),
        PageBreak(),
        Paragraph(escape(_("Inhalt")), s["h2"]),
        toc,
        PageBreak(),
    ]
    for number, item in enumerate(items, start=1):
        story += _entry(user, number, item, s)
    doc.multiBuild(story)
    return out.getvalue()


def _entry(user, number: int, item: DossierItem, s) -> list:
    r = item.resource
    heading = Paragraph(escape(f"{number}. {r.title}"), s["h1"])
    heading.bookmark = f"entry-{number}"
    parts = [heading]
    parts.append(Paragraph(escape(citation_line(r)), s["citation"]))
    if item.note:
        parts.append(Paragraph(f"<b>{escape(_('Notiz'))}:</b> {escape(item.note)}", s["body"]))
    facts = fields.facts_of(r)
    if facts:
        parts.append(Paragraph(escape(_("Angaben")), s["h2"]))
        for f, value in facts:
            parts.append(
                Paragraph(
                    f"<b>{escape(str(f.label))}:</b> {escape(fact_text(f, value))}", s["body"]
                )
            )
    if r.summary:
        parts.append(Paragraph(escape(_("Kurzfassung")), s["h2"]))
        parts.append(Paragraph(escape(r.summary), s["body"]))
    norms = [n.label for n in r.norms if n.confirmed]
    if norms:
        parts.append(Paragraph(escape(_("Zitierte Normen")), s["h2"]))
        parts.append(Paragraph(escape(", ".join(norms)), s["body"]))
    links = visible_links(r, user)
    related = [
        (_("Vorinstanz"), links.earlier),
        (_("Folgeinstanz"), links.later),
        (_("Verwandt"), links.related),
    ]
    if any(entries for _kind, entries in related):
        parts.append(Paragraph(escape(_("Verknüpfte Einträge")), s["h2"]))
        for kind, entries in related:
            for entry in entries:
                parts.append(
                    Paragraph(
                        f"{escape(kind)}: {escape(citation_line(entry.resource))} – "
                        f"{escape(entry.resource.title)}",
                        s["body"],
                    )
                )
    if r.attachments:
        parts.append(Paragraph(escape(_("Anhänge")), s["h2"]))
        parts.append(Paragraph(escape(", ".join(a.filename for a in r.attachments)), s["body"]))
    parts.append(Paragraph(escape(resource_url(r)), s["small"]))
    parts.append(Spacer(1, 0.6 * cm))
    return parts
