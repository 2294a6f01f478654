"""Shared fixtures: ``app``, ``db``, ``client``, ``runner``, ``login_as(role)`` and small factories.

The suite runs on in-memory SQLite by default and on PostgreSQL when ``DATABASE_URL`` (or
``TEST_DATABASE_URL``) points at one; every test starts from empty tables.
"""
from __future__ import annotations

import itertools
from contextlib import contextmanager
import os
from datetime import date

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from najma import create_app
from najma.auth import services as auth_services
from najma.config import TestConfig
from najma.extensions import db as _db
from najma.extensions import limiter
from najma.geography.models import Province
from najma.geography.services import PILOT_PROVINCE_CODES, load_regions_and_provinces
from najma.governance import services as governance
from najma.reference.services import seed_reference_data
from najma.territories import services as territories
from najma.vocab import TERRITORY_ROLES

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own application context.

    The tests keep one application context open for their own queries; without this,
    requests would share its ``g`` (and Flask-Login's cached user) with each other.
    """

    def open(self, *args, **kwargs):
        context = self.application.app_context()
        context.push()
        try:
            return super().open(*args, **kwargs)
        finally:
            context.pop()
            # What the request committed must be visible to the test's own session.
            _db.session.rollback()


def _worker_database(url: str) -> tuple[str, str | None]:
    """Under pytest-xdist on PostgreSQL, each worker gets its own database, created on the fly
    next to the one named by ``url``; returns the URL to use and the database to drop after."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not url.startswith("postgresql"):
        return url, None
    parsed = sa.engine.make_url(url)
    name = f"{parsed.database}_{worker}"
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False), name


def _drop_worker_database(url: str, name: str) -> None:
    admin = sa.create_engine(sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _app(tmp_path_factory):
    config = TestConfig()
    # Files the application writes (attachments, signed conventions, imports) stay out of the clone.
    config.INSTANCE_PATH = str(tmp_path_factory.mktemp("instance"))
    config.SQLALCHEMY_DATABASE_URI, worker_database = _worker_database(config.SQLALCHEMY_DATABASE_URI)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "1000 per minute"
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.drop_all()
        _db.engine.dispose()
    if worker_database:
        _drop_worker_database(config.SQLALCHEMY_DATABASE_URI, worker_database)


def _empty_tables() -> None:
    _db.session.rollback()
    tables = _db.metadata.sorted_tables
    if _db.engine.dialect.name == "postgresql":
        # One round trip finds the tables holding rows; DELETE empties those few small tables
        # several times faster than TRUNCATE, which costs a new file per table.
        probe = " UNION ALL ".join(
            f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM \"{table.name}\")" for table in tables)
        used = set(_db.session.execute(sa.text(probe)).scalars())
        for table in reversed(tables):
            if table.name in used:
                _db.session.execute(table.delete())
    else:
        for table in reversed(tables):
            _db.session.execute(table.delete())
    _db.session.commit()


@pytest.fixture
def app(_app):
    """The application, with an application context open and empty tables."""
    with _app.app_context():
        _app.config["WTF_CSRF_ENABLED"] = False
        limiter.reset()
        yield _app
        _db.session.remove()
        _empty_tables()


@pytest.fixture
def db(app):
    """The database handle, with the pilot provinces, chantiers and target groups loaded."""
    load_regions_and_provinces(PILOT_PROVINCE_CODES)
    seed_reference_data()
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def province(code: str = "05.081") -> Province:
    """A loaded province by HCP code (Azilal by default)."""
    return _db.session.execute(sa.select(Province).where(Province.code == code)).scalar_one()


def make_territory(name: str | None = None, *, province_code: str = "05.081", setting: str = "rural",
                   phase: str = "experimentation"):
    """A territory with its three (empty) bodies."""
    name = name or f"Territoire {next(_counter)}"
    return territories.create_territory(None, {"name": name, "province_id": province(province_code).id,
                                               "setting": setting, "phase": phase, "cohort": "Test"})


def make_user(*roles: str, territory=None, chantier=None, email: str | None = None, name: str | None = None):
    """An active account holding ``roles`` (territorial roles on ``territory``)."""
    n = next(_counter)
    user = auth_services.create_user(None, email or f"user{n}@example.org", name or f"User {n}", PASSWORD)
    for role in roles:
        auth_services.grant_role(None, user, role,
                                 territory_id=territory.id if role in TERRITORY_ROLES else None,
                                 chantier_id=chantier.id if (role == "chantier_lead" and chantier) else None)
    return user


def make_member(body, *, name: str | None = None, role: str = "member", sector: str | None = "associations",
                discipline: str = "", user=None, start: date | None = None, end: date | None = None,
                voting: bool = True):
    """A seat on ``body``."""
    return governance.add_member(None, body, {
        "full_name": name or f"Membre {next(_counter)}", "role": role, "sector": sector,
        "discipline": discipline, "organisation": "", "voting": voting,
        "start_date": start or date(2025, 1, 1), "end_date": end, "user_id": user.id if user else None})


@pytest.fixture
def territory(db):
    """The Azilal test territory."""
    return make_territory("Azilal")


@pytest.fixture
def login_as(client, db, territory):
    """``login_as(role, territory=None, chantier=None)``: sign a new user in with that role.

    Territorial roles default to the ``territory`` fixture. Pass ``None`` as role for a user
    without any role. Returns the user.
    """

    def _login(role: str | None, on=None, chantier=None, user=None):
        if user is None:
            user = make_user(*([role] if role else []), territory=on or territory, chantier=chantier)
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return user

    return _login


@pytest.fixture
def login(login_as, db):
    """``login_as`` with the account set to English, so messages are checked whatever catalogues exist."""

    def _login(role, **kwargs):
        user = login_as(role, **kwargs)
        user.locale = "en"
        db.session.commit()
        return user

    return _login


@pytest.fixture
def english(app):
    """Service messages (lazy strings) rendered in English whatever catalogues exist."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


class QueryCount:
    """How many SQL statements ran inside a ``counted_queries()`` block."""

    n = 0


@contextmanager
def counted_queries():
    """Count the SQL statements sent while the block runs (``with counted_queries() as c: ...; c.n``)."""
    counter = QueryCount()

    def before(*_args, **_kwargs):
        counter.n += 1

    sa.event.listen(_db.engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", before)


def count_queries(call) -> int:
    """The number of SQL statements ``call()`` (a request answering 200) sends."""
    with counted_queries() as counter:
        response = call()
    assert response.status_code == 200
    return counter.n
