"""A production start refuses every unsafe setting, naming the setting to change."""

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

from config import Config
from portal import create_app
from portal.security import checks

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production(tmp_path, monkeypatch):
    for name in ("PORTAL_SECRET_KEY", "PORTAL_WORKERS", "PORTAL_ENV"):
        monkeypatch.setenv(name, "")  # restored afterwards, also when gunicorn.conf.py sets it
        monkeypatch.delenv(name)

    def build(**overrides):
        config = {"ENV_NAME": "production", "TRUSTED_HOSTS": "wissen.example.org", **overrides}
        return create_app(config, instance_path=tmp_path / "prod")

    return build


def test_the_production_defaults_start(production):
    app = production()
    assert app.config["WORKERS"] == 1


@pytest.mark.parametrize(
    "secret",
    [
        " " * 32,
        " " * 64,
        "\t" * 40,
        "a" * 32,
        "x" * 64,
        "0" * 64,
        "ab" * 32,
        "abc" * 16,
        "0123456789abcdef" * 4,
        "passwordpasswordpasswordpassword",
        "        short-secret-padded     ",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
    ],
)
def test_a_guessable_secret_key_is_refused(production, secret):
    with pytest.raises(checks.UnsafeConfiguration, match="SECRET_KEY"):
        production(SECRET_KEY=secret)


def test_a_random_secret_key_is_accepted(production):
    production(SECRET_KEY="Vq3-zR8pL0xw_Kt5NbY2cJ7hE9uAsD4fG6mQ1oWi")


@pytest.mark.parametrize(
    "overrides, setting",
    [
        ({"WTF_CSRF_ENABLED": False}, "WTF_CSRF_ENABLED"),
        ({"RATELIMIT_ENABLED": False}, "RATELIMIT_ENABLED"),
        ({"HTTPS": False}, "HTTPS"),
        ({"TWO_FACTOR_REQUIRED_ROLES": ()}, "TWO_FACTOR_REQUIRED_ROLES"),
        ({"TWO_FACTOR_REQUIRED_ROLES": ["admin"]}, "TWO_FACTOR_REQUIRED_ROLES"),
        ({"TWO_FACTOR_REQUIRED_ROLES": ["editor"]}, "TWO_FACTOR_REQUIRED_ROLES"),
        ({"TWO_FACTOR_REQUIRED_ROLES": "member"}, "TWO_FACTOR_REQUIRED_ROLES"),
        ({"WORKERS": 2}, "RATELIMIT_STORAGE_URI"),
        ({"WORKERS": 4, "RATELIMIT_STORAGE_URI": "memory://?x=1"}, "RATELIMIT_STORAGE_URI"),
        ({"TESTING": True}, "TESTING"),
    ],
)
def test_production_refuses_an_unsafe_setting_and_names_it(production, overrides, setting):
    with pytest.raises(checks.UnsafeConfiguration, match=setting):
        production(**overrides)


def test_every_problem_is_named_at_once(production):
    with pytest.raises(checks.UnsafeConfiguration) as excinfo:
        production(
            SECRET_KEY=" " * 32,
            WTF_CSRF_ENABLED=False,
            RATELIMIT_ENABLED=False,
            HTTPS=False,
            TWO_FACTOR_REQUIRED_ROLES=(),
            WORKERS=3,
        )
    message = str(excinfo.value)
    for setting in (
        "SECRET_KEY",
        "WTF_CSRF_ENABLED",
        "RATELIMIT_ENABLED",
        "HTTPS",
        "TWO_FACTOR_REQUIRED_ROLES",
        "RATELIMIT_STORAGE_URI",
    ):
        assert setting in message


def test_the_environment_can_set_the_second_factor_roles_as_a_list(production, monkeypatch):
    monkeypatch.setenv("PORTAL_TWO_FACTOR_REQUIRED_ROLES", "editor,admin")
    production()
    monkeypatch.setenv("PORTAL_TWO_FACTOR_REQUIRED_ROLES", '["admin"]')
    with pytest.raises(checks.UnsafeConfiguration, match="TWO_FACTOR_REQUIRED_ROLES"):
        production()


def test_several_workers_with_a_shared_store_and_wal_start(production):
    production(WORKERS=4, RATELIMIT_STORAGE_URI="redis://localhost:6379/0")


def test_development_keeps_starting_with_the_relaxed_settings(tmp_path):
    create_app(
        {"ENV_NAME": "development", "HTTPS": False, "WORKERS": 3}, instance_path=tmp_path / "d"
    )


def load_gunicorn_conf():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


def test_gunicorn_and_the_portal_use_one_worker_count(production, monkeypatch):
    conf = load_gunicorn_conf()
    assert conf.workers == Config.WORKERS
    assert production().config["WORKERS"] == conf.workers
    monkeypatch.setenv("PORTAL_WORKERS", "3")
    conf = load_gunicorn_conf()
    assert conf.workers == 3
    with pytest.raises(checks.UnsafeConfiguration, match="3 WORKERS"):
        production()


def test_workers_given_on_the_gunicorn_command_line_reach_the_checks(production, monkeypatch):
    conf = load_gunicorn_conf()
    conf.on_starting(SimpleNamespace(cfg=SimpleNamespace(workers=2)))
    with pytest.raises(checks.UnsafeConfiguration, match="RATELIMIT_STORAGE_URI"):
        production()
    conf.on_starting(SimpleNamespace(cfg=SimpleNamespace(workers=1)))
    production()
