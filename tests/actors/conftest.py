"""Fixtures of the actor map tests: a small crafted map on the Azilal test territory."""
import pytest

from najma.actors import services


@pytest.fixture(autouse=True)
def _fresh_cache(app):
    """No analysis cached from another test; messages checked in English whatever catalogues exist."""
    from flask_babel import force_locale

    services.clear_cache()
    with force_locale("en"):
        yield
    services.clear_cache()


def add_actor(territory, name, kind="association", **extra):
    data = {"name": name, "kind": kind, "sector": None, "commune_id": None, "latitude": None, "longitude": None,
            "influence": 2, "stance": None, "membership_id": None, "description": ""}
    data.update(extra)
    return services.create_actor(None, territory, data)


def add_tie(territory, source, target, kind="coordination", **extra):
    data = {"source_id": source.id, "target_id": target.id, "kind": kind, "directed": False, "strength": 2,
            "since": None, "until": None, "evidence": ""}
    data.update(extra)
    return services.create_tie(None, territory, data)
