"""Territory rules: creation with three bodies, slugs, validation, phase changes, lists and counts."""
import pytest
import sqlalchemy as sa

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.governance.models import Body
from najma.territories import services
from najma.territories.models import Territory
from tests.conftest import make_territory, province


def count(db, model, *where) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


def data(**overrides):
    values = {"name": "Tidili Mesfioua", "province_id": province("07.041").id, "setting": "rural",
              "phase": "launch", "cohort": " Appropriation 2026 ", "description": "Vallée **rurale**."}
    values.update(overrides)
    return values


def test_creating_a_territory_makes_its_antenna_commission_and_committee(db):
    territory = services.create_territory(None, data())
    bodies = services.territory_bodies(territory)
    assert sorted(bodies) == ["antenna", "commission", "committee"]
    assert all(body.territory_id == territory.id and not body.memberships for body in bodies.values())
    stored = db.session.get(Territory, territory.id)
    assert (stored.name, stored.slug, stored.setting, stored.phase, stored.cohort, stored.is_demo) == (
        "Tidili Mesfioua", "tidili-mesfioua", "rural", "launch", "Appropriation 2026", False)
    assert stored.province.code == "07.041"
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "Territory")).scalar_one()
    assert event.verb == "create" and event.territory_id == territory.id
    assert event.changes["name"] == {"before": None, "after": "Tidili Mesfioua"}


def test_a_new_territory_starts_in_the_launch_phase_by_default(db):
    values = data()
    del values["phase"]
    territory = services.create_territory(None, values)
    assert territory.phase == "launch"


def test_two_territories_with_one_name_get_distinct_slugs(db):
    first = services.create_territory(None, data(name="El Haouz"))
    second = services.create_territory(None, data(name="El Haouz"))
    third = services.create_territory(None, data(name="el haouz"))
    assert [first.slug, second.slug, third.slug] == ["el-haouz", "el-haouz-2", "el-haouz-3"]
    assert services.get_by_slug("el-haouz-2").id == second.id


@pytest.mark.parametrize("name, slug", [
    ("Béni Mellal", "beni-mellal"),
    ("Aït Ourir — Zaër", "ait-ourir-zaer"),
    ("  Sidi Bennour (centre)  ", "sidi-bennour-centre"),
    ("أزيلال", "territoire"),
])
def test_slugs_are_plain_ascii(db, name, slug):
    assert services.create_territory(None, data(name=name)).slug == slug


def test_a_long_name_still_gets_a_slug_that_fits(db):
    name = "Communes rurales du piémont " + "et des vallées " * 6  # within the form's 120 characters
    first = services.create_territory(None, data(name=name[:120]))
    second = services.create_territory(None, data(name=name[:120]))
    column = Territory.__table__.c.slug.type.length
    assert len(first.slug) <= column and len(second.slug) <= column and first.slug != second.slug
    assert services.get_by_slug(second.slug).id == second.id


@pytest.mark.parametrize("overrides, field", [
    ({"name": "   "}, "name"),
    ({"name": None}, "name"),
    ({"setting": "coastal"}, "setting"),
    ({"phase": "pilot"}, "phase"),
    ({"province_id": 999999}, "province_id"),
    ({"province_id": None}, "province_id"),
])
def test_invalid_territories_are_refused_and_nothing_is_written(db, overrides, field):
    with pytest.raises(DomainError) as error:
        services.create_territory(None, data(**overrides))
    db.session.rollback()
    assert error.value.field == field
    assert (count(db, Territory), count(db, Body), count(db, AuditEvent)) == (0, 0, 0)


def test_update_changes_fields_but_never_the_phase(db):
    territory = make_territory("Azilal", phase="experimentation")
    services.update_territory(None, territory, {"description": "Nouvelle description", "cohort": "Pilotes ",
                                                "phase": "extension"})
    stored = db.session.get(Territory, territory.id)
    assert (stored.description, stored.cohort, stored.phase) == ("Nouvelle description", "Pilotes",
                                                                 "experimentation")


def test_renaming_keeps_the_address(db):
    territory = make_territory("Azilal")
    services.update_territory(None, territory, {"name": "Azilal centre"})
    stored = db.session.get(Territory, territory.id)
    assert (stored.name, stored.slug) == ("Azilal centre", "azilal")


def test_update_is_validated_and_audited(db):
    territory = make_territory("Azilal", phase="experimentation")
    with pytest.raises(DomainError) as error:
        services.update_territory(None, territory, {"name": ""})
    assert error.value.field == "name"
    db.session.rollback()
    assert db.session.get(Territory, territory.id).name == "Azilal"
    services.update_territory(None, territory, {"cohort": "Pilotes"})
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "update")).scalar_one()
    assert event.changes == {"cohort": {"before": "Test", "after": "Pilotes"}}


@pytest.fixture
def spread(db):
    make_territory("Azilal", province_code="05.081", phase="experimentation")
    make_territory("Chefchaouen", province_code="01.151", phase="experimentation")
    make_territory("El Haouz", province_code="07.041", phase="appropriation")
    make_territory("Safi", province_code="07.431", phase="launch")


def _names(page):
    return [t.name for t in page.items]


def test_list_filters_by_phase(spread):
    assert _names(services.list_territories(phase="experimentation")) == ["Chefchaouen", "Azilal"]
    assert _names(services.list_territories(phase="generalisation")) == []


def test_list_is_ordered_by_region_then_province(spread):
    # Tanger-Tétouan-Al Hoceïma (01), Béni Mellal-Khénifra (05), Marrakech-Safi (07).
    assert _names(services.list_territories()) == ["Chefchaouen", "Azilal", "El Haouz", "Safi"]


def test_list_searches_names_without_regard_to_case(spread):
    assert _names(services.list_territories(search=" HAOUZ ")) == ["El Haouz"]
    assert _names(services.list_territories(search="a", phase="launch")) == ["Safi"]
    assert _names(services.list_territories(search="Ouarzazate")) == []


def test_list_filters_by_region(spread):
    assert _names(services.list_territories(region_code="07")) == ["El Haouz", "Safi"]


def test_list_is_paginated(spread):
    page = services.list_territories(per_page=3)
    assert (page.total, len(page.items), page.pages) == (4, 3, 2)
    assert _names(services.list_territories(per_page=3, page=2)) == ["Safi"]


def test_counts_by_phase_include_empty_phases(spread):
    assert services.count_by_phase() == {"launch": 1, "experimentation": 2, "appropriation": 1,
                                         "extension": 0, "generalisation": 0}


def test_counts_on_an_empty_database(db):
    assert set(services.count_by_phase().values()) == {0}


def test_get_by_slug_returns_none_for_an_unknown_slug(db):
    assert services.get_by_slug("nowhere") is None
