"""Demo of working together: a question with answers, a comment, a meeting, a consultation on a
draft paper and a „KOK informiert" issue (all fictional).

Written straight into the tables, so loading the demo sends no notification or mail; loaded
once (skipped when the demo question exists), after the demo accounts and knowledge base.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.comments.models import Comment
from portal.consultations.models import Consultation, ConsultationResponse
from portal.consultations.services import split_sections
from portal.extensions import db
from portal.meetings.models import Meeting, MeetingMaterial, Registration
from portal.meetings.services import now_local
from portal.newsletter.models import Issue, IssueItem
from portal.questions.models import Answer, Question
from portal.resources.models import Resource
from portal.timeutil import utcnow

QUESTION = "Wer hat Erfahrung mit Entschädigung nach dem SGB XIV bei Juju-Schwüren?"


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _resource(external_id: str) -> Resource | None:
    return db.session.scalar(select(Resource).where(Resource.external_id == external_id))


def load_demo_network() -> None:
    if db.session.scalar(select(Question.id).where(Question.title == QUESTION)) is not None:
        return
    nord = _user("beraterin@fbs-nord.example")
    rhein = _user("berater@faire-arbeit.example")
    muenchen = _user("team@lichtblick.example")
    office = _user("redaktion@kok-demo.example")
    if None in (nord, rhein, muenchen, office):
        return
    now = utcnow()
    decision = _resource("demo-case-bgh-2024-6str")

    question = Question(
        author_id=nord.id,
        organisation_id=nord.organisation_id,
        title=QUESTION,
        body="Eine Klientin aus Nigeria wurde mit einem Juju-Schwur an ihre Schulden gebunden. "
        "Hat jemand Erfahrung, wie das Versorgungsamt die psychische Gewalt bewertet?",
        created_at=now - timedelta(days=9),
        answered_at=now - timedelta(days=6),
        resources=[decision] if decision else [],
    )
    question.answers = [
        Answer(
            author_id=muenchen.id,
            body="Ja: das Versorgungsamt München hat 2023 anerkannt, nachdem wir ein "
            "traumatherapeutisches Gutachten beigelegt hatten. Gern telefonisch mehr.",
            created_at=now - timedelta(days=7),
            helpful=True,
        ),
        Answer(
            author_id=rhein.id,
            body="Bei uns steht eine Entscheidung noch aus; wir beobachten das mit Interesse.",
            created_at=now - timedelta(days=6),
        ),
    ]
    db.session.add(question)
    db.session.add(
        Question(
            author_id=rhein.id,
            organisation_id=rhein.organisation_id,
            title="Kennt jemand Dolmetscherinnen für Tigrinya im Raum Köln?",
            body="Für ein Beratungsgespräch mit einer Betroffenen aus Eritrea, möglichst weiblich.",
            anonymous=True,
            created_at=now - timedelta(days=2),
        )
    )

    if decision is not None:
        db.session.add(
            Comment(
                resource_id=decision.id,
                author_id=muenchen.id,
                body="Hilfreich für die Argumentation zur Zwangslage; wir haben die Entscheidung "
                "in zwei Verfahren zitiert.",
                created_at=now - timedelta(days=4),
            )
        )

    start = (now_local() + timedelta(days=42)).replace(hour=10, minute=0, second=0, microsecond=0)
    meeting = Meeting(
        kind="networking",
        title="Vernetzungstreffen Arbeitsausbeutung",
        starts_at=start,
        ends_at=start + timedelta(hours=6),
        place="Berlin, Tagungshaus (Demo-Adresse)",
        agenda="1. Rückblick auf die Fälle des Jahres\n2. Zusammenarbeit mit dem Zoll\n"
        "3. Verabredungen für die Stellungnahme",
        capacity=25,
        registration_deadline=start - timedelta(days=7),
        created_by_id=office.id,
        created_at=now - timedelta(days=3),
    )
    meeting.registrations = [Registration(user_id=rhein.id, created_at=now - timedelta(days=1))]
    training = _resource("demo-training-arbeitszeit")
    if training is not None:
        meeting.materials = [MeetingMaterial(resource_id=training.id, role="agenda")]
    db.session.add(meeting)

    paper = _resource("demo-paper-entwurf-bedenkfrist")
    if paper is not None:
        consultation = Consultation(
            resource_id=paper.id,
            title=paper.title,
            sections=split_sections(paper.body),
            deadline=(now + timedelta(days=21)).date(),
            opened_by_id=office.id,
            opened_at=now - timedelta(days=5),
        )
        consultation.responses = [
            ConsultationResponse(
                organisation_id=muenchen.organisation_id,
                verdict="agree_with_changes",
                comment="Grundsätzlich einverstanden.",
                section_comments={"2": "Bitte die Erfahrungen aus Bayern ergänzen."},
                updated_by_id=muenchen.id,
                submitted_at=now - timedelta(days=1),
                submitted_by_id=muenchen.id,
            )
        ]
        db.session.add(consultation)

    published = db.session.scalars(
        select(Resource)
        .where(Resource.status == "published", Resource.visibility == "members")
        .order_by(Resource.published_at.desc(), Resource.id.desc())
        .limit(3)
    ).all()
    issue = Issue(
        title="KOK informiert 1/2027",
        intro="Neue Entscheidungen und Materialien aus dem Netzwerk.",
        created_by_id=office.id,
        created_at=now - timedelta(days=8),
        sent_at=now - timedelta(days=8),
    )
    issue.items = [
        IssueItem(resource_id=r.id, position=i, note="Lesenswert für die Beratungspraxis.")
        for i, r in enumerate(published)
    ]
    db.session.add(issue)
    db.session.flush()
