"""Choosing a territory's communes: the search, the rules of the choice, and the picker page."""
from html import unescape

import pytest
import sqlalchemy as sa

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.extensions import db as _db
from najma.geography.models import Commune
from najma.territories import services
from najma.territories.models import TerritoryCommune
from tests.conftest import make_territory

AIT_MHAMED, TABANT, AIT_ABBAS, AZILAL_TOWN = "05.081.03.07", "05.081.03.09", "05.081.03.03", "05.081.01.01"
ASNI = "07.041.07.03"  # Al Haouz: another province


def commune(code: str) -> Commune:
    return _db.session.execute(sa.select(Commune).where(Commune.code == code)).scalar_one()


def chosen(territory) -> dict[str, str]:
    return dict(_db.session.execute(
        sa.select(Commune.code, TerritoryCommune.part).join(TerritoryCommune.commune)
        .where(TerritoryCommune.territory_id == territory.id)).all())


def count(model, *where) -> int:
    return _db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


# --- search --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["ait m'hamed", "AÏT MHAMED", "Aït-M’hamed", "mhamed", "05.081.03"])
def test_search_finds_a_commune_by_french_name_or_code(geo, query):
    found, more = services.search_communes(query)
    assert AIT_MHAMED in [c.code for c in found] and not more


def test_arabic_search_ignores_the_hamza():
    assert services.fold("أزيلال") == services.fold("ازيلال") == services.fold("إزيلال")


def test_arabic_search_through_the_database_ignores_the_hamza(geo):
    assert commune(AZILAL_TOWN).name_ar == "أزيلال"
    found, _more = services.search_communes("ازيلال")  # typed without its hamza
    assert [c.code for c in found] == [AZILAL_TOWN]


def test_search_lists_communes_by_province_then_cercle_with_urban_communes_first(geo, territory):
    found, more = services.search_communes("", territory.province_id)
    assert not more and len(found) == 44 and {c.province.code for c in found} == {"05.081"}
    assert [c.kind for c in found[:2]] == ["urban", "urban"] and found[2].cercle is not None
    cercles = [c.cercle.name_fr for c in found[2:]]
    assert cercles == sorted(cercles)
    assert services.search_communes("", None, limit=10) == (services.search_communes("", None, 11)[0][:10], True)


def test_search_wildcards_are_taken_literally(geo):
    assert services.search_communes("%")[0] == [] and services.search_communes("_")[0] == []


# --- the rules of the choice -------------------------------------------------------------------------------

def test_set_communes_records_the_choice_and_audits_it(geo, territory):
    services.set_communes(None, territory, [commune(AIT_MHAMED).id, commune(TABANT).id])
    assert chosen(territory) == {AIT_MHAMED: "", TABANT: ""}
    event = _db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "update")).scalar_one()
    assert event.territory_id == territory.id
    assert event.changes["communes"] == {"before": "", "after": f"{AIT_MHAMED} Ait M'hamed; {TABANT} Tabant"}

    services.set_communes(None, territory, [commune(TABANT).id, commune(AIT_ABBAS).id])
    assert chosen(territory) == {TABANT: "", AIT_ABBAS: ""}
    services.set_communes(None, territory, [commune(TABANT).id, commune(AIT_ABBAS).id])  # no change, no event
    assert count(AuditEvent, AuditEvent.verb == "update") == 2
    services.set_communes(None, territory, [])
    assert chosen(territory) == {}


def test_a_territory_may_be_part_of_a_single_commune(geo, territory):
    services.set_communes(None, territory, [commune(AZILAL_TOWN).id], {commune(AZILAL_TOWN).id: " Quartier Nord "})
    assert chosen(territory) == {AZILAL_TOWN: "Quartier Nord"}


@pytest.mark.parametrize("case, message", [
    ("twice", "A commune was chosen twice."),
    ("unknown", "Unknown commune"),
    ("other_province", "Asni: not in the province of Azilal"),
    ("part_of_two", "Describe a part only when the territory is made of that single commune"),
    ("long_part", "200 characters or fewer"),
])
def test_refused_choices_change_nothing(geo, territory, case, message):
    services.set_communes(None, territory, [commune(TABANT).id])
    events = count(AuditEvent)
    ids, parts = {
        "twice": ([commune(TABANT).id, commune(TABANT).id], {}),
        "unknown": ([commune(TABANT).id, 999_999], {}),
        "other_province": ([commune(TABANT).id, commune(ASNI).id], {}),
        "part_of_two": ([commune(TABANT).id, commune(AIT_ABBAS).id], {commune(TABANT).id: "Douars du haut"}),
        "long_part": ([commune(TABANT).id], {commune(TABANT).id: "x" * 201}),
    }[case]
    with pytest.raises(DomainError) as refused:
        services.set_communes(None, territory, ids, parts)
    assert message in str(refused.value.message)
    _db.session.rollback()
    assert chosen(territory) == {TABANT: ""} and count(AuditEvent) == events


# --- the picker page -----------------------------------------------------------------------------------

def test_picker_lists_the_province_s_communes_grouped_by_cercle(client, login, geo, territory):
    services.set_communes(None, territory, [commune(TABANT).id])
    login("antenna_staff")
    response = client.get(f"/territories/{territory.slug}/communes")
    assert response.status_code == 200
    page = text(response)
    chosen_list = page[page.index('data-testid="chosen-communes"'):page.index('data-testid="save-communes"')]
    assert "Tabant" in chosen_list and "Ait Abbas" not in chosen_list
    results = page[page.index('data-testid="commune-results"'):]
    assert "Urban communes (municipalities)" in results and "Cercle of" in results
    assert f'value="{commune(AIT_ABBAS).id}"' in results and "already chosen" in results
    assert "Asni" not in results  # another province
    assert "HCP, RGPH 2014 and 2024" in page


def test_picker_search_by_get_filters_the_list(client, login, geo, territory):
    login("antenna_staff")
    results = text(client.get(f"/territories/{territory.slug}/communes?q=tab"))
    results = results[results.index('data-testid="commune-results"'):]
    assert "Tabant" in results and "Ait Abbas" not in results
    assert client.get(f"/territories/{territory.slug}/communes?q=" + "x" * 101).status_code == 400


def test_saving_the_picker_stores_the_communes_and_opens_the_profile(client, login, geo, territory):
    login("antenna_staff")
    ids = [commune(AIT_MHAMED).id, commune(TABANT).id]
    response = client.post(f"/territories/{territory.slug}/communes",
                           data={"commune": [str(i) for i in ids], "save": "1", "q": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/territories/{territory.slug}/profile")
    assert chosen(territory) == {AIT_MHAMED: "", TABANT: ""}


def test_searching_again_keeps_the_unsaved_choice(client, login, geo, territory):
    login("antenna_staff")
    response = client.post(f"/territories/{territory.slug}/communes",
                           data={"commune": [str(commune(TABANT).id)], "search": "1", "q": "abbas"})
    assert response.status_code == 200
    page = text(response)
    assert "not saved yet" in page
    chosen_list = page[page.index('data-testid="chosen-communes"'):page.index('data-testid="save-communes"')]
    assert "Tabant" in chosen_list and f'value="{commune(TABANT).id}" id="chosen-' in chosen_list
    assert chosen(territory) == {}


@pytest.mark.parametrize("posted, message", [
    ({"commune": ["abc"]}, "could not be read"),
    ({"commune": ["ASNI"]}, "not in the province of Azilal"),
    ({"commune": ["TABANT", "AIT_ABBAS"], "part-TABANT": "Douars"}, "single commune"),
])
def test_a_refused_choice_answers_400_and_changes_nothing(client, login, geo, territory, posted, message):
    services.set_communes(None, territory, [commune(AIT_ABBAS).id])
    login("antenna_staff")
    names = {"ASNI": ASNI, "TABANT": TABANT, "AIT_ABBAS": AIT_ABBAS}
    data = {"save": "1", "q": ""}
    for key, value in posted.items():
        key = key.replace("TABANT", str(commune(TABANT).id))
        data[key] = [str(commune(names[v]).id) if v in names else v for v in value] if isinstance(value, list) else value
    events = count(AuditEvent)
    response = client.post(f"/territories/{territory.slug}/communes", data=data)
    assert response.status_code == 400
    assert message in text(response)
    assert chosen(territory) == {AIT_ABBAS: ""} and count(AuditEvent) == events


@pytest.mark.parametrize("role", ["viewer", "evaluator", "commission_member"])
def test_only_editors_open_the_picker(client, login, geo, territory, role):
    login(role)
    assert client.get(f"/territories/{territory.slug}/communes").status_code == 403
    assert client.get(f"/territories/{territory.slug}/communes/search?q=tab").status_code == 403
    response = client.post(f"/territories/{territory.slug}/communes",
                           data={"commune": [str(commune(TABANT).id)], "save": "1"})
    assert response.status_code == 403 and chosen(territory) == {}
    assert f"/territories/{territory.slug}/communes" not in text(client.get(f"/territories/{territory.slug}"))


def test_antenna_staff_of_another_territory_cannot_choose(client, login, geo, territory):
    login("antenna_staff", on=make_territory("Autre"))
    assert client.get(f"/territories/{territory.slug}/communes").status_code == 403


def test_json_search_for_the_picker_script(client, login, geo, territory):
    login("delegate")
    data = client.get(f"/territories/{territory.slug}/communes/search?q=tabant").get_json()
    assert [c["code"] for c in data["communes"]] == [TABANT] and data["truncated"] is False
    assert data["communes"][0]["cercle"] and data["communes"][0]["population_2024"] > 0
    assert client.get(f"/territories/{territory.slug}/communes/search?q=" + "x" * 101).status_code == 400


class QueryCounter:
    """Counts the SQL statements sent while it is active."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _count(self, *_args):
        self.count += 1

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)


def test_picker_query_count_does_not_grow_with_the_communes(client, login, geo, territory):
    login("antenna_staff")
    url = f"/territories/{territory.slug}/communes"
    codes = [c.code for c in services.search_communes("", territory.province_id)[0]]
    counts = []
    for size in (1, 12):
        services.set_communes(None, territory, [commune(code).id for code in codes[:size]])
        for query in ("tab", ""):
            with QueryCounter(_db.engine) as counter:
                assert client.get(f"{url}?q={query}").status_code == 200
            counts.append(counter.count)
    assert len(set(counts)) == 1, counts
