"""Reference geography: regions and provinces/prefectures with HCP codes and names."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from najma.extensions import db
from najma.i18n import localized


class Region(db.Model):
    """One of Morocco's 12 regions (HCP code ``01``..``12``)."""

    __tablename__ = "regions"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    code: orm.Mapped[str] = orm.mapped_column(sa.String(2), unique=True)
    name_fr: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    name_ar: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    population_2024: orm.Mapped[int | None]
    households_2024: orm.Mapped[int | None]

    provinces: orm.Mapped[list[Province]] = orm.relationship(
        back_populates="region", order_by="Province.code")

    @property
    def name(self) -> str:
        """Name in the user's language (Arabic for ``ar``, French otherwise)."""
        return localized(self.name_fr, self.name_ar)


class Province(db.Model):
    """A province or prefecture (HCP code ``RR.PPP``; ``RR.PPP.AA.A0`` for Casablanca's prefectures of arrondissements)."""

    __tablename__ = "provinces"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    code: orm.Mapped[str] = orm.mapped_column(sa.String(12), unique=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(30))  # province, prefecture, prefecture_of_arrondissements
    name_fr: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    name_ar: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    region_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("regions.id"), index=True)
    population_2024: orm.Mapped[int | None]
    households_2024: orm.Mapped[int | None]

    region: orm.Mapped[Region] = orm.relationship(back_populates="provinces", lazy="joined")

    @property
    def name(self) -> str:
        """Name in the user's language (Arabic for ``ar``, French otherwise)."""
        return localized(self.name_fr, self.name_ar)
