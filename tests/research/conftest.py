"""Fixtures of the research tests: notes written through the service, messages in English."""
from datetime import date

import pytest
import sqlalchemy as sa

from najma.extensions import db as _db
from najma.reference.models import Chantier, TargetGroup
from najma.research import services
from najma.research.services import NoteData


@pytest.fixture(autouse=True)
def _english(app):
    """Messages checked in English whatever catalogues exist."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


def target_group(code: str = "women_in_difficulty") -> TargetGroup:
    """A seeded target group by code (women_in_difficulty, girls_out_of_school, boys_out_of_school,
    children_precarious, elderly_in_difficulty, training_graduates)."""
    return _db.session.execute(sa.select(TargetGroup).where(TargetGroup.code == code)).scalar_one()


def chantier(position: int = 1) -> Chantier:
    """A seeded chantier by its position (1 to 5)."""
    return _db.session.execute(sa.select(Chantier).where(Chantier.position == position)).scalar_one()


def add_note(territory, author=None, *, title="Observation au souk", body="Les femmes parlent de la coopérative.",
             kind="observation", visibility="draft", groups=("women_in_difficulty",), chantiers=(), on=date(2026, 3, 2),
             **extra):
    """A note written by ``author`` through the service, then moved to ``visibility``."""
    data = NoteData(kind=kind, title=title, body=body, fieldwork_date=on,
                    target_group_ids=[target_group(code).id for code in groups],
                    chantier_ids=[chantier(p).id for p in chantiers], **extra)
    note = services.create_note(author, territory, data)
    if visibility != "draft":
        services.set_visibility(author, note, visibility)
    return note
