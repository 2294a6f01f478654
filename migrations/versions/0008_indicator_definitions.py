"""Indicators: definitions in Arabic and English beside the French one

Revision ID: 0008_indicator_definitions
Revises: 0007_indicators
Create Date: 2026-11-27 10:00:00.000000

The French definition keeps its column (``definition``). The two new columns are added with an
empty default so existing rows stay valid; ``flask najma seed`` then fills the default indicators'
translations where they are still empty.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_indicator_definitions'
down_revision = '0007_indicators'
branch_labels = None
depends_on = None


def upgrade():
    # ADD COLUMN with a constant default: no table rebuild on SQLite (indicator_values cascades).
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('definition_ar', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('definition_en', sa.Text(), nullable=False, server_default=''))


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35+), never a table rebuild: with foreign keys on, SQLite's
    # DROP TABLE of the old copy would cascade and delete every indicator value and evaluation link.
    with op.batch_alter_table('indicators', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('definition_en')
        batch_op.drop_column('definition_ar')
