"""resource: structured case facts; outcome becomes a list

Revision ID: 8d2f6b1c4a57
Revises: a6dc8fe8c777
Create Date: 2026-12-03 07:30:00

New case-law columns (exploitation forms, control means, victims, defendants, sentence,
compensation in euros, kind of proceedings). `outcome` held one key; it now holds a list of
keys: "conviction" becomes ["conviction"], "" becomes []. Revision snapshots are converted the
same way, so restoring an old version gives a list too.
"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d2f6b1c4a57'
down_revision = 'a6dc8fe8c777'
branch_labels = None
depends_on = None


def _as_list(value):
    if isinstance(value, list):
        return value
    return [value] if value else []


def upgrade():
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.add_column(sa.Column('victims_minors', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('victims_genders', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('victims_nationalities', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('exploitation_forms', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('control_means', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('defendants_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sentence_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sentence_suspended', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('compensation_eur', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('proceeding', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('outcome_list', sa.JSON(), nullable=False, server_default='[]'))

    connection = op.get_bind()
    resource = sa.table('resource', sa.column('id', sa.Integer), sa.column('outcome', sa.String), sa.column('outcome_list', sa.JSON))
    rows = connection.execute(sa.select(resource.c.id, resource.c.outcome).where(resource.c.outcome != '')).all()
    if rows:
        connection.execute(
            resource.update().where(resource.c.id == sa.bindparam('rid')).values(outcome_list=sa.bindparam('outcomes')),
            [{'rid': rid, 'outcomes': [outcome]} for rid, outcome in rows],
        )
    _convert_revisions(connection, _as_list)

    _replace_column(connection, 'outcome', 'outcome_list')
    if connection.dialect.name != 'sqlite':  # SQLite cannot drop a default in place
        for name in ('victims_genders', 'victims_nationalities', 'exploitation_forms', 'control_means', 'proceeding', 'outcome'):
            op.alter_column('resource', name, server_default=None)


def _replace_column(connection, old, new):
    """Drop `old` and rename `new` to it, in place.

    Not with batch mode: on SQLite it copies the table and drops the old one, and with foreign
    keys on, dropping `resource` deletes every revision, norm, link and attachment (ON DELETE
    CASCADE). SQLite (3.35+) drops and renames columns itself.
    """
    if connection.dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE resource DROP COLUMN {old}')
        op.execute(f'ALTER TABLE resource RENAME COLUMN {new} TO {old}')
    else:
        op.drop_column('resource', old)
        op.alter_column('resource', new, new_column_name=old)


def _convert_revisions(connection, convert):
    """Rewrite `outcome` in every revision snapshot of a case-law resource."""
    revision_table = sa.table('revision', sa.column('id', sa.Integer), sa.column('data', sa.JSON))
    updates = []
    for rid, data in connection.execute(sa.select(revision_table.c.id, revision_table.c.data)):
        if isinstance(data, str):
            data = json.loads(data)
        if isinstance(data, dict) and 'outcome' in data:
            converted = convert(data['outcome'])
            if converted != data['outcome']:
                updates.append({'rid': rid, 'snapshot': {**data, 'outcome': converted}})
    if updates:
        connection.execute(
            revision_table.update().where(revision_table.c.id == sa.bindparam('rid')).values(data=sa.bindparam('snapshot')),
            updates,
        )


def downgrade():
    # A list keeps its first key: the column held one.
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome_key', sa.String(length=40), nullable=False, server_default=''))
    connection = op.get_bind()
    resource = sa.table('resource', sa.column('id', sa.Integer), sa.column('outcome', sa.JSON), sa.column('outcome_key', sa.String))
    updates = []
    for rid, outcomes in connection.execute(sa.select(resource.c.id, resource.c.outcome)):
        if isinstance(outcomes, str):
            outcomes = json.loads(outcomes)
        if outcomes:
            updates.append({'rid': rid, 'key': outcomes[0]})
    if updates:
        connection.execute(
            resource.update().where(resource.c.id == sa.bindparam('rid')).values(outcome_key=sa.bindparam('key')),
            updates,
        )
    _convert_revisions(connection, lambda value: (value[0] if value else '') if isinstance(value, list) else value)
    _replace_column(connection, 'outcome', 'outcome_key')
    for name in ('proceeding', 'compensation_eur', 'sentence_suspended', 'sentence_months', 'defendants_count', 'control_means', 'exploitation_forms', 'victims_nationalities', 'victims_genders', 'victims_minors'):
        if connection.dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE resource DROP COLUMN {name}')
        else:
            op.drop_column('resource', name)
