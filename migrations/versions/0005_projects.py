"""Territory projects: versions, actions, workflow, votes, conventions, execution

Revision ID: 0005_projects
Revises: 0004_research
Create Date: 2026-11-25 15:15:37.247909

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_projects'
down_revision = '0004_research'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('territory_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_version', sa.Integer(), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('current_number', sa.Integer(), nullable=False),
    sa.Column('approved_number', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_territory_projects_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_territory_projects_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_territory_projects')),
    sa.UniqueConstraint('territory_id', name=op.f('uq_territory_projects_territory_id'))
    )
    with op.batch_alter_table('territory_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_territory_projects_status'), ['status'], unique=False)

    op.create_table('project_action_executions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('action_key', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('weight', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_project_action_executions_progress_range')),
    sa.CheckConstraint('weight IS NULL OR weight >= 0', name=op.f('ck_project_action_executions_weight_not_negative')),
    sa.ForeignKeyConstraint(['project_id'], ['territory_projects.id'], name=op.f('fk_project_action_executions_project_id_territory_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_action_executions')),
    sa.UniqueConstraint('project_id', 'action_key', name='uq_project_action_executions_project_id')
    )
    op.create_table('project_conventions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('action_key', sa.String(length=16), nullable=False),
    sa.Column('institution', sa.String(length=200), nullable=False),
    sa.Column('parties', sa.Text(), nullable=False),
    sa.Column('commitments', sa.Text(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('document_name', sa.String(length=200), nullable=False),
    sa.Column('document_stored', sa.String(length=80), nullable=False),
    sa.Column('document_media_type', sa.String(length=80), nullable=False),
    sa.Column('document_size', sa.Integer(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_project_conventions_amount_not_negative')),
    sa.ForeignKeyConstraint(['project_id'], ['territory_projects.id'], name=op.f('fk_project_conventions_project_id_territory_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_conventions')),
    sa.UniqueConstraint('project_id', 'action_key', name='uq_project_conventions_project_id')
    )
    op.create_table('project_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=160), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_project_transitions_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['territory_projects.id'], name=op.f('fk_project_transitions_project_id_territory_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_transitions'))
    )
    with op.batch_alter_table('project_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_transitions_project_id'), ['project_id'], unique=False)

    op.create_table('project_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('context', sa.Text(), nullable=False),
    sa.Column('general_objective', sa.Text(), nullable=False),
    sa.Column('specific_objectives', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_project_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['territory_projects.id'], name=op.f('fk_project_versions_project_id_territory_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_versions')),
    sa.UniqueConstraint('project_id', 'number', name='uq_project_versions_project_number')
    )
    with op.batch_alter_table('project_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_versions_project_id'), ['project_id'], unique=False)

    op.create_table('vote_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('quorum_percent', sa.Integer(), nullable=False),
    sa.Column('majority_rule', sa.String(length=20), nullable=False),
    sa.Column('chair_breaks_tie', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_vote_rules_body_id_bodies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_rules')),
    sa.UniqueConstraint('body_id', name=op.f('uq_vote_rules_body_id'))
    )
    op.create_table('project_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=30), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=160), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_project_comments_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['project_versions.id'], name=op.f('fk_project_comments_version_id_project_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_comments'))
    )
    with op.batch_alter_table('project_comments', schema=None) as batch_op:
        batch_op.create_index('ix_project_comments_version_section', ['version_id', 'section'], unique=False)

    op.create_table('project_execution_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('execution_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['execution_id'], ['project_action_executions.id'], name=op.f('fk_project_execution_milestones_execution_id_project_action_executions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_execution_milestones'))
    )
    with op.batch_alter_table('project_execution_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_execution_milestones_execution_id'), ['execution_id'], unique=False)

    op.create_table('project_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('quorum_percent', sa.Integer(), nullable=False),
    sa.Column('majority_rule', sa.String(length=20), nullable=False),
    sa.Column('chair_breaks_tie', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('outcome_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_project_votes_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_project_votes_meeting_id_meetings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_project_votes_opened_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['territory_projects.id'], name=op.f('fk_project_votes_project_id_territory_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_votes'))
    )
    with op.batch_alter_table('project_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_votes_project_id'), ['project_id'], unique=False)

    op.create_table('project_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('chantier_id', sa.Integer(), nullable=True),
    sa.Column('lead_actor_id', sa.Integer(), nullable=True),
    sa.Column('partners_text', sa.Text(), nullable=False),
    sa.Column('institution_actor_id', sa.Integer(), nullable=True),
    sa.Column('institution_name', sa.String(length=200), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('indicators_text', sa.Text(), nullable=False),
    sa.Column('frozen_names', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['chantier_id'], ['chantiers.id'], name=op.f('fk_project_actions_chantier_id_chantiers')),
    sa.ForeignKeyConstraint(['institution_actor_id'], ['actors.id'], name=op.f('fk_project_actions_institution_actor_id_actors'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_actor_id'], ['actors.id'], name=op.f('fk_project_actions_lead_actor_id_actors'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['project_versions.id'], name=op.f('fk_project_actions_version_id_project_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_actions')),
    sa.UniqueConstraint('version_id', 'key', name='uq_project_actions_version_key')
    )
    with op.batch_alter_table('project_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_actions_version_id'), ['version_id'], unique=False)

    op.create_table('project_vote_seats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('full_name', sa.String(length=160), nullable=False),
    sa.Column('sector', sa.String(length=30), nullable=True),
    sa.Column('organisation', sa.String(length=160), nullable=False),
    sa.Column('is_chair', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_project_vote_seats_membership_id_memberships'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_project_vote_seats_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['vote_id'], ['project_votes.id'], name=op.f('fk_project_vote_seats_vote_id_project_votes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_vote_seats')),
    sa.UniqueConstraint('vote_id', 'membership_id', name='uq_project_vote_seats_vote_id')
    )
    with op.batch_alter_table('project_vote_seats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_vote_seats_user_id'), ['user_id'], unique=False)

    op.create_table('project_action_beneficiaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('target_group_id', sa.Integer(), nullable=False),
    sa.Column('sex', sa.String(length=6), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.CheckConstraint('expected >= 0', name=op.f('ck_project_action_beneficiaries_expected_not_negative')),
    sa.ForeignKeyConstraint(['action_id'], ['project_actions.id'], name=op.f('fk_project_action_beneficiaries_action_id_project_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_group_id'], ['target_groups.id'], name=op.f('fk_project_action_beneficiaries_target_group_id_target_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_action_beneficiaries')),
    sa.UniqueConstraint('action_id', 'target_group_id', 'sex', name='uq_project_action_beneficiaries_action_id')
    )
    op.create_table('project_action_partners',
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['project_actions.id'], name=op.f('fk_project_action_partners_action_id_project_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_project_action_partners_actor_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('action_id', 'actor_id', name=op.f('pk_project_action_partners'))
    )
    op.create_table('project_action_paths',
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('path_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['project_actions.id'], name=op.f('fk_project_action_paths_action_id_project_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['path_id'], ['intervention_paths.id'], name=op.f('fk_project_action_paths_path_id_intervention_paths'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('action_id', 'path_id', name=op.f('pk_project_action_paths'))
    )
    with op.batch_alter_table('project_action_paths', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_action_paths_path_id'), ['path_id'], unique=False)

    op.create_table('project_action_target_groups',
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('target_group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['project_actions.id'], name=op.f('fk_project_action_target_groups_action_id_project_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_group_id'], ['target_groups.id'], name=op.f('fk_project_action_target_groups_target_group_id_target_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('action_id', 'target_group_id', name=op.f('pk_project_action_target_groups'))
    )
    op.create_table('project_ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('cast_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_project_ballots_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seat_id'], ['project_vote_seats.id'], name=op.f('fk_project_ballots_seat_id_project_vote_seats'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vote_id'], ['project_votes.id'], name=op.f('fk_project_ballots_vote_id_project_votes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_ballots')),
    sa.UniqueConstraint('seat_id', name='uq_project_ballots_seat_id')
    )
    with op.batch_alter_table('project_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_ballots_vote_id'), ['vote_id'], unique=False)

    op.create_table('project_budget_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=200), nullable=False),
    sa.Column('funder', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_project_budget_lines_amount_not_negative')),
    sa.ForeignKeyConstraint(['action_id'], ['project_actions.id'], name=op.f('fk_project_budget_lines_action_id_project_actions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_budget_lines'))
    )
    with op.batch_alter_table('project_budget_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_budget_lines_action_id'), ['action_id'], unique=False)




def downgrade():

    with op.batch_alter_table('project_budget_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_budget_lines_action_id'))

    op.drop_table('project_budget_lines')
    with op.batch_alter_table('project_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_ballots_vote_id'))

    op.drop_table('project_ballots')
    op.drop_table('project_action_target_groups')
    with op.batch_alter_table('project_action_paths', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_action_paths_path_id'))

    op.drop_table('project_action_paths')
    op.drop_table('project_action_partners')
    op.drop_table('project_action_beneficiaries')
    with op.batch_alter_table('project_vote_seats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_vote_seats_user_id'))

    op.drop_table('project_vote_seats')
    with op.batch_alter_table('project_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_actions_version_id'))

    op.drop_table('project_actions')
    with op.batch_alter_table('project_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_votes_project_id'))

    op.drop_table('project_votes')
    with op.batch_alter_table('project_execution_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_execution_milestones_execution_id'))

    op.drop_table('project_execution_milestones')
    with op.batch_alter_table('project_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_project_comments_version_section')

    op.drop_table('project_comments')
    op.drop_table('vote_rules')
    with op.batch_alter_table('project_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_versions_project_id'))

    op.drop_table('project_versions')
    with op.batch_alter_table('project_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_transitions_project_id'))

    op.drop_table('project_transitions')
    op.drop_table('project_conventions')
    op.drop_table('project_action_executions')
    with op.batch_alter_table('territory_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_territory_projects_status'))

    op.drop_table('territory_projects')

