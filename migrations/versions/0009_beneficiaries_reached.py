"""Projects: beneficiaries reached by each action in execution, by target group and sex

Revision ID: 0009_beneficiaries_reached
Revises: 0008_indicator_definitions
Create Date: 2026-11-28 10:00:00.000000

A new table only: no existing table is altered (on SQLite a table rebuild would cascade deletes).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_beneficiaries_reached'
down_revision = '0008_indicator_definitions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('project_action_reached',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('execution_id', sa.Integer(), nullable=False),
    sa.Column('target_group_id', sa.Integer(), nullable=False),
    sa.Column('sex', sa.String(length=6), nullable=False),
    sa.Column('reached', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('reached >= 0', name=op.f('ck_project_action_reached_reached_not_negative')),
    sa.ForeignKeyConstraint(['execution_id'], ['project_action_executions.id'], name=op.f('fk_project_action_reached_execution_id_project_action_executions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_group_id'], ['target_groups.id'], name=op.f('fk_project_action_reached_target_group_id_target_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_action_reached')),
    sa.UniqueConstraint('execution_id', 'target_group_id', 'sex', name='uq_project_action_reached_execution_id')
    )


def downgrade():
    op.drop_table('project_action_reached')
