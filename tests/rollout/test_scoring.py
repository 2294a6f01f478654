"""Scoring candidate communes, similarity to the pilots and coverage, on crafted census values
(hand-computed) and on the real census of one province."""
from __future__ import annotations

import math
from datetime import date

import pytest
import sqlalchemy as sa
from tests.conftest import make_territory, province

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.extensions import db
from najma.geography import census
from najma.geography.models import CensusRecord, Commune
from najma.rollout import scoring
from najma.rollout.models import ManualScore, PhaseTransition, SelectionProfile
from najma.territories.services import set_communes

ONLY = {key: 0 for key in scoring.CRITERIA}


def only(**weights) -> dict:
    """Weights with every criterion at zero but those given."""
    return {**ONLY, **weights}


#: code -> (province, kind, illiteracy, schooling, unemployment, activity, disability, base population).
CRAFTED = {
    "99.001.01.1": ("05.081", "rural", 50, 80, 10, 40, 5, 1000),   # A, Azilal
    "99.001.01.2": ("05.081", "urban", 20, 98, 20, 50, 3, 1000),   # B, Azilal
    "99.002.01.1": ("07.041", "rural", 40, 90, 5, 45, 4, 3000),    # C, Al Haouz
    "99.003.01.2": ("07.431", "urban", 25, 95, 25, 42, 6, 1000),   # D, Safi
    "99.004.01.1": ("01.151", "rural", None, 85, 15, 38, 4.5, 1000),  # E, Chefchaouen, illiteracy missing
}
A, B, C, D, E = CRAFTED


def _figures(illiteracy, schooling, unemployment, activity, disability, base) -> dict:
    figures = {"population_municipal": base, "schooling_rate_6_to_11": schooling, "schooling_population_7_to_12": base,
               "labour_unemployment_rate": unemployment, "labour_active": base, "labour_activity_rate": activity,
               "labour_population_15_plus": base, "disability_prevalence": disability}
    if illiteracy is not None:
        figures.update(illiteracy_rate_10_plus=illiteracy, illiteracy_population_10_plus=base)
    return figures


def add_commune(code: str, province_code: str, kind: str, *values) -> Commune:
    """A commune with crafted 2024 census figures (and a 2014 record the scoring must ignore)."""
    commune = Commune(code=code, slug=code.replace(".", "-"), name_fr=f"Commune {code}", name_ar=f"جماعة {code}",
                      kind=kind, province_id=province(province_code).id, population_2024=values[-1])
    db.session.add(commune)
    db.session.add(CensusRecord(level="commune", code=code, census=2024, subject="people", area="total",
                                sex="all", figures=_figures(*values)))
    db.session.add(CensusRecord(level="commune", code=code, census=2014, subject="people", area="total",
                                sex="all", figures=_figures(99, 1, 99, 1, 99, 1)))
    db.session.commit()
    return commune


@pytest.fixture
def crafted(db):
    """Five communes with the census values of ``CRAFTED``, by code."""
    scoring.clear_cache()
    communes = {code: add_commune(code, *spec) for code, spec in CRAFTED.items()}
    yield communes
    scoring.clear_cache()


def codes(ranked) -> list[str]:
    return [row.commune.code for row in ranked]


def test_weighting_only_unemployment_orders_by_unemployment_with_hand_computed_scores(crafted):
    ranked = scoring.score_communes(only(unemployment=1))
    assert codes(ranked) == [D, B, E, A, C]
    # Unemployment 10, 20, 5, 25, 15: mean 15, standard deviation sqrt(50).
    assert ranked[0].score == pytest.approx(10 / math.sqrt(50))
    assert ranked[-1].score == pytest.approx(-10 / math.sqrt(50))
    assert [c.key for c in ranked[0].contributions] == ["unemployment"]
    assert ranked[0].contributions[0].value == 25


def test_lower_schooling_means_more_need(crafted):
    assert codes(scoring.score_communes(only(schooling=1))) == [A, E, C, D, B]


def test_the_score_is_the_weighted_mean_of_the_standard_scores_and_contributions_add_up(crafted):
    ranked = {row.commune.code: row for row in scoring.score_communes(only(unemployment=3, schooling=1))}
    schooling = [80, 98, 90, 95, 85]
    mean = sum(schooling) / 5
    deviation = math.sqrt(sum((v - mean) ** 2 for v in schooling) / 5)
    expected = (3 * 10 / math.sqrt(50) + 1 * -(95 - mean) / deviation) / 4
    assert ranked[D].score == pytest.approx(expected)
    assert sum(c.points for c in ranked[D].contributions) == pytest.approx(ranked[D].score)
    # The same weights, doubled, give the same scores.
    doubled = {row.commune.code: row.score for row in scoring.score_communes(only(unemployment=6, schooling=2))}
    assert doubled[D] == pytest.approx(expected)


def test_changing_the_weights_changes_the_ranking(crafted):
    assert codes(scoring.score_communes(only(unemployment=1)))[0] == D
    assert codes(scoring.score_communes(only(illiteracy_10_plus=1)))[0] == A
    assert codes(scoring.score_communes(only(activity=1)))[0] == E  # the lowest participation, 38 %
    assert codes(scoring.score_communes(only(disability=1)))[0] == D
    assert set(codes(scoring.score_communes(only(rural=1)))[:3]) == {A, C, E}


def test_a_missing_census_value_counts_as_the_mean_and_is_flagged(crafted):
    ranked = scoring.score_communes(only(illiteracy_10_plus=1))
    assert codes(ranked) == [A, C, E, D, B]
    missing = next(row for row in ranked if row.commune.code == E)
    assert missing.score == 0
    assert [c.key for c in missing.imputed] == ["illiteracy_10_plus"]
    assert missing.contributions[0].value is None
    assert not next(row for row in ranked if row.commune.code == A).imputed


def test_manual_scores_change_the_ranking(crafted, db):
    weights = only(illiteracy_10_plus=1, staff_qualification=1)
    assert codes(scoring.score_communes(weights)) == [A, C, E, D, B]
    ids = {code: commune.id for code, commune in crafted.items()}
    ranked = scoring.score_communes(weights, {ids[B]: 5, ids[A]: 0})
    # B: illiteracy 20 against a mean of 33.75 (deviation sqrt(142.1875)), staff 5 -> (5 - 2.5) / 1.708.
    spread = math.sqrt(35 / 12)
    b = next(row for row in ranked if row.commune.code == B)
    assert b.score == pytest.approx(((20 - 33.75) / math.sqrt(142.1875) + 2.5 / spread) / 2)
    assert b.manual_score == 5
    assert codes(ranked) == [C, B, E, A, D]
    unscored = next(row for row in ranked if row.commune.code == C)
    assert unscored.manual_score is None and [c.key for c in unscored.imputed] == ["staff_qualification"]


def test_saved_manual_scores_are_used_by_default(crafted, db):
    scoring.set_manual_score(None, crafted[B].id, 5, "Deux travailleuses sociales formées")
    ranked = scoring.score_communes(only(staff_qualification=1))
    assert codes(ranked)[0] == B and ranked[0].manual_score == 5


def test_a_manual_score_is_refused_outside_0_to_5_and_changes_nothing(crafted, db):
    for bad in (6, -1, "trois", None):
        with pytest.raises(DomainError, match="from 0 to 5"):
            scoring.set_manual_score(None, crafted[A].id, bad)
    with pytest.raises(DomainError, match="Unknown commune"):
        scoring.set_manual_score(None, 999_999, 3)
    assert db.session.execute(sa.select(sa.func.count(ManualScore.id))).scalar() == 0


def test_a_manual_score_is_updated_in_place_and_audited(crafted, db):
    scoring.set_manual_score(None, crafted[A].id, 2, "")
    scoring.set_manual_score(None, crafted[A].id, 4, "Équipe renforcée")
    entry = db.session.execute(sa.select(ManualScore)).scalar_one()
    assert (entry.score, entry.note) == (4, "Équipe renforcée")
    events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "ManualScore")
                                .order_by(AuditEvent.id)).scalars().all()
    assert [e.verb for e in events] == ["create", "update"]
    assert events[1].changes["score"] == {"before": 2, "after": 4}


def test_communes_in_a_territory_are_flagged_or_hidden(crafted, db):
    territory = make_territory("Ouaouizeght", province_code="05.081", phase="launch")
    set_communes(None, territory, [crafted[A].id])
    ranked = scoring.score_communes(only(illiteracy_10_plus=1))
    first = ranked[0]
    assert first.commune.code == A and first.commune.territories == (("Ouaouizeght", territory.slug),)
    hidden = scoring.score_communes(only(illiteracy_10_plus=1), hide_in_territory=True)
    assert A not in codes(hidden) and len(hidden) == 4
    # Hiding does not change the others' scores: standardisation is over every commune.
    assert hidden[0].score == ranked[1].score


def test_filters_by_setting_region_and_province(crafted):
    weights = only(unemployment=1)
    assert codes(scoring.score_communes(weights, setting="urban")) == [D, B]
    assert codes(scoring.score_communes(weights, setting="rural")) == [E, A, C]
    assert codes(scoring.score_communes(weights, province_id=province("05.081").id)) == [B, A]
    haouz = province("07.041")
    assert codes(scoring.score_communes(weights, region_id=haouz.region_id)) == [D, C]


def test_weights_must_be_0_to_10_and_not_all_zero(crafted):
    with pytest.raises(DomainError, match="from 0 to 10"):
        scoring.score_communes(only(unemployment=11))
    with pytest.raises(DomainError, match="from 0 to 10"):
        scoring.check_weights(only(schooling="beaucoup"))
    with pytest.raises(DomainError, match="above zero"):
        scoring.score_communes(ONLY)


def test_an_extreme_rate_over_few_people_is_capped_at_3_and_flagged(crafted):
    for n in range(12):
        add_commune(f"98.001.{n:02d}.1", "07.041", "rural", 30, 90, 12, 44, 4, 2000)
    tiny = add_commune("98.002.01.1", "07.041", "rural", 30, 0, 12, 44, 4, 89)  # 0 % enrolment, 89 people
    ranked = scoring.score_communes(only(schooling=1))
    assert ranked[0].commune.code == tiny.code and ranked[0].score == 3.0
    assert ranked[0].commune.small_population and not ranked[1].commune.small_population


def test_saved_weights_default_then_saved_and_audited(db, crafted):
    assert scoring.saved_weights() == scoring.DEFAULT_WEIGHTS
    scoring.save_weights(None, only(unemployment=4, schooling=2))
    assert scoring.saved_weights() == {**only(unemployment=4, schooling=2)}
    profile = db.session.execute(sa.select(SelectionProfile)).scalar_one()
    assert profile.name == "default"
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "SelectionProfile")).scalar_one()
    assert event.changes["weight_unemployment"] == {"before": None, "after": 4.0}
    with pytest.raises(DomainError):
        scoring.save_weights(None, ONLY)
    assert scoring.saved_weights()["unemployment"] == 4


def test_the_matrix_is_cached_until_the_census_changes(crafted, db):
    first = scoring.matrix()
    assert scoring.matrix() is first
    add_commune("99.005.01.1", "05.081", "rural", 30, 90, 12, 44, 4, 500)
    assert len(scoring.matrix().codes) == 6


# --- Similarity to the pilots ---------------------------------------------------------------------

def _pilot(name: str, province_code: str, commune_ids: list[int], phase: str = "experimentation"):
    territory = make_territory(name, province_code=province_code, phase=phase)
    set_communes(None, territory, commune_ids)
    return territory


def test_the_commune_with_a_pilots_profile_comes_first(crafted, db):
    # The pilot's profile is recomputed from counts: A weighs 1,000 and C 3,000 (and they lie in
    # different provinces, so this pilot is made of A alone first, then of A and C through two pilots).
    pilot = _pilot("Azilal pilote", "05.081", [crafted[A].id])
    twin = add_commune("99.003.02.1", "07.431", "rural", 50, 80, 10, 40, 5, 400)  # A's profile, in Safi
    near = add_commune("99.001.02.1", "05.081", "rural", 48, 81, 11, 40, 5, 400)  # close, in Azilal
    rows = scoring.similar_to_pilots(10)
    assert rows[0].commune.code == twin.code and rows[0].distance == pytest.approx(0)
    assert rows[0].pilot.slug == pilot.slug and rows[0].nearness == ""
    assert rows[1].commune.code == near.code and rows[1].nearness == "province"
    assert A not in codes(rows)  # already in a territory
    assert len(rows[0].alike) == 3 and all(a.gap == pytest.approx(0) for a in rows[0].alike)


def test_a_pilots_profile_is_aggregated_from_counts_not_averaged(crafted, db):
    haouz = province("07.041")
    extra = add_commune("99.002.02.1", "07.041", "rural", 50, 80, 10, 40, 5, 1000)  # A's values, in Al Haouz
    _pilot("El Haouz pilote", "07.041", [extra.id, crafted[C].id])
    # 1,000 people at A's values, 3,000 at C's: illiteracy (50 + 3 x 40) / 4 = 42.5, not 45.
    found = scoring.pilots()
    assert len(found) == 1 and found[0].values[0] == pytest.approx(42.5)
    assert found[0].communes == 2 and found[0].province_id == haouz.id
    twin = add_commune("99.003.03.1", "07.431", "urban", 42.5, 87.5, 6.25, 43.75, 4.25, 700)
    mean_twin = add_commune("99.003.04.1", "07.431", "urban", 45, 85, 7.5, 42.5, 4.5, 700)
    rows = scoring.similar_to_pilots(None)
    assert rows[0].commune.code == twin.code and rows[0].distance == pytest.approx(0, abs=1e-9)
    assert rows[0].nearness == "region"  # Safi and Al Haouz are both in Marrakech-Safi
    assert codes(rows).index(mean_twin.code) > 0


def test_who_counts_as_a_pilot(crafted, db):
    _pilot("En lancement", "05.081", [crafted[A].id], phase="launch")
    moved_on = _pilot("Passé en appropriation", "07.041", [crafted[C].id], phase="appropriation")
    db.session.add(PhaseTransition(territory_id=moved_on.id, from_phase="experimentation", to_phase="appropriation",
                                   decided_on=date(2026, 6, 1)))
    db.session.commit()
    assert [p.slug for p in scoring.pilots()] == [moved_on.slug]
    make_territory("Sans communes", phase="experimentation")
    assert [p.slug for p in scoring.pilots()] == [moved_on.slug]


def test_similarity_filters_by_pilot_region_and_setting(crafted, db):
    _pilot("Safi pilote", "07.431", [crafted[D].id])
    rows = scoring.similar_to_pilots(None, same_region=True)
    assert codes(rows) == [C]  # the only free commune of Marrakech-Safi
    assert rows[0].nearness == "region"
    assert set(codes(scoring.similar_to_pilots(None, setting="urban"))) == {B}
    assert scoring.similar_to_pilots(None, same_region=True, setting="urban") == []


def test_no_pilot_no_similarity(crafted):
    assert scoring.similar_to_pilots() == []


# --- Coverage -------------------------------------------------------------------------------------

def test_coverage_counts_provinces_with_and_without_a_territory(db):
    make_territory("Azilal 1", province_code="05.081", phase="experimentation")
    make_territory("Azilal 2", province_code="05.081", phase="launch")
    make_territory("Safi", province_code="07.431", phase="appropriation")
    view = scoring.coverage()
    assert (view.provinces, view.with_territory, view.without_territory) == (4, 2, 2)
    by_code = {p.code: p for r in view.regions for p in r.provinces}
    assert len(by_code["05.081"].territories) == 2 and by_code["05.081"].leading_phase == "experimentation"
    assert not by_code["07.041"].covered and by_code["07.431"].covered
    marrakech = next(r for r in view.regions if r.code == "07")
    assert (marrakech.with_territory, marrakech.without_territory) == (1, 1)
    assert view.phases["launch"] == 1 and view.phases["appropriation"] == 1 and view.phases["extension"] == 0


# --- Real census ------------------------------------------------------------------------------------

def test_real_census_of_azilal_ranks_as_the_published_unemployment_rates(db):
    from najma.geography.services import load_geography

    scoring.clear_cache()
    load_geography(("05.081",))
    published = census.level_values("commune", "unemployment", 2024)
    ranked = scoring.score_communes(only(unemployment=1))
    assert len(ranked) == len(published) > 40
    values = [published[row.commune.code] for row in ranked if published[row.commune.code] is not None]
    assert values == sorted(values, reverse=True)
    assert ranked[0].contributions[0].value == max(values)
    scoring.clear_cache()
