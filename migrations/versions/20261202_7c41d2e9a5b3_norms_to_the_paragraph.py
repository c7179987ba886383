"""norms to the paragraph: resource_norm.section_key, longer keys; file number look-up keys

Revision ID: 7c41d2e9a5b3
Revises: f3165ba88677
Create Date: 2026-12-02 16:10:00

Norm keys now carry Absatz, Satz, Nummer and Buchstabe ("AufenthG § 25 Abs. 4a Satz 3").
Existing rows are whole sections, so their section key is their key. File number keys become
one key per spelling ("4strr181/05"); they are recomputed here (the search index computes its
own from the file number, so the index is right even before this runs).
"""
from alembic import op
import sqlalchemy as sa

from portal.legal.file_numbers import file_number_key


# revision identifiers, used by Alembic.
revision = '7c41d2e9a5b3'
down_revision = 'f3165ba88677'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('resource_norm', schema=None) as batch_op:
        batch_op.add_column(sa.Column('section_key', sa.String(length=160), nullable=False, server_default=''))
        batch_op.alter_column('key', existing_type=sa.String(length=80), type_=sa.String(length=160), existing_nullable=False)
        batch_op.alter_column('label', existing_type=sa.String(length=80), type_=sa.String(length=160), existing_nullable=False)
        batch_op.alter_column('slug', existing_type=sa.String(length=80), type_=sa.String(length=160), existing_nullable=False)
    op.execute("UPDATE resource_norm SET section_key = key")
    with op.batch_alter_table('resource_norm', schema=None) as batch_op:
        batch_op.alter_column('section_key', server_default=None, existing_type=sa.String(length=160), existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_resource_norm_section_key'), ['section_key'], unique=False)

    connection = op.get_bind()
    resource = sa.table('resource', sa.column('id', sa.Integer), sa.column('file_number', sa.String), sa.column('file_number_key', sa.String))
    rows = connection.execute(sa.select(resource.c.id, resource.c.file_number).where(resource.c.file_number != '')).all()
    if rows:
        connection.execute(
            resource.update().where(resource.c.id == sa.bindparam('rid')).values(file_number_key=sa.bindparam('fkey')),
            [{'rid': resource_id, 'fkey': file_number_key(file_number)[:120]} for resource_id, file_number in rows],
        )


def downgrade():
    with op.batch_alter_table('resource_norm', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_norm_section_key'))
        batch_op.alter_column('slug', existing_type=sa.String(length=160), type_=sa.String(length=80), existing_nullable=False)
        batch_op.alter_column('label', existing_type=sa.String(length=160), type_=sa.String(length=80), existing_nullable=False)
        batch_op.alter_column('key', existing_type=sa.String(length=160), type_=sa.String(length=80), existing_nullable=False)
        batch_op.drop_column('section_key')
