"""dossiers ("Mappen") and their entries

Revision ID: 9e3a7c2d5b18
Revises: 8d2f6b1c4a57
Create Date: 2026-12-03 07:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e3a7c2d5b18'
down_revision = '8d2f6b1c4a57'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dossier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_dossier_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_dossier_owner_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier'))
    )
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_owner_id'), ['owner_id'], unique=False)

    op.create_table('dossier_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_dossier_entry_dossier_id_dossier'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], name=op.f('fk_dossier_entry_resource_id_resource'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_entry')),
    sa.UniqueConstraint('dossier_id', 'resource_id', name=op.f('uq_dossier_entry_dossier_id'))
    )
    with op.batch_alter_table('dossier_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_entry_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_entry_resource_id'), ['resource_id'], unique=False)


def downgrade():
    with op.batch_alter_table('dossier_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_entry_resource_id'))
        batch_op.drop_index(batch_op.f('ix_dossier_entry_dossier_id'))
    op.drop_table('dossier_entry')
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_owner_id'))
        batch_op.drop_index(batch_op.f('ix_dossier_organisation_id'))
    op.drop_table('dossier')
