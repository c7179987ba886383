"""Fixtures the attack tests share: no rate limits (the real server is `live_server`)."""

import pytest

from portal.extensions import limiter


@pytest.fixture
def no_rate_limits(app):
    """Limits off (a test of the limits switches them on itself)."""
    limiter.enabled = False
    yield
    limiter.enabled = True
