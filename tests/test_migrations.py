"""The migrations build the whole schema on SQLite and PostgreSQL, with no drift from the models."""
import contextlib
import os
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from najma import create_app
from najma.config import TestConfig
from najma.extensions import db
from najma.models_base import include_object

PG_ADMIN_URL = os.environ.get("NAJMA_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _app_for(url: str):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    config.SQLALCHEMY_ENGINE_OPTIONS = {}
    return create_app(config)


def _assert_head_matches_models(url: str) -> None:
    app = _app_for(url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], differences
        if db.engine.dialect.name == "postgresql":
            # The full-text column and its index exist though the model leaves them out.
            inspector = sa.inspect(db.engine)
            assert "search_vector" in {c["name"] for c in inspector.get_columns("research_search_documents")}
            assert "ix_research_search_documents_fts" in {
                i["name"] for i in inspector.get_indexes("research_search_documents")}
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"users", "territories", "bodies", "memberships", "meetings", "audit_events",
                "regions", "provinces", "chantiers", "target_groups", "alembic_version"} <= tables
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_include_object_leaves_out_only_the_raw_full_text_objects():
    documents = sa.Table("research_search_documents", sa.MetaData(), sa.Column("search_vector", sa.Text))
    other = sa.Table("research_notes", sa.MetaData(), sa.Column("search_vector", sa.Text))
    assert not include_object(documents.c.search_vector, "search_vector", "column", True, None)
    assert include_object(other.c.search_vector, "search_vector", "column", True, None)
    assert not include_object(None, "ix_research_search_documents_fts", "index", True, None)
    assert not include_object(None, "research_search_fts_data", "table", True, None)
    assert include_object(None, "research_search_documents", "table", True, None)


def test_sqlite_upgrade_to_head_has_no_drift(tmp_path):
    _assert_head_matches_models(f"sqlite:///{tmp_path / 'migrated.db'}")


def _postgres_available() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            return True
    except Exception:
        return False


@contextlib.contextmanager
def _postgres_database():
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    name = f"najma_migration_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not _postgres_available(), reason="no PostgreSQL server on 127.0.0.1:5432")
def test_postgresql_upgrade_to_head_has_no_drift():
    with _postgres_database() as url:
        _assert_head_matches_models(url)


# --- 0008: indicator definitions in Arabic and English ---------------------------------------------

def _indicator_columns() -> set[str]:
    return {c["name"] for c in sa.inspect(db.engine).get_columns("indicators")}


def _assert_definitions_migrate_both_ways(url: str) -> None:
    """0008 adds the Arabic and English definitions, empty on existing indicators; going back drops
    them and keeps the indicator, its French definition and its values."""
    app = _app_for(url)
    with app.app_context():
        upgrade(revision="0007_indicators")
        now = datetime.now(timezone.utc)
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO indicators (id, code, name_fr, name_ar, name_en, definition, unit, direction, level, "
                "disaggregations, source, aggregation, decimals, position, active, created_at, updated_at) "
                "VALUES (1, 'women_trained', 'Femmes formées', '', '', 'Femmes ayant terminé une formation.', "
                "'count', 'up', 'nation', '[]', 'manual', 'sum', 0, 10, :yes, :now, :now)"), {"yes": True, "now": now})
            connection.execute(sa.text(
                "INSERT INTO indicator_values (indicator_id, period, kind, slot, value, source_text, note, status, "
                "version, is_current, reason, entered_at, is_demo) VALUES (1, '2026', 'measure', "
                "'1|nation|2026|measure', 12, '', '', 'entered', 1, :yes, '', :now, :no)"),
                {"yes": True, "no": False, "now": now})
        assert not {"definition_ar", "definition_en"} & _indicator_columns()

        upgrade(revision="0008_indicator_definitions")
        with db.engine.begin() as connection:
            row = connection.execute(sa.text(
                "SELECT definition, definition_ar, definition_en FROM indicators WHERE id = 1")).one()
            assert tuple(row) == ("Femmes ayant terminé une formation.", "", "")
            connection.execute(sa.text("UPDATE indicators SET definition_ar = 'نساء أتممن تكوينًا.' WHERE id = 1"))

        downgrade(revision="0007_indicators")
        assert not {"definition_ar", "definition_en"} & _indicator_columns()
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT definition FROM indicators")).scalars().all() == [
                "Femmes ayant terminé une formation."]
            # No table rebuild: SQLite's foreign keys would have cascaded and deleted the values.
            assert connection.execute(sa.text("SELECT count(*) FROM indicator_values")).scalar_one() == 1
        upgrade()
        assert {"definition_ar", "definition_en"} <= _indicator_columns()
        db.engine.dispose()


def test_sqlite_indicator_definitions_upgrade_and_downgrade(tmp_path):
    _assert_definitions_migrate_both_ways(f"sqlite:///{tmp_path / 'definitions.db'}")


@pytest.mark.postgres
@pytest.mark.skipif(not _postgres_available(), reason="no PostgreSQL server on 127.0.0.1:5432")
def test_postgresql_indicator_definitions_upgrade_and_downgrade():
    with _postgres_database() as url:
        _assert_definitions_migrate_both_ways(url)
