"""Research: notes, revisions, comments, attachments, coding, plans, paths, search, notifications

Revision ID: 0004_research
Revises: 0003_actors
Create Date: 2026-11-25 11:55:37.490899

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0004_research'
down_revision = '0003_actors'
branch_labels = None
depends_on = None

# The full-text index, frozen here as the models declared it at this revision.
SQLITE_FTS_DDL = (
    "CREATE VIRTUAL TABLE research_search_fts USING fts5(search_title, content, content='research_search_documents', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    'CREATE TRIGGER research_search_ai AFTER INSERT ON research_search_documents BEGIN INSERT INTO research_search_fts(rowid, search_title, content) VALUES (new.id, new.search_title, new.content); END',
    "CREATE TRIGGER research_search_ad AFTER DELETE ON research_search_documents BEGIN INSERT INTO research_search_fts(research_search_fts, rowid, search_title, content) VALUES ('delete', old.id, old.search_title, old.content); END",
    "CREATE TRIGGER research_search_au AFTER UPDATE ON research_search_documents BEGIN INSERT INTO research_search_fts(research_search_fts, rowid, search_title, content) VALUES ('delete', old.id, old.search_title, old.content); INSERT INTO research_search_fts(rowid, search_title, content) VALUES (new.id, new.search_title, new.content); END",
)
SQLITE_FTS_DROP = (
    'DROP TRIGGER IF EXISTS research_search_au',
    'DROP TRIGGER IF EXISTS research_search_ad',
    'DROP TRIGGER IF EXISTS research_search_ai',
    'DROP TABLE IF EXISTS research_search_fts',
)
# PostgreSQL: a stored generated column (not declared by the models) and its GIN index; both go
# with the table on downgrade.
POSTGRES_FTS_DDL = (
    "ALTER TABLE research_search_documents ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (setweight(to_tsvector('simple', coalesce(search_title, '')), 'A') || setweight(to_tsvector('simple', coalesce(content, '')), 'B')) STORED",
    'CREATE INDEX ix_research_search_documents_fts ON research_search_documents USING gin (search_vector)',
)


def upgrade():
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('research_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('fieldwork_date', sa.Date(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('participants', sa.JSON(), nullable=False),
    sa.Column('visibility', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('shared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_research_notes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['users.id'], name=op.f('fk_research_notes_deleted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_research_notes_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_notes'))
    )
    with op.batch_alter_table('research_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_notes_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_research_notes_fieldwork_date'), ['fieldwork_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_research_notes_kind'), ['kind'], unique=False)
        batch_op.create_index('ix_research_notes_territory_visibility', ['territory_id', 'visibility'], unique=False)

    op.create_table('research_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('window_months', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_research_plans_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_plans')),
    sa.UniqueConstraint('territory_id', name=op.f('uq_research_plans_territory_id'))
    )
    op.create_table('research_search_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('object_type', sa.String(length=10), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=True),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('visibility', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('on_date', sa.Date(), nullable=True),
    sa.Column('target_group_ids', sa.String(length=100), nullable=False),
    sa.Column('chantier_ids', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('search_title', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_research_search_documents_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_search_documents')),
    sa.UniqueConstraint('object_type', 'object_id', name='uq_research_search_documents_object')
    )
    with op.batch_alter_table('research_search_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_search_documents_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_research_search_documents_note_id'), ['note_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_research_search_documents_on_date'), ['on_date'], unique=False)
        batch_op.create_index('ix_research_search_documents_territory_visibility', ['territory_id', 'visibility'], unique=False)

    op.create_table('research_coded_passages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('target_group_id', sa.Integer(), nullable=False),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('memo', sa.Text(), nullable=False),
    sa.Column('revision_number', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_research_coded_passages_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['note_id'], ['research_notes.id'], name=op.f('fk_research_coded_passages_note_id_research_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_group_id'], ['target_groups.id'], name=op.f('fk_research_coded_passages_target_group_id_target_groups')),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_research_coded_passages_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_coded_passages'))
    )
    with op.batch_alter_table('research_coded_passages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_coded_passages_note_id'), ['note_id'], unique=False)
        batch_op.create_index('ix_research_coded_passages_territory_group', ['territory_id', 'target_group_id'], unique=False)

    op.create_table('research_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['research_plans.id'], name=op.f('fk_research_milestones_plan_id_research_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_milestones')),
    sa.UniqueConstraint('plan_id', 'code', name='uq_research_milestones_plan_code')
    )
    with op.batch_alter_table('research_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_milestones_plan_id'), ['plan_id'], unique=False)

    op.create_table('research_note_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('media_type', sa.String(length=80), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['note_id'], ['research_notes.id'], name=op.f('fk_research_note_attachments_note_id_research_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_research_note_attachments_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_note_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_research_note_attachments_stored_name'))
    )
    with op.batch_alter_table('research_note_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_note_attachments_note_id'), ['note_id'], unique=False)

    op.create_table('research_note_chantiers',
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('chantier_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chantier_id'], ['chantiers.id'], name=op.f('fk_research_note_chantiers_chantier_id_chantiers')),
    sa.ForeignKeyConstraint(['note_id'], ['research_notes.id'], name=op.f('fk_research_note_chantiers_note_id_research_notes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('note_id', 'chantier_id', name=op.f('pk_research_note_chantiers'))
    )
    with op.batch_alter_table('research_note_chantiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_note_chantiers_chantier_id'), ['chantier_id'], unique=False)

    op.create_table('research_note_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_research_note_comments_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['note_id'], ['research_notes.id'], name=op.f('fk_research_note_comments_note_id_research_notes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_note_comments'))
    )
    with op.batch_alter_table('research_note_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_note_comments_note_id'), ['note_id'], unique=False)

    op.create_table('research_note_communes',
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_research_note_communes_commune_id_communes')),
    sa.ForeignKeyConstraint(['note_id'], ['research_notes.id'], name=op.f('fk_research_note_communes_note_id_research_notes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('note_id', 'commune_id', name=op.f('pk_research_note_communes'))
    )
    with op.batch_alter_table('research_note_communes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_note_communes_commune_id'), ['commune_id'], unique=False)

    op.create_table('research_note_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('summary', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_research_note_revisions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['note_id'], ['research_notes.id'], name=op.f('fk_research_note_revisions_note_id_research_notes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_note_revisions')),
    sa.UniqueConstraint('note_id', 'number', name='uq_research_note_revisions_note_number')
    )
    op.create_table('research_note_target_groups',
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('target_group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['research_notes.id'], name=op.f('fk_research_note_target_groups_note_id_research_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_group_id'], ['target_groups.id'], name=op.f('fk_research_note_target_groups_target_group_id_target_groups')),
    sa.PrimaryKeyConstraint('note_id', 'target_group_id', name=op.f('pk_research_note_target_groups'))
    )
    with op.batch_alter_table('research_note_target_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_note_target_groups_target_group_id'), ['target_group_id'], unique=False)

    op.create_table('intervention_paths',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('chantier_id', sa.Integer(), nullable=True),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('partners_text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_meeting_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_intervention_paths_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['chantier_id'], ['chantiers.id'], name=op.f('fk_intervention_paths_chantier_id_chantiers')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_intervention_paths_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decision_meeting_id'], ['meetings.id'], name=op.f('fk_intervention_paths_decision_meeting_id_meetings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_intervention_paths_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intervention_paths'))
    )
    with op.batch_alter_table('intervention_paths', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intervention_paths_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_paths_chantier_id'), ['chantier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_paths_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_paths_territory_id'), ['territory_id'], unique=False)

    op.create_table('intervention_path_actors',
    sa.Column('path_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_intervention_path_actors_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['path_id'], ['intervention_paths.id'], name=op.f('fk_intervention_path_actors_path_id_intervention_paths'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('path_id', 'actor_id', name=op.f('pk_intervention_path_actors'))
    )
    with op.batch_alter_table('intervention_path_actors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intervention_path_actors_actor_id'), ['actor_id'], unique=False)

    op.create_table('intervention_path_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path_id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('passage_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['note_id'], ['research_notes.id'], name=op.f('fk_intervention_path_evidence_note_id_research_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['passage_id'], ['research_coded_passages.id'], name=op.f('fk_intervention_path_evidence_passage_id_research_coded_passages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['path_id'], ['intervention_paths.id'], name=op.f('fk_intervention_path_evidence_path_id_intervention_paths'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intervention_path_evidence')),
    sa.UniqueConstraint('path_id', 'note_id', 'passage_id', name='uq_intervention_path_evidence_item')
    )
    with op.batch_alter_table('intervention_path_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intervention_path_evidence_note_id'), ['note_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_path_evidence_passage_id'), ['passage_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_path_evidence_path_id'), ['path_id'], unique=False)

    op.create_table('intervention_path_target_groups',
    sa.Column('path_id', sa.Integer(), nullable=False),
    sa.Column('target_group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['path_id'], ['intervention_paths.id'], name=op.f('fk_intervention_path_target_groups_path_id_intervention_paths'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_group_id'], ['target_groups.id'], name=op.f('fk_intervention_path_target_groups_target_group_id_target_groups')),
    sa.PrimaryKeyConstraint('path_id', 'target_group_id', name=op.f('pk_intervention_path_target_groups'))
    )
    with op.batch_alter_table('intervention_path_target_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intervention_path_target_groups_target_group_id'), ['target_group_id'], unique=False)

    # A tie of the actor map may cite the research note that documents it.
    with op.batch_alter_table('ties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ties_note_id'), ['note_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_ties_note_id_research_notes'), 'research_notes', ['note_id'], ['id'],
                                    ondelete='SET NULL')

    # The full-text index over the search documents (see najma.research.models).
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_FTS_DDL, "postgresql": POSTGRES_FTS_DDL}.get(dialect, ()):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
    with op.batch_alter_table('ties', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ties_note_id_research_notes'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ties_note_id'))
        batch_op.drop_column('note_id')
    with op.batch_alter_table('intervention_path_target_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intervention_path_target_groups_target_group_id'))

    op.drop_table('intervention_path_target_groups')
    with op.batch_alter_table('intervention_path_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intervention_path_evidence_path_id'))
        batch_op.drop_index(batch_op.f('ix_intervention_path_evidence_passage_id'))
        batch_op.drop_index(batch_op.f('ix_intervention_path_evidence_note_id'))

    op.drop_table('intervention_path_evidence')
    with op.batch_alter_table('intervention_path_actors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intervention_path_actors_actor_id'))

    op.drop_table('intervention_path_actors')
    with op.batch_alter_table('intervention_paths', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intervention_paths_territory_id'))
        batch_op.drop_index(batch_op.f('ix_intervention_paths_status'))
        batch_op.drop_index(batch_op.f('ix_intervention_paths_chantier_id'))
        batch_op.drop_index(batch_op.f('ix_intervention_paths_author_id'))

    op.drop_table('intervention_paths')
    with op.batch_alter_table('research_note_target_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_note_target_groups_target_group_id'))

    op.drop_table('research_note_target_groups')
    op.drop_table('research_note_revisions')
    with op.batch_alter_table('research_note_communes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_note_communes_commune_id'))

    op.drop_table('research_note_communes')
    with op.batch_alter_table('research_note_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_note_comments_note_id'))

    op.drop_table('research_note_comments')
    with op.batch_alter_table('research_note_chantiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_note_chantiers_chantier_id'))

    op.drop_table('research_note_chantiers')
    with op.batch_alter_table('research_note_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_note_attachments_note_id'))

    op.drop_table('research_note_attachments')
    with op.batch_alter_table('research_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_milestones_plan_id'))

    op.drop_table('research_milestones')
    with op.batch_alter_table('research_coded_passages', schema=None) as batch_op:
        batch_op.drop_index('ix_research_coded_passages_territory_group')
        batch_op.drop_index(batch_op.f('ix_research_coded_passages_note_id'))

    op.drop_table('research_coded_passages')
    with op.batch_alter_table('research_search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_research_search_documents_territory_visibility')
        batch_op.drop_index(batch_op.f('ix_research_search_documents_on_date'))
        batch_op.drop_index(batch_op.f('ix_research_search_documents_note_id'))
        batch_op.drop_index(batch_op.f('ix_research_search_documents_author_id'))

    op.drop_table('research_search_documents')
    op.drop_table('research_plans')
    with op.batch_alter_table('research_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_research_notes_territory_visibility')
        batch_op.drop_index(batch_op.f('ix_research_notes_kind'))
        batch_op.drop_index(batch_op.f('ix_research_notes_fieldwork_date'))
        batch_op.drop_index(batch_op.f('ix_research_notes_author_id'))

    op.drop_table('research_notes')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_read')

    op.drop_table('notifications')
