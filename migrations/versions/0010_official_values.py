"""Indicator values: the official version of each slot

Revision ID: 0010_official_values
Revises: 0009_beneficiaries_reached
Create Date: 2026-12-07 06:10:00.000000

``is_official`` marks the version readers who take no part in approving see: the slot's last
approved version, which stays the figure while a correction of it awaits approval. Reading it from
a column keeps the pages' queries as cheap as before (computing it on the fly cost a scan of every
value per page). Existing rows are marked in one UPDATE.

Also an index on ``replaces_id``: deleting values (a territory's, an indicator's) sets it to NULL
in the versions that follow them, a scan of the whole table per deleted row without it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_official_values'
down_revision = '0009_beneficiaries_reached'
branch_labels = None
depends_on = None


def upgrade():
    # ADD COLUMN with a constant default: no table rebuild on SQLite (a rebuild would cascade).
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_official', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE indicator_values SET is_official = true WHERE status = 'approved' AND ("
        " is_current OR id IN (SELECT max(earlier.id) FROM indicator_values AS earlier"
        "  WHERE earlier.status = 'approved' AND earlier.slot IN ("
        "   SELECT pending.slot FROM indicator_values AS pending"
        "   WHERE pending.is_current AND pending.status <> 'approved')"
        "  GROUP BY earlier.slot))")
    op.create_index('ix_indicator_values_replaces_id', 'indicator_values', ['replaces_id'], unique=False)


def downgrade():
    op.drop_index('ix_indicator_values_replaces_id', table_name='indicator_values')
    # A plain DROP COLUMN (SQLite 3.35+), never a table rebuild (see 0008).
    with op.batch_alter_table('indicator_values', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('is_official')
