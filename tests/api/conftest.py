import pytest

from portal.extensions import db


@pytest.fixture
def make_token(app):
    """Create an API token for a user through the service; returns the token string."""

    def make(user, name="Skript") -> str:
        from portal.api import services
        from portal.audit.services import SYSTEM
        from portal.auth.models import User

        with app.app_context():
            _row, token = services.create_token(db.session.get(User, user.id), name, actor=SYSTEM)
            db.session.commit()
        return token

    return make


@pytest.fixture
def bearer():
    def headers(token: str) -> dict:
        return {"Authorization": f"Bearer {token}"}

    return headers
