"""The migrations build the whole schema on SQLite and PostgreSQL, with no drift from the models."""
import os
import uuid

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


@pytest.mark.postgres
@pytest.mark.skipif(not _postgres_available(), reason="no PostgreSQL server on 127.0.0.1:5432")
def test_postgresql_upgrade_to_head_has_no_drift():
    name = f"najma_migration_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        _assert_head_matches_models(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
