"""Response headers, clean input and the start-up checks of a production configuration."""

from flask import Flask

from portal.security import headers
from portal.security.checks import check_production_config
from portal.security.text import CleanRequest

__all__ = ["check_production_config", "init_app"]


def init_app(app: Flask) -> None:
    app.request_class = CleanRequest  # no control characters in form fields or query strings
    headers.init_app(app)
