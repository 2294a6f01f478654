"""Declarative base shared by every model: constraint naming and timestamp columns."""
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import orm

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Current time in UTC; used as a callable column default."""
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        if value is not None:
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(orm.DeclarativeBase):
    """Base class of all NAJMA models."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    """Creation and last-update times, set by the database session, never by hand."""

    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: leave out what the models create as raw DDL (SQLite's FTS5 table and
    its shadow tables, PostgreSQL's ``search_vector`` column and its full-text index), so
    autogenerate sees no drift."""
    if type_ == "table" and name and name.startswith("research_search_fts"):
        return False
    if type_ == "index" and name == "ix_research_search_documents_fts":
        return False
    if (type_ == "column" and name == "search_vector"
            and getattr(getattr(obj, "table", None), "name", None) == "research_search_documents"):
        return False
    return True
