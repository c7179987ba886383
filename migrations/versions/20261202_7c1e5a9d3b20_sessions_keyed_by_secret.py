"""Session ids become HMAC(SECRET_KEY, token): every existing session ends once

Rows keyed by the old plain sha256 can never match again; deleting them makes that explicit
(everybody logs in again once after this upgrade).

Revision ID: 7c1e5a9d3b20
Revises: 7c3e9a51d2b4
Create Date: 2026-12-02 16:10:00

"""

from alembic import op

revision = "7c1e5a9d3b20"
down_revision = "7c3e9a51d2b4"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM server_session")


def downgrade():
    op.execute("DELETE FROM server_session")
