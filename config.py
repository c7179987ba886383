"""Configuration classes.

Layers, later ones win: the class chosen here, then `instance/config.py`, then `PORTAL_*`
environment variables, then the mapping a test passes to `create_app`.
"""

from datetime import timedelta


class Config:
    # None means: generated on first start into instance/secret_key (mode 0600).
    SECRET_KEY = None
    # None means: SQLite file `portal.sqlite3` in the instance folder.
    DATABASE_URL = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = 15000
    # SQLite transactions start with BEGIN IMMEDIATE: a worker that will write waits for the
    # write lock (up to the busy timeout) instead of failing halfway with "database is locked".
    SQLITE_BEGIN_IMMEDIATE = True
    # PostgreSQL's counterpart: such transactions start by taking one advisory lock, so a
    # request that reads and then writes cannot lose another worker's update.
    POSTGRES_REQUEST_LOCK = True
    # How long such a transaction waits for that lock (and for row locks) before it fails with
    # an error page, as SQLite's busy timeout: a stuck request must not hold every worker.
    POSTGRES_LOCK_TIMEOUT_MS = 15000
    # Number of server processes (gunicorn.conf.py reads PORTAL_WORKERS too); with more than
    # one, a production start on SQLite checks that WAL is really on.
    WORKERS = 1

    # HTTPS in front of the portal (reverse proxy): secure cookies, HSTS, https links.
    HTTPS = False
    HSTS_MAX_AGE = 365 * 24 * 3600
    # Refuse to start with a known or short secret, debug, no TRUSTED_HOSTS (production).
    REFUSE_UNSAFE_CONFIG = False

    # Address and port the development server listens on (`make run HOST=… PORT=…` passes
    # them through as PORTAL_HOST / PORTAL_PORT).
    HOST = "127.0.0.1"
    PORT = 5000
    # Public base URL used for links in e-mails and feeds; never taken from the request.
    # None means: the address the portal serves, http://HOST:PORT.
    EXTERNAL_BASE_URL: str | None = None
    # Host names the portal answers to; None disables the check (development).
    TRUSTED_HOSTS: list[str] | None = None
    # Number of proxies in front of the portal whose X-Forwarded-* headers are trusted.
    PROXY_COUNT = 0

    # Languages of the user interface; the first is the default.
    LANGUAGES = ["de", "en"]
    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"

    # E-mail. With MAIL_SERVER unset, mails go to instance/mail/ (the log: subject, recipient).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "KOK-Wissensportal <portal@localhost>"
    MAIL_TIMEOUT = 20

    # Sessions (stored on the server; the cookie holds only a random id).
    SESSION_COOKIE_NAME = "portal_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_IDLE_TIMEOUT = timedelta(hours=8)
    SESSION_ABSOLUTE_LIFETIME = timedelta(days=7)
    ANONYMOUS_SESSION_LIFETIME = timedelta(hours=2)

    # Account protection.
    LOGIN_LOCKOUT_THRESHOLD = 10
    LOGIN_LOCKOUT_DURATION = timedelta(minutes=15)
    INVITATION_MAX_AGE = timedelta(days=7)
    PASSWORD_RESET_MAX_AGE = timedelta(hours=1)
    EMAIL_CHANGE_MAX_AGE = timedelta(hours=24)

    # Second factor (TOTP): roles that must use it, how long the step between password and
    # code may take, and how many wrong codes end that step.
    TWO_FACTOR_REQUIRED_ROLES = ("editor", "admin")
    TWO_FACTOR_PENDING_TTL = timedelta(minutes=5)
    TWO_FACTOR_MAX_TRIES = 5
    TOTP_ISSUER = "KOK-Wissensportal"

    # Rate limits (Flask-Limiter). Use a Redis URL when running several workers.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    RATELIMIT_LOGIN_ACCOUNT = "5 per minute;30 per hour"
    RATELIMIT_PASSWORD_RESET = "5 per minute;20 per hour"  # noqa: S105
    RATELIMIT_INVITATION = "10 per minute;50 per hour"
    RATELIMIT_TWO_FACTOR = "10 per minute;50 per hour"
    RATELIMIT_EMAIL_CHANGE = "5 per minute;20 per hour"
    RATELIMIT_COMPLETE = "120 per minute;2000 per hour"  # search box completions
    RATELIMIT_UPLOAD = "10 per minute;100 per hour"  # attachments, per account

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the server-side session

    # Uploads. A PDF's text is read in a process of its own within a time and page budget;
    # what the budget leaves unread is noted on the attachment and not searchable.
    MAX_UPLOAD_MB = 25
    EXTRACTION_TIMEOUT = 20  # seconds per file
    EXTRACTION_MAX_PAGES = 2000

    # Audit trail: network prefix kept of IPv4 and IPv6 addresses (32/128 keep all, 0 none),
    # and how long entries are kept by `flask prune-audit`.
    AUDIT_IP_TRUNCATION = (24, 48)
    AUDIT_RETENTION_DAYS = 365

    # Seed content loaded by `make run` on the very first start.
    SEED_DEMO_ON_FIRST_START = True


class DevelopmentConfig(Config):
    DEBUG = False


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    EXTERNAL_BASE_URL = "http://portal.test"
    # Tests log editors and admins in with the password alone unless they test the second
    # factor (tests/auth/test_two_factor.py switches it on).
    TWO_FACTOR_REQUIRED_ROLES = ()


class ProductionConfig(Config):
    HTTPS = True
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    REFUSE_UNSAFE_CONFIG = True


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
