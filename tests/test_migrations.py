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


# --- 0009: beneficiaries reached -----------------------------------------------------------------

def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def _assert_reached_migrates_both_ways(url: str) -> None:
    """0009 adds the beneficiaries reached table beside an existing follow-up: its numbers are whole,
    not negative, one per follow-up, target group and sex, and go with their follow-up; going back
    drops the table and keeps the follow-up."""
    app = _app_for(url)
    with app.app_context():
        upgrade(revision="0008_indicator_definitions")
        assert "project_action_reached" not in _tables()
        now = datetime.now(timezone.utc)
        values = {"yes": True, "no": False, "now": now}
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO regions (id, code, name_fr, name_ar) VALUES (1, '01', 'Tanger-Tétouan-Al Hoceïma', "
                "'طنجة تطوان الحسيمة')",
                "INSERT INTO provinces (id, code, kind, name_fr, name_ar, region_id) VALUES (1, '01.151', 'province', "
                "'Chefchaouen', 'شفشاون', 1)",
                "INSERT INTO territories (id, name, slug, province_id, setting, phase, cohort, description, is_demo, "
                "created_at, updated_at) VALUES (1, 'Chefchaouen', 'chefchaouen', 1, 'rural', 'experimentation', '', "
                "'', :no, :now, :now)",
                "INSERT INTO target_groups (id, code, position, description, name_fr, name_ar, name_en) VALUES "
                "(1, 'women_in_difficulty', 1, '', 'Femmes en difficulté', 'نساء في وضعية صعبة', "
                "'Women in difficulty')",
                "INSERT INTO territory_projects (id, territory_id, status, status_version, status_changed_at, "
                "current_number, approved_number, is_demo, created_at, updated_at) VALUES (1, 1, 'in_execution', 1, "
                ":now, 1, 1, :no, :now, :now)",
                "INSERT INTO project_action_executions (id, project_id, action_key, status, progress, notes, "
                "lock_version, created_at, updated_at) VALUES (1, 1, 'abc', 'ongoing', 40, 'Deux classes', 3, :now, "
                ":now)",
            ):
                connection.execute(sa.text(statement), values)

        upgrade(revision="0009_beneficiaries_reached")
        insert = sa.text("INSERT INTO project_action_reached (execution_id, target_group_id, sex, reached, created_at, "
                         "updated_at) VALUES (1, 1, :sex, :reached, :now, :now)")
        with db.engine.begin() as connection:
            connection.execute(insert, {"sex": "female", "reached": 38, "now": now})
        for sex, reached in (("female", 5), ("male", -1)):  # a second female count; a negative one
            with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
                connection.execute(insert, {"sex": sex, "reached": reached, "now": now})
        with db.engine.begin() as connection:
            assert connection.execute(sa.text("SELECT sex, reached FROM project_action_reached")).all() == [
                ("female", 38)]

        downgrade(revision="0008_indicator_definitions")
        assert "project_action_reached" not in _tables()
        with db.engine.connect() as connection:
            row = connection.execute(sa.text(
                "SELECT status, progress, notes, lock_version FROM project_action_executions")).one()
            assert tuple(row) == ("ongoing", 40, "Deux classes", 3)
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(insert, {"sex": "male", "reached": 3, "now": now})
            connection.execute(sa.text("DELETE FROM project_action_executions WHERE id = 1"))
            # The numbers go with their follow-up.
            assert connection.execute(sa.text("SELECT count(*) FROM project_action_reached")).scalar_one() == 0
        db.engine.dispose()


# --- 0010: the official version of each indicator value ------------------------------------------

def _value_columns() -> set[str]:
    return {c["name"] for c in sa.inspect(db.engine).get_columns("indicator_values")}


def _assert_official_migrates_both_ways(url: str) -> None:
    """0010 marks each slot's official version: the current approved one, or the last approved one
    while a correction of it awaits approval; never an entered value or a replaced approved one."""
    app = _app_for(url)
    with app.app_context():
        upgrade(revision="0009_beneficiaries_reached")
        now = datetime.now(timezone.utc)
        rows = [  # (id, slot, status, version, is_current)
            (1, "1|t|2025|measure", "approved", 1, False), (2, "1|t|2025|measure", "approved", 2, False),
            (3, "1|t|2025|measure", "entered", 3, True),  # a correction awaiting: version 2 stays official
            (4, "1|t|2026|measure", "approved", 1, False), (5, "1|t|2026|measure", "approved", 2, True),
            (6, "1|t|2027|measure", "entered", 1, True)]
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO indicators (id, code, name_fr, name_ar, name_en, definition, definition_ar, "
                "definition_en, unit, direction, level, disaggregations, source, aggregation, decimals, position, "
                "active, created_at, updated_at) VALUES (1, 'coops', 'Coopératives', '', '', '', '', '', 'count', "
                "'up', 'nation', '[]', 'manual', 'sum', 0, 10, :yes, :now, :now)"), {"yes": True, "now": now})
            for value_id, slot, status, version, current in rows:
                connection.execute(sa.text(
                    "INSERT INTO indicator_values (id, indicator_id, period, kind, slot, value, source_text, note, "
                    "status, version, is_current, reason, entered_at, is_demo) VALUES (:id, 1, :period, 'measure', "
                    ":slot, 12, '', '', :status, :version, :current, '', :now, :no)"),
                    {"id": value_id, "period": slot.split("|")[2], "slot": slot, "status": status,
                     "version": version, "current": current, "no": False, "now": now})
        assert "is_official" not in _value_columns()

        upgrade(revision="0010_official_values")
        with db.engine.connect() as connection:
            official = connection.execute(sa.text(
                "SELECT id FROM indicator_values WHERE is_official ORDER BY id")).scalars().all()
        assert official == [2, 5]
        indexes = {index["name"] for index in sa.inspect(db.engine).get_indexes("indicator_values")}
        assert "ix_indicator_values_replaces_id" in indexes

        downgrade(revision="0009_beneficiaries_reached")
        assert "is_official" not in _value_columns()
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM indicator_values")).scalar_one() == 6
        upgrade()
        db.engine.dispose()


# --- each step up and down, on SQLite and on PostgreSQL --------------------------------------------

#: The migrations with a check of their own (data kept, columns and tables as expected both ways).
STEP_CHECKS = {
    "0008_indicator_definitions": _assert_definitions_migrate_both_ways,
    "0009_beneficiaries_reached": _assert_reached_migrates_both_ways,
    "0010_official_values": _assert_official_migrates_both_ways,
}


@pytest.mark.parametrize("step", list(STEP_CHECKS))
def test_sqlite_migration_steps_go_up_and_down(tmp_path, step):
    STEP_CHECKS[step](f"sqlite:///{tmp_path / 'steps.db'}")


@pytest.mark.postgres
@pytest.mark.skipif(not _postgres_available(), reason="no PostgreSQL server on 127.0.0.1:5432")
@pytest.mark.parametrize("step", list(STEP_CHECKS))
def test_postgresql_migration_steps_go_up_and_down(step):
    with _postgres_database() as url:
        STEP_CHECKS[step](url)
