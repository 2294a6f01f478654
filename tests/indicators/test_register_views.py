"""The register's pages: who may read them, the list and its filters, one indicator's page with its
figures, and the steering committee's forms."""
from decimal import Decimal

import sqlalchemy as sa

from najma.indicators import services
from najma.indicators.models import Indicator
from tests.conftest import count_queries, make_territory
from tests.indicators.test_aggregation import put

SAFI = "07.431"


# --- access ---------------------------------------------------------------------------------------

def test_the_register_asks_a_visitor_to_sign_in(client, seeded):
    assert client.get("/indicators").status_code in (302, 401)


def test_the_register_needs_a_territorial_role_or_a_national_reader(client, seeded, login):
    login(None)
    assert client.get("/indicators").status_code == 403
    assert client.get("/indicators/unemployment").status_code == 403


def test_a_commission_member_and_an_evaluator_read_the_register(client, seeded, login):
    login("commission_member")
    assert client.get("/indicators").status_code == 200
    login("evaluator")
    assert client.get("/indicators/unemployment").status_code == 200


def test_an_unknown_indicator_is_not_found(client, seeded, login):
    login("steering")
    assert client.get("/indicators/no_such_thing").status_code == 404
    assert client.get("/indicators/no_such_thing/edit").status_code == 404


def test_only_the_steering_committee_manages_the_register(client, seeded, login):
    login("delegate")
    assert client.get("/indicators/new").status_code == 403
    assert client.post("/indicators/unemployment/edit", data={"name_fr": "X"}).status_code == 403
    page = client.get("/indicators").get_data(as_text=True)
    assert 'data-testid="new-indicator"' not in page


# --- the list -------------------------------------------------------------------------------------

def test_the_list_shows_the_default_set_with_filters(client, seeded, login):
    login("steering")
    page = client.get("/indicators").get_data(as_text=True)
    assert page.count('data-testid="indicator-row"') == len(seeded)
    assert "Illiteracy rate, aged 10 and over" in page and 'data-testid="new-indicator"' in page

    census = client.get("/indicators?source=census").get_data(as_text=True)
    assert census.count('data-testid="indicator-row"') == 6 and "Research coverage" not in census
    none = client.get("/indicators?level=nation").get_data(as_text=True)
    assert 'data-testid="no-indicator"' in none


def test_inactive_indicators_are_listed_on_demand(client, seeded, login, db):
    seeded["activity"].active = False
    db.session.commit()
    login("steering")
    assert 'data-code="activity"' not in client.get("/indicators").get_data(as_text=True)
    assert 'data-code="activity"' in client.get("/indicators?active=0").get_data(as_text=True)
    everything = client.get("/indicators?active=all").get_data(as_text=True)
    assert everything.count('data-testid="indicator-row"') == len(seeded)


def test_the_list_shows_each_indicators_latest_national_measure(client, seeded, login, territory):
    other = make_territory("Safi", province_code=SAFI)
    put(seeded["paths_retained"], territory, value=3)
    put(seeded["paths_retained"], other, value=4)
    put(seeded["paths_retained"], other, period="2025", value=1)
    login("steering")
    page = client.get("/indicators").get_data(as_text=True)
    row = page[page.index('data-code="paths_retained"'):]
    row = row[:row.index("</tr>")]
    assert 'data-testid="latest-national"' in row and ">7<" in row and "2026" in row


# --- one indicator --------------------------------------------------------------------------------

def test_the_indicator_page_states_definition_source_and_rule(client, seeded, login):
    login("steering")
    page = client.get("/indicators/illiteracy_10_plus").get_data(as_text=True)
    assert "can neither read nor write" in page and "ne savent ni lire ni écrire" not in page
    assert "Census (HCP): Illiteracy rate, aged 10 and over" in page
    assert "recomputed from counts" in page and "never an average of rates" in page
    assert "Sex and Area (urban, rural)" in page and "Lower is better" in page
    assert 'data-testid="edit-indicator"' in page


def _definition(page: str) -> str:
    section = page[page.rindex("<div", 0, page.index('data-testid="definition-text"')):]
    return section[:section.index("</div>")]


def test_the_definition_is_shown_in_the_readers_language_and_falls_back_to_french(client, seeded, login, db):
    user = login("evaluator")
    user.locale = "ar"
    db.session.commit()
    arabic = _definition(client.get("/indicators/unemployment").get_data(as_text=True))
    assert "نسبة العاطلين عن العمل ضمن السكان النشيطين" in arabic and 'lang="ar"' in arabic
    assert "Part des chômeurs" not in arabic

    seeded["unemployment"].definition_ar = ""
    db.session.commit()
    fallback = _definition(client.get("/indicators/unemployment").get_data(as_text=True))
    assert "Part des chômeurs dans la population active" in fallback and 'lang="fr"' in fallback

    user.locale = "fr"
    db.session.commit()
    french = _definition(client.get("/indicators/activity").get_data(as_text=True))
    assert "Part des actifs (occupés et chômeurs)" in french and "Share of the labour force" not in french


def test_the_definition_stays_sanitised_markdown_in_every_language(client, seeded, login, db):
    seeded["paths_retained"].definition_en = "Counted **per territory**.\n\n<script>alert(1)</script>"
    db.session.commit()
    login("steering")
    shown = _definition(client.get("/indicators/paths_retained").get_data(as_text=True))
    assert "<strong>per territory</strong>" in shown and "<script>" not in shown


def test_the_indicator_page_shows_the_nation_provinces_and_territories(client, seeded, login, territory):
    rate = seeded["actions_on_schedule"]
    safi = make_territory("Safi Médina", province_code=SAFI)
    put(rate, territory, value=50, numerator=1, denominator=2)
    put(rate, safi, value=100, numerator=2, denominator=2)
    put(rate, territory, kind="target", period="2027", value=90, numerator=9, denominator=10)
    login("steering")
    page = client.get("/indicators/actions_on_schedule").get_data(as_text=True)
    nation = page[page.index('data-testid="nation-measure"'):]
    assert "75.0" in nation[:nation.index("</div>\n    </div>")]  # 3 / 4, not the mean of 50 and 100
    assert page.count('data-testid="province-row"') == 2
    assert page.count('data-testid="territory-row"') == 2
    assert 'href="/territories/safi-medina/indicators"' in page


def test_values_awaiting_approval_are_shown_only_to_those_who_take_part(client, seeded, login, territory, db):
    count = seeded["cooperatives_created"]
    put(count, territory, value=12, status="validated")
    login("commission_member")
    reader = client.get("/indicators/cooperatives_created").get_data(as_text=True)
    nation = reader.split('data-testid="nation-measure"')[1][:400]
    assert 'data-testid="no-territory-value"' in reader and 'data-testid="figure-missing"' in nation
    login("delegate")  # the territory's delegate sees its pending value, with its status
    delegate = client.get("/indicators/cooperatives_created").get_data(as_text=True)
    assert 'data-testid="territory-row"' in delegate and 'data-status="validated"' in delegate
    login("steering")
    steering = client.get("/indicators/cooperatives_created").get_data(as_text=True)
    assert 'data-testid="territory-row"' in steering and "are included" in steering


def test_the_nation_page_costs_the_same_queries_for_2_or_20_territories(client, seeded, login, db):
    rate = seeded["research_coverage"]
    for n in range(2):
        put(rate, make_territory(f"Petit {n}"), value=25, numerator=6, denominator=24)
    login("steering")
    small = count_queries(lambda: client.get("/indicators/research_coverage"))
    for n in range(18):
        place = make_territory(f"Grand {n}", province_code=SAFI if n % 2 else "05.081")
        for period in ("2025", "2026-S1", "2026"):
            put(rate, place, period=period, value=50, numerator=12, denominator=24)
    large = count_queries(lambda: client.get("/indicators/research_coverage"))
    assert small == large


# --- the forms ------------------------------------------------------------------------------------

def _form(**changes):
    data = {"code": "women_trained", "name_fr": "Femmes formées", "name_ar": "", "name_en": "Women trained",
            "definition": "Femmes ayant terminé une formation. Source : saisie de l'antenne.", "unit": "count",
            "direction": "up", "level": "territory", "source": "manual", "source_key": "", "aggregation": "sum",
            "decimals": "0", "max_value": "", "position": "200", "active": "y", "disaggregations": ["target_group"]}
    data.update(changes)
    return data


def test_the_steering_committee_adds_an_indicator(client, seeded, login, db):
    login("steering")
    assert client.get("/indicators/new").status_code == 200
    response = client.post("/indicators/new", data=_form())
    assert response.status_code == 302 and response.headers["Location"].endswith("/indicators/women_trained")
    created = services.get_by_code("women_trained")
    assert (created.unit, created.disaggregations, created.position) == ("count", ["target_group"], 200)


def test_the_form_saves_the_definition_in_french_arabic_and_english(client, seeded, login, db):
    login("steering")
    blank = client.get("/indicators/new").get_data(as_text=True)
    assert all(f'name="{name}"' in blank for name in ("definition", "definition_ar", "definition_en"))
    response = client.post("/indicators/new", data=_form(
        definition_ar="  نساء أتممن تكوينًا. المصدر: حجز الخلية الترابية.  ",
        definition_en="Women who completed a training course. Source: entered by the antenna."))
    assert response.status_code == 302
    created = services.get_by_code("women_trained")
    assert created.definition == "Femmes ayant terminé une formation. Source : saisie de l'antenne."
    assert created.definition_ar == "نساء أتممن تكوينًا. المصدر: حجز الخلية الترابية."
    assert created.definition_en == "Women who completed a training course. Source: entered by the antenna."

    edit = client.get("/indicators/women_trained/edit").get_data(as_text=True)
    assert "نساء أتممن تكوينًا." in edit and "Women who completed a training course." in edit
    data = _form(definition_ar="", definition_en="Women trained (revised).", updated=created.updated_at.isoformat())
    assert client.post("/indicators/women_trained/edit", data=data).status_code == 302
    again = services.get_by_code("women_trained")
    assert (again.definition_ar, again.definition_en) == ("", "Women trained (revised).")


def test_a_definition_too_long_in_any_language_is_refused(client, seeded, login, db):
    login("steering")
    response = client.post("/indicators/new", data=_form(definition_en="x" * 20_001))
    assert response.status_code == 400 and "longer than 20000 characters" in response.get_data(as_text=True)
    assert services.get_by_code("women_trained") is None


def test_bad_entries_in_the_form_are_refused_with_a_message_and_nothing_is_written(client, seeded, login, db):
    login("steering")
    before = db.session.execute(sa.select(sa.func.count(Indicator.id))).scalar_one()
    cases = [
        (_form(decimals="two"), "Not a valid integer"),
        (_form(max_value="lots"), "Not a valid decimal"),
        (_form(aggregation="rate"), "is a percentage"),
        (_form(code="Bad Code!"), "lowercase letters"),
        (_form(code="unemployment"), "already exists"),
        (_form(name_fr=""), "This field is required"),
        (_form(unit="percent", aggregation="rate", max_value="150"), "beyond 100"),
        (_form(source="computed", source_key="paths_retained", disaggregations=["sex"]), "no breakdown by sex"),
    ]
    for data, message in cases:
        response = client.post("/indicators/new", data=data)
        assert response.status_code == 400, message
        assert message in response.get_data(as_text=True), message
    assert db.session.execute(sa.select(sa.func.count(Indicator.id))).scalar_one() == before


def test_an_edit_keeps_the_code_and_shows_it_fixed(client, seeded, login):
    login("steering")
    page = client.get("/indicators/paths_retained/edit").get_data(as_text=True)
    assert 'data-testid="fixed-code"' in page and 'name="code"' not in page
    indicator = services.get_by_code("paths_retained")
    data = _form(code="hijack", name_fr="Pistes retenues (revu)", source="computed", source_key="paths_retained",
                 disaggregations=[], updated=indicator.updated_at.isoformat())
    response = client.post("/indicators/paths_retained/edit", data=data)
    assert response.status_code == 302
    assert services.get_by_code("paths_retained").name_fr == "Pistes retenues (revu)"
    assert services.get_by_code("hijack") is None


def test_an_edit_over_a_colleagues_save_answers_409_and_keeps_what_was_typed(client, seeded, login):
    login("steering")
    indicator = services.get_by_code("cooperatives_created")
    stale = indicator.updated_at.isoformat()
    first = _form(name_fr="Coopératives (collègue)", updated=stale)
    assert client.post("/indicators/cooperatives_created/edit", data=first).status_code == 302
    response = client.post("/indicators/cooperatives_created/edit", data=_form(name_fr="Ma version", updated=stale))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'data-testid="indicator-conflict"' in page and "Coopératives (collègue)" in page
    assert 'data-testid="current-definition-ar"' in page  # the colleague's Arabic definition, to compare
    assert 'value="Ma version"' in page
    assert services.get_by_code("cooperatives_created").name_fr == "Coopératives (collègue)"


def test_an_edit_refused_by_the_rules_answers_400(client, seeded, login):
    login("steering")
    response = client.post("/indicators/unemployment/edit", data=_form(
        source="census", source_key="unemployment", unit="percent", aggregation="rate", max_value="100",
        disaggregations=["target_group"]))
    assert response.status_code == 400 and "not by target group" in response.get_data(as_text=True)
    assert services.get_by_code("unemployment").max_value == Decimal("100")


def test_the_register_costs_the_same_queries_whatever_the_indicators_and_values(client, seeded, login, territory):
    login("steering")
    put(seeded["paths_retained"], territory, value=1)
    small = count_queries(lambda: client.get("/indicators?active=all"))
    for n in range(5):
        services.create_indicator(None, services.IndicatorData(code=f"extra_{n}", name_fr=f"Extra {n}", unit="score",
                                                               direction="up", source="manual", aggregation="latest"))
        put(services.get_by_code(f"extra_{n}"), territory, value=n)
    put(seeded["research_coverage"], territory, value=50, numerator=12, denominator=24)
    large = count_queries(lambda: client.get("/indicators?active=all"))
    assert small + 1 >= large  # one more query once an indicator keeps the latest value


def test_a_page_of_territories_beyond_the_last_shows_the_last(client, seeded, login, territory):
    put(seeded["paths_retained"], territory, value=2)
    login("steering")
    response = client.get("/indicators/paths_retained?page=40")
    assert response.status_code == 200 and 'data-testid="territory-row"' in response.get_data(as_text=True)
