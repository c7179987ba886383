"""Comments: who sees and writes them, replies, the edit window, deleting, moderation."""

from datetime import timedelta

import pytest

from portal.audit.models import AuditEntry
from portal.comments.models import Comment
from portal.extensions import db
from portal.notifications.models import Notification
from tests.helpers import logged_in_client


@pytest.fixture
def people(create_user, create_org, office):
    other = create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")
    return {
        "author": create_user(name="Anna Autorin"),
        "colleague": create_user(name="Kai Kollege"),
        "stranger": create_user(organisation=other, name="Sina Süd"),
        "editor": create_user(role="editor", organisation=office, name="Eda Redaktion"),
    }


def _comment(app, user, resource, body, **extra):
    return logged_in_client(app, user).post(
        f"/resources/{resource.id}/comments", data={"body": body, **extra}
    )


def _only_comment(app) -> Comment:
    with app.app_context():
        found = db.session.scalars(db.select(Comment)).all()
        assert len(found) >= 1
        db.session.expunge_all()
        return found[0]


def test_a_comment_is_shown_on_the_entry_sanitised_and_its_author_is_told(
    app, people, create_resource
):
    entry = create_resource(title="Urteil", author_id=people["author"].id)
    response = _comment(
        app, people["stranger"], entry, "**Wichtig** für uns <script>alert(1)</script>"
    )
    assert response.status_code == 302
    page = logged_in_client(app, people["colleague"]).get(f"/resources/{entry.id}")
    html = page.get_data(as_text=True)
    assert "<strong>Wichtig</strong> für uns" in html
    assert "<script>alert(1)" not in html
    assert "Sina Süd" in html
    with app.app_context():
        told = db.session.scalars(db.select(Notification.user_id)).all()
    assert told == [people["author"].id]


def test_comments_on_a_hidden_entry_can_be_neither_read_nor_written(app, people, create_resource):
    hidden = create_resource(title="Nur Nord", visibility="organisation")
    assert _comment(app, people["colleague"], hidden, "Intern").status_code == 302
    assert _comment(app, people["stranger"], hidden, "Von außen").status_code == 404
    comment = _only_comment(app)
    client = logged_in_client(app, people["stranger"])
    for method, path in (
        ("get", f"/resources/{hidden.id}/comments/{comment.id}/edit"),
        ("post", f"/resources/{hidden.id}/comments/{comment.id}/delete"),
        ("post", f"/resources/{hidden.id}/comments/{comment.id}/hide"),
    ):
        assert getattr(client, method)(path).status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Comment.id))) == 1


def test_an_empty_or_too_long_comment_is_refused_and_the_text_kept(app, people, create_resource):
    entry = create_resource(title="Urteil")
    response = _comment(app, people["colleague"], entry, "   ")
    assert response.status_code == 400
    assert "Bitte schreiben Sie einen Kommentar." in response.get_data(as_text=True)
    long_text = "Erfahrung " * 600
    response = _comment(app, people["colleague"], entry, long_text)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "höchstens 5.000 Zeichen" in page
    assert long_text.strip()[:100] in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Comment.id))) == 0


def test_a_reply_joins_the_thread_and_tells_the_earlier_participants(app, people, create_resource):
    entry = create_resource(title="Urteil", author_id=people["author"].id)
    _comment(app, people["colleague"], entry, "Frage dazu")
    first = _only_comment(app)
    _comment(app, people["stranger"], entry, "Antwort", parent_id=str(first.id))
    with app.app_context():
        reply = db.session.scalar(db.select(Comment).where(Comment.parent_id == first.id))
        assert reply is not None
        # a reply to the reply still hangs on the first comment (one level)
    _comment(app, people["author"], entry, "Noch eine", parent_id=str(reply.id))
    with app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count(Comment.id)).where(Comment.parent_id == first.id)
            )
            == 2
        )
        told = sorted(
            db.session.scalars(
                db.select(Notification.user_id).where(Notification.kind == "commented")
            )
        )
    # first: author; reply: author and colleague; last: colleague and stranger
    assert told == sorted(
        [people["author"].id] * 2 + [people["colleague"].id] * 2 + [people["stranger"].id]
    )


def test_the_author_edits_within_15_minutes_and_nobody_else_ever(app, people, create_resource):
    entry = create_resource(title="Urteil")
    _comment(app, people["colleague"], entry, "Erstfassung")
    comment = _only_comment(app)
    path = f"/resources/{entry.id}/comments/{comment.id}/edit"
    assert logged_in_client(app, people["author"]).get(path).status_code == 403
    own = logged_in_client(app, people["colleague"])
    assert own.post(path, data={"body": "Zweitfassung"}).status_code == 302
    with app.app_context():
        row = db.session.get(Comment, comment.id)
        assert row.body == "Zweitfassung" and row.edited_at is not None
        row.created_at -= timedelta(minutes=16)
        db.session.commit()
    assert own.post(path, data={"body": "Zu spät"}).status_code == 403


def test_deleting_keeps_the_place_of_a_comment_with_replies(app, people, create_resource):
    entry = create_resource(title="Urteil")
    _comment(app, people["colleague"], entry, "Wird gelöscht")
    first = _only_comment(app)
    _comment(app, people["stranger"], entry, "Bleibt", parent_id=str(first.id))
    assert (
        logged_in_client(app, people["stranger"])
        .post(f"/resources/{entry.id}/comments/{first.id}/delete")
        .status_code
        == 403
    )
    own = logged_in_client(app, people["colleague"])
    assert own.post(f"/resources/{entry.id}/comments/{first.id}/delete").status_code == 302
    html = own.get(f"/resources/{entry.id}").get_data(as_text=True)
    assert "Wird gelöscht" not in html and "Bleibt" in html
    assert "gelöscht" in html


def test_the_office_hides_and_restores_a_comment_on_the_record(app, people, create_resource):
    entry = create_resource(title="Urteil")
    _comment(app, people["colleague"], entry, "Unpassender Text")
    comment = _only_comment(app)
    member = logged_in_client(app, people["stranger"])
    assert member.post(f"/resources/{entry.id}/comments/{comment.id}/hide").status_code == 403
    office = logged_in_client(app, people["editor"])
    assert office.post(f"/resources/{entry.id}/comments/{comment.id}/hide").status_code == 302
    assert "Unpassender Text" not in member.get(f"/resources/{entry.id}").get_data(as_text=True)
    assert "Unpassender Text" in office.get(f"/resources/{entry.id}").get_data(as_text=True)
    assert office.post(f"/resources/{entry.id}/comments/{comment.id}/show").status_code == 302
    assert "Unpassender Text" in member.get(f"/resources/{entry.id}").get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(
            db.select(AuditEntry.action).where(AuditEntry.action.like("comment.%"))
        ).all()
    assert actions == ["comment.hidden", "comment.restored"]


def test_a_commenter_who_moved_away_is_not_told_of_later_comments_on_a_hidden_entry(
    app, people, create_resource, create_org
):
    entry = create_resource(title="Nur Nord", visibility="organisation")
    _comment(app, people["colleague"], entry, "Erster")
    other = create_org(slug="fbs-west", name="West")
    with app.app_context():
        from portal.auth.models import User

        db.session.get(User, people["colleague"].id).organisation_id = other.id
        db.session.commit()
    _comment(app, people["author"], entry, "Zweiter")
    with app.app_context():
        told = db.session.scalars(db.select(Notification.user_id)).all()
    assert people["colleague"].id not in told
