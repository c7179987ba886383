"""/questions/: the list (open, answered, all; with search), asking, a question with answers."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db
from portal.notifications import services as notifications
from portal.questions import services
from portal.questions.forms import QuestionForm
from portal.questions.models import Answer, Question

bp = Blueprint("questions", __name__, url_prefix="/questions")


@bp.get("/")
def index():
    state = request.args.get("state", "all")
    if state not in services.STATES:
        state = "all"
    q = request.args.get("q", "")[:500]
    return render_template(
        "questions/index.html",
        listed=services.find(current_user, state, q),
        state=state,
        states=services.STATES,
        q=q,
    )


@bp.route("/new", methods=["GET", "POST"])
def ask():
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            question = services.ask(
                current_user,
                form.title.data,
                form.body.data,
                form.anonymous.data,
                form.references.data,
            )
        except services.QuestionError as exc:
            db.session.rollback()
            form.references.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Ihre Anfrage ist an das Netzwerk gestellt."), "success")
            return redirect(url_for("questions.detail", question_id=question.id))
    return render_template("questions/ask.html", form=form), (400 if form.errors else 200)


def _question(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None:
        abort(404)
    return question


@bp.route("/<int:question_id>", methods=["GET", "POST"])
def detail(question_id: int):
    question = _question(question_id)
    error, body = None, ""
    if request.method == "POST":
        body = request.form.get("body", "")
        try:
            made = services.answer(question, current_user, body)
        except services.QuestionError as exc:
            db.session.rollback()
            error = exc
        else:
            db.session.commit()
            flash(_("Ihre Antwort ist gespeichert."), "success")
            return redirect(
                url_for("questions.detail", question_id=question.id, _anchor=f"answer-{made.id}")
            )
    return render_template(
        "questions/detail.html",
        question=question,
        asked_by=services.asked_by(question, current_user),
        resources=services.visible_resources(question, current_user),
        following=notifications.is_following(current_user, "question", question.id),
        error=error,
        body=body,
    ), (400 if error else 200)


@bp.post("/<int:question_id>/answers/<int:answer_id>/helpful")
def helpful(question_id: int, answer_id: int):
    question = _question(question_id)
    answer = db.session.get(Answer, answer_id)
    if answer is None or answer.question_id != question.id:
        abort(404)
    try:
        services.mark_helpful(answer, current_user, request.form.get("helpful") == "1")
    except services.QuestionError:
        abort(403)
    db.session.commit()
    return redirect(
        url_for("questions.detail", question_id=question.id, _anchor=f"answer-{answer.id}")
    )
