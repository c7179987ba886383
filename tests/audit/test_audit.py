"""The audit trail: what is recorded, the hash chain, pruning, the admin page and the export."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update

from portal.audit import record
from portal.audit.models import GENESIS_HASH, AuditEntry
from portal.audit.services import SYSTEM, spreadsheet_safe, truncate_ip, verify_chain
from portal.extensions import db
from tests.helpers import PASSWORD


def entries(app, action=None):
    with app.app_context():
        stmt = select(AuditEntry).order_by(AuditEntry.seq)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        rows = db.session.scalars(stmt).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def add_entries(app, n=5):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.77"}):
        for i in range(n):
            record(
                "organisation.updated", target=("organisation", i), details={"n": i}, actor=SYSTEM
            )
        db.session.commit()


def test_a_successful_login_and_logout_are_recorded_with_actor_and_truncated_ip(
    app, client, auth, create_user
):
    user = create_user()
    client.post(
        "/auth/login",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.23"},
    )
    client.post("/auth/logout", environ_base={"REMOTE_ADDR": "198.51.100.23"})
    login, logout = entries(app, "login.success")[0], entries(app, "logout")[0]
    assert (login.actor_id, login.actor_email) == (user.id, user.email)
    assert login.ip_address == "198.51.100.0/24"
    assert (login.target_type, login.target_id) == ("user", str(user.id))
    assert logout.actor_id == user.id


def test_failed_logins_and_the_lockout_are_recorded_without_the_typed_secrets(
    app, auth, create_user
):
    app.config.update(LOGIN_LOCKOUT_THRESHOLD=2, RATELIMIT_ENABLED=False)
    user = create_user()
    auth.login("nobody@example.org", "typed secret one!")
    auth.login(user.email, "typed secret two!")
    auth.login(user.email, "typed secret three")
    failures = entries(app, "login.failure")
    assert [f.details["reason"] for f in failures] == ["unknown_account", "password", "password"]
    assert failures[0].target_id == "" and failures[1].target_id == str(user.id)
    assert entries(app, "login.lockout")[0].target_id == str(user.id)
    with app.app_context():
        dump = "\n".join(str(row) for row in db.session.execute(text("SELECT * FROM audit_entry")))
    assert "typed secret" not in dump and "nobody@example.org" not in dump


def test_admin_changes_to_role_organisation_and_activation_are_recorded(
    app, client, login_as, create_user, create_org
):
    login_as("admin")
    user = create_user()
    other = create_org(kind="office")
    client.post(f"/admin/users/{user.id}", data={"organisation": other.id, "role": "editor"})
    client.post(f"/admin/users/{user.id}/active", data={"active": "0"})
    actions = [e.action for e in entries(app) if e.target_id == str(user.id)]
    assert actions == ["user.role_changed", "user.organisation_changed", "user.deactivated"]
    role_change = entries(app, "user.role_changed")[0]
    assert role_change.details == {"from": "member", "to": "editor"}


def test_invitations_are_recorded_from_creation_to_acceptance(app, client, login_as, member_org):
    login_as("admin")
    client.post(
        "/admin/invitations/new",
        data={"email": "neu@example.org", "organisation": member_org.id, "role": "member"},
    )
    with app.app_context():
        invitation_id = db.session.scalar(text("SELECT id FROM invitation"))
    client.post(f"/admin/invitations/{invitation_id}/resend")
    client.post(f"/admin/invitations/{invitation_id}/revoke")
    actions = [e.action for e in entries(app) if e.target_type == "invitation"]
    assert actions == ["invitation.created", "invitation.resent", "invitation.revoked"]


def test_password_changes_are_recorded(app, client, login_as):
    user = login_as("member")
    new = "Ein ganz anderes Passwort 2024 bitte"
    client.post(
        "/auth/profile/password",
        data={"current_password": PASSWORD, "password": new, "confirm": new},
    )
    assert entries(app, "password.changed")[0].target_id == str(user.id)


def test_the_chain_links_every_entry_to_its_predecessor(app):
    add_entries(app, 4)
    rows = entries(app)
    assert rows[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert [r.seq for r in rows] == [1, 2, 3, 4]
    with app.app_context():
        assert verify_chain() == ([], 4)


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_entry SET details = '{\"n\": 99}' WHERE seq = 3",
        "UPDATE audit_entry SET action = 'logout' WHERE seq = 2",
        "UPDATE audit_entry SET created_at = '2020-01-01 00:00:00.000000' WHERE seq = 4",
        "DELETE FROM audit_entry WHERE seq = 3",
        "DELETE FROM audit_entry WHERE seq = 1",
        "UPDATE audit_entry SET ip_address = '10.0.0.0/24' WHERE seq = 5",
    ],
)
def test_verify_audit_reports_changed_or_removed_entries(app, runner, tamper):
    add_entries(app, 5)
    assert runner.invoke(args=["verify-audit"]).exit_code == 0
    with app.app_context():
        db.session.execute(text(tamper))
        db.session.commit()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert "NOT intact" in result.output


def test_verify_audit_detects_a_changed_actor_email(app, client, auth, create_user, runner):
    user = create_user()
    auth.login(user.email)
    with app.app_context():
        db.session.execute(update(AuditEntry).values(actor_email="someone@else.example"))
        db.session.commit()
    assert runner.invoke(args=["verify-audit"]).exit_code == 1


def test_a_removed_tail_is_found_with_the_head_printed_earlier(app, runner):
    add_entries(app, 3)
    result = runner.invoke(args=["verify-audit"])
    head = result.output.split("Head: ")[1].strip()
    assert head.startswith("3:")
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
        db.session.commit()
    assert runner.invoke(args=["verify-audit"]).exit_code == 0  # a chain prefix is still a chain
    assert runner.invoke(args=["verify-audit", "--expect-head", head]).exit_code == 1


def test_pruning_keeps_the_chain_verifiable(app, runner):
    add_entries(app, 6)
    with app.app_context():
        old = db.session.scalar(select(AuditEntry).where(AuditEntry.seq == 4)).created_at
        db.session.execute(
            update(AuditEntry)
            .where(AuditEntry.seq <= 4)
            .values(created_at=old - timedelta(days=400))
        )
        db.session.commit()
    # Re-hash the back-dated entries the way they would have been written.
    with app.app_context():
        from portal.audit.services import entry_hash

        previous = GENESIS_HASH
        for row in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
            row.prev_hash = previous
            row.hash = entry_hash(row)
            previous = row.hash
        db.session.commit()
    assert runner.invoke(args=["verify-audit"]).exit_code == 0
    result = runner.invoke(args=["prune-audit"])
    assert "Deleted 4 audit entries" in result.output
    rows = entries(app)
    assert [r.seq for r in rows] == [5, 6, 7]
    assert rows[-1].action == "audit.pruned" and rows[-1].details["up_to_seq"] == 4
    verified = runner.invoke(args=["verify-audit"])
    assert verified.exit_code == 0, verified.output
    # Pruning again with nothing old enough changes nothing.
    assert "Deleted 0" in runner.invoke(args=["prune-audit"]).output


def test_removing_old_entries_without_the_command_is_detected(app, runner):
    add_entries(app, 4)
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.seq <= 2))
        db.session.commit()
    assert runner.invoke(args=["verify-audit"]).exit_code == 1


@pytest.mark.parametrize(
    "address, config, expected",
    [
        ("198.51.100.23", (24, 48), "198.51.100.0/24"),
        ("2001:db8:abcd:12:1:2:3:4", (24, 48), "2001:db8:abcd::/48"),
        ("198.51.100.23", (32, 128), "198.51.100.23"),
        ("198.51.100.23", (0, 0), ""),
        ("not an address", (24, 48), ""),
        (None, (24, 48), ""),
    ],
)
def test_ip_addresses_are_truncated_as_configured(app, address, config, expected):
    app.config["AUDIT_IP_TRUNCATION"] = config
    with app.app_context():
        assert truncate_ip(address) == expected


def test_secrets_cannot_be_put_into_details(app):
    with app.test_request_context(), pytest.raises(ValueError):
        record("login.failure", details={"password": "x"})


def test_unknown_actions_are_refused(app):
    with app.test_request_context(), pytest.raises(ValueError):
        record("something.else")


def test_the_audit_page_is_for_admins_only(client, login_as):
    login_as("editor")
    assert client.get("/admin/audit").status_code == 403


def test_the_audit_page_filters_by_action_actor_date_and_target(app, client, login_as):
    admin = login_as("admin")
    add_entries(app, 3)
    page = client.get("/admin/audit?action=login.success").get_data(as_text=True)
    assert admin.email in page and "1 Eintrag" in page
    page = client.get(f"/admin/audit?actor={admin.email.upper()}").get_data(as_text=True)
    assert "1 Eintrag" in page
    page = client.get("/admin/audit?target_type=organisation&target_id=2").get_data(as_text=True)
    assert "1 Eintrag" in page
    page = client.get("/admin/audit?date_from=2000-01-01&date_to=2000-12-31").get_data(as_text=True)
    assert "0 Einträge" in page
    page = client.get("/admin/audit?date_from=kaputt").get_data(as_text=True)
    assert "4 Einträge" in page  # an invalid date is ignored


def test_the_csv_export_escapes_spreadsheet_formulas(app, client, login_as):
    login_as("admin")
    with app.test_request_context():
        record("organisation.updated", target=("=cmd|' /C calc'!A0", "+1"), actor=SYSTEM)
        db.session.commit()
    assert client.get("/admin/audit/export").status_code == 405
    response = client.post("/admin/audit/export?action=organisation.updated")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=audit.csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "seq" and len(rows) == 2
    assert rows[1][7] == "'=cmd|' /C calc'!A0" and rows[1][8] == "'+1"
    assert entries(app, "audit.exported")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("harmlos", "harmlos"),
        (None, ""),
        (5, "5"),
    ],
)
def test_spreadsheet_safe(value, expected):
    assert spreadsheet_safe(value) == expected


def test_the_portal_offers_no_way_to_change_or_delete_entries(app):
    rules = [r for r in app.url_map.iter_rules() if "audit" in r.rule]
    assert {(r.endpoint, tuple(sorted(r.methods - {"HEAD", "OPTIONS"}))) for r in rules} == {
        ("admin.audit_list", ("GET",)),
        ("admin.audit_export", ("POST",)),
    }
