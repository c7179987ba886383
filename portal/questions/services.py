"""Asking, answering, marking helpful, listing and finding questions to the network.

Every signed-in member and the office may read every question; what they may not see is who
asked an anonymous one (`asked_by`) and linked entries hidden from them (`visible_resources`).
Services add and flush; the view commits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.auth.access import is_office_staff
from portal.auth.models import User
from portal.extensions import db
from portal.notifications import services as notifications
from portal.questions.models import Answer, Question
from portal.resources.access import can_view
from portal.resources.models import Resource
from portal.resources.services import find_resource_reference
from portal.search.analysis import index_terms
from portal.search.query import analyse
from portal.timeutil import utcnow

MAX_TITLE = 300
MAX_BODY = 10_000
STATES = {
    "open": _l("Offen"),
    "answered": _l("Beantwortet"),
    "all": _l("Alle"),
}


class QuestionError(Exception):
    """A question or answer that cannot be saved; the message can be shown to the user."""


def may_see_asker(question: Question, viewer) -> bool:
    return not question.anonymous or is_office_staff(viewer) or question.author_id == viewer.id


def asked_by(question: Question, viewer) -> str:
    """Who asked, as far as the viewer may know."""
    if not may_see_asker(question, viewer):
        return _("Eine Mitgliedsorganisation (anonym gefragt)")
    name = question.author.name if question.author else _("Gelöschtes Konto")
    label = f"{name} ({question.organisation.display_name})"
    return label + (" · " + _("anonym gefragt") if question.anonymous else "")


def visible_resources(question: Question, viewer) -> list[Resource]:
    return [r for r in question.resources if can_view(viewer, r)]


def _references(user, text: str) -> list[Resource]:
    """Entries named one per line (number or address); QuestionError for any not found."""
    found = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        resource = find_resource_reference(user, line)
        if resource is None:
            raise QuestionError(
                _l(
                    "Den Eintrag „%(ref)s“ gibt es nicht oder Sie dürfen ihn nicht sehen.",
                    ref=line.strip(),
                )
            )
        if resource not in found:
            found.append(resource)
    return found


def ask(user, title: str, body: str, anonymous: bool, references: str = "") -> Question:
    """Ask the network; every active member is told (kind "questions")."""
    question = Question(
        author_id=user.id,
        organisation_id=user.organisation_id,
        title=title.strip(),
        body=(body or "").strip(),
        anonymous=anonymous,
        resources=_references(user, references),
    )
    db.session.add(question)
    db.session.flush()
    everybody = db.session.scalars(select(User).where(User.active.is_(True)))
    notifications.notify(everybody, "questions", params={"question": question.id}, actor=user)
    return question


def answer(question: Question, user, body: str) -> Answer:
    body = (body or "").strip()
    if not body:
        raise QuestionError(_l("Bitte schreiben Sie eine Antwort."))
    if len(body) > MAX_BODY:
        raise QuestionError(_l("Eine Antwort darf höchstens 10.000 Zeichen lang sein."))
    told = [question.author] if question.author is not None else []
    told += [a.author for a in question.answers if a.author is not None]
    told += [follow.user for follow in notifications.follows_of("question", str(question.id))]
    made = Answer(question=question, author_id=user.id, body=body)
    db.session.add(made)
    db.session.flush()
    notifications.notify(told, "answered", params={"question": question.id}, actor=user)
    return made


def mark_helpful(answer_row: Answer, user, helpful: bool) -> None:
    """Only the asker marks answers; a question with a helpful answer counts as answered."""
    question = answer_row.question
    if question.author_id != user.id:
        raise QuestionError(_l("Nur wer gefragt hat, kann Antworten als hilfreich markieren."))
    answer_row.helpful = helpful
    db.session.flush()
    any_helpful = any(a.helpful for a in question.answers)
    question.answered_at = (question.answered_at or utcnow()) if any_helpful else None
    db.session.flush()


@dataclass(frozen=True)
class Listed:
    question: Question
    asked_by: str
    answers: int


def find(viewer, state: str = "all", q: str = "") -> list[Listed]:
    """Questions by state, newest first; with `q`, those containing every word of it (German
    stems, compounds split), the best matches first."""
    query = select(Question).order_by(Question.created_at.desc(), Question.id.desc())
    if state == "open":
        query = query.where(Question.answered_at.is_(None))
    elif state == "answered":
        query = query.where(Question.answered_at.is_not(None))
    questions = list(db.session.scalars(query))
    wanted = set(analyse(q)) if q.strip() else set()
    if wanted:
        scored = []
        for question in questions:
            text = " ".join([question.title, question.title, question.body])
            text += " " + " ".join(a.body for a in question.answers)
            counts = Counter(index_terms(text))
            if all(counts[term] for term in wanted):
                scored.append((sum(counts[term] for term in wanted), question))
        scored.sort(key=lambda pair: pair[0], reverse=True)
        questions = [question for _score, question in scored]
    return [Listed(q_, asked_by(q_, viewer), len(q_.answers)) for q_ in questions]
