"""Inviting people: only by admins and editors, by e-mail, single-use links that expire."""

from datetime import timedelta

from portal.auth.models import Invitation, User
from portal.extensions import db
from portal.timeutil import utcnow
from tests.helpers import PASSWORD


def invite(client, email, organisation_id, role="member"):
    return client.post(
        "/admin/invitations/new",
        data={"email": email, "organisation": organisation_id, "role": role},
    )


def link_path(mailbox, email):
    return mailbox.last_link(email).replace("http://portal.test", "")


def accept(client, path, name="Neue Kollegin", password=PASSWORD):
    return client.post(path, data={"name": name, "password": password, "confirm": password})


def test_an_admin_invites_a_member_who_accepts_and_logs_in(
    app, client, login_as, member_org, smtp_sink, auth
):
    login_as("admin")
    response = invite(client, "neu@beratung.example", member_org.id)
    assert response.status_code == 302
    mail = smtp_sink.to("neu@beratung.example")[-1]
    assert mail["Subject"] == "Einladung zum KOK-Wissensportal"
    assert "http://portal.test/auth/invitation/" in smtp_sink.body(mail)

    path = link_path(smtp_sink, "neu@beratung.example")
    auth.logout()
    assert "Willkommen" in client.get(path).get_data(as_text=True)
    response = accept(client, path, name="Neue Kollegin")
    assert response.status_code == 302
    assert "Neue Kollegin" in client.get("/").get_data(as_text=True)

    auth.logout()
    assert auth.login("neu@beratung.example").status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "neu@beratung.example"))
        assert user.role == "member" and user.organisation_id == member_org.id


def test_an_invitation_link_works_only_once(client, login_as, member_org, smtp_sink, auth):
    login_as("admin")
    invite(client, "once@beratung.example", member_org.id)
    path = link_path(smtp_sink, "once@beratung.example")
    auth.logout()
    assert accept(client, path).status_code == 302
    auth.logout()
    response = client.get(path)
    assert response.status_code == 400
    assert "nicht mehr gültig" in response.get_data(as_text=True)


def test_an_expired_invitation_is_refused(app, client, login_as, member_org, smtp_sink, auth):
    login_as("admin")
    invite(client, "late@beratung.example", member_org.id)
    path = link_path(smtp_sink, "late@beratung.example")
    with app.app_context():
        invitation = db.session.scalar(db.select(Invitation))
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    auth.logout()
    assert client.get(path).status_code == 400
    assert accept(client, path).status_code == 400


def test_a_forged_or_truncated_link_is_refused(client, login_as, member_org, smtp_sink, auth):
    login_as("admin")
    invite(client, "x@beratung.example", member_org.id)
    path = link_path(smtp_sink, "x@beratung.example")
    auth.logout()
    assert client.get(path[:-3] + "abc").status_code == 400
    assert client.get("/auth/invitation/nonsense").status_code == 400


def test_resending_sends_a_new_link_and_the_old_one_stops_working(
    app, client, login_as, member_org, smtp_sink, auth
):
    login_as("admin")
    invite(client, "again@beratung.example", member_org.id)
    first = link_path(smtp_sink, "again@beratung.example")
    with app.app_context():
        invitation_id = db.session.scalar(db.select(Invitation.id))
    assert client.post(f"/admin/invitations/{invitation_id}/resend").status_code == 302
    second = link_path(smtp_sink, "again@beratung.example")
    assert first != second
    auth.logout()
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 200


def test_a_revoked_invitation_cannot_be_accepted(
    app, client, login_as, member_org, smtp_sink, auth
):
    login_as("admin")
    invite(client, "revoked@beratung.example", member_org.id)
    path = link_path(smtp_sink, "revoked@beratung.example")
    with app.app_context():
        invitation_id = db.session.scalar(db.select(Invitation.id))
    client.post(f"/admin/invitations/{invitation_id}/revoke")
    page = client.get("/admin/invitations").get_data(as_text=True)
    assert "zurückgezogen" in page
    auth.logout()
    assert client.get(path).status_code == 400


def test_an_editor_may_invite_members_but_not_admins(client, login_as, member_org, smtp_sink):
    login_as("editor")
    assert invite(client, "m@beratung.example", member_org.id, role="member").status_code == 302
    response = invite(client, "boss@beratung.example", member_org.id, role="admin")
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True) or "gültige" in (
        response.get_data(as_text=True)
    )
    assert not smtp_sink.to("boss@beratung.example")


def test_a_member_cannot_invite(client, login_as, member_org):
    login_as("member")
    assert client.get("/admin/invitations/new").status_code == 403
    assert invite(client, "m@beratung.example", member_org.id).status_code == 403


def test_inviting_an_existing_account_is_refused_with_a_message(
    client, login_as, member_org, create_user, smtp_sink
):
    existing = create_user(email="exists@beratung.example")
    login_as("admin")
    response = invite(client, existing.email, member_org.id)
    assert "bereits ein Konto" in response.get_data(as_text=True)
    assert not smtp_sink.to(existing.email)


def test_accepting_with_a_weak_password_keeps_the_name_and_explains(
    client, login_as, member_org, smtp_sink, auth
):
    login_as("admin")
    invite(client, "weak@beratung.example", member_org.id)
    path = link_path(smtp_sink, "weak@beratung.example")
    auth.logout()
    response = accept(client, path, name="Kim Weak", password="kurz")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "mindestens 15 Zeichen" in page
    assert 'value="Kim Weak"' in page


def test_the_invitee_cannot_choose_a_role_by_posting_extra_fields(
    app, client, login_as, member_org, smtp_sink, auth
):
    login_as("admin")
    invite(client, "sneaky@beratung.example", member_org.id)
    path = link_path(smtp_sink, "sneaky@beratung.example")
    auth.logout()
    client.post(
        path,
        data={
            "name": "S",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "role": "admin",
            "organisation_id": "999",
        },
    )
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "sneaky@beratung.example"))
        assert user.role == "member" and user.organisation_id == member_org.id
