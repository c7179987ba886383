"""saved searches keep case descriptions of up to 5,000 characters

Revision ID: 7c3e9a51d2b4
Revises: 7c41d2e9a5b3
Create Date: 2026-12-02 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e9a51d2b4'
down_revision = '7c41d2e9a5b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('saved_search', schema=None) as batch_op:
        batch_op.alter_column('query', existing_type=sa.String(length=1000),
                              type_=sa.String(length=5000), existing_nullable=False)


def downgrade():
    with op.batch_alter_table('saved_search', schema=None) as batch_op:
        batch_op.alter_column('query', existing_type=sa.String(length=5000),
                              type_=sa.String(length=1000), existing_nullable=False)
