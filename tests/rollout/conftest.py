"""Fixtures of the rollout tests: messages in English, and territories whose bodies are staffed
so that the gate into experimentation passes (``staffed``), or that are pilots already in
experimentation (``pilot``)."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from tests.conftest import make_member, make_territory, make_user

from najma.territories.services import territory_bodies


@pytest.fixture(autouse=True)
def _english(app):
    """Messages checked in English whatever catalogues exist."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


def staff_bodies(territory, *, antenna_staff: int = 2, commission_members: int = 1, committee_chair: bool = True):
    """Seat people on the territory's bodies: ``antenna_staff`` antenna seats (with
    complementary disciplines), ``commission_members`` commission seats and, when
    ``committee_chair``, a committee chair. Returns the bodies by kind."""
    bodies = territory_bodies(territory)
    disciplines = ("Sociologie", "Travail social", "Économie", "Psychologie")
    for i in range(antenna_staff):
        make_member(bodies["antenna"], name=f"Chercheur·e {i + 1}", sector=None,
                    discipline=disciplines[i % len(disciplines)], start=date(2025, 1, 1))
    for i in range(commission_members):
        make_member(bodies["commission"], name=f"Acteur de terrain {i + 1}", start=date(2025, 1, 1))
    if committee_chair:
        make_member(bodies["committee"], name="Délégué provincial", role="chair", sector="entraide_nationale",
                    start=date(2025, 1, 1))
    return bodies


def staffed(name: str | None = None, *, phase: str = "launch", province_code: str = "05.081", **kwargs):
    """A territory in ``phase`` whose bodies are staffed (the gate into experimentation passes)."""
    territory = make_territory(name, phase=phase, province_code=province_code)
    staff_bodies(territory, **kwargs)
    return territory


def pilot(name: str = "Azilal", *, province_code: str = "05.081"):
    """A staffed pilot territory in experimentation."""
    return staffed(name, phase="experimentation", province_code=province_code)


@pytest.fixture
def steering(db):
    """A member of the national steering committee (may move territories and override gates)."""
    return make_user("steering", name="Samira Pilotage")


@pytest.fixture
def gates_seeded(db):
    """The default gate items, seeded."""
    from najma.rollout.services import seed_default_gates

    seed_default_gates()


@contextmanager
def someone_else_first(model, **values):
    """While the block runs, the first flush of a new ``model`` row (in the test's session or a
    request's) is preceded by another user's committed insert of ``values``: the race a
    read-then-insert service loses, played in order."""
    from najma.extensions import db

    session = db.session.session_factory.class_
    done = []

    def insert_first(flushing, *_):
        if not done and any(isinstance(obj, model) for obj in flushing.new):
            done.append(True)
            with db.engine.begin() as connection:
                connection.execute(sa.insert(model).values(**values))

    event.listen(session, "before_flush", insert_first)
    try:
        yield done
    finally:
        event.remove(session, "before_flush", insert_first)
