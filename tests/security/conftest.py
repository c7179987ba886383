"""Fixtures the attack tests share: no rate limits and a real server."""

import threading

import pytest
from werkzeug.serving import make_server

from portal.extensions import limiter


@pytest.fixture
def no_rate_limits(app):
    """Limits off (a test of the limits switches them on itself)."""
    limiter.enabled = False
    yield
    limiter.enabled = True


@pytest.fixture
def server(app):
    """The app on a real HTTP server (a free local port); yields the port."""
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_port
    srv.shutdown()
    thread.join()
