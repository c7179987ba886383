"""The audit page in words: named, linked targets and details, target types to choose from,
every action once in the filter; the user list's second-factor column."""

import re

from portal.audit import record
from portal.audit.forms import AuditFilterForm
from portal.audit.services import ACTIONS, SYSTEM
from portal.extensions import db


def test_targets_and_details_are_named_and_linked_instead_of_numbers(
    app, client, login_as, create_user, member_org
):
    login_as("admin")
    nora = create_user(name="Nora Neu")
    with app.test_request_context():
        record(
            "user.created",
            target=("user", nora.id),
            details={"role": "member", "organisation_id": member_org.id},
            actor=SYSTEM,
        )
        record("login.failure", target=("user", 999999), details={"reason": "password"})
        db.session.commit()
    page = client.get("/admin/audit").text
    row = re.search(r"<tr>(?:(?!</tr>).)*Konto angelegt.*?</tr>", page, re.S).group(0)
    assert f'Person <a href="/admin/users/{nora.id}">Nora Neu</a>' in row
    assert "Rolle: Mitglied" in row
    assert (
        f'Organisation: <a href="/admin/organisations/{member_org.id}">{member_org.name}</a>' in row
    )
    assert "organisation_id" not in page and "user 999999" not in page
    assert "Person #999999" in page and "Grund: falsches Passwort" in page


def test_the_target_type_is_a_choice_and_no_two_actions_read_the_same(app, client, login_as):
    login_as("admin")
    labels = [str(label) for label in ACTIONS.values()]
    assert len(labels) == len(set(labels))
    with app.test_request_context():
        form = AuditFilterForm()
        assert form.target_type.type == "SelectField"
        assert ("organisation", "Organisation") in [
            (k, str(v)) for k, v in form.target_type.choices
        ]
    page = client.get("/admin/audit").text
    assert '<select id="target_type" name="target_type">' in page


def test_the_user_list_shows_who_has_a_second_factor(app, client, login_as, create_user, office):
    login_as("admin")
    create_user(name="Mit App", totp_secret="JBSWY3DPEHPK3PXP", totp_enabled_at=db.func.now())
    create_user(name="Redaktion ohne App", role="editor", organisation=office)
    page = client.get("/admin/users").text
    assert '<th scope="col">Zwei-Faktor</th>' in page
    with_app = re.search(r"Mit App</a></td>.*?</tr>", page, re.S).group(0)
    without = re.search(r"Redaktion ohne App</a></td>.*?</tr>", page, re.S).group(0)
    assert "eingerichtet" in with_app
    assert "<td>nein</td>" in without  # TestConfig requires it of nobody
