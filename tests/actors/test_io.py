"""Import files: round trips through every export format, and malformed files refused with their line."""
import os

import pytest
import sqlalchemy as sa

from najma.actors import io, services
from najma.actors.models import Actor, Tie
from tests.actors.conftest import add_actor, add_tie
from tests.conftest import make_territory


def _count(db, model):
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


@pytest.fixture
def crafted(db, territory):
    commune = db.session.execute(sa.text("SELECT id FROM communes LIMIT 1")).scalar()
    a = add_actor(territory, "Commune d'Azilal", "commune", influence=5, stance="supportive",
                  commune_id=commune, latitude=31.96, longitude=-6.57, description="Conseil communal")
    b = add_actor(territory, "Centre d'éducation et de formation", "en_training_centre", influence=3)
    c = add_actor(territory, "Association Tifawin", "association", stance="neutral")
    add_tie(territory, a, b, "funding", directed=True, strength=3, evidence="Convention 2025",
            since=__import__("datetime").date(2025, 1, 1))
    add_tie(territory, b, c, "partnership")
    add_tie(territory, c, a, "conflict", strength=1)
    return territory


def _signature(territory):
    actors = sorted((a.name, a.kind, a.sector, a.commune_id, a.influence, a.stance, a.latitude, a.longitude,
                     a.description) for a in services.list_actors(territory))
    ties = sorted((t.source.name, t.target.name, t.kind, t.directed, t.strength, t.since, t.until, t.evidence)
                  for t in services.list_ties(territory))
    return actors, ties


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "json", "csv"])
def test_export_then_import_gives_the_same_map(db, crafted, fmt):
    copy = make_territory("Copie")
    if fmt == "csv":
        preview = services.preview_import(copy, services.export_map(crafted, "actors.csv"), "actors.csv",
                                          ties_data=services.export_map(crafted, "ties.csv"))
    else:
        preview = services.preview_import(copy, services.export_map(crafted, fmt), f"map.{fmt}")
    assert preview.ok, preview.errors
    services.apply_import(None, copy, preview)
    assert _signature(copy) == _signature(crafted)


@pytest.mark.parametrize("content,name,expected", [
    (b"<gexf><graph><nodes><node id='a'></nodes></graph></gexf>", "broken.gexf", "line 1, column"),
    (b"<?xml version='1.0'?>\n<gexf>\n<graph>\n<nodes>\n<node id='a' label='A'/>\n</nodes>\n<edges>\n"
     b"<edge id='e1' source='a' target='zz'/>\n</edges></graph></gexf>", "missing.gexf",
     "line 8, edge #1 (id 'e1'): the tie points to 'zz'"),
    (b"name,kind\nA,association\nB,spaceship\n", "actors.csv", "actors.csv, line 3: unknown actor kind 'spaceship'"),
    (b"name,kind\nA,association\na,association\n", "actors.csv", "duplicate name 'a'"),
    (b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]><gexf/>', "evil.gexf", "DOCTYPE"),
    (b'{"nodes": [{"id": 1}], "links": [{"source": 1, "target": 2}]}', "map.json", "link #1"),
    (b"<graphml><graph><node id='n0'/><node id='n1'/><edge source='n0' target='n1'>"
     b"<data key='k'>x</data></edge></graph><key id='k' for='edge' attr.name='kind'/></graphml>",
     "map.graphml", "unknown tie kind 'x'"),
])
def test_malformed_files_are_refused_with_their_line_or_element(db, territory, content, name, expected):
    preview = services.preview_import(territory, content, name)
    assert not preview.ok
    assert any(expected in error for error in preview.errors), preview.errors
    with pytest.raises(Exception):
        services.apply_import(None, territory, preview)
    assert _count(db, Actor) == 0 and _count(db, Tie) == 0


def test_ten_megabytes_of_noise_are_refused(db, territory):
    noise = os.urandom(10 * 1024 * 1024)
    preview = services.preview_import(territory, noise, "noise.gexf", max_bytes=5 * 1024 * 1024)
    assert not preview.ok and "larger than the limit of" in preview.errors[0]
    preview = services.preview_import(territory, noise[:100_000], "noise.csv")
    assert not preview.ok and "not a text file" in preview.errors[0]


def test_adding_refuses_names_already_on_the_map_and_ties_may_name_existing_actors(db, crafted):
    preview = services.preview_import(crafted, b"name,kind\nAssociation Tifawin,association\n", "a.csv")
    assert any("already on this territory's map" in e for e in preview.errors)
    preview = services.preview_import(crafted, b"name,kind\nCoop Argan,cooperative\n", "a.csv",
                                      ties_data=b"source;target;kind\nCoop Argan;association tifawin;information\n")
    assert preview.ok, preview.errors
    services.apply_import(None, crafted, preview)
    assert ("Coop Argan", "Association Tifawin", "information", False, 2, None, None, "") in _signature(crafted)[1]


def test_replace_mode_replaces_the_whole_map(db, crafted):
    preview = services.preview_import(crafted, b"name,kind\nSeul,other\n", "a.csv", mode="replace")
    services.apply_import(None, crafted, preview, mode="replace")
    assert [a.name for a in services.list_actors(crafted)] == ["Seul"]
    assert _count(db, Tie) == 0


def test_missing_kinds_default_with_a_warning_and_weights_become_strengths():
    preview = io.parse_gexf(b"<gexf><graph defaultedgetype='directed'><nodes><node id='1' label='A'/>"
                            b"<node id='2' label='B'/></nodes><edges><edge source='1' target='2' weight='7'/>"
                            b"</edges></graph></gexf>")
    assert preview.ok
    assert preview.actors[0].kind == "other" and preview.ties[0].kind == "coordination"
    assert preview.ties[0].strength == 3 and preview.ties[0].directed
    assert len(preview.warnings) == 3
