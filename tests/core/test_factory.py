"""The application factory and its configuration layers."""

import os
import stat

from portal import create_app
from tests.databases import sqlite_only


def test_the_test_config_is_chosen_by_name(app):
    assert app.testing
    assert app.config["WTF_CSRF_ENABLED"] is False


def test_the_default_is_the_development_config_with_csrf_on(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    app = create_app(instance_path=tmp_path)
    assert not app.testing
    assert app.config["WTF_CSRF_ENABLED"] is True


def test_the_instance_config_file_overrides_the_class(tmp_path):
    (tmp_path / "config.py").write_text('EXTERNAL_BASE_URL = "https://from-instance.example"\n')
    app = create_app({"ENV_NAME": "test"}, instance_path=tmp_path)
    assert app.config["EXTERNAL_BASE_URL"] == "https://from-instance.example"


def test_environment_variables_override_the_instance_file(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text('EXTERNAL_BASE_URL = "https://from-instance.example"\n')
    monkeypatch.setenv("PORTAL_EXTERNAL_BASE_URL", "https://from-env.example")
    monkeypatch.setenv("PORTAL_MAIL_PORT", "2525")
    app = create_app({"ENV_NAME": "test"}, instance_path=tmp_path)
    assert app.config["EXTERNAL_BASE_URL"] == "https://from-env.example"
    assert app.config["MAIL_PORT"] == 2525


def test_the_mapping_passed_by_a_test_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_EXTERNAL_BASE_URL", "https://from-env.example")
    app = create_app({"ENV_NAME": "test", "EXTERNAL_BASE_URL": "https://mapping.example"}, tmp_path)
    assert app.config["EXTERNAL_BASE_URL"] == "https://mapping.example"


def test_portal_instance_path_moves_database_and_secret_key(tmp_path, monkeypatch):
    target = tmp_path / "elsewhere"
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(target))
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    app = create_app()
    assert app.instance_path == str(target.resolve())
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{target.resolve()}/portal.sqlite3"
    assert (target / "secret_key").exists()


def test_the_generated_secret_key_is_private_and_stable(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    first = create_app(instance_path=tmp_path).secret_key
    second = create_app(instance_path=tmp_path).secret_key
    assert first == second and len(first) >= 64
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_portal_database_url_chooses_the_database(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path}/other.db")
    app = create_app({"ENV_NAME": "test"}, instance_path=tmp_path / "inst")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/other.db"


def test_the_factory_creates_no_tables(tmp_path):
    app = create_app({"ENV_NAME": "test"}, instance_path=tmp_path)
    from sqlalchemy import inspect

    from portal.extensions import db

    with app.app_context():
        assert inspect(db.engine).get_table_names() == []


@sqlite_only
def test_sqlite_runs_with_wal_and_a_busy_timeout(app):
    from sqlalchemy import text

    from portal.extensions import db

    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 15000


def test_the_health_check_is_public_and_says_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_unknown_hosts_are_refused_when_trusted_hosts_are_set(tmp_path):
    app = create_app({"ENV_NAME": "test", "TRUSTED_HOSTS": "portal.example"}, tmp_path)
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "portal.example"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400


def test_error_pages_use_the_portals_layout_and_language(client, login_as):
    login_as("member")
    response = client.get("/does-not-exist")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Seite nicht gefunden" in page and "KOK-Wissensportal" in page


def test_api_paths_answer_errors_as_json(client, login_as):
    login_as("member")
    response = client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == 404


def test_anonymous_api_requests_get_401_json(client):
    response = client.get("/api/v1/anything")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == 401


def test_without_a_public_base_url_links_use_the_served_host_and_port(tmp_path, monkeypatch):
    from portal.auth.services import external_url

    monkeypatch.delenv("PORTAL_EXTERNAL_BASE_URL", raising=False)
    monkeypatch.setenv("PORTAL_PORT", "5101")
    app = create_app({"ENV_NAME": "development"}, tmp_path)
    assert app.config["EXTERNAL_BASE_URL"] == "http://127.0.0.1:5101"
    with app.app_context():
        assert external_url("/auth/invitation/x") == "http://127.0.0.1:5101/auth/invitation/x"
    monkeypatch.setenv("PORTAL_HOST", "0.0.0.0")  # noqa: S104 - a value, not a binding
    assert create_app({"ENV_NAME": "development"}, tmp_path).config["EXTERNAL_BASE_URL"] == (
        "http://127.0.0.1:5101"
    )
    monkeypatch.setenv("PORTAL_HOST", "kok.local")
    assert create_app({"ENV_NAME": "development"}, tmp_path).config["EXTERNAL_BASE_URL"] == (
        "http://kok.local:5101"
    )
    monkeypatch.setenv("PORTAL_EXTERNAL_BASE_URL", "https://wissen.example.org")
    assert create_app({"ENV_NAME": "development"}, tmp_path).config["EXTERNAL_BASE_URL"] == (
        "https://wissen.example.org"
    )


def test_make_run_passes_host_and_port_to_the_portal():
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    dry = subprocess.run(
        ["make", "-n", "-W", "requirements.txt", "run", "HOST=0.0.0.0", "PORT=5101"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    commands = [line for line in dry.splitlines() if "flask --app portal" in line]
    assert len(commands) == 2
    for command in commands:
        assert "PORTAL_HOST=0.0.0.0" in command and "PORTAL_PORT=5101" in command
    assert "--port 5101" in commands[1]
