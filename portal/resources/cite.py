"""How to cite a resource: the German citation line of a decision, and citation lists as RIS
(reference managers such as Zotero, Citavi, EndNote) and CSV.

The line follows German legal style: court, decision type, date, file number, ECLI when known,
e.g. "BGH, Beschl. v. 12.03.2019 – 3 StR 123/19". It is German whatever the page language, as
it goes into German briefs and statements.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from portal.audit.services import spreadsheet_safe
from portal.resources.models import Resource
from portal.urls import external_url

#: Decision types as German citations abbreviate them.
DECISION_ABBREVIATIONS = {
    "urteil": "Urt.",
    "beschluss": "Beschl.",
    "gerichtsbescheid": "Gerichtsbescheid",
    "vergleich": "Vergleich",
    "strafbefehl": "Strafbefehl",
    "sonstige": "Entsch.",
}


def citation_line(resource: Resource, url: str | None = None) -> str:
    """The German citation of a decision ("LG Berlin, Urt. v. 14.05.2019 – 502 KLs 3/19,
    ECLI:…"), or of another resource (organisation or authors, title, date)."""
    if resource.type != "case_law":
        who = ", ".join(resource.authors or []) or (
            resource.organisation.name if resource.organisation else ""
        )
        when = resource.published_on or resource.event_date
        parts = [p for p in (who, resource.title, when.strftime("%d.%m.%Y") if when else "") if p]
        return ", ".join(parts) + (f", {url}" if url else "")
    court = resource.court.display_name if resource.court else ""
    kind = DECISION_ABBREVIATIONS.get(resource.decision_type, "Entsch.")
    head = f"{court}, {kind}" if court else kind
    if resource.decision_date:
        head += f" v. {resource.decision_date.strftime('%d.%m.%Y')}"
    if resource.file_number:
        head += f" – {resource.file_number}"
    if resource.ecli:
        head += f", {resource.ecli}"
    return head


def resource_url(resource: Resource) -> str:
    """The absolute address of the resource's page."""
    return external_url(f"/resources/{resource.id}")


_RIS_TYPES = {"case_law": "CASE", "training_material": "GEN", "position_paper": "RPRT"}


def _ris_line(tag: str, value) -> str:
    text = " ".join(str(value).split())  # one line per tag
    return f"{tag}  - {text}\r\n"


def ris(resources: Iterable[Resource], url_of) -> str:
    """The resources as RIS records (one TY…ER block each)."""
    out = []
    for r in resources:
        out.append(_ris_line("TY", _RIS_TYPES.get(r.type, "GEN")))
        out.append(_ris_line("TI", r.title))
        if r.type == "case_law":
            if r.court:
                out.append(_ris_line("A2", r.court.name))
            if r.decision_date:
                out.append(_ris_line("DA", r.decision_date.strftime("%Y/%m/%d")))
                out.append(_ris_line("PY", r.decision_date.year))
            if r.file_number:
                out.append(_ris_line("M1", r.file_number))
            if r.ecli:
                out.append(_ris_line("DO", r.ecli))
        else:
            for author in r.authors or [r.organisation.name if r.organisation else ""]:
                if author:
                    out.append(_ris_line("AU", author))
            when = r.published_on or r.event_date
            if when:
                out.append(_ris_line("PY", when.year))
        if r.summary:
            out.append(_ris_line("AB", r.summary))
        for norm in r.norms:
            if norm.confirmed:
                out.append(_ris_line("KW", norm.label))
        out.append(_ris_line("N1", citation_line(r)))
        out.append(_ris_line("UR", url_of(r)))
        out.append("ER  - \r\n")
    return "".join(out)


CSV_HEADERS = ("Zitat", "Titel", "Gericht", "Datum", "Aktenzeichen", "ECLI", "Normen", "Adresse")


RIS_MIMETYPE = "application/x-research-info-systems"


def citation_list(resources: Iterable[Resource], kind: str) -> tuple[str, str]:
    """A citation list of `resources` as ("ris" or "csv") text and its mimetype."""
    if kind == "ris":
        return ris(resources, resource_url), RIS_MIMETYPE
    return citation_csv(resources, resource_url), "text/csv"


def citation_csv(resources: Iterable[Resource], url_of) -> str:
    """The resources as a CSV citation list (cells safe from spreadsheet formulas)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS)
    for r in resources:
        when = r.decision_date or r.published_on or r.event_date
        row = (
            citation_line(r),
            r.title,
            r.court.name if r.court else "",
            when.isoformat() if when else "",
            r.file_number or "",
            r.ecli or "",
            "; ".join(n.label for n in r.norms if n.confirmed),
            url_of(r),
        )
        writer.writerow([spreadsheet_safe(v) for v in row])
    return out.getvalue()
