"""Actor maps: actors, ties, snapshots and the per-territory map version

Revision ID: 0003_actors
Revises: 0002_geography
Create Date: 2026-11-25 09:47:07.372484

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_actors'
down_revision = '0002_geography'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('actor_maps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_actor_maps_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actor_maps')),
    sa.UniqueConstraint('territory_id', name=op.f('uq_actor_maps_territory_id'))
    )
    op.create_table('actor_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('actor_count', sa.Integer(), nullable=False),
    sa.Column('tie_count', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_actor_snapshots_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_actor_snapshots_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actor_snapshots'))
    )
    with op.batch_alter_table('actor_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actor_snapshots_territory_id'), ['territory_id'], unique=False)

    op.create_table('actors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('sector', sa.String(length=30), nullable=True),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('influence', sa.Integer(), nullable=False),
    sa.Column('stance', sa.String(length=12), nullable=True),
    sa.Column('membership_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('influence >= 0 AND influence <= 5', name=op.f('ck_actors_influence_range')),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_actors_commune_id_communes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_actors_membership_id_memberships'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_actors_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actors')),
    sa.UniqueConstraint('territory_id', 'name', name='uq_actors_territory_name')
    )
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actors_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actors_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_actors_membership_id'), ['membership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actors_territory_id'), ['territory_id'], unique=False)

    op.create_table('ties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('directed', sa.Boolean(), nullable=False),
    sa.Column('strength', sa.Integer(), nullable=False),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('evidence', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('source_id <> target_id', name=op.f('ck_ties_not_a_loop')),
    sa.CheckConstraint('strength >= 1 AND strength <= 3', name=op.f('ck_ties_strength_range')),
    sa.ForeignKeyConstraint(['source_id'], ['actors.id'], name=op.f('fk_ties_source_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['actors.id'], name=op.f('fk_ties_target_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_ties_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ties'))
    )
    with op.batch_alter_table('ties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ties_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ties_target_id'), ['target_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ties_territory_id'), ['territory_id'], unique=False)



def downgrade():
    with op.batch_alter_table('ties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ties_territory_id'))
        batch_op.drop_index(batch_op.f('ix_ties_target_id'))
        batch_op.drop_index(batch_op.f('ix_ties_source_id'))

    op.drop_table('ties')
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actors_territory_id'))
        batch_op.drop_index(batch_op.f('ix_actors_membership_id'))
        batch_op.drop_index(batch_op.f('ix_actors_kind'))
        batch_op.drop_index(batch_op.f('ix_actors_commune_id'))

    op.drop_table('actors')
    with op.batch_alter_table('actor_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actor_snapshots_territory_id'))

    op.drop_table('actor_snapshots')
    op.drop_table('actor_maps')
