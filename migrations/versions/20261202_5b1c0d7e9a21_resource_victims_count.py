"""resource: victims_count (case law), the first structured case fact

Revision ID: 5b1c0d7e9a21
Revises: 2285404a4fd8
Create Date: 2026-12-02 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1c0d7e9a21'
down_revision = '2285404a4fd8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.add_column(sa.Column('victims_count', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.drop_column('victims_count')
