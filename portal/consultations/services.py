"""Opening, answering, reminding, consolidating and closing consultations.

Every member may read a consultation's record (text, state, outcome); the organisations asked
respond, one response each, drafted by any of their staff and submitted once; the office sees
the responses. Services add and flush; the view commits.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit.services import spreadsheet_safe
from portal.auth.access import is_editor, is_office_staff
from portal.auth.models import User
from portal.consultations.models import Consultation, ConsultationResponse
from portal.extensions import db
from portal.notifications import services as notifications
from portal.orgs.models import Organisation
from portal.resources.models import Resource
from portal.timeutil import utcnow

VERDICT_LABELS = {
    "agree": _l("Zustimmung"),
    "agree_with_changes": _l("Zustimmung mit Änderungen"),
    "reject": _l("Ablehnung"),
}
REMIND_BEFORE = timedelta(days=3)
MAX_COMMENT = 5000


class ConsultationError(Exception):
    """A step that cannot be taken; the message can be shown to the user."""


def split_sections(text: str) -> list[dict]:
    """The paper's paragraphs (separated by blank lines), numbered from 1."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return [{"number": str(i), "text": part} for i, part in enumerate(parts, start=1)]


def asked_organisations(consultation: Consultation) -> list[Organisation]:
    query = select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
    found = [o for o in db.session.scalars(query) if not o.is_office]
    if consultation.asked is None:
        return found
    return [o for o in found if o.id in consultation.asked]


def is_asked(user, consultation: Consultation) -> bool:
    return any(o.id == user.organisation_id for o in asked_organisations(consultation))


def open_consultation(
    user, paper: Resource, deadline: date, asked: list[int] | None
) -> Consultation:
    if not is_editor(user):
        raise ConsultationError(_l("Konsultationen eröffnet die Geschäftsstelle."))
    if paper.type != "position_paper":
        raise ConsultationError(_l("Konsultiert werden Stellungnahmen."))
    if deadline <= utcnow().date():
        raise ConsultationError(_l("Die Frist muss in der Zukunft liegen."))
    sections = split_sections(paper.body or paper.summary)
    if not sections:
        raise ConsultationError(_l("Die Stellungnahme hat noch keinen Text."))
    consultation = Consultation(
        resource_id=paper.id,
        title=paper.title,
        sections=sections,
        deadline=deadline,
        asked=asked or None,
        opened_by_id=user.id,
    )
    db.session.add(consultation)
    db.session.flush()
    notifications.notify(
        _staff(asked_organisations(consultation)),
        "consultations",
        params={"consultation": consultation.id, "reason": "opened"},
        actor=user,
    )
    return consultation


def _staff(organisations: list[Organisation]) -> list[User]:
    ids = [o.id for o in organisations]
    return list(
        db.session.scalars(select(User).where(User.organisation_id.in_(ids), User.active.is_(True)))
    )


def response_of(consultation: Consultation, organisation_id: int) -> ConsultationResponse | None:
    return next((r for r in consultation.responses if r.organisation_id == organisation_id), None)


def save_response(
    consultation: Consultation,
    user,
    verdict: str,
    comment: str,
    section_comments: dict[str, str],
    submit: bool,
) -> ConsultationResponse:
    """Save the organisation's draft response; `submit` makes it final (once)."""
    if consultation.closed_at is not None or consultation.deadline < utcnow().date():
        raise ConsultationError(_l("Die Konsultation ist beendet."))
    if not is_asked(user, consultation):
        raise ConsultationError(_l("Ihre Organisation ist zu dieser Konsultation nicht gefragt."))
    response = response_of(consultation, user.organisation_id)
    if response is not None and response.submitted_at is not None:
        raise ConsultationError(_l("Ihre Organisation hat ihre Rückmeldung schon abgegeben."))
    if verdict and verdict not in VERDICT_LABELS:
        raise ConsultationError(_l("Bitte wählen Sie eine der Möglichkeiten."))
    if submit and not verdict:
        raise ConsultationError(_l("Bitte wählen Sie Ihr Votum, bevor Sie abgeben."))
    numbers = {s["number"] for s in consultation.sections}
    texts = [comment, *section_comments.values()]
    if any(len(text or "") > MAX_COMMENT for text in texts):
        raise ConsultationError(_l("Ein Kommentar darf höchstens 5.000 Zeichen lang sein."))
    if response is None:
        response = ConsultationResponse(
            consultation=consultation, organisation_id=user.organisation_id
        )
        db.session.add(response)
    response.verdict = verdict
    response.comment = (comment or "").strip()
    response.section_comments = {
        number: text.strip()
        for number, text in section_comments.items()
        if number in numbers and (text or "").strip()
    }
    response.updated_by_id = user.id
    response.updated_at = utcnow()
    if submit:
        response.submitted_at = utcnow()
        response.submitted_by_id = user.id
    db.session.flush()
    return response


def submitted(consultation: Consultation) -> list[ConsultationResponse]:
    return sorted(
        (r for r in consultation.responses if r.submitted_at is not None),
        key=lambda r: r.organisation.name,
    )


@dataclass(frozen=True)
class SectionView:
    number: str
    text: str
    comments: list[tuple[str, str]]  # (organisation, comment)


def consolidated(consultation: Consultation) -> list[SectionView]:
    """Each section with the submitted comments on it."""
    answers = submitted(consultation)
    return [
        SectionView(
            section["number"],
            section["text"],
            [
                (r.organisation.name, r.section_comments[section["number"]])
                for r in answers
                if section["number"] in r.section_comments
            ],
        )
        for section in consultation.sections
    ]


def status_by_organisation(consultation: Consultation) -> list[tuple[Organisation, str]]:
    """Every asked organisation with "submitted", "draft" or "none"."""
    found = []
    for organisation in asked_organisations(consultation):
        response = response_of(consultation, organisation.id)
        if response is None:
            found.append((organisation, "none"))
        else:
            found.append((organisation, "submitted" if response.submitted_at else "draft"))
    return found


def export_csv(consultation: Consultation) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Organisation", "Votum", "Abschnitt", "Kommentar", "Abgegeben am"])
    for r in submitted(consultation):
        verdict = str(VERDICT_LABELS.get(r.verdict, r.verdict))
        stamp = r.submitted_at.isoformat(timespec="minutes")
        rows = [("", r.comment)] if r.comment else []
        rows += sorted(r.section_comments.items(), key=lambda item: int(item[0]))
        for section, text in rows or [("", "")]:
            writer.writerow(
                [spreadsheet_safe(v) for v in (r.organisation.name, verdict, section, text, stamp)]
            )
    return out.getvalue()


def close(consultation: Consultation, user, outcome: str) -> None:
    if not is_editor(user):
        raise ConsultationError(_l("Konsultationen schließt die Geschäftsstelle."))
    if not (outcome or "").strip():
        raise ConsultationError(_l("Bitte halten Sie das Ergebnis fest."))
    consultation.outcome = outcome.strip()
    consultation.closed_at = utcnow()
    db.session.flush()


def closed_for(resource: Resource) -> Consultation | None:
    """The latest closed consultation on a paper (its page notes it)."""
    return db.session.scalar(
        select(Consultation)
        .where(Consultation.resource_id == resource.id, Consultation.closed_at.is_not(None))
        .order_by(Consultation.closed_at.desc())
        .limit(1)
    )


def send_reminders(today: date | None = None) -> int:
    """Remind asked organisations that have not submitted, once, three days before the end."""
    today = today or utcnow().date()
    told = 0
    due = db.session.scalars(
        select(Consultation).where(
            Consultation.closed_at.is_(None),
            Consultation.reminded_at.is_(None),
            Consultation.deadline >= today,
            Consultation.deadline <= today + REMIND_BEFORE,
        )
    ).all()
    for consultation in due:
        missing = [o for o, state in status_by_organisation(consultation) if state != "submitted"]
        told += len(
            notifications.notify(
                _staff(missing),
                "consultations",
                params={"consultation": consultation.id, "reason": "reminder"},
            )
        )
        consultation.reminded_at = utcnow()
        db.session.commit()
    return told


def may_see_responses(user) -> bool:
    return is_office_staff(user)
