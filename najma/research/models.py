"""Field research: notes with their revisions, comments and attachments; coded passages;
the territory's research plan; intervention paths and the evidence they cite; the search index.

A note's current text lives on ``ResearchNote``; every save also writes a ``NoteRevision``
(number = the note's ``version`` after the save), so the history is complete and a stale edit
is detected by comparing versions.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import orm

from najma.extensions import db
from najma.models_base import TimestampMixin, UTCDateTime, utcnow
from najma.vocab import (CODE_KINDS, NOTE_KINDS, NOTE_VISIBILITIES, PATH_PRIORITIES, PATH_STATUSES,
                         label)

note_communes = sa.Table(
    "research_note_communes", db.metadata,
    sa.Column("note_id", sa.ForeignKey("research_notes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("commune_id", sa.ForeignKey("communes.id"), primary_key=True, index=True),
)
note_target_groups = sa.Table(
    "research_note_target_groups", db.metadata,
    sa.Column("note_id", sa.ForeignKey("research_notes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("target_group_id", sa.ForeignKey("target_groups.id"), primary_key=True, index=True),
)
note_chantiers = sa.Table(
    "research_note_chantiers", db.metadata,
    sa.Column("note_id", sa.ForeignKey("research_notes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("chantier_id", sa.ForeignKey("chantiers.id"), primary_key=True, index=True),
)
path_target_groups = sa.Table(
    "intervention_path_target_groups", db.metadata,
    sa.Column("path_id", sa.ForeignKey("intervention_paths.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("target_group_id", sa.ForeignKey("target_groups.id"), primary_key=True, index=True),
)
path_actors = sa.Table(
    "intervention_path_actors", db.metadata,
    sa.Column("path_id", sa.ForeignKey("intervention_paths.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("actor_id", sa.ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ResearchNote(TimestampMixin, db.Model):
    """A piece of field research on one territory, written in Markdown."""

    __tablename__ = "research_notes"
    __table_args__ = (sa.Index("ix_research_notes_territory_visibility", "territory_id", "visibility"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    territory_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("territories.id", ondelete="CASCADE"))
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(30), index=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    fieldwork_date: orm.Mapped[date | None] = orm.mapped_column(index=True)
    place: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    body: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    #: Participants counted by age band and sex, e.g. ``{"15_24": {"female": 6, "male": 0}}``.
    participants: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)
    visibility: orm.Mapped[str] = orm.mapped_column(sa.String(12), default="draft")
    version: orm.Mapped[int] = orm.mapped_column(default=1)
    author_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    shared_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())
    published_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())
    deleted_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())
    deleted_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    is_demo: orm.Mapped[bool] = orm.mapped_column(default=False)

    territory = orm.relationship("Territory", lazy="raise")
    author = orm.relationship("User", foreign_keys=[author_id], lazy="raise")
    communes = orm.relationship("Commune", secondary=note_communes, lazy="raise", order_by="Commune.name_fr")
    target_groups = orm.relationship("TargetGroup", secondary=note_target_groups, lazy="raise",
                                     order_by="TargetGroup.position")
    chantiers = orm.relationship("Chantier", secondary=note_chantiers, lazy="raise", order_by="Chantier.position")

    @property
    def kind_label(self) -> str:
        return label(NOTE_KINDS, self.kind)

    @property
    def visibility_label(self) -> str:
        return label(NOTE_VISIBILITIES, self.visibility)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def participant_total(self) -> int:
        return sum(int(n or 0) for band in (self.participants or {}).values() for n in band.values())

    def __repr__(self) -> str:
        return f"<ResearchNote {self.id} {self.title!r}>"


class NoteRevision(db.Model):
    """The full content of a note as one save left it; ``number`` counts from 1."""

    __tablename__ = "research_note_revisions"
    __table_args__ = (sa.UniqueConstraint("note_id", "number", name="uq_research_note_revisions_note_number"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    note_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("research_notes.id", ondelete="CASCADE"))
    number: orm.Mapped[int]
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    body: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    #: The note's other fields at this save (kind, date, place, communes, groups, chantiers, participants).
    fields: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)
    author_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)
    #: Why this revision exists beyond an ordinary save, e.g. "restored from revision 3".
    summary: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")

    author = orm.relationship("User", lazy="raise")


class NoteComment(db.Model):
    """A remark on a shared or published note, written in Markdown."""

    __tablename__ = "research_note_comments"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    note_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("research_notes.id", ondelete="CASCADE"), index=True)
    author_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: orm.Mapped[str] = orm.mapped_column(sa.Text)
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())

    author = orm.relationship("User", lazy="raise")


class NoteAttachment(db.Model):
    """A photo, PDF or audio file attached to a note, stored under ``instance/`` by a random name."""

    __tablename__ = "research_note_attachments"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    note_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("research_notes.id", ondelete="CASCADE"), index=True)
    original_name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    stored_name: orm.Mapped[str] = orm.mapped_column(sa.String(80), unique=True)
    media_type: orm.Mapped[str] = orm.mapped_column(sa.String(80))
    size: orm.Mapped[int]
    sha256: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    uploaded_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())

    uploaded_by = orm.relationship("User", lazy="raise")


class CodedPassage(db.Model):
    """A passage of a note coded as a need, aspiration, existing resource, obstacle or proposal
    of one target group. ``quote`` keeps the passage as it was coded, even if the note changes."""

    __tablename__ = "research_coded_passages"
    __table_args__ = (sa.Index("ix_research_coded_passages_territory_group", "territory_id", "target_group_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    note_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("research_notes.id", ondelete="CASCADE"), index=True)
    territory_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("territories.id", ondelete="CASCADE"))
    code: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    target_group_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("target_groups.id"))
    quote: orm.Mapped[str] = orm.mapped_column(sa.Text)
    memo: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    revision_number: orm.Mapped[int]
    author_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())

    note = orm.relationship("ResearchNote", lazy="raise")
    target_group = orm.relationship("TargetGroup", lazy="raise")
    author = orm.relationship("User", lazy="raise")

    @property
    def code_label(self) -> str:
        return label(CODE_KINDS, self.code)


class ResearchPlan(TimestampMixin, db.Model):
    """A territory's research calendar: the experimentation window and its milestones."""

    __tablename__ = "research_plans"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    territory_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("territories.id", ondelete="CASCADE"), unique=True)
    start_date: orm.Mapped[date]
    window_months: orm.Mapped[int] = orm.mapped_column(default=8)

    milestones: orm.Mapped[list[ResearchMilestone]] = orm.relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="ResearchMilestone.position", lazy="raise")


class ResearchMilestone(db.Model):
    """One milestone of a research plan, with its due date; its progress is computed from notes."""

    __tablename__ = "research_milestones"
    __table_args__ = (sa.UniqueConstraint("plan_id", "code", name="uq_research_milestones_plan_code"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("research_plans.id", ondelete="CASCADE"), index=True)
    code: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    position: orm.Mapped[int]
    due_date: orm.Mapped[date]
    #: Set when the antenna declares the milestone done (the computed progress is advice).
    completed_on: orm.Mapped[date | None]

    plan: orm.Mapped[ResearchPlan] = orm.relationship(back_populates="milestones")


class InterventionPath(TimestampMixin, db.Model):
    """A proposal grounded in cited research, for target groups and a chantier."""

    __tablename__ = "intervention_paths"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    territory_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("territories.id", ondelete="CASCADE"), index=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    rationale: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    chantier_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("chantiers.id"), index=True)
    priority: orm.Mapped[str] = orm.mapped_column(sa.String(10), default="medium")
    #: Partners named in free text (those not on the actor map yet).
    partners_text: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    status: orm.Mapped[str] = orm.mapped_column(sa.String(12), default="proposed", index=True)
    decision_reason: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    decided_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())
    decided_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The commission meeting that took the decision, when recorded.
    decision_meeting_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("meetings.id", ondelete="SET NULL"))
    version: orm.Mapped[int] = orm.mapped_column(default=1)
    author_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    deleted_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())
    is_demo: orm.Mapped[bool] = orm.mapped_column(default=False)

    chantier = orm.relationship("Chantier", lazy="raise")
    author = orm.relationship("User", foreign_keys=[author_id], lazy="raise")
    target_groups = orm.relationship("TargetGroup", secondary=path_target_groups, lazy="raise",
                                     order_by="TargetGroup.position")
    actors = orm.relationship("Actor", secondary=path_actors, lazy="raise", order_by="Actor.name")
    evidence: orm.Mapped[list[PathEvidence]] = orm.relationship(
        back_populates="path", cascade="all, delete-orphan", lazy="raise")

    @property
    def status_label(self) -> str:
        return label(PATH_STATUSES, self.status)

    @property
    def priority_label(self) -> str:
        return label(PATH_PRIORITIES, self.priority)


class PathEvidence(db.Model):
    """What a path rests on: a cited note, or a coded passage (whose note is then cited too)."""

    __tablename__ = "intervention_path_evidence"
    __table_args__ = (sa.UniqueConstraint("path_id", "note_id", "passage_id",
                                          name="uq_intervention_path_evidence_item"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    path_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("intervention_paths.id", ondelete="CASCADE"),
                                                 index=True)
    note_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("research_notes.id", ondelete="CASCADE"),
                                                 index=True)
    passage_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("research_coded_passages.id", ondelete="CASCADE"), index=True)

    path: orm.Mapped[InterventionPath] = orm.relationship(back_populates="evidence")
    note = orm.relationship("ResearchNote", lazy="raise")
    passage = orm.relationship("CodedPassage", lazy="raise")


class SearchDocument(db.Model):
    """One searchable text (a note, a comment or a path) with what filters need, denormalised.

    ``content`` holds the text folded for matching (lower case, accents and Arabic diacritics
    removed); the FTS5 table (SQLite) or a GIN index (PostgreSQL) indexes it.
    """

    __tablename__ = "research_search_documents"
    __table_args__ = (
        sa.UniqueConstraint("object_type", "object_id", name="uq_research_search_documents_object"),
        sa.Index("ix_research_search_documents_territory_visibility", "territory_id", "visibility"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    object_type: orm.Mapped[str] = orm.mapped_column(sa.String(10))  # note, comment, path
    object_id: orm.Mapped[int]
    note_id: orm.Mapped[int | None] = orm.mapped_column(index=True)
    territory_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("territories.id", ondelete="CASCADE"))
    #: The visibility the reader needs: the note's (for a note or a comment), "published" for a path.
    visibility: orm.Mapped[str] = orm.mapped_column(sa.String(12))
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(30), default="")
    author_id: orm.Mapped[int | None] = orm.mapped_column(index=True)
    on_date: orm.Mapped[date | None] = orm.mapped_column(index=True)
    target_group_ids: orm.Mapped[str] = orm.mapped_column(sa.String(100), default="")  # ",1,4," for LIKE filters
    chantier_ids: orm.Mapped[str] = orm.mapped_column(sa.String(100), default="")
    #: The title and text as written, for display and snippets.
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    text: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    #: The same, folded for matching; the full-text index covers these two.
    search_title: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    content: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")


#: The full-text index, one per database: SQLite's FTS5 (kept in step by triggers) or, on
#: PostgreSQL, a stored generated column ``search_vector`` with a GIN index. The column is the
#: 'simple' text search configuration's vector (the text is pre-folded) of the title, weighted A,
#: and of the text, weighted B, so that ``ts_rank_cd`` reads it without rebuilding it. It exists
#: on PostgreSQL only and the model does not declare it (Alembic leaves it out, see
#: ``najma.models_base.include_object``).
SEARCH_TSVECTOR = ("setweight(to_tsvector('simple', coalesce(search_title, '')), 'A') || "
                   "setweight(to_tsvector('simple', coalesce(content, '')), 'B')")
SQLITE_FTS_DDL = (
    "CREATE VIRTUAL TABLE research_search_fts USING fts5(search_title, content, "
    "content='research_search_documents', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER research_search_ai AFTER INSERT ON research_search_documents BEGIN "
    "INSERT INTO research_search_fts(rowid, search_title, content) VALUES (new.id, new.search_title, new.content); END",
    "CREATE TRIGGER research_search_ad AFTER DELETE ON research_search_documents BEGIN "
    "INSERT INTO research_search_fts(research_search_fts, rowid, search_title, content) "
    "VALUES ('delete', old.id, old.search_title, old.content); END",
    "CREATE TRIGGER research_search_au AFTER UPDATE ON research_search_documents BEGIN "
    "INSERT INTO research_search_fts(research_search_fts, rowid, search_title, content) "
    "VALUES ('delete', old.id, old.search_title, old.content); "
    "INSERT INTO research_search_fts(rowid, search_title, content) VALUES (new.id, new.search_title, new.content); END",
)
SQLITE_FTS_DROP = (
    "DROP TRIGGER IF EXISTS research_search_au",
    "DROP TRIGGER IF EXISTS research_search_ad",
    "DROP TRIGGER IF EXISTS research_search_ai",
    "DROP TABLE IF EXISTS research_search_fts",
)
POSTGRES_FTS_DDL = (
    f"ALTER TABLE research_search_documents ADD COLUMN search_vector tsvector "
    f"GENERATED ALWAYS AS ({SEARCH_TSVECTOR}) STORED",
    "CREATE INDEX ix_research_search_documents_fts ON research_search_documents USING gin (search_vector)",
)

for _statement in SQLITE_FTS_DDL:
    sa.event.listen(SearchDocument.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRES_FTS_DDL:
    sa.event.listen(SearchDocument.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="postgresql"))
for _statement in SQLITE_FTS_DROP:
    sa.event.listen(SearchDocument.__table__, "before_drop", sa.DDL(_statement).execute_if(dialect="sqlite"))
