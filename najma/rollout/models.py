"""The rollout: phase transitions with their gates, the programme's own phase, chantier tools and
their adoption, site problems, and the committee's selection of the next territories.

A territory's phase (``Territory.phase``) changes only through ``najma.rollout.services``, which
evaluates the gate of the target phase, refuses when it fails unless a steering member overrides it
with a written justification, and records a ``PhaseTransition`` with the gate as it stood.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import orm

from najma.extensions import db
from najma.models_base import TimestampMixin, UTCDateTime, utcnow
from najma.vocab import PHASES, PROBLEM_SEVERITIES, PROBLEM_STATUSES, label


class PhaseTransition(db.Model):
    """A recorded move of a territory (or, with no territory, of the programme) from one phase
    to the next: the decision, who took it, the meeting, and the gate as evaluated then."""

    __tablename__ = "phase_transitions"
    __table_args__ = (
        sa.Index("ix_phase_transitions_territory_decided", "territory_id", "decided_at"),
        # The programme moves forward from each phase once: two steering members moving it at
        # the same moment get one move.
        sa.Index("uq_phase_transitions_programme_from", "from_phase", unique=True,
                 sqlite_where=sa.text("territory_id IS NULL"), postgresql_where=sa.text("territory_id IS NULL")),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    #: ``None`` for the programme's own phase.
    territory_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("territories.id", ondelete="CASCADE"))
    from_phase: orm.Mapped[str | None] = orm.mapped_column(sa.String(20))
    to_phase: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    decided_on: orm.Mapped[date]
    decided_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_name: orm.Mapped[str] = orm.mapped_column(sa.String(160), default="")
    #: The steering committee meeting that decided it, when recorded.
    meeting_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("meetings.id", ondelete="SET NULL"))
    decision: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    #: Each gate item as it was: ``[{"code", "label", "kind", "passed", "detail", "evidence"}]``.
    gate: orm.Mapped[list] = orm.mapped_column(sa.JSON, default=list)
    #: True when the gate failed and a steering member overrode it.
    overridden: orm.Mapped[bool] = orm.mapped_column(default=False)
    justification: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")

    @property
    def to_phase_label(self) -> str:
        return label(PHASES, self.to_phase)

    @property
    def from_phase_label(self) -> str:
        return label(PHASES, self.from_phase)


class GateItem(TimestampMixin, db.Model):
    """One item of the gate into a phase: an automatic check (``rule`` names a function of
    ``najma.rollout.gates``) or a manual item the steering committee ticks. Editable by admins."""

    __tablename__ = "gate_items"
    __table_args__ = (sa.UniqueConstraint("to_phase", "code", name="uq_gate_items_to_phase"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    to_phase: orm.Mapped[str] = orm.mapped_column(sa.String(20), index=True)
    code: orm.Mapped[str] = orm.mapped_column(sa.String(40))
    #: ``auto`` or ``manual``.
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(10))
    #: For automatic items, the rule evaluated from the data.
    rule: orm.Mapped[str | None] = orm.mapped_column(sa.String(40))
    label_fr: orm.Mapped[str] = orm.mapped_column(sa.String(300))
    label_ar: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")
    label_en: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    active: orm.Mapped[bool] = orm.mapped_column(default=True)


class GateCheck(db.Model):
    """A manual gate item ticked for one territory: by whom, when, with what note."""

    __tablename__ = "gate_checks"
    __table_args__ = (sa.UniqueConstraint("territory_id", "gate_item_id", name="uq_gate_checks_territory_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    territory_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("territories.id", ondelete="CASCADE"))
    gate_item_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("gate_items.id", ondelete="CASCADE"))
    checked_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    checked_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)
    note: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")


class ChantierTool(TimestampMixin, db.Model):
    """A tool a chantier produces (a guide, a training module, a listening protocol...), and the
    territory where it was first made: tools spread from the pilots."""

    __tablename__ = "chantier_tools"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    chantier_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("chantiers.id", ondelete="CASCADE"), index=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    description: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    origin_territory_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("territories.id", ondelete="SET NULL"))
    is_demo: orm.Mapped[bool] = orm.mapped_column(default=False)

    chantier = orm.relationship("Chantier", lazy="raise")


class ToolAdoption(db.Model):
    """A chantier tool taken up by a territory (through the replication kit or by hand)."""

    __tablename__ = "tool_adoptions"
    __table_args__ = (sa.UniqueConstraint("territory_id", "tool_id", name="uq_tool_adoptions_territory_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    territory_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("territories.id", ondelete="CASCADE"))
    tool_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("chantier_tools.id", ondelete="CASCADE"), index=True)
    adopted_on: orm.Mapped[date]

    tool = orm.relationship("ChantierTool", lazy="raise")


class SiteProblem(TimestampMixin, db.Model):
    """A problem raised on a site by one of its bodies; the steering committee proposes a
    solution and closes it. Open problems age on the dashboard."""

    __tablename__ = "site_problems"
    __table_args__ = (sa.Index("ix_site_problems_status_raised", "status", "raised_at"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    territory_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("territories.id", ondelete="CASCADE"), index=True)
    #: The body that raised it (antenna, commission, committee).
    body_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("bodies.id", ondelete="SET NULL"))
    chantier_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("chantiers.id"))
    severity: orm.Mapped[str] = orm.mapped_column(sa.String(10))
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    description: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    raised_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    raised_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)
    #: open, solution_proposed, closed.
    status: orm.Mapped[str] = orm.mapped_column(sa.String(20), default="open")
    solution: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    solution_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    solution_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())
    closed_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())
    closed_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    lock_version: orm.Mapped[int] = orm.mapped_column(default=1)
    is_demo: orm.Mapped[bool] = orm.mapped_column(default=False)

    @property
    def severity_label(self) -> str:
        return label(PROBLEM_SEVERITIES, self.severity)

    @property
    def status_label(self) -> str:
        return label(PROBLEM_STATUSES, self.status)


class SelectionProfile(TimestampMixin, db.Model):
    """The steering committee's weights for scoring candidate communes: census indicator keys
    (and ``staff_qualification`` for the manual score) to weights."""

    __tablename__ = "selection_profiles"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(120), unique=True)
    weights: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)
    updated_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class ManualScore(TimestampMixin, db.Model):
    """A score the census cannot give (e.g. the qualification of Entraide Nationale's staff
    there), from 0 to 5, for one commune."""

    __tablename__ = "manual_scores"
    __table_args__ = (
        sa.UniqueConstraint("commune_id", "criterion", name="uq_manual_scores_commune_id"),
        sa.CheckConstraint("score >= 0 AND score <= 5", name="score_range"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    commune_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("communes.id", ondelete="CASCADE"))
    criterion: orm.Mapped[str] = orm.mapped_column(sa.String(40))
    score: orm.Mapped[int]
    note: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    updated_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
