"""Geography: cercles, communes, arrondissements, census records and fields, boundaries, territory communes

Revision ID: 0002_geography
Revises: 0001_foundation
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_geography'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('census_fields',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset', sa.String(length=20), nullable=False),
    sa.Column('column', sa.String(length=80), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('heading', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=300), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('defined_as', sa.String(length=300), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_census_fields')),
    sa.UniqueConstraint('dataset', 'column', name='uq_census_fields_dataset_column')
    )
    op.create_table('census_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=14), nullable=False),
    sa.Column('census', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=12), nullable=False),
    sa.Column('area', sa.String(length=8), nullable=False),
    sa.Column('sex', sa.String(length=8), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_census_records')),
    sa.UniqueConstraint('level', 'code', 'census', 'subject', 'area', 'sex', name='uq_census_records_unit')
    )
    with op.batch_alter_table('census_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_census_records_code'), ['code'], unique=False)

    op.create_table('boundaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=14), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('geometry', sa.LargeBinary(), nullable=False),
    sa.Column('area_km2', sa.Double(), nullable=True),
    sa.Column('repaired', sa.Boolean(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_boundaries_imported_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boundaries')),
    sa.UniqueConstraint('level', 'code', name='uq_boundaries_level_code')
    )
    op.create_table('cercles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name_fr', sa.String(length=120), nullable=False),
    sa.Column('name_ar', sa.String(length=120), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('population_2024', sa.Integer(), nullable=True),
    sa.Column('households_2024', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['province_id'], ['provinces.id'], name=op.f('fk_cercles_province_id_provinces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cercles')),
    sa.UniqueConstraint('code', name=op.f('uq_cercles_code'))
    )
    with op.batch_alter_table('cercles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cercles_province_id'), ['province_id'], unique=False)

    op.create_table('communes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=14), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name_fr', sa.String(length=120), nullable=False),
    sa.Column('name_ar', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('cercle_id', sa.Integer(), nullable=True),
    sa.Column('population_2014', sa.Integer(), nullable=True),
    sa.Column('population_2024', sa.Integer(), nullable=True),
    sa.Column('households_2014', sa.Integer(), nullable=True),
    sa.Column('households_2024', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cercle_id'], ['cercles.id'], name=op.f('fk_communes_cercle_id_cercles')),
    sa.ForeignKeyConstraint(['province_id'], ['provinces.id'], name=op.f('fk_communes_province_id_provinces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_communes')),
    sa.UniqueConstraint('code', name=op.f('uq_communes_code'))
    )
    with op.batch_alter_table('communes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_communes_cercle_id'), ['cercle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_communes_name_fr'), ['name_fr'], unique=False)
        batch_op.create_index(batch_op.f('ix_communes_province_id'), ['province_id'], unique=False)

    op.create_table('arrondissements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=14), nullable=False),
    sa.Column('name_fr', sa.String(length=120), nullable=False),
    sa.Column('name_ar', sa.String(length=120), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('population_2024', sa.Integer(), nullable=True),
    sa.Column('households_2024', sa.Integer(), nullable=True),
    sa.Column('area_km2', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_arrondissements_commune_id_communes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arrondissements')),
    sa.UniqueConstraint('code', name=op.f('uq_arrondissements_code'))
    )
    with op.batch_alter_table('arrondissements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_arrondissements_commune_id'), ['commune_id'], unique=False)

    op.create_table('territory_communes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_territory_communes_commune_id_communes')),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_territory_communes_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_territory_communes')),
    sa.UniqueConstraint('territory_id', 'commune_id', name='uq_territory_communes_pair')
    )
    with op.batch_alter_table('territory_communes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_territory_communes_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_territory_communes_territory_id'), ['territory_id'], unique=False)

    with op.batch_alter_table('provinces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('population_2014', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('households_2014', sa.Integer(), nullable=True))

    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('population_2014', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('households_2014', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_column('households_2014')
        batch_op.drop_column('population_2014')

    with op.batch_alter_table('provinces', schema=None) as batch_op:
        batch_op.drop_column('households_2014')
        batch_op.drop_column('population_2014')

    with op.batch_alter_table('territory_communes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_territory_communes_territory_id'))
        batch_op.drop_index(batch_op.f('ix_territory_communes_commune_id'))

    op.drop_table('territory_communes')
    with op.batch_alter_table('arrondissements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_arrondissements_commune_id'))

    op.drop_table('arrondissements')
    with op.batch_alter_table('communes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_communes_province_id'))
        batch_op.drop_index(batch_op.f('ix_communes_name_fr'))
        batch_op.drop_index(batch_op.f('ix_communes_cercle_id'))

    op.drop_table('communes')
    with op.batch_alter_table('cercles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cercles_province_id'))

    op.drop_table('cercles')
    op.drop_table('boundaries')
    with op.batch_alter_table('census_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_census_records_code'))

    op.drop_table('census_records')
    op.drop_table('census_fields')
