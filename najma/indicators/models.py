"""Indicators: the register, the values entered or computed per territory and period (baseline,
target, measure) with their approval, and the participatory evaluation entries.

A value is never edited once approved: a correction adds a new version of the same slot (same
indicator, place, period, kind and disaggregation) with its reason, and the old one stays on record
(``is_current`` false). ``slot`` names that place in one string so one current version per slot is
a unique index on every database.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm

from najma.extensions import db
from najma.i18n import current_language, localized
from najma.models_base import TimestampMixin, UTCDateTime, utcnow
from najma.vocab import (INDICATOR_AGGREGATIONS, INDICATOR_DIRECTIONS, INDICATOR_SOURCES, INDICATOR_UNITS,
                         VALUE_KINDS, VALUE_STATUSES, label)

#: Figures are kept exactly; rates in percent with up to four decimals.
Figure = sa.Numeric(18, 4)


class Indicator(TimestampMixin, db.Model):
    """An indicator of the programme's results: what it measures, how, from which source, and how
    its territory values add up to a province and the nation."""

    __tablename__ = "indicators"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    code: orm.Mapped[str] = orm.mapped_column(sa.String(40), unique=True)
    name_fr: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    name_ar: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    name_en: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    #: The definition in French (Markdown); the reference text the translations follow.
    definition: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    definition_ar: orm.Mapped[str] = orm.mapped_column(sa.Text, default="", server_default="")
    definition_en: orm.Mapped[str] = orm.mapped_column(sa.Text, default="", server_default="")
    #: percent, count, ratio, currency, score.
    unit: orm.Mapped[str] = orm.mapped_column(sa.String(12))
    #: up (higher is better) or down.
    direction: orm.Mapped[str] = orm.mapped_column(sa.String(4))
    #: The level at which it is measured: territory, province or nation.
    level: orm.Mapped[str] = orm.mapped_column(sa.String(10), default="territory")
    #: Which breakdowns its values may carry: any of sex, target_group, area.
    disaggregations: orm.Mapped[list] = orm.mapped_column(sa.JSON, default=list)
    #: census, computed or manual.
    source: orm.Mapped[str] = orm.mapped_column(sa.String(10))
    #: The census indicator key, or the computed rule's key (``najma.indicators.computed``).
    source_key: orm.Mapped[str | None] = orm.mapped_column(sa.String(40))
    #: sum, rate (from numerators and denominators), latest or mean.
    aggregation: orm.Mapped[str] = orm.mapped_column(sa.String(10))
    decimals: orm.Mapped[int] = orm.mapped_column(default=1)
    #: For percentages and scores: the highest value accepted (100 for a rate).
    max_value: orm.Mapped[Decimal | None] = orm.mapped_column(Figure)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    active: orm.Mapped[bool] = orm.mapped_column(default=True)

    @property
    def name(self) -> str:
        return localized(self.name_fr, self.name_ar, self.name_en)

    @property
    def localized_definition(self) -> str:
        """The definition in the reader's language, falling back to the French one."""
        return self._shown_definition()[1]

    @property
    def definition_language(self) -> str:
        """The language of :attr:`localized_definition` (``fr`` when it fell back to French)."""
        return self._shown_definition()[0]

    def _shown_definition(self) -> tuple[str, str]:
        language = current_language()
        text = {"ar": self.definition_ar, "en": self.definition_en}.get(language)
        return (language, text) if text else ("fr", self.definition)

    @property
    def unit_label(self) -> str:
        return label(INDICATOR_UNITS, self.unit)

    @property
    def direction_label(self) -> str:
        return label(INDICATOR_DIRECTIONS, self.direction)

    @property
    def source_label(self) -> str:
        return label(INDICATOR_SOURCES, self.source)

    @property
    def aggregation_label(self) -> str:
        return label(INDICATOR_AGGREGATIONS, self.aggregation)


def _official_on_insert(context) -> bool:
    """A version stored approved and current is the official one (census baselines, imports)."""
    parameters = context.get_current_parameters()
    return parameters.get("status") == "approved" and parameters.get("is_current", True) is not False


class IndicatorValue(db.Model):
    """One version of a baseline, target or measure of an indicator for a territory (or a province,
    or the nation) and a period, possibly for one sex, target group or area."""

    __tablename__ = "indicator_values"
    __table_args__ = (
        sa.Index("uq_indicator_values_current_slot", "slot", unique=True,
                 sqlite_where=sa.text("is_current"), postgresql_where=sa.text("is_current")),
        sa.Index("ix_indicator_values_indicator_period", "indicator_id", "period", "kind"),
        sa.Index("ix_indicator_values_territory", "territory_id", "indicator_id"),
        # The steering dashboard's cache key reads the last approval (one index lookup).
        sa.Index("ix_indicator_values_approved_at", "approved_at"),
        # Deleting values (with their territory or indicator) sets replaces_id to NULL in the
        # versions that follow them: without this index, one scan of the table per deleted row.
        sa.Index("ix_indicator_values_replaces_id", "replaces_id"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    indicator_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("indicators.id", ondelete="CASCADE"))
    territory_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("territories.id", ondelete="CASCADE"))
    province_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("provinces.id", ondelete="CASCADE"))
    #: "2026" (a year), "2026-S1" (a half) or "2026-Q3" (a quarter).
    period: orm.Mapped[str] = orm.mapped_column(sa.String(7))
    #: baseline, target or measure.
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(8))
    sex: orm.Mapped[str | None] = orm.mapped_column(sa.String(6))
    target_group_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("target_groups.id"))
    #: urban or rural.
    area: orm.Mapped[str | None] = orm.mapped_column(sa.String(6))
    #: Indicator, place, period, kind and breakdown in one string (see the module docstring).
    slot: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    value: orm.Mapped[Decimal | None] = orm.mapped_column(Figure)
    #: For rates: the counts the value comes from (aggregation recomputes rates from them).
    numerator: orm.Mapped[Decimal | None] = orm.mapped_column(Figure)
    denominator: orm.Mapped[Decimal | None] = orm.mapped_column(Figure)
    source_text: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")
    note: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    #: entered (by the antenna), validated (by the provincial delegate), approved (by the steering
    #: committee: then locked).
    status: orm.Mapped[str] = orm.mapped_column(sa.String(10), default="entered")
    version: orm.Mapped[int] = orm.mapped_column(default=1)
    is_current: orm.Mapped[bool] = orm.mapped_column(default=True)
    #: The version readers who take no part in approving see: the slot's last approved version,
    #: which stays official while a correction of it awaits validation and approval. At most one
    #: per slot; written on insert (approved and current) and moved by the approval itself.
    is_official: orm.Mapped[bool] = orm.mapped_column(default=_official_on_insert, server_default=sa.false())
    #: The version this one corrects, with the reason.
    replaces_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("indicator_values.id", ondelete="SET NULL"))
    reason: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    entered_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    entered_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)
    validated_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    validated_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())
    approved_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())
    is_demo: orm.Mapped[bool] = orm.mapped_column(default=False)

    indicator = orm.relationship("Indicator", lazy="raise")

    @property
    def kind_label(self) -> str:
        return label(VALUE_KINDS, self.kind)

    @property
    def status_label(self) -> str:
        return label(VALUE_STATUSES, self.status)


evaluation_indicators = sa.Table(
    "evaluation_indicators", db.metadata,
    sa.Column("entry_id", sa.ForeignKey("evaluation_entries.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("indicator_id", sa.ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True),
)

evaluation_notes = sa.Table(
    "evaluation_notes", db.metadata,
    sa.Column("entry_id", sa.ForeignKey("evaluation_entries.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("note_id", sa.ForeignKey("research_notes.id", ondelete="CASCADE"), primary_key=True),
)


class EvaluationEntry(TimestampMixin, db.Model):
    """A participatory evaluation entry of a territory for a period: what changed, for whom, what
    the participants said (Markdown), linked to indicators and research notes."""

    __tablename__ = "evaluation_entries"
    __table_args__ = (sa.Index("ix_evaluation_entries_territory_period", "territory_id", "period"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    territory_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("territories.id", ondelete="CASCADE"))
    period: orm.Mapped[str] = orm.mapped_column(sa.String(7))
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    what_changed: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    for_whom: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    participants_said: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    author_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    lock_version: orm.Mapped[int] = orm.mapped_column(default=1)
    is_demo: orm.Mapped[bool] = orm.mapped_column(default=False)

    indicators = orm.relationship("Indicator", secondary=evaluation_indicators, lazy="raise",
                                  order_by="Indicator.position")
    notes = orm.relationship("ResearchNote", secondary=evaluation_notes, lazy="raise")
