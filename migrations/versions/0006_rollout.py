"""Rollout: phase transitions, gates, chantier tools, site problems, selection

Revision ID: 0006_rollout
Revises: 0005_projects
Create Date: 2026-11-25 15:55:22.010477

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_rollout'
down_revision = '0005_projects'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('gate_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_phase', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=True),
    sa.Column('label_fr', sa.String(length=300), nullable=False),
    sa.Column('label_ar', sa.String(length=300), nullable=False),
    sa.Column('label_en', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gate_items')),
    sa.UniqueConstraint('to_phase', 'code', name='uq_gate_items_to_phase')
    )
    with op.batch_alter_table('gate_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gate_items_to_phase'), ['to_phase'], unique=False)

    op.create_table('selection_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_selection_profiles_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selection_profiles')),
    sa.UniqueConstraint('name', name=op.f('uq_selection_profiles_name'))
    )
    op.create_table('chantier_tools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chantier_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('origin_territory_id', sa.Integer(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chantier_id'], ['chantiers.id'], name=op.f('fk_chantier_tools_chantier_id_chantiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['origin_territory_id'], ['territories.id'], name=op.f('fk_chantier_tools_origin_territory_id_territories'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chantier_tools'))
    )
    with op.batch_alter_table('chantier_tools', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chantier_tools_chantier_id'), ['chantier_id'], unique=False)

    op.create_table('gate_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('gate_item_id', sa.Integer(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_gate_checks_checked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['gate_item_id'], ['gate_items.id'], name=op.f('fk_gate_checks_gate_item_id_gate_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_gate_checks_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gate_checks')),
    sa.UniqueConstraint('territory_id', 'gate_item_id', name='uq_gate_checks_territory_id')
    )
    op.create_table('manual_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('criterion', sa.String(length=40), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score >= 0 AND score <= 5', name=op.f('ck_manual_scores_score_range')),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_manual_scores_commune_id_communes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_manual_scores_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_manual_scores')),
    sa.UniqueConstraint('commune_id', 'criterion', name='uq_manual_scores_commune_id')
    )
    op.create_table('site_problems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=True),
    sa.Column('chantier_id', sa.Integer(), nullable=True),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('solution', sa.Text(), nullable=False),
    sa.Column('solution_by_id', sa.Integer(), nullable=True),
    sa.Column('solution_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_site_problems_body_id_bodies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['chantier_id'], ['chantiers.id'], name=op.f('fk_site_problems_chantier_id_chantiers')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_site_problems_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_site_problems_raised_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['solution_by_id'], ['users.id'], name=op.f('fk_site_problems_solution_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_site_problems_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_problems'))
    )
    with op.batch_alter_table('site_problems', schema=None) as batch_op:
        batch_op.create_index('ix_site_problems_status_raised', ['status', 'raised_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_problems_territory_id'), ['territory_id'], unique=False)

    op.create_table('tool_adoptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('adopted_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_tool_adoptions_territory_id_territories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tool_id'], ['chantier_tools.id'], name=op.f('fk_tool_adoptions_tool_id_chantier_tools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tool_adoptions')),
    sa.UniqueConstraint('territory_id', 'tool_id', name='uq_tool_adoptions_territory_id')
    )
    with op.batch_alter_table('tool_adoptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tool_adoptions_tool_id'), ['tool_id'], unique=False)

    op.create_table('phase_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=True),
    sa.Column('from_phase', sa.String(length=20), nullable=True),
    sa.Column('to_phase', sa.String(length=20), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_name', sa.String(length=160), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('gate', sa.JSON(), nullable=False),
    sa.Column('overridden', sa.Boolean(), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_phase_transitions_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_phase_transitions_meeting_id_meetings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_phase_transitions_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phase_transitions'))
    )
    with op.batch_alter_table('phase_transitions', schema=None) as batch_op:
        batch_op.create_index('ix_phase_transitions_territory_decided', ['territory_id', 'decided_at'], unique=False)
        batch_op.create_index('uq_phase_transitions_programme_from', ['from_phase'], unique=True,
                              sqlite_where=sa.text('territory_id IS NULL'),
                              postgresql_where=sa.text('territory_id IS NULL'))




def downgrade():

    with op.batch_alter_table('phase_transitions', schema=None) as batch_op:
        batch_op.drop_index('uq_phase_transitions_programme_from', sqlite_where=sa.text('territory_id IS NULL'),
                            postgresql_where=sa.text('territory_id IS NULL'))
        batch_op.drop_index('ix_phase_transitions_territory_decided')

    op.drop_table('phase_transitions')
    with op.batch_alter_table('tool_adoptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tool_adoptions_tool_id'))

    op.drop_table('tool_adoptions')
    with op.batch_alter_table('site_problems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_problems_territory_id'))
        batch_op.drop_index('ix_site_problems_status_raised')

    op.drop_table('site_problems')
    op.drop_table('manual_scores')
    op.drop_table('gate_checks')
    with op.batch_alter_table('chantier_tools', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chantier_tools_chantier_id'))

    op.drop_table('chantier_tools')
    op.drop_table('selection_profiles')
    with op.batch_alter_table('gate_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gate_items_to_phase'))

    op.drop_table('gate_items')

