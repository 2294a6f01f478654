"""Pilot versus comparison on crafted census values (hand-computed changes) and on approved values
entered, validated and approved through the entry services."""
from __future__ import annotations

import pytest
from tests.conftest import make_territory, make_user, province

from najma.extensions import db
from najma.geography.models import CensusRecord, Commune
from najma.indicators import comparison
from najma.indicators import entry as entry_services
from najma.rollout import scoring
from najma.territories.services import set_communes


def _figures(illiteracy, schooling, unemployment, activity, disability, base) -> dict:
    """A commune's census figures: the rates the similarity reads and the counts that weigh them."""
    return {"population_municipal": base, "illiteracy_rate_10_plus": illiteracy, "illiteracy_population_10_plus": base,
            "schooling_rate_6_to_11": schooling, "schooling_population_7_to_12": base,
            "labour_unemployment_rate": unemployment, "labour_active": base, "labour_activity_rate": activity,
            "labour_population_15_plus": base, "disability_prevalence": disability}


def add_commune(code: str, province_code: str, profile_2024: tuple, unemployment_2014: float,
                kind: str = "rural") -> Commune:
    """A commune with a full 2024 profile and its 2014 unemployment rate (same active population)."""
    base = profile_2024[-1]
    commune = Commune(code=code, slug=code.replace(".", "-"), name_fr=f"Commune {code}", name_ar=f"جماعة {code}",
                      kind=kind, province_id=province(province_code).id, population_2024=base)
    db.session.add(commune)
    db.session.add(CensusRecord(level="commune", code=code, census=2024, subject="people", area="total", sex="all",
                                figures=_figures(*profile_2024)))
    db.session.add(CensusRecord(level="commune", code=code, census=2014, subject="people", area="total", sex="all",
                                figures={"labour_unemployment_rate": unemployment_2014, "labour_active": base}))
    db.session.commit()
    return commune


def add_female(code: str, unemployment_2014: float, unemployment_2024: float, active: float) -> None:
    """Women's unemployment in both censuses for a commune."""
    for year, rate in ((2014, unemployment_2014), (2024, unemployment_2024)):
        db.session.add(CensusRecord(level="commune", code=code, census=year, subject="people", area="total",
                                    sex="female", figures={"labour_unemployment_rate": rate, "labour_active": active}))
    db.session.commit()


def territory_of(name: str, province_code: str, communes: list[Commune], phase: str):
    territory = make_territory(name, province_code=province_code, phase=phase)
    set_communes(None, territory, [c.id for c in communes])
    return territory


@pytest.fixture
def census_world(db, seeded):
    """A pilot of two communes in Azilal (unemployment 2014 → 2024: 20 → 14 over 1,000 active people, 10 → 8
    over 3,000; so 12.5 → 9.5 for the pilot, a change of -3 points), its twin C1 (15 → 9.5), a close
    commune C2 of few people (11 → 10) and a distant one C3 (20 → 25)."""
    scoring.clear_cache()
    p1 = add_commune("99.001.01.1", "05.081", (40, 90, 14, 45, 5, 1000), 20)
    p2 = add_commune("99.001.01.2", "05.081", (40, 90, 8, 45, 5, 3000), 10)
    pilot = territory_of("Azilal pilote", "05.081", [p1, p2], "experimentation")
    world = {"pilot": pilot, "p1": p1, "p2": p2,
             "c1": add_commune("99.002.01.1", "07.041", (40, 90, 9.5, 45, 5, 2000), 15),
             "c2": add_commune("99.002.01.2", "07.041", (41, 89, 10, 45, 5, 400), 11),
             "c3": add_commune("99.003.01.1", "07.431", (60, 70, 25, 30, 9, 1500), 20, kind="urban")}
    yield world
    scoring.clear_cache()


def test_the_pilots_change_against_the_mean_change_of_its_nearest_communes(census_world, seeded):
    view = comparison.compare(seeded["unemployment"], size=2)
    assert view.kind == "census" and (view.start, view.end) == ("2014", "2024") and not view.unavailable
    [row] = view.rows
    assert row.slug == census_world["pilot"].slug and row.communes == 2
    # Recomputed from counts: (20 x 1,000 + 10 x 3,000) / 4,000 = 12.5; (14 x 1,000 + 8 x 3,000) / 4,000 = 9.5.
    assert row.start == pytest.approx(12.5) and row.end == pytest.approx(9.5) and row.change == pytest.approx(-3)
    assert [u.code for u in row.comparisons] == ["99.002.01.1", "99.002.01.2"]  # the twin first
    assert row.comparisons[0].distance == pytest.approx(0, abs=1e-9)
    assert [u.change for u in row.comparisons] == [pytest.approx(-5.5), pytest.approx(-1)]
    assert row.mean_change == pytest.approx(-3.25)
    assert row.difference == pytest.approx(0.25)
    assert row.better is False  # unemployment: lower is better, and the comparisons fell further
    assert row.comparisons[1].small_population and not row.comparisons[0].small_population
    assert view.pilot_mean_change == pytest.approx(-3) and view.difference == pytest.approx(0.25)


def test_the_group_size_takes_more_communes_and_says_when_there_are_too_few(census_world, seeded):
    view = comparison.compare(seeded["unemployment"], size=5)
    [row] = view.rows
    assert len(row.comparisons) == 3
    assert row.mean_change == pytest.approx((-5.5 - 1 + 5) / 3)
    assert any("fewer comparison communes" in remark for remark in view.remarks)
    assert comparison.compare(seeded["unemployment"], size="many").size == comparison.DEFAULT_SIZE
    assert comparison.compare(seeded["unemployment"], size=500).size == comparison.MAX_SIZE


def test_no_commune_serves_two_pilots(census_world, seeded):
    far = add_commune("99.003.02.1", "07.431", (60, 70, 25, 30, 9, 1500), 22, kind="urban")
    other = territory_of("Safi pilote", "07.431", [far], "experimentation")
    view = comparison.compare(seeded["unemployment"], size=5)
    by_pilot = {row.slug: [u.code for u in row.comparisons] for row in view.rows}
    assert by_pilot[other.slug] == ["99.003.01.1"]  # C3 is the Safi pilot's twin
    assert by_pilot[census_world["pilot"].slug] == ["99.002.01.1", "99.002.01.2"]
    safi = next(row for row in view.rows if row.slug == other.slug)
    assert safi.change == pytest.approx(3) and safi.difference == pytest.approx(3 - 5)
    # Over both pilots: pilots (-3 + 3) / 2 = 0; every comparison (-5.5 - 1 + 5) / 3 = -0.5.
    assert view.pilot_mean_change == pytest.approx(0) and view.comparison_mean_change == pytest.approx(-0.5)


def test_a_breakdown_by_sex_reads_the_census_for_women(census_world, seeded):
    add_female("99.001.01.1", 30, 20, 500)   # pilot: (30 x 500 + 20 x 1,500) / 2,000 = 22.5
    add_female("99.001.01.2", 20, 10, 1500)  # then (20 x 500 + 10 x 1,500) / 2,000 = 12.5
    add_female("99.002.01.1", 25, 24, 800)
    view = comparison.compare(seeded["unemployment"], size=2, sex="female")
    [row] = view.rows
    assert view.sex == "female" and row.start == pytest.approx(22.5) and row.end == pytest.approx(12.5)
    assert [u.change for u in row.comparisons] == [pytest.approx(-1), None]  # C2 publishes no women's figures
    assert row.mean_change == pytest.approx(-1) and len(row.compared) == 1
    assert comparison.compare(seeded["unemployment"], sex="nonsense").sex == "all"


def test_a_figure_of_one_census_only_has_no_change(census_world, seeded):
    view = comparison.compare(seeded["illiteracy_15_plus"])
    assert view.rows == [] and "one census only" in view.unavailable


def test_without_pilots_there_is_nothing_to_compare(db, seeded):
    scoring.clear_cache()
    view = comparison.compare(seeded["unemployment"])
    assert view.rows == [] and "No pilot territory" in view.unavailable


def test_the_caveats_are_part_of_every_comparison(census_world, seeded):
    for code in ("unemployment", "cooperatives_created"):
        caveats = " ".join(comparison.compare(seeded[code]).caveats)
        assert "not matched on everything" in caveats and "predate the programme" in caveats
        assert "small" in caveats and "No causal claim" in caveats


# --- Entered indicators ----------------------------------------------------------------------------------

def approve(territory, indicator, figures: dict[str, int], *, stop_at: str = "approved") -> None:
    """Enter ``{period: value}`` as the antenna, validate as the delegate, approve as the steering committee."""
    antenna = make_user("antenna_staff", territory=territory)
    delegate = make_user("delegate", territory=territory)
    steering = make_user("steering")
    for period, value in figures.items():
        written = entry_services.enter_values(antenna, territory, period,
                                              [{"indicator_id": indicator.id, "kind": "measure", "value": value}],
                                              confirm=True)
        ids = [row.id for row in written]
        if stop_at == "entered":
            continue
        entry_services.validate_values(delegate, territory, period, ids)
        if stop_at == "approved":
            entry_services.approve_values(steering, ids)


@pytest.fixture
def entered_world(census_world, seeded):
    """The pilot, a non-pilot territory on its twin commune C1 and one on the distant commune C3."""
    near = territory_of("Haouz proche", "07.041", [census_world["c1"]], "launch")
    far = territory_of("Safi loin", "07.431", [census_world["c3"]], "launch")
    return {**census_world, "near": near, "far": far, "indicator": seeded["cooperatives_created"]}


def test_entered_values_compare_approved_changes_of_similar_territories(entered_world):
    indicator = entered_world["indicator"]
    approve(entered_world["pilot"], indicator, {"2023": 2, "2024": 3, "2025": 7})
    approve(entered_world["near"], indicator, {"2023": 1, "2025": 4})
    approve(entered_world["far"], indicator, {"2023": 5, "2025": 5})
    view = comparison.compare(indicator, size=2)
    assert view.kind == "entered" and view.period_choices == ["2023", "2024", "2025"]
    assert (view.start, view.end) == ("2023", "2025")
    [row] = view.rows
    assert (row.start, row.end, row.change) == (2, 7, 5)
    assert [u.slug for u in row.comparisons] == [entered_world["near"].slug, entered_world["far"].slug]
    assert row.mean_change == (3 + 0) / 2 and row.difference == 5 - 1.5 and row.better is True
    narrowed = comparison.compare(indicator, size=1, start="2024", end="2025")
    [row] = narrowed.rows
    assert (row.change, [u.change for u in row.comparisons]) == (4, [None])
    assert row.mean_change is None and any("cannot be shown" in remark for remark in narrowed.remarks)


def test_values_not_approved_count_for_nobody(entered_world):
    indicator = entered_world["indicator"]
    approve(entered_world["pilot"], indicator, {"2023": 2, "2025": 7})
    approve(entered_world["near"], indicator, {"2023": 1, "2025": 4}, stop_at="validated")
    [row] = comparison.compare(indicator, size=1).rows
    assert row.change == 5 and row.comparisons[0].change is None and row.mean_change is None


def test_entered_values_of_one_period_only_have_no_change(entered_world):
    indicator = entered_world["indicator"]
    approve(entered_world["pilot"], indicator, {"2024": 2})
    approve(entered_world["near"], indicator, {"2025": 3}, stop_at="entered")
    view = comparison.compare(indicator)
    assert view.rows == [] and "two periods" in view.unavailable


def test_the_periods_must_run_forward(entered_world):
    indicator = entered_world["indicator"]
    approve(entered_world["pilot"], indicator, {"2023": 2, "2025": 7})
    view = comparison.compare(indicator, start="2025", end="2023")
    assert view.rows == [] and "before the second" in view.unavailable
