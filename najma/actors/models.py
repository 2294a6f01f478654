"""A territory's actor map: actors, the ties between them, and frozen snapshots of both.

``ActorMap`` carries the map's ``version``, bumped by every service write, so analyses and
layouts can be cached per version; ``token`` makes the cache key unique even when ids are reused.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import orm

from najma.extensions import db
from najma.models_base import TimestampMixin, UTCDateTime, utcnow
from najma.vocab import ACTOR_KINDS, SECTORS, STANCES, TIE_KINDS, label

#: The broad family of each actor kind (colours, national totals, governance checks).
KIND_FAMILY = {
    "commune": "local_authority",
    "service_non_formal_education": "state_service",
    "service_youth_sport": "state_service",
    "service_health": "state_service",
    "service_employment_training": "state_service",
    "service_other": "state_service",
    "en_training_centre": "entraide_nationale",
    "en_kindergarten": "entraide_nationale",
    "en_other_centre": "entraide_nationale",
    "association": "civil_society",
    "cooperative": "civil_society",
    "business": "private",
    "artisan": "private",
    "international_partner": "international",
    "other": "other",
}
#: The sector an actor of each kind belongs to when none is given.
KIND_SECTOR = {
    "commune": "communes",
    "service_non_formal_education": "non_formal_education",
    "service_youth_sport": "youth_sport",
    "service_health": "health",
    "service_employment_training": "employment_training",
    "service_other": "other",
    "en_training_centre": "entraide_nationale",
    "en_kindergarten": "entraide_nationale",
    "en_other_centre": "entraide_nationale",
    "association": "associations",
    "cooperative": "associations",
    "business": "businesses",
    "artisan": "artisans",
    "international_partner": "other",
    "other": "other",
}


def _new_token() -> str:
    return uuid.uuid4().hex


class ActorMap(db.Model):
    """One row per territory that has an actor map: its version and when it last changed."""

    __tablename__ = "actor_maps"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    territory_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("territories.id", ondelete="CASCADE"), unique=True)
    version: orm.Mapped[int] = orm.mapped_column(default=1)
    token: orm.Mapped[str] = orm.mapped_column(sa.String(32), default=_new_token)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)


class Actor(TimestampMixin, db.Model):
    """An institution, association, business... working on a territory (a node of the map)."""

    __tablename__ = "actors"
    __table_args__ = (
        sa.UniqueConstraint("territory_id", "name", name="uq_actors_territory_name"),
        sa.CheckConstraint("influence >= 0 AND influence <= 5", name="influence_range"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    territory_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("territories.id", ondelete="CASCADE"), index=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(40), index=True)
    sector: orm.Mapped[str | None] = orm.mapped_column(sa.String(30))
    commune_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("communes.id", ondelete="SET NULL"), index=True)
    latitude: orm.Mapped[float | None]
    longitude: orm.Mapped[float | None]
    influence: orm.Mapped[int] = orm.mapped_column(default=0)
    stance: orm.Mapped[str | None] = orm.mapped_column(sa.String(12))
    membership_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL"), index=True)
    description: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")

    commune = orm.relationship("Commune", lazy="raise")
    membership = orm.relationship("Membership", lazy="raise")

    @property
    def kind_label(self) -> str:
        return label(ACTOR_KINDS, self.kind)

    @property
    def family(self) -> str:
        return KIND_FAMILY.get(self.kind, "other")

    @property
    def sector_label(self) -> str:
        return label(SECTORS, self.sector)

    @property
    def stance_label(self) -> str:
        return label(STANCES, self.stance)

    def __repr__(self) -> str:
        return f"<Actor {self.id} {self.name!r}>"


class Tie(TimestampMixin, db.Model):
    """A relation between two actors of the same territory (an edge of the map).

    ``evidence`` names the source that documents the tie in words (an interview, a
    convention...); ``note_id`` points at the research note that documents it, when there is one.
    """

    __tablename__ = "ties"
    __table_args__ = (
        sa.CheckConstraint("strength >= 1 AND strength <= 3", name="strength_range"),
        sa.CheckConstraint("source_id <> target_id", name="not_a_loop"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    territory_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("territories.id", ondelete="CASCADE"), index=True)
    source_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    target_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    directed: orm.Mapped[bool] = orm.mapped_column(default=False)
    strength: orm.Mapped[int] = orm.mapped_column(default=2)
    since: orm.Mapped[date | None]
    until: orm.Mapped[date | None]
    evidence: orm.Mapped[str] = orm.mapped_column(sa.String(500), default="")
    note_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("research_notes.id", ondelete="SET NULL"), index=True)

    source: orm.Mapped[Actor] = orm.relationship(foreign_keys=[source_id], lazy="raise")
    target: orm.Mapped[Actor] = orm.relationship(foreign_keys=[target_id], lazy="raise")
    note = orm.relationship("ResearchNote", lazy="raise")

    @property
    def kind_label(self) -> str:
        return label(TIE_KINDS, self.kind)

    def is_active(self, on: date) -> bool:
        """True when the tie exists on the day ``on``."""
        return (self.since is None or self.since <= on) and (self.until is None or self.until >= on)


class ActorSnapshot(db.Model):
    """The map frozen at a date: actors and the ties active that day, stored as JSON rows.

    Snapshots are compared to measure whether partnership developed (an expected result).
    """

    __tablename__ = "actor_snapshots"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    territory_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("territories.id", ondelete="CASCADE"), index=True)
    label: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    taken_on: orm.Mapped[date]
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_count: orm.Mapped[int] = orm.mapped_column(default=0)
    tie_count: orm.Mapped[int] = orm.mapped_column(default=0)
    data: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)

    @property
    def name(self) -> str:
        return self.label
