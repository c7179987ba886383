"""The demo knowledge base loaded by `seed-demo`."""

from collections import Counter

from portal.extensions import db
from portal.resources.models import Attachment, Court, Resource, ResourceLink


def test_seed_demo_loads_the_knowledge_base_once(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0

    with app.app_context():
        types = Counter(db.session.scalars(db.select(Resource.type)))
        assert types["case_law"] >= 40
        assert types["training_material"] >= 12
        assert types["position_paper"] >= 12
        assert {"draft", "published"} <= set(db.session.scalars(db.select(Resource.status)))
        assert {"members", "office", "organisation"} <= set(
            db.session.scalars(db.select(Resource.visibility))
        )
        years = {d.year for d in db.session.scalars(db.select(Resource.decision_date)) if d}
        assert min(years) <= 2006 and max(years) >= 2024
        kinds = set(db.session.scalars(db.select(Attachment.kind)))
        assert kinds == {"txt", "docx", "pdf"}
        assert not db.session.scalar(db.select(Court).where(Court.needs_curation))
        before = (
            db.session.scalar(db.select(db.func.count(Resource.id))),
            db.session.scalar(db.select(db.func.count(ResourceLink.id))),
            db.session.scalar(db.select(db.func.count(Attachment.id))),
            db.session.scalar(db.select(db.func.sum(Resource.version))),
        )

    assert runner.invoke(args=["seed-demo"]).exit_code == 0

    with app.app_context():
        after = (
            db.session.scalar(db.select(db.func.count(Resource.id))),
            db.session.scalar(db.select(db.func.count(ResourceLink.id))),
            db.session.scalar(db.select(db.func.count(Attachment.id))),
            db.session.scalar(db.select(db.func.sum(Resource.version))),
        )
        assert after == before


def test_an_overturned_decision_is_linked_to_the_one_that_overturned_it(app, runner):
    runner.invoke(args=["seed-demo"])

    with app.app_context():
        first = db.session.scalar(
            db.select(Resource).filter_by(external_id="demo-case-lg-hamburg-2017")
        )
        link = db.session.scalar(db.select(ResourceLink).filter_by(source_id=first.id))
        assert link.kind == "instance"
        assert link.target.court.short_name == "BGH"
        assert first.outcome == ["acquittal"]


def test_every_demo_decision_has_its_case_facts(app, runner):
    runner.invoke(args=["seed-demo"])

    with app.app_context():
        decisions = db.session.scalars(db.select(Resource).filter_by(type="case_law")).all()
        assert len(decisions) >= 30
        for decision in decisions:
            assert decision.proceeding, decision.external_id
            assert decision.exploitation_forms, decision.external_id
            assert decision.control_means, decision.external_id
            assert decision.outcome, decision.external_id
            assert decision.victims_nationalities, decision.external_id
        criminal = [d for d in decisions if d.proceeding == "criminal"]
        assert any(d.sentence_months for d in criminal)
        assert len({p for d in decisions for p in [d.proceeding]}) >= 5
        bgh = db.session.scalar(
            db.select(Resource).filter_by(external_id="demo-case-bgh-2021-3str")
        )
        earlier = db.session.scalar(
            db.select(ResourceLink).filter_by(target_id=bgh.id, kind="instance")
        )
        assert earlier.source.court.short_name == "LG München I"


def test_the_demo_shows_the_network_at_work_without_sending_anything(app, runner, tmp_path):
    from portal.consultations.models import Consultation
    from portal.meetings.models import Meeting
    from portal.newsletter.models import Issue
    from portal.notifications.models import Notification
    from portal.questions.models import Question

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        questions = db.session.scalars(db.select(Question)).all()
        assert len(questions) == 2
        assert any(q.anonymous for q in questions)
        assert any(a.helpful for q in questions for a in q.answers)
        assert db.session.scalar(db.select(db.func.count(Meeting.id))) == 1
        consultation = db.session.scalars(db.select(Consultation)).one()
        assert consultation.resource.status == "draft" and len(consultation.sections) == 4
        assert consultation.responses[0].submitted_at is not None
        assert db.session.scalars(db.select(Issue)).one().items
        assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0
    assert not (tmp_path / "instance" / "mail").exists()
