"""Indicators: register, values with approval and versions, participatory evaluation

Revision ID: 0007_indicators
Revises: 0006_rollout
Create Date: 2026-11-25 16:53:36.390221

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_indicators'
down_revision = '0006_rollout'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_fr', sa.String(length=200), nullable=False),
    sa.Column('name_ar', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('unit', sa.String(length=12), nullable=False),
    sa.Column('direction', sa.String(length=4), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('disaggregations', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('source_key', sa.String(length=40), nullable=True),
    sa.Column('aggregation', sa.String(length=10), nullable=False),
    sa.Column('decimals', sa.Integer(), nullable=False),
    sa.Column('max_value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicators')),
    sa.UniqueConstraint('code', name=op.f('uq_indicators_code'))
    )
    op.create_table('evaluation_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('what_changed', sa.Text(), nullable=False),
    sa.Column('for_whom', sa.Text(), nullable=False),
    sa.Column('participants_said', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_evaluation_entries_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_evaluation_entries_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_entries'))
    )
    with op.batch_alter_table('evaluation_entries', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_entries_territory_period', ['territory_id', 'period'], unique=False)

    op.create_table('indicator_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=True),
    sa.Column('province_id', sa.Integer(), nullable=True),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('sex', sa.String(length=6), nullable=True),
    sa.Column('target_group_id', sa.Integer(), nullable=True),
    sa.Column('area', sa.String(length=6), nullable=True),
    sa.Column('slot', sa.String(length=120), nullable=False),
    sa.Column('value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('numerator', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('denominator', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('source_text', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('validated_by_id', sa.Integer(), nullable=True),
    sa.Column('validated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_indicator_values_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_indicator_values_entered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_indicator_values_indicator_id_indicators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['province_id'], ['provinces.id'], name=op.f('fk_indicator_values_province_id_provinces'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replaces_id'], ['indicator_values.id'], name=op.f('fk_indicator_values_replaces_id_indicator_values'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['target_group_id'], ['target_groups.id'], name=op.f('fk_indicator_values_target_group_id_target_groups')),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_indicator_values_territory_id_territories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['validated_by_id'], ['users.id'], name=op.f('fk_indicator_values_validated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_values'))
    )
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.create_index('ix_indicator_values_indicator_period', ['indicator_id', 'period', 'kind'], unique=False)
        batch_op.create_index('ix_indicator_values_territory', ['territory_id', 'indicator_id'], unique=False)
        batch_op.create_index('ix_indicator_values_approved_at', ['approved_at'], unique=False)
        batch_op.create_index('uq_indicator_values_current_slot', ['slot'], unique=True, sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))

    op.create_table('evaluation_indicators',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['evaluation_entries.id'], name=op.f('fk_evaluation_indicators_entry_id_evaluation_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_evaluation_indicators_indicator_id_indicators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', 'indicator_id', name=op.f('pk_evaluation_indicators'))
    )
    op.create_table('evaluation_notes',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['evaluation_entries.id'], name=op.f('fk_evaluation_notes_entry_id_evaluation_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['note_id'], ['research_notes.id'], name=op.f('fk_evaluation_notes_note_id_research_notes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', 'note_id', name=op.f('pk_evaluation_notes'))
    )



def downgrade():

    op.drop_table('evaluation_notes')
    op.drop_table('evaluation_indicators')
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.drop_index('uq_indicator_values_current_slot', sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))
        batch_op.drop_index('ix_indicator_values_approved_at')
        batch_op.drop_index('ix_indicator_values_territory')
        batch_op.drop_index('ix_indicator_values_indicator_period')

    op.drop_table('indicator_values')
    with op.batch_alter_table('evaluation_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_entries_territory_period')

    op.drop_table('evaluation_entries')
    op.drop_table('indicators')

