"""How a court decision is cited in German legal writing.

E.g. `BGH, Beschl. v. 12.03.2019 - 3 StR 123/19`.
"""

from __future__ import annotations

from datetime import date

#: Decision types (keys of the vocabulary) and their customary abbreviations.
ABBREVIATIONS = {
    "urteil": "Urt.",
    "beschluss": "Beschl.",
    "gerichtsbescheid": "Gerichtsbescheid",
    "vergleich": "Vergl.",
    "strafbefehl": "Strafbefehl",
    "sonstige": "Entsch.",
}


def decision_citation(
    court: str, decision_type: str = "", decided_on: date | None = None, file_number: str = ""
) -> str:
    """The short citation of a decision; "" without a court (nothing to cite it by).

    The citation is German whatever the interface language: it is copied into German texts.
    """
    court = (court or "").strip()
    if not court:
        return ""
    kind = ABBREVIATIONS.get(decision_type or "", "")
    if decided_on is not None:
        kind = f"{kind or 'Entsch.'} v. {decided_on:%d.%m.%Y}"
    citation = f"{court}, {kind}" if kind else court
    file_number = (file_number or "").strip()
    return f"{citation} - {file_number}" if file_number else citation
