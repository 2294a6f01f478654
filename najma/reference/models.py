"""Programme reference data: the five chantiers and the six target groups."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from najma.extensions import db
from najma.i18n import localized


class _Named:
    """Reference rows named in French, Arabic and English."""

    name_fr: orm.Mapped[str] = orm.mapped_column(sa.String(160))
    name_ar: orm.Mapped[str] = orm.mapped_column(sa.String(160))
    name_en: orm.Mapped[str] = orm.mapped_column(sa.String(160))

    @property
    def name(self) -> str:
        """Name in the user's language."""
        return localized(self.name_fr, self.name_ar, self.name_en)


class Chantier(_Named, db.Model):
    """One of the five workstreams whose tools spread from the pilots."""

    __tablename__ = "chantiers"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    code: orm.Mapped[str] = orm.mapped_column(sa.String(40), unique=True)
    position: orm.Mapped[int]
    description: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")


class TargetGroup(_Named, db.Model):
    """One of the six populations the programme serves."""

    __tablename__ = "target_groups"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    code: orm.Mapped[str] = orm.mapped_column(sa.String(40), unique=True)
    position: orm.Mapped[int]
    description: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
