"""Fixtures of the indicator tests: messages in English, and the default indicator set seeded."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english(app):
    """Messages checked in English whatever catalogues exist."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


@pytest.fixture()
def seeded(db):
    """The programme's default indicator set, as ``flask najma seed`` installs it; returns the
    indicators by code."""
    import sqlalchemy as sa

    from najma.indicators.models import Indicator
    from najma.indicators.register import seed_default_indicators

    seed_default_indicators()
    rows = db.session.execute(sa.select(Indicator)).scalars().all()
    return {row.code: row for row in rows}
