"""The parts `create_app` assembles, each in one function."""

import logging
import math
import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

from babel.dates import format_datetime as babel_format_datetime
from flask import Flask, g, has_request_context, jsonify, render_template, request, session
from flask_babel import format_date, format_datetime, format_decimal, format_timedelta, get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import joinedload
from werkzeug.middleware.proxy_fix import ProxyFix

import config as config_module
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate
from portal.security import write_lock
from portal.security.text import CleanRequest

logger = logging.getLogger(__name__)


class Portal(Flask):
    """Flask, with views run under the write lock (portal.security.write_lock)."""

    def dispatch_request(self):
        return write_lock.retrying(super().dispatch_request)


# --- configuration -----------------------------------------------------------------------


def load_config(app: Flask, overrides: dict | None) -> None:
    """Class from config.py, then instance/config.py, then PORTAL_* env, then `overrides`."""
    name = (overrides or {}).get("ENV_NAME") or os.environ.get("PORTAL_ENV", "development")
    app.config.from_object(config_module.CONFIGS.get(name, config_module.DevelopmentConfig))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("PORTAL")
    if overrides:
        app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config.get("DATABASE_URL") or (
            "sqlite:///" + str(Path(app.instance_path) / "portal.sqlite3")
        )
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024 + 65536
    if app.config.get("TRUSTED_HOSTS"):
        hosts = app.config["TRUSTED_HOSTS"]
        app.config["TRUSTED_HOSTS"] = hosts.split(",") if isinstance(hosts, str) else hosts
    if int(app.config.get("PROXY_COUNT") or 0) > 0:
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    if not app.config.get("EXTERNAL_BASE_URL"):
        app.config["EXTERNAL_BASE_URL"] = served_base_url(app.config)
    if app.config.get("HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"
    from portal.security import check_production_config

    check_production_config(app)


def served_base_url(config) -> str:
    """The address the portal serves (HOST/PORT), for links when no public base URL is set."""
    host = str(config.get("HOST") or "127.0.0.1")
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - all interfaces: link to this machine
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    scheme = "https" if config.get("HTTPS") else "http"
    return f"{scheme}://{host}:{int(config.get('PORT') or 5000)}"


def _instance_secret_key(instance: Path) -> str:
    """Read the generated secret key, creating it (mode 0600) on first start."""
    path = instance / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _sqlite_pragmas(timeout_ms: int):
    """WAL and a busy timeout, so several workers can share the SQLite file."""

    def on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(timeout_ms):d}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return on_connect


# --- extensions --------------------------------------------------------------------------


def select_locale() -> str:
    """The user's language, else the visitor's choice, else the browser's, else German."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background work speak the default
        return languages[0]
    if g.get("database_failed"):
        pass  # the user's language would need the database (see register_handlers)
    elif current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    if session.get("language") in languages:
        return session["language"]
    return request.accept_languages.best_match(languages) or languages[0]


def init_extensions(app: Flask) -> None:
    import portal.models  # noqa: F401  (registers every table)
    from portal import background, mail, search
    from portal.auth.models import User
    from portal.auth.sessions import DatabaseSessionInterface

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(
                db.engine, "connect", _sqlite_pragmas(app.config["SQLITE_BUSY_TIMEOUT_MS"])
            )
        write_lock.install(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).resolve().parent / "translations"),
    )
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    search.init_app(app)
    mail.register_hooks()
    background.init_app(app)
    app.session_interface = DatabaseSessionInterface()

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        try:
            # With the organisation: `is_active` and the header ask for it on every request.
            user = db.session.get(User, int(user_id), options=[joinedload(User.organisation)])
        except (TypeError, ValueError):
            return None
        return user if user is not None and user.is_active else None

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import redirect, url_for

        from portal.urls import safe_next

        if request.blueprint == "api" or request.path.startswith("/api/"):
            return json_error(401, "unauthorized")
        target = safe_next(request.full_path.rstrip("?"))
        return redirect(url_for("auth.login", next=target if target != "/" else None))


# --- blueprints, handlers, commands ------------------------------------------------------


def register_blueprints(app: Flask) -> None:
    """Every page and API blueprint (they say what they serve, `install_login_guard` who)."""
    from portal.admin.views import bp as admin_bp
    from portal.api.views import bp as api_bp
    from portal.api.views import tokens_bp as api_tokens_bp
    from portal.auth.views import bp as auth_bp
    from portal.comments.views import bp as comments_bp
    from portal.consultations.views import bp as consultations_bp
    from portal.dossiers.views import bp as dossiers_bp
    from portal.main.views import bp as main_bp
    from portal.meetings.views import bp as meetings_bp
    from portal.newsletter.views import bp as newsletter_bp
    from portal.norms.views import bp as norms_bp
    from portal.notifications.views import bp as notifications_bp
    from portal.orgs.views import bp as orgs_bp
    from portal.public.views import bp as public_bp
    from portal.questions.views import bp as questions_bp
    from portal.resources.views import bp as resources_bp
    from portal.saved.views import bp as saved_bp
    from portal.saved.views import feeds_bp
    from portal.search.views import bp as search_bp
    from portal.statistics.views import bp as statistics_bp

    for bp in (
        main_bp,
        auth_bp,
        orgs_bp,
        admin_bp,
        resources_bp,
        comments_bp,
        questions_bp,
        public_bp,
        newsletter_bp,
        meetings_bp,
        consultations_bp,
        search_bp,
        api_bp,
        api_tokens_bp,
        norms_bp,
        notifications_bp,
        saved_bp,
        feeds_bp,
        statistics_bp,
        dossiers_bp,
    ):
        app.register_blueprint(bp)


def install_login_guard(app: Flask) -> None:
    """Deny by default: every request but the few public endpoints needs a login, a session
    or (for /api/v1/ only) a bearer token."""
    from portal import api
    from portal.auth.guard import require_login

    app.before_request(require_login)
    api.init_app(app)


def install_clean_input(app: Flask) -> None:
    """No control characters in form fields or query strings (portal/security/text.py)."""
    app.request_class = CleanRequest


def install_security_headers(app: Flask) -> None:
    """CSP, frame, referrer and cache headers on every response (portal/security/headers.py)."""
    from portal.security.headers import set_security_headers

    app.after_request(set_security_headers)


def json_error(code: int, message: str):
    return jsonify(error={"code": code, "message": message}), code


def register_error_handlers(app: Flask) -> None:
    """German error pages (JSON under /api/), and a rollback for every failed request."""
    from werkzeug.exceptions import HTTPException, SecurityError

    def handle(error):
        if isinstance(error, SecurityError):
            # An untrusted Host header: no URL can be built, so answer plainly.
            return "400 Bad Request: unknown host", 400, {"Content-Type": "text/plain"}
        code = error.code if isinstance(error, HTTPException) else 500
        if code >= 500:
            logger.exception("Unhandled error", exc_info=error)
            # The failure may be the database itself (locked, gone): the page, the language
            # and the session save must not need it (see select_locale, save_session).
            g.database_failed = True
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the answer matters more than the cleanup
            logger.warning("Rolling back after an error failed", exc_info=True)
            g.database_failed = True
        wait = retry_after() if code == 429 else None
        headers = {"Retry-After": str(wait)} if wait else {}
        if request.path.startswith("/api/"):
            name = getattr(error, "name", None) or "Internal Server Error"
            body, status = json_error(code, name)
            return body, status, headers
        bare = bool(g.get("database_failed"))
        wait_words = format_timedelta(timedelta(seconds=wait), threshold=1) if wait else ""
        return (
            render_template(
                "errors/error.html", code=code, error=error, bare=bare, wait_words=wait_words
            ),
            code,
            headers,
        )

    for code in (400, 401, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, handle)
    app.register_error_handler(Exception, handle)

    @app.after_request
    def rollback_failed_requests(response):
        # Views commit what they mean to keep; nothing else may reach the session save.
        if response.status_code >= 400 and not g.get("database_failed"):
            db.session.rollback()
        return response


def register_template_helpers(app: Flask) -> None:
    """Filters and the few values every template may use (locale, CSRF field, access rules)."""

    @app.template_filter("date_de")
    def date_de(value, fmt="medium"):
        if not value:
            return ""
        # English pages are read in Germany: day before month ("14 May 2025"), not US style.
        return format_date(value, ENGLISH_PATTERNS["date"] if _english() else fmt)

    @app.template_filter("datetime_de")
    def datetime_de(value, fmt="medium"):
        if not value:
            return ""
        return format_datetime(value, ENGLISH_PATTERNS["datetime"] if _english() else fmt)

    @app.template_filter("localtime_de")
    def localtime_de(value):
        """A local time stored without zone (meetings): shown as typed, never converted."""
        if not value:
            return ""
        pattern = "d MMM y, HH:mm" if _english() else "dd.MM.yyyy, HH:mm"
        return babel_format_datetime(value, pattern, locale=get_locale())

    @app.template_filter("number_de")
    def number_de(value):
        if type(value) is int and 0 <= value < 1000:
            return str(value)  # written alike in both languages (the search's facet counts)
        return format_decimal(value) if value is not None else ""

    @app.context_processor
    def inject_helpers():
        from portal.auth import access

        return {
            "access": access,
            "get_locale": get_locale,
            "csrf_field": csrf_field,
        }


# European style for the English interface: `14 May 2025`, `14 May 2025, 15:08`.
ENGLISH_PATTERNS = {"date": "d MMM y", "datetime": "d MMM y, HH:mm"}


def _english() -> bool:
    return str(get_locale() or "").startswith("en")


def retry_after() -> int | None:
    """Seconds until the rate limit this request ran into lets it through again."""
    limit = limiter.current_limit
    if limit is None:
        return None
    # The storage rounds the window's end up to a whole second: never say more than a window.
    wait = math.ceil(limit.reset_at - time.time())
    return max(1, min(wait, limit.limit.get_expiry()))


def csrf_field() -> Markup:
    """The CSRF token as a hidden input without an id (several forms share a page)."""
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % generate_csrf()


def register_commands(app: Flask) -> None:
    from portal.cli import register

    register(app)
