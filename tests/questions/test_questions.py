"""Questions to the network: asking (also anonymously), answering, helpful answers, finding."""

import pytest

from portal.extensions import db
from portal.notifications.models import Notification
from portal.questions.models import Question
from tests.helpers import logged_in_client


@pytest.fixture
def people(create_user, create_org, office):
    other = create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")
    return {
        "asker": create_user(name="Anna Fragend"),
        "colleague": create_user(name="Kai Kollege"),
        "stranger": create_user(organisation=other, name="Sina Süd"),
        "editor": create_user(role="editor", organisation=office, name="Eda Redaktion"),
    }


def _ask(app, user, **data):
    form = {"title": "Wer hat Erfahrung mit dem LG Köln?", "body": "Entschädigung nach Juju."}
    form.update(data)
    return logged_in_client(app, user).post("/questions/new", data=form)


def _question(app) -> Question:
    with app.app_context():
        question = db.session.scalars(db.select(Question)).one()
        db.session.expunge(question)
        return question


def test_a_question_reaches_every_member_and_names_the_asker(app, people):
    assert _ask(app, people["asker"]).status_code == 302
    question = _question(app)
    page = logged_in_client(app, people["stranger"]).get(f"/questions/{question.id}")
    html = page.get_data(as_text=True)
    assert "Wer hat Erfahrung mit dem LG Köln?" in html
    assert "Anna Fragend (Fachberatungsstelle Nord)" in html
    with app.app_context():
        told = set(
            db.session.scalars(
                db.select(Notification.user_id).where(Notification.kind == "questions")
            )
        )
    assert told == {people["colleague"].id, people["stranger"].id, people["editor"].id}


def test_an_anonymous_question_hides_the_asker_from_other_centres_but_not_from_the_office(
    app, people
):
    _ask(app, people["asker"], anonymous="y")
    question = _question(app)
    for person in ("stranger", "colleague"):
        for path in ("/questions/", f"/questions/{question.id}"):
            page = logged_in_client(app, people[person]).get(path).get_data(as_text=True)
            html = page.split("<main", 1)[1]  # the header names the reader's own organisation
            assert "Anna Fragend" not in html and "Fachberatungsstelle Nord" not in html, path
            assert "anonym gefragt" in html
    office = logged_in_client(app, people["editor"]).get(f"/questions/{question.id}")
    assert "Anna Fragend (Fachberatungsstelle Nord)" in office.get_data(as_text=True)
    own = logged_in_client(app, people["asker"]).get(f"/questions/{question.id}")
    assert "Anna Fragend" in own.get_data(as_text=True)


def test_a_question_without_text_or_with_an_unknown_entry_keeps_what_was_typed(
    app, people, create_resource
):
    response = _ask(app, people["asker"], title="")
    assert response.status_code == 400
    assert "Bitte stellen Sie Ihre Frage." in response.get_data(as_text=True)
    hidden = create_resource(title="Intern Süd", organisation=None, visibility="organisation")
    response = _ask(app, people["stranger"], references=f"/resources/{hidden.id}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "gibt es nicht oder Sie dürfen ihn nicht sehen" in html
    assert "Wer hat Erfahrung mit dem LG Köln?" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Question.id))) == 0


def test_linked_entries_show_only_to_those_who_may_see_them(app, people, create_resource):
    shared = create_resource(title="Offenes Urteil")
    internal = create_resource(title="Nordinterne Notiz", visibility="organisation")
    _ask(app, people["asker"], references=f"{shared.id}\n/resources/{internal.id}")
    question = _question(app)
    inside = logged_in_client(app, people["colleague"]).get(f"/questions/{question.id}")
    assert "Nordinterne Notiz" in inside.get_data(as_text=True)
    outside = logged_in_client(app, people["stranger"]).get(f"/questions/{question.id}")
    html = outside.get_data(as_text=True)
    assert "Offenes Urteil" in html and "Nordinterne Notiz" not in html


def test_answers_tell_the_asker_and_the_asker_marks_one_helpful(app, people):
    _ask(app, people["asker"])
    question = _question(app)
    stranger = logged_in_client(app, people["stranger"])
    assert stranger.post(f"/questions/{question.id}", data={"body": ""}).status_code == 400
    response = stranger.post(f"/questions/{question.id}", data={"body": "Ja, 2021 mit Erfolg."})
    assert response.status_code == 302
    with app.app_context():
        told = db.session.scalars(
            db.select(Notification.user_id).where(Notification.kind == "answered")
        ).all()
        answer_id = db.session.scalar(db.select(Question).where(Question.id == question.id))
        answer_id = answer_id.answers[0].id
    assert told == [people["asker"].id]
    path = f"/questions/{question.id}/answers/{answer_id}/helpful"
    assert stranger.post(path, data={"helpful": "1"}).status_code == 403
    assert (
        logged_in_client(app, people["asker"]).post(path, data={"helpful": "1"}).status_code == 302
    )
    listing = stranger.get("/questions/?state=answered").get_data(as_text=True)
    assert "Wer hat Erfahrung mit dem LG Köln?" in listing
    assert "Wer hat Erfahrung" not in stranger.get("/questions/?state=open").get_data(as_text=True)


def test_questions_are_found_by_their_words_on_the_questions_page_and_in_the_search(app, people):
    _ask(app, people["asker"], title="Erfahrungen mit Zwangsprostitution vor dem LG Essen?")
    _ask(app, people["colleague"], title="Wer kennt Dolmetscher für Tigrinya?", body="")
    client = logged_in_client(app, people["stranger"])
    found = client.get("/questions/?q=Zwangsprostitutionen").get_data(as_text=True)
    assert "LG Essen" in found and "Tigrinya" not in found
    search = client.get("/search/?q=Dolmetscher").get_data(as_text=True)
    assert "passende Anfrage an das Netzwerk" in search and "Tigrinya" in search


def test_a_question_can_be_followed(app, people):
    _ask(app, people["asker"])
    question = _question(app)
    client = logged_in_client(app, people["editor"])
    client.post(
        "/notifications/follow", data={"target_type": "question", "target_key": str(question.id)}
    )
    logged_in_client(app, people["stranger"]).post(
        f"/questions/{question.id}", data={"body": "Antwort"}
    )
    with app.app_context():
        told = set(
            db.session.scalars(
                db.select(Notification.user_id).where(Notification.kind == "answered")
            )
        )
    assert told == {people["asker"].id, people["editor"].id}
    assert "Wer hat Erfahrung" in client.get("/notifications/following").get_data(as_text=True)


def test_the_search_lists_questions_under_the_type_filter_with_their_count(
    app, people, create_resource
):
    create_resource(title="Urteil zum Dolmetscher im Strafverfahren")
    _ask(app, people["asker"], title="Wer kennt Dolmetscher für Tigrinya?", body="")
    page = logged_in_client(app, people["stranger"]).get("/search/?q=Dolmetscher").text
    facet = page.split('class="facet-link"', 1)[1].split("</li>", 1)[0]
    assert "/questions/?q=Dolmetscher" in facet and "(1)" in facet
