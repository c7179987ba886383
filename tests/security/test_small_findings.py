"""Hostile import lines, mails in the log, and one e-mail check for forms and the command line."""

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import background
from portal.auth.models import User
from portal.extensions import db
from portal.resources.models import Resource
from portal.resources.transfer import MAX_LINE_CHARS
from tests.conftest import PASSWORD

GOOD = {
    "external_id": "gut-1",
    "type": "position_paper",
    "title": "Stellungnahme",
    "authors": ["KOK e.V."],
}


def import_file(runner, tmp_path, *lines):
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return runner.invoke(args=["import", str(path)])


def resources(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Resource.id)))


HOSTILE_LINES = {
    "nested 100,000 deep (RecursionError in the parser)": "[" * 100_000 + "]" * 100_000,
    "nested objects 50,000 deep": '{"a":' * 50_000 + "1" + "}" * 50_000,
    "nested 900 deep (parses, then too deep)": "[" * 900 + "]" * 900,
    "nested inside a field": json.dumps(
        {**GOOD, "external_id": "x", "tags": [[[[[[[[[[["t"]]]]]]]]]]]}
    ),
    "an integer of 5,000 digits": '{"external_id": "x", "type": "position_paper", "title": '
    + "9" * 5000
    + "}",
    "an integer of 5,000 digits in a number field": json.dumps(
        {**GOOD, "type": "training_material", "authors": None}
    ).replace('"authors": null', '"duration_minutes": ' + "9" * 5000),
    "NaN": '{"external_id": "x", "type": "position_paper", "title": NaN}',
    "Infinity": '{"external_id": "x", "type": "training_material", "title": "t", '
    '"duration_minutes": Infinity}',
    "a float that overflows": '{"external_id": "x", "type": "training_material", "title": "t", '
    '"duration_minutes": 1e999}',
    "a line longer than the limit": json.dumps({**GOOD, "body": "x" * (MAX_LINE_CHARS + 10)}),
    "a lone surrogate as key": '{"\\ud800": 1, "external_id": "x", "type": "position_paper"}',
}


@pytest.mark.parametrize("line", HOSTILE_LINES.values(), ids=HOSTILE_LINES.keys())
def test_a_hostile_line_is_reported_like_any_bad_line_and_nothing_is_imported(
    app, runner, tmp_path, office, line
):
    result = import_file(
        runner, tmp_path, json.dumps(GOOD), line, json.dumps(GOOD | {"external_id": "gut-2"})
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert "Nichts importiert" in result.stderr
    assert "Zeile 2" in result.stderr
    assert "Zeile 1" not in result.stderr and "Zeile 3" not in result.stderr
    assert len(result.stderr) < 5000  # the line itself is not echoed
    assert resources(app) == 0


# --- mails without SMTP ---------------------------------------------------------------------


def test_without_smtp_the_log_names_subject_and_recipient_but_never_the_link(
    app, client, create_user, caplog
):
    assert not app.config.get("MAIL_SERVER")
    user = create_user(email="mara@beratung.example")
    with caplog.at_level(logging.INFO):
        client.post("/auth/forgot-password", data={"email": user.email})
        background.wait_idle()
    mails = sorted((Path(app.instance_path) / "mail").glob("*.eml"))
    assert len(mails) == 1
    content = mails[0].read_text()
    token_link = next(line for line in content.splitlines() if "/auth/reset-password/" in line)
    token = token_link.rsplit("/", 1)[-1].strip()
    assert len(token) > 20
    assert "Passwort zur" in caplog.text and "mara@beratung.example" in caplog.text
    assert token not in caplog.text and "/auth/reset-password/" not in caplog.text
    assert "Hallo" not in caplog.text or "Hallo" not in content  # no body lines either


def test_an_invitation_link_stays_out_of_the_log_too(app, client, login_as, member_org, caplog):
    login_as("admin")
    with caplog.at_level(logging.INFO):
        client.post(
            "/admin/invitations/new",
            data={"email": "neu@beratung.example", "organisation": member_org.id, "role": "member"},
        )
        background.wait_idle()
    assert "neu@beratung.example" in caplog.text
    assert "/auth/invitation/" not in caplog.text


# --- one e-mail check ---------------------------------------------------------------------

REFUSED_ADDRESSES = [
    "mara",
    "mara@",
    "@beratung.example",
    "mara@localhost",
    "mara@beratung",
    "mara@@beratung.example",
    "ma ra@beratung.example",
    "mara@beratung..example",
    ".mara@beratung.example",
    "mara.@beratung.example",
    "mara@-beratung.example",
    "mara@beratung.example.",
    "<mara@beratung.example>",
    "mara@beratung.example, eve@evil.example",
    "mara@" + "a" * 250 + ".example",
    "mara@beratung.invalid",
]


def login_form_refuses(client, address) -> bool:
    page = client.post("/auth/login", data={"email": address, "password": PASSWORD})
    return "Bitte geben Sie eine gültige E-Mail-Adresse ein." in page.get_data(as_text=True)


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_create_user_refuses_what_the_login_form_refuses(app, client, runner, member_org, address):
    assert login_form_refuses(client, address)
    result = runner.invoke(
        args=[
            "create-user",
            address,
            "--name",
            "Mara",
            "--org",
            member_org.slug,
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 1, result.output
    assert "gültige E-Mail-Adresse" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize(
    "address",
    ["Mara.Muster@Beratung.example", "  mara+portal@beratung.example ", "müller@beratung.example"],
)
def test_create_user_accepts_what_the_login_form_accepts_and_the_account_logs_in(
    app, client, runner, member_org, address
):
    assert not login_form_refuses(client, address)
    result = runner.invoke(
        args=[
            "create-user",
            address,
            "--name",
            "Mara",
            "--org",
            member_org.slug,
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    response = client.post("/auth/login", data={"email": address, "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("address", ["mara@localhost", "mara@beratung", "ma ra@beratung.example"])
def test_invitations_and_e_mail_changes_use_the_same_check(
    app, client, login_as, member_org, address
):
    admin = login_as("admin")
    page = client.post(
        "/admin/invitations/new",
        data={"email": address, "organisation": member_org.id, "role": "member"},
    )
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in page.get_data(as_text=True)
    page = client.post(
        "/auth/profile/email",
        data={"email-new_email": address, "email-current_password": PASSWORD},
    )
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).email == admin.email
