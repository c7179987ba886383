"""gunicorn's access log: link tokens never appear, and no request can make logging fail."""

import importlib.util
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def conf():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def access_log(conf, tmp_path):
    """Log one request through the configured logger class; return the written line."""
    path = tmp_path / "access.log"
    cfg = Config()
    cfg.set("accesslog", str(path))
    cfg.set("access_log_format", conf.access_log_format)
    logger = conf.logger_class(cfg)

    def log(environ: dict, headers=()) -> str:
        response = SimpleNamespace(status="200 OK", sent=12, headers=[("Content-Type", "x")])
        request = SimpleNamespace(headers=list(headers))
        logger.access(response, request, environ, timedelta(seconds=1, microseconds=5))
        for handler in logger.access_log.handlers:
            handler.flush()
        return path.read_text().splitlines()[-1]

    yield log
    for handler in [*logger.access_log.handlers, *logger.error_log.handlers]:
        handler.close()


def environ(path, raw_uri=None, **extra) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw_uri if raw_uri is not None else str(path),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": path,
        "REMOTE_ADDR": "127.0.0.1",
        **extra,
    }


@pytest.mark.parametrize(
    "path",
    [
        "/auth/email-change/abc.def-ghi",
        "/auth/reset-password/Zm9vYmFy.secret",
        "/auth/invitation/TOKEN123/",
        "/auth/invitation/TOKEN123?next=/",
    ],
)
def test_the_access_log_hides_the_token_of_every_link(access_log, path):
    line = access_log(environ(path))
    assert "[token]" in line
    assert not any(secret in line for secret in ("abc.def", "Zm9vYmFy", "TOKEN123"))


@pytest.mark.parametrize(
    "odd",
    [
        {"PATH_INFO": None},  # what ended a worker: .sub on None
        {"PATH_INFO": b"/auth/invitation/BYTES"},
        {"PATH_INFO": 42},
        {"PATH_INFO": "/\x00\udcff/auth/reset-password/X\ud800Y"},
        {"RAW_URI": None, "PATH_INFO": None, "REQUEST_METHOD": None},
        {"HTTP_REFERER": None, "HTTP_USER_AGENT": b"\xff"},
    ],
)
def test_odd_request_values_are_logged_without_error(access_log, odd):
    values = environ("/ok")
    values.update(odd)
    line = access_log(values, headers=[("X-Odd", None)])
    assert "127.0.0.1" in line and "BYTES" not in line


def test_a_request_without_the_usual_environ_is_logged_as_dashes(access_log):
    line = access_log({})  # gunicorn's own atoms fail on a missing RAW_URI
    assert line.startswith("- ") or line.startswith("-")


def test_a_path_with_a_line_break_cannot_forge_a_log_line(access_log):
    line = access_log(environ("/x\n127.0.0.1 - forged\r"))
    assert "\\x0a" in line and "\\x0d" in line


def test_redaction_passes_anything_that_is_not_text(conf):
    assert conf.redact(None) is None
    assert conf.redact(7) == 7
    assert conf.redact(b"/auth/invitation/abc") == "/auth/invitation/[token]"
    assert conf.redact("/auth/reset-password/a.b") == "/auth/reset-password/[token]"
