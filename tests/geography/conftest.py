"""Geography tests check messages in English, whatever the catalogues say in French."""
import pytest


@pytest.fixture(autouse=True)
def _english(english):
    yield
