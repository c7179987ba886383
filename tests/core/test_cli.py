"""The command line: init-db, create-org, create-user, seed-demo, bootstrap."""

from portal.auth.models import User
from portal.extensions import db
from portal.orgs.models import Organisation
from tests.helpers import PASSWORD


def test_create_org_and_create_user_with_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["create-org", "kok-test", "--name", "KOK Test", "--kind", "office", "--city", "Bonn"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "create-user",
            "Neu@Example.org",
            "--name",
            "Neu",
            "--org",
            "kok-test",
            "--role",
            "editor",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "neu@example.org"))
        assert user.role == "editor" and user.check_password(PASSWORD)


def test_create_user_with_an_unknown_organisation_fails_in_one_line(runner):
    result = runner.invoke(
        args=["create-user", "a@example.org", "--name", "A", "--org", "nope", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no organisation with slug 'nope'"


def test_create_user_with_a_weak_password_fails(runner, member_org):
    result = runner.invoke(
        args=[
            "create-user",
            "a@example.org",
            "--name",
            "A",
            "--org",
            member_org.slug,
            "--password-stdin",
        ],
        input="short\n",
    )
    assert result.exit_code == 1
    assert "15 Zeichen" in result.output


def test_create_user_with_a_taken_email_fails(runner, create_user, member_org):
    user = create_user()
    result = runner.invoke(
        args=[
            "create-user",
            user.email,
            "--name",
            "A",
            "--org",
            member_org.slug,
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 1
    assert "bereits ein Konto" in result.output


def test_create_user_with_an_unknown_role_fails(runner, member_org):
    result = runner.invoke(
        args=[
            "create-user",
            "a@example.org",
            "--name",
            "A",
            "--org",
            member_org.slug,
            "--role",
            "king",
            "--password-stdin",
        ]
    )
    assert result.exit_code == 2


def test_create_org_with_a_taken_slug_fails(runner, member_org):
    result = runner.invoke(args=["create-org", member_org.slug, "--name", "Dup"])
    assert result.exit_code == 1
    assert "bereits vergeben" in result.output


def test_create_org_with_a_bad_kind_fails(runner):
    result = runner.invoke(args=["create-org", "x", "--name", "X", "--kind", "club"])
    assert result.exit_code == 2


def assert_demo_accounts_listed(output):
    """Each new demo account is printed with its role and organisation."""
    assert "admin@kok-demo.example" in output
    lines = {line.split()[0]: line for line in output.splitlines() if "@" in line}
    assert lines["admin@kok-demo.example"].endswith(
        "Administration, KOK – Bundesweiter Koordinierungskreis gegen Menschenhandel"
    )
    assert "Redaktion, " in lines["redaktion@kok-demo.example"]
    assert lines["beraterin@fbs-nord.example"].endswith(
        "Mitglied, Fachberatungsstelle Nord gegen Menschenhandel"
    )


def test_seed_demo_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert_demo_accounts_listed(first.output)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "admin@kok-demo.example" not in second.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Organisation.id))) >= 5
        roles = set(db.session.scalars(db.select(User.role)))
        assert roles == {"member", "editor", "admin"}


def test_bootstrap_migrates_an_empty_database_and_prints_passwords_once(tmp_path, fresh_instance):
    from portal import create_app

    app = create_app({"ENV_NAME": "test"}, instance_path=fresh_instance(tmp_path))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["bootstrap"])
    assert first.exit_code == 0, first.output
    assert_demo_accounts_listed(first.output)
    second = runner.invoke(args=["bootstrap"])
    assert second.exit_code == 0
    assert "admin@kok-demo.example" not in second.output


def test_the_migrations_match_the_models(tmp_path, fresh_instance):
    """Running every migration gives exactly the schema the models describe (SQLite and
    PostgreSQL: `make test-postgres` runs them on a new PostgreSQL database)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app({"ENV_NAME": "test"}, instance_path=fresh_instance(tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_the_bootstrap_banner_names_the_port_the_portal_serves(tmp_path):
    from portal import create_app

    app = create_app({"ENV_NAME": "test", "EXTERNAL_BASE_URL": None, "PORT": 5101}, tmp_path)
    result = app.test_cli_runner().invoke(args=["bootstrap"])
    assert result.exit_code == 0, result.output
    assert "KOK-Wissensportal: http://127.0.0.1:5101" in result.output
    assert ":5000" not in result.output
