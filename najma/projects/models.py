"""Territory projects: versions and their actions, the workflow's record, the committee's vote,
conventions and the follow-up of execution.

A project has one row per territory and a chain of versions. Only the newest version can be
edited, and only while the project is a draft; a version sent back for amendment or put to the
vote is frozen, and the approved one never changes again. Actions carry a ``key`` that stays the
same from one version to the next, so versions can be compared action by action and conventions
and execution follow-up hang on the action of the approved version.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm

from najma.extensions import db
from najma.models_base import TimestampMixin, UTCDateTime, utcnow
from najma.vocab import (BALLOT_CHOICES, EXECUTION_STATUSES, MAJORITY_RULES, PROJECT_STATUSES, SEXES,
                         label)

#: Money is kept exactly, in dirhams with two decimals.
Money = sa.Numeric(14, 2)


class TerritoryProject(TimestampMixin, db.Model):
    """The territory project of one territory: its status and the chain of its versions.

    ``status`` is changed by ``najma.projects.workflow`` only, with a compare-and-set on
    ``status_version`` so that two simultaneous transitions give one.
    """

    __tablename__ = "territory_projects"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    territory_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("territories.id", ondelete="CASCADE"), unique=True)
    status: orm.Mapped[str] = orm.mapped_column(sa.String(20), default="draft", index=True)
    status_version: orm.Mapped[int] = orm.mapped_column(default=1)
    status_changed_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)
    #: The number of the newest version (the one shown and, in draft, edited).
    current_number: orm.Mapped[int] = orm.mapped_column(default=1)
    #: The number of the version the committee approved, once it has.
    approved_number: orm.Mapped[int | None]
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    is_demo: orm.Mapped[bool] = orm.mapped_column(default=False)

    territory = orm.relationship("Territory", lazy="raise")
    versions: orm.Mapped[list[ProjectVersion]] = orm.relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectVersion.number", lazy="raise")

    @property
    def status_label(self) -> str:
        return label(PROJECT_STATUSES, self.status)


class ProjectVersion(TimestampMixin, db.Model):
    """One version of a project's content. ``lock_version`` detects stale edits (409);
    ``frozen_at`` is set when the version stops being editable."""

    __tablename__ = "project_versions"
    __table_args__ = (sa.UniqueConstraint("project_id", "number", name="uq_project_versions_project_number"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    project_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("territory_projects.id", ondelete="CASCADE"), index=True)
    number: orm.Mapped[int]
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    context: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    general_objective: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    #: One specific objective per line.
    specific_objectives: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    #: Why this version was opened (the chair's request for amendment, for instance).
    reason: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    frozen_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())
    lock_version: orm.Mapped[int] = orm.mapped_column(default=1)
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    project: orm.Mapped[TerritoryProject] = orm.relationship(back_populates="versions")
    actions: orm.Mapped[list[ProjectAction]] = orm.relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="ProjectAction.position", lazy="raise")

    @property
    def objectives_list(self) -> list[str]:
        return [line.strip() for line in self.specific_objectives.splitlines() if line.strip()]


action_target_groups = sa.Table(
    "project_action_target_groups", db.metadata,
    sa.Column("action_id", sa.ForeignKey("project_actions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("target_group_id", sa.ForeignKey("target_groups.id", ondelete="CASCADE"), primary_key=True),
)

action_paths = sa.Table(
    "project_action_paths", db.metadata,
    sa.Column("action_id", sa.ForeignKey("project_actions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("path_id", sa.ForeignKey("intervention_paths.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)

action_partners = sa.Table(
    "project_action_partners", db.metadata,
    sa.Column("action_id", sa.ForeignKey("project_actions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("actor_id", sa.ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
)


class ProjectAction(db.Model):
    """One action of a version: what, for whom, answering which retained paths, by whom, with
    which money, when, and the indicators that will show its result."""

    __tablename__ = "project_actions"
    __table_args__ = (sa.UniqueConstraint("version_id", "key", name="uq_project_actions_version_key"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    version_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("project_versions.id", ondelete="CASCADE"), index=True)
    #: The same action in every version of the project (a short random token).
    key: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    description: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    chantier_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("chantiers.id"))
    lead_actor_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("actors.id", ondelete="SET NULL"))
    #: Partners not on the actor map yet, in free text.
    partners_text: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    #: The Entraide Nationale institution involved: an actor of an ``en_*`` kind...
    institution_actor_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("actors.id", ondelete="SET NULL"))
    #: ...or its name when it is not on the map.
    institution_name: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    start_date: orm.Mapped[date | None]
    end_date: orm.Mapped[date | None]
    #: One indicator per line, free text (not yet linked to the indicator register of `najma.indicators`).
    indicators_text: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    #: The names of the actors the action cites (lead, institution, partners) as they were when
    #: its version was frozen: a later rename or deletion on the actor map does not rewrite what
    #: the committee voted on. ``{"lead": str, "institution": str, "partners": [str]}``.
    frozen_names: orm.Mapped[dict | None] = orm.mapped_column(sa.JSON)

    version: orm.Mapped[ProjectVersion] = orm.relationship(back_populates="actions")
    chantier = orm.relationship("Chantier", lazy="raise")
    lead_actor = orm.relationship("Actor", foreign_keys=[lead_actor_id], lazy="raise")
    institution_actor = orm.relationship("Actor", foreign_keys=[institution_actor_id], lazy="raise")
    target_groups = orm.relationship("TargetGroup", secondary=action_target_groups, lazy="raise",
                                     order_by="TargetGroup.position")
    paths = orm.relationship("InterventionPath", secondary=action_paths, lazy="raise",
                             order_by="InterventionPath.id")
    partners = orm.relationship("Actor", secondary=action_partners, lazy="raise", order_by="Actor.name")
    beneficiaries: orm.Mapped[list[ActionBeneficiaries]] = orm.relationship(
        back_populates="action", cascade="all, delete-orphan", lazy="raise")
    budget_lines: orm.Mapped[list[BudgetLine]] = orm.relationship(
        back_populates="action", cascade="all, delete-orphan", order_by="BudgetLine.position", lazy="raise")

    @property
    def indicators_list(self) -> list[str]:
        return [line.strip() for line in self.indicators_text.splitlines() if line.strip()]


class ActionBeneficiaries(db.Model):
    """Expected beneficiaries of an action for one target group and sex."""

    __tablename__ = "project_action_beneficiaries"
    __table_args__ = (
        sa.UniqueConstraint("action_id", "target_group_id", "sex", name="uq_project_action_beneficiaries_action_id"),
        sa.CheckConstraint("expected >= 0", name="expected_not_negative"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    action_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("project_actions.id", ondelete="CASCADE"))
    target_group_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("target_groups.id"))
    sex: orm.Mapped[str] = orm.mapped_column(sa.String(6))
    expected: orm.Mapped[int] = orm.mapped_column(default=0)

    action: orm.Mapped[ProjectAction] = orm.relationship(back_populates="beneficiaries")
    target_group = orm.relationship("TargetGroup", lazy="raise")

    @property
    def sex_label(self) -> str:
        return label(SEXES, self.sex)


class BudgetLine(db.Model):
    """A budget line of an action: what it pays for, who funds it, how much (MAD)."""

    __tablename__ = "project_budget_lines"
    __table_args__ = (sa.CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    action_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("project_actions.id", ondelete="CASCADE"), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    item: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    funder: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    amount: orm.Mapped[Decimal] = orm.mapped_column(Money)

    action: orm.Mapped[ProjectAction] = orm.relationship(back_populates="budget_lines")


class ProjectTransition(db.Model):
    """One step of the workflow: from which status to which, by whom, when, with what comment."""

    __tablename__ = "project_transitions"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    project_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("territory_projects.id", ondelete="CASCADE"), index=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(30))
    from_status: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    to_status: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    version_number: orm.Mapped[int]
    actor_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: orm.Mapped[str] = orm.mapped_column(sa.String(160), default="")
    at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)
    comment: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")

    @property
    def to_status_label(self) -> str:
        return label(PROJECT_STATUSES, self.to_status)

    @property
    def from_status_label(self) -> str:
        return label(PROJECT_STATUSES, self.from_status)


class ProjectComment(db.Model):
    """A committee member's (or the antenna's) comment on one section of one version.

    ``section`` is ``context``, ``objectives``, ``budget``, ``schedule`` or ``action:<key>``.
    """

    __tablename__ = "project_comments"
    __table_args__ = (sa.Index("ix_project_comments_version_section", "version_id", "section"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    version_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("project_versions.id", ondelete="CASCADE"))
    section: orm.Mapped[str] = orm.mapped_column(sa.String(30))
    author_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    author_name: orm.Mapped[str] = orm.mapped_column(sa.String(160), default="")
    body: orm.Mapped[str] = orm.mapped_column(sa.Text)
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)


class VoteRules(db.Model):
    """How a local committee decides: quorum and majority. Absent rows mean the defaults."""

    __tablename__ = "vote_rules"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    body_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("bodies.id", ondelete="CASCADE"), unique=True)
    #: The quorum is reached when strictly more than this share (in %) of the voting members vote.
    quorum_percent: orm.Mapped[int] = orm.mapped_column(default=50)
    majority_rule: orm.Mapped[str] = orm.mapped_column(sa.String(20), default="votes_cast")
    chair_breaks_tie: orm.Mapped[bool] = orm.mapped_column(default=True)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def majority_label(self) -> str:
        return label(MAJORITY_RULES, self.majority_rule)


class ProjectVote(db.Model):
    """A vote of the committee on one version. The rules and the electorate are copied when it
    opens, so a later change of the committee does not rewrite a past vote."""

    __tablename__ = "project_votes"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    project_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("territory_projects.id", ondelete="CASCADE"), index=True)
    version_number: orm.Mapped[int]
    #: open, closed or cancelled.
    state: orm.Mapped[str] = orm.mapped_column(sa.String(10), default="open")
    opened_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)
    opened_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())
    closed_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The committee meeting where the deliberation took place, when recorded.
    meeting_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("meetings.id", ondelete="SET NULL"))
    quorum_percent: orm.Mapped[int]
    majority_rule: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    chair_breaks_tie: orm.Mapped[bool]
    #: Filled when the vote closes.
    outcome: orm.Mapped[str | None] = orm.mapped_column(sa.String(10))
    outcome_reason: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")

    seats: orm.Mapped[list[VoteSeat]] = orm.relationship(
        back_populates="vote", cascade="all, delete-orphan", order_by="VoteSeat.id", lazy="raise")
    ballots: orm.Mapped[list[Ballot]] = orm.relationship(
        back_populates="vote", cascade="all, delete-orphan", order_by="Ballot.id", lazy="raise")


class VoteSeat(db.Model):
    """A voting member of the committee when the vote opened."""

    __tablename__ = "project_vote_seats"
    __table_args__ = (sa.UniqueConstraint("vote_id", "membership_id", name="uq_project_vote_seats_vote_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    vote_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("project_votes.id", ondelete="CASCADE"))
    membership_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("memberships.id", ondelete="SET NULL"))
    user_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    full_name: orm.Mapped[str] = orm.mapped_column(sa.String(160))
    sector: orm.Mapped[str | None] = orm.mapped_column(sa.String(30))
    organisation: orm.Mapped[str] = orm.mapped_column(sa.String(160), default="")
    is_chair: orm.Mapped[bool] = orm.mapped_column(default=False)

    vote: orm.Mapped[ProjectVote] = orm.relationship(back_populates="seats")


class Ballot(db.Model):
    """One member's vote. The unique seat makes a second ballot impossible, even from two
    connections at once."""

    __tablename__ = "project_ballots"
    __table_args__ = (sa.UniqueConstraint("seat_id", name="uq_project_ballots_seat_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    vote_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("project_votes.id", ondelete="CASCADE"), index=True)
    seat_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("project_vote_seats.id", ondelete="CASCADE"))
    choice: orm.Mapped[str] = orm.mapped_column(sa.String(10))
    comment: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    cast_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)
    #: Who entered the ballot: the member, or the chair for a member voting on paper at the meeting.
    recorded_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    vote: orm.Mapped[ProjectVote] = orm.relationship(back_populates="ballots")
    seat: orm.Mapped[VoteSeat] = orm.relationship(lazy="raise")

    @property
    def choice_label(self) -> str:
        return label(BALLOT_CHOICES, self.choice)


class Convention(TimestampMixin, db.Model):
    """The contract for one action of the approved version between an Entraide Nationale
    institution and the committee."""

    __tablename__ = "project_conventions"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "action_key", name="uq_project_conventions_project_id"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    project_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("territory_projects.id", ondelete="CASCADE"))
    action_key: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    institution: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    parties: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    commitments: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    amount: orm.Mapped[Decimal] = orm.mapped_column(Money, default=Decimal("0"))
    start_date: orm.Mapped[date | None]
    end_date: orm.Mapped[date | None]
    #: The date by which it should be signed (a reminder goes out before it).
    due_date: orm.Mapped[date | None]
    signed_on: orm.Mapped[date | None]
    reminded_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())
    document_name: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    document_stored: orm.Mapped[str] = orm.mapped_column(sa.String(80), default="")
    document_media_type: orm.Mapped[str] = orm.mapped_column(sa.String(80), default="")
    document_size: orm.Mapped[int] = orm.mapped_column(default=0)
    lock_version: orm.Mapped[int] = orm.mapped_column(default=1)


class ActionExecution(TimestampMixin, db.Model):
    """Follow-up of one action of the approved version: status, progress, notes, weight."""

    __tablename__ = "project_action_executions"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "action_key", name="uq_project_action_executions_project_id"),
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        sa.CheckConstraint("weight IS NULL OR weight >= 0", name="weight_not_negative"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    project_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("territory_projects.id", ondelete="CASCADE"))
    action_key: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(12), default="not_started")
    progress: orm.Mapped[int] = orm.mapped_column(default=0)
    notes: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    #: The action's weight in the project's progress; empty means its budget.
    weight: orm.Mapped[Decimal | None] = orm.mapped_column(Money)
    lock_version: orm.Mapped[int] = orm.mapped_column(default=1)

    milestones: orm.Mapped[list[ExecutionMilestone]] = orm.relationship(
        back_populates="execution", cascade="all, delete-orphan",
        order_by="(ExecutionMilestone.due_date, ExecutionMilestone.id)", lazy="raise")
    reached: orm.Mapped[list[ActionReached]] = orm.relationship(
        back_populates="execution", cascade="all, delete-orphan",
        order_by="(ActionReached.target_group_id, ActionReached.sex)", lazy="raise")

    @property
    def status_label(self) -> str:
        return label(EXECUTION_STATUSES, self.status)


class ExecutionMilestone(db.Model):
    """A milestone of an action's execution, with its due date and the day it was reached."""

    __tablename__ = "project_execution_milestones"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    execution_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("project_action_executions.id", ondelete="CASCADE"), index=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    due_date: orm.Mapped[date]
    done_on: orm.Mapped[date | None]

    execution: orm.Mapped[ActionExecution] = orm.relationship(back_populates="milestones")


class ActionReached(TimestampMixin, db.Model):
    """Beneficiaries an action has reached so far, for one target group and sex (the same
    breakdown as :class:`ActionBeneficiaries`). Written with the follow-up's compare-and-set;
    ``created_at`` is when the pair was first recorded."""

    __tablename__ = "project_action_reached"
    __table_args__ = (
        sa.UniqueConstraint("execution_id", "target_group_id", "sex", name="uq_project_action_reached_execution_id"),
        sa.CheckConstraint("reached >= 0", name="reached_not_negative"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    execution_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("project_action_executions.id", ondelete="CASCADE"))
    target_group_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("target_groups.id"))
    sex: orm.Mapped[str] = orm.mapped_column(sa.String(6))
    reached: orm.Mapped[int] = orm.mapped_column(default=0)

    execution: orm.Mapped[ActionExecution] = orm.relationship(back_populates="reached")
    target_group = orm.relationship("TargetGroup", lazy="raise")

    @property
    def sex_label(self) -> str:
        return label(SEXES, self.sex)
