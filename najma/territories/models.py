"""Territories: the limited areas where the action-research approach runs."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from najma.extensions import db
from najma.geography.models import Commune, Province
from najma.models_base import TimestampMixin
from najma.vocab import PHASES, SETTINGS, label


class Territory(TimestampMixin, db.Model):
    """A territory with its province, setting, rollout phase and cohort."""

    __tablename__ = "territories"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    slug: orm.Mapped[str] = orm.mapped_column(sa.String(80), unique=True)
    province_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("provinces.id"), index=True)
    setting: orm.Mapped[str] = orm.mapped_column(sa.String(12))
    phase: orm.Mapped[str] = orm.mapped_column(sa.String(20), index=True)
    cohort: orm.Mapped[str] = orm.mapped_column(sa.String(60), default="")
    description: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    is_demo: orm.Mapped[bool] = orm.mapped_column(default=False)

    province: orm.Mapped[Province] = orm.relationship(lazy="joined")
    commune_links: orm.Mapped[list[TerritoryCommune]] = orm.relationship(
        back_populates="territory", cascade="all, delete-orphan")

    @property
    def setting_label(self) -> str:
        return label(SETTINGS, self.setting)

    @property
    def phase_label(self) -> str:
        return label(PHASES, self.phase)

    def __repr__(self) -> str:
        return f"<Territory {self.slug}>"


class TerritoryCommune(db.Model):
    """A commune that makes up a territory, whole or in part (then ``part`` says which part)."""

    __tablename__ = "territory_communes"
    __table_args__ = (sa.UniqueConstraint("territory_id", "commune_id", name="uq_territory_communes_pair"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    territory_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("territories.id", ondelete="CASCADE"), index=True)
    commune_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("communes.id"), index=True)
    part: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")  # empty: the whole commune

    territory: orm.Mapped[Territory] = orm.relationship(back_populates="commune_links")
    commune: orm.Mapped[Commune] = orm.relationship(lazy="joined")
