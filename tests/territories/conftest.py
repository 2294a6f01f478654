"""Fixtures of the territory tests that need communes: ``geo`` loads Azilal and Al Haouz."""
from __future__ import annotations

import pytest

from najma.geography.services import load_geography

#: Azilal (the ``territory`` fixture's province) and Al Haouz, for a commune of another province.
GEO_PROVINCES = ("05.081", "07.041")


@pytest.fixture(autouse=True)
def _english(english):
    """Service messages in English, whatever the catalogues say in French."""
    yield


@pytest.fixture
def geo(db):
    """Communes, cercles and census records of Azilal and Al Haouz (and their regions, the nation)."""
    load_geography(GEO_PROVINCES)
    return db
