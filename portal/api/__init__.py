"""JSON API (read-only, /api/v1) and personal API tokens."""

from flask import Flask, current_app, g, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from portal.api import services
from portal.extensions import db, login_manager

API_PREFIX = "/api/v1/"


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def load_user_from_token(req):
    """Flask-Login request loader: a bearer token counts only for /api/v1/, never for pages."""
    if not req.path.startswith(API_PREFIX):
        return None
    token = _bearer_token()
    if token is None:
        return None
    user, row = services.token_owner(token)
    if user is None:
        return None
    g.api_token_id = row.id
    if services.touch(row):
        db.session.commit()
    return user


def rate_limit_key() -> str:
    """One budget per token; session users per account; anonymous callers per address."""
    if current_user.is_authenticated:  # loads the user (and the token) if not done yet
        token_id = g.get("api_token_id")
        return f"api-token:{token_id}" if token_id else f"api-user:{current_user.id}"
    return get_remote_address()


def rate_limit() -> str:
    return current_app.config["RATELIMIT_API"]


def init_app(app: Flask) -> None:
    """Hook the token login into Flask-Login (for /api/v1/ only)."""
    app.config.setdefault("RATELIMIT_API", "120 per minute")
    login_manager.request_loader(load_user_from_token)
