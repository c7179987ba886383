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
# A generated key (64 hex digits) uses all 16 digits; a typed pattern uses few.
MIN_DISTINCT_CHARACTERS = 10
SECOND_FACTOR_ROLES = ("editor", "admin")


class UnsafeConfiguration(RuntimeError):
    """The production configuration is unsafe; the message says what to fix."""


def check_production_config(app: Flask) -> None:
    """Raise UnsafeConfiguration listing every problem; a no-op unless REFUSE_UNSAFE_CONFIG."""
    cfg = app.config
    if not cfg.get("REFUSE_UNSAFE_CONFIG"):
        return
    problems = []
    secret = str(cfg.get("SECRET_KEY") or "")
    if secret.lower() in KNOWN_SECRETS or len(secret.strip()) < MIN_SECRET_LENGTH:
        problems.append(
            "SECRET_KEY is missing, a known default or shorter than "
            f"{MIN_SECRET_LENGTH} characters (unset it to use the generated instance/secret_key)"
        )
    elif _looks_guessable(secret):
        problems.append(
            f"SECRET_KEY has fewer than {MIN_DISTINCT_CHARACTERS} different characters or repeats "
            "one pattern (unset it to use the generated instance/secret_key)"
        )
    if cfg.get("DEBUG"):
        problems.append("DEBUG is on")
    if cfg.get("TESTING"):
        problems.append("TESTING is on")
    if not cfg.get("TRUSTED_HOSTS"):
        problems.append("TRUSTED_HOSTS is not set (the portal would answer to any Host header)")
    if not cfg.get("HTTPS"):
        problems.append("HTTPS is off (sessions and links would travel in plain text)")
    elif not cfg.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE is off although HTTPS is on")
    if not cfg.get("WTF_CSRF_ENABLED"):
        problems.append("WTF_CSRF_ENABLED is off (forms would accept forged requests)")
    if not cfg.get("RATELIMIT_ENABLED"):
        problems.append("RATELIMIT_ENABLED is off (logins could be guessed without limit)")
    missing = [
        r for r in SECOND_FACTOR_ROLES if r not in _roles(cfg.get("TWO_FACTOR_REQUIRED_ROLES"))
    ]
    if missing:
        problems.append(
            "TWO_FACTOR_REQUIRED_ROLES does not include "
            + " and ".join(missing)
            + " (editors and admins must use a second factor)"
        )
    workers = int(cfg.get("WORKERS") or 1)
    storage = str(cfg.get("RATELIMIT_STORAGE_URI") or "memory://")
    if workers > 1 and storage.startswith("memory://"):
        problems.append(
            f"RATELIMIT_STORAGE_URI is memory:// with {workers} WORKERS (each worker would count "
            "on its own); use a shared store such as redis://"
        )
    uri = cfg["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite") and workers > 1:
        mode = _sqlite_journal_mode(uri)
        if mode != "wal":
            problems.append(
                f"SQLite journal mode is {mode!r}, not WAL, with {workers} WORKERS "
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


def _looks_guessable(secret: str) -> bool:
    """Few different characters, or one shorter piece repeated ("abab…", "0123…0123…")."""
    repeats = secret in (secret + secret)[1:-1]
    return len(set(secret)) < MIN_DISTINCT_CHARACTERS or repeats


def _roles(value) -> set[str]:
    """TWO_FACTOR_REQUIRED_ROLES as a set, also when the environment gives "editor,admin"."""
    if isinstance(value, str):
        return {part.strip() for part in value.split(",") if part.strip()}
    return set(value or ())
