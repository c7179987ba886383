"""index_task: drop the unused action column (a task's resource decides: write or remove)

Revision ID: 7c2e4f1a9b30
Revises: 5b1c0d7e9a21
Create Date: 2026-12-02 16:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c2e4f1a9b30'
down_revision = '5b1c0d7e9a21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('index_task', schema=None) as batch_op:
        batch_op.drop_column('action')


def downgrade():
    with op.batch_alter_table('index_task', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('action', sa.String(length=10), nullable=False, server_default='upsert')
        )
