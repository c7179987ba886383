"""Refuse to start a production configuration that is unsafe."""

from flask import Flask
from sqlalchemy import create_engine, text

# Secrets that appear in this repository or in tutorials; never valid in production.
KNOWN_SECRETS = {
    "",
    "dev",
    "secret",
    "changeme",
    "change-me",
    "test-secret-key-not-for-production",
}
MIN_SECRET_LENGTH = 32


class UnsafeConfiguration(RuntimeError):
    """The production configuration is unsafe; the message says what to fix."""


def check_production_config(app: Flask) -> None:
    """Raise UnsafeConfiguration listing every problem; a no-op unless REFUSE_UNSAFE_CONFIG."""
    cfg = app.config
    if not cfg.get("REFUSE_UNSAFE_CONFIG"):
        return
    problems = []
    secret = str(cfg.get("SECRET_KEY") or "")
    if secret.lower() in KNOWN_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        problems.append(
            "SECRET_KEY is missing, a known default or shorter than "
            f"{MIN_SECRET_LENGTH} characters (unset it to use the generated instance/secret_key)"
        )
    if cfg.get("DEBUG"):
        problems.append("DEBUG is on")
    if cfg.get("TESTING"):
        problems.append("TESTING is on")
    if not cfg.get("TRUSTED_HOSTS"):
        problems.append("TRUSTED_HOSTS is not set (the portal would answer to any Host header)")
    if not cfg.get("SESSION_COOKIE_SECURE") and cfg.get("HTTPS"):
        problems.append("SESSION_COOKIE_SECURE is off although HTTPS is on")
    uri = cfg["SQLALCHEMY_DATABASE_URI"]
    workers = int(cfg.get("WORKERS") or 1)
    storage = str(cfg.get("RATELIMIT_STORAGE_URI") or "memory://")
    if workers > 1 and cfg.get("RATELIMIT_ENABLED", True) and storage.startswith("memory://"):
        problems.append(
            f"RATELIMIT_STORAGE_URI is {storage!r} with {workers} workers: each worker would "
            "count on its own (use redis://…)"
        )
    if uri.startswith("sqlite") and workers > 1:
        mode = _sqlite_journal_mode(uri)
        if mode != "wal":
            problems.append(
                f"SQLite journal mode is {mode!r}, not WAL, with {cfg['WORKERS']} workers "
                "(is the instance folder on a network file system?)"
            )
    if problems:
        raise UnsafeConfiguration("Refusing to start: " + "; ".join(problems))


def _sqlite_journal_mode(uri: str) -> str:
    """Ask SQLite for WAL the way setup.py's connect hook does, and report what it gave."""
    engine = create_engine(uri)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("PRAGMA journal_mode=WAL")).scalar()).lower()
    finally:
        engine.dispose()
