"""The selection pages: candidates (weights tried and saved, manual scores), similarity to the
pilots and coverage; who may open and change them; constant query counts."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from tests.conftest import make_territory
from tests.rollout.test_scoring import CRAFTED, add_commune, only

from najma.audit import AuditEvent
from najma.extensions import db
from najma.rollout import scoring
from najma.rollout.models import ManualScore, SelectionProfile
from najma.territories.services import set_communes

A, B, C, D, E = CRAFTED


@pytest.fixture
def communes(db):
    """The five crafted communes of ``test_scoring``, by code."""
    scoring.clear_cache()
    created = {code: add_commune(code, *spec) for code, spec in CRAFTED.items()}
    yield created
    scoring.clear_cache()


def ranked_codes(html: str) -> list[str]:
    table = html.split('data-testid="candidates-table"', 1)[1] if 'data-testid="candidates-table"' in html else ""
    return re.findall(r'<tr data-commune="([^"]+)"', table)


def weights_args(**weights) -> dict:
    return {key: str(value) for key, value in only(**weights).items()}


@pytest.mark.parametrize("path", ["/rollout/candidates", "/rollout/similar", "/rollout/coverage"])
@pytest.mark.parametrize("role, status", [(None, 403), ("antenna_staff", 403), ("viewer", 403),
                                          ("evaluator", 200), ("steering", 200), ("admin", 200)])
def test_who_may_open_the_selection_pages(client, login, communes, path, role, status):
    login(role)
    assert client.get(path).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, communes):
    assert client.get("/rollout/candidates").status_code in (302, 401)


def test_the_candidates_page_ranks_with_the_saved_weights_and_credits_the_census(client, login, communes):
    login("evaluator")
    scoring.save_weights(None, only(unemployment=1))
    html = client.get("/rollout/candidates").get_data(as_text=True)
    assert ranked_codes(html) == [D, B, E, A, C]
    assert "HCP, RGPH 2014 and 2024 (CC BY 4.0)" in html
    assert 'data-testid="trying"' not in html
    first_row = html.split(f'data-commune="{D}"', 1)[1].split("</tr>", 1)[0]
    assert "25.0 %" in first_row and "+1.41" in first_row  # the value and its contribution


def test_trying_weights_changes_the_ranking_without_saving(client, login, communes):
    login("evaluator")
    response = client.get("/rollout/candidates", query_string=weights_args(schooling=1))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ranked_codes(html) == [A, E, C, D, B]
    assert 'data-testid="trying"' in html
    assert 'data-testid="save-weights"' not in html  # evaluators may try, not save
    assert db.session.execute(sa.select(SelectionProfile)).first() is None


def test_missing_values_are_flagged_in_the_table(client, login, communes):
    login("steering")
    html = client.get("/rollout/candidates", query_string=weights_args(illiteracy_10_plus=1)).get_data(as_text=True)
    row = html.split(f'data-commune="{E}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-imputed="illiteracy_10_plus"' in row and "imputed" in row


@pytest.mark.parametrize("bad, message", [("11", "from 0 to 10"), ("beaucoup", "from 0 to 10"),
                                          ("0", "above zero")])
def test_bad_weights_tried_are_refused_with_a_message_and_the_saved_ranking_stays(client, login, communes, bad,
                                                                                  message):
    login("steering")
    scoring.save_weights(None, only(unemployment=1))
    args = {**weights_args(), "unemployment": bad} if bad != "0" else weights_args()
    response = client.get("/rollout/candidates", query_string=args)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert ranked_codes(html) == [D, B, E, A, C]


def test_steering_saves_the_weights_for_everyone(client, login, communes):
    login("steering")
    html = client.get("/rollout/candidates", query_string={**weights_args(schooling=2), "setting": "rural"}
                      ).get_data(as_text=True)
    assert 'data-testid="save-weights"' in html
    response = client.post("/rollout/candidates", data={**weights_args(schooling=2), "back": "setting=rural"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/rollout/candidates?setting=rural")
    assert scoring.saved_weights()["schooling"] == 2 and scoring.saved_weights()["unemployment"] == 0
    assert db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "SelectionProfile")).first()
    login("evaluator")
    assert ranked_codes(client.get("/rollout/candidates").get_data(as_text=True)) == [A, E, C, D, B]


def test_bad_weights_are_not_saved(client, login, communes):
    login("steering")
    response = client.post("/rollout/candidates", data={**weights_args(schooling=2), "unemployment": "12"})
    assert response.status_code == 400
    assert "A weight is a number from 0 to 10." in response.get_data(as_text=True)
    response = client.post("/rollout/candidates", data=weights_args())
    assert response.status_code == 400 and "above zero" in response.get_data(as_text=True)
    assert db.session.execute(sa.select(SelectionProfile)).first() is None


def test_only_steering_saves_weights(client, login, communes):
    login("evaluator")
    assert client.post("/rollout/candidates", data=weights_args(schooling=2)).status_code == 403
    assert client.post("/rollout/candidates/manual", data={"commune_id": communes[A].id, "score": 3}).status_code == 403
    html = client.get("/rollout/candidates").get_data(as_text=True)
    assert 'data-testid="manual-form"' not in html


def test_steering_records_a_staff_score_that_changes_the_ranking(client, login, communes):
    login("steering")
    scoring.save_weights(None, only(staff_qualification=1, unemployment=1))
    html = client.get("/rollout/candidates").get_data(as_text=True)
    assert 'data-testid="manual-form"' in html and ranked_codes(html)[0] == D
    response = client.post("/rollout/candidates/manual", data={
        "commune_id": communes[C].id, "score": "5", "note": "Équipe formée à l'écoute", "back": "territories=show"})
    assert response.status_code == 302 and response.headers["Location"].endswith("?territories=show")
    entry = db.session.execute(sa.select(ManualScore)).scalar_one()
    assert (entry.commune_id, entry.score, entry.note) == (communes[C].id, 5, "Équipe formée à l'écoute")
    html = client.get("/rollout/candidates").get_data(as_text=True)
    row = html.split(f'data-commune="{C}"', 1)[1].split("</tr>", 1)[0]
    assert "5/5" in row and "Équipe formée à l&#39;écoute" in row
    assert ranked_codes(html).index(C) < ranked_codes(html).index(A)


@pytest.mark.parametrize("score", ["6", "-1", "", "trois"])
def test_a_bad_staff_score_is_refused_with_a_message(client, login, communes, score):
    login("steering")
    response = client.post("/rollout/candidates/manual", data={"commune_id": communes[A].id, "score": score})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'data-testid="manual-error"' in html and "from 0 to 5" in html
    assert db.session.execute(sa.select(ManualScore)).first() is None


def test_an_unknown_commune_is_refused(client, login, communes):
    login("steering")
    response = client.post("/rollout/candidates/manual", data={"commune_id": 999_999, "score": "3"})
    assert response.status_code == 400 and "Unknown commune" in response.get_data(as_text=True)


def test_communes_in_a_territory_are_hidden_unless_asked(client, login, communes):
    login("steering")
    taken = make_territory("Ouaouizeght", province_code="05.081", phase="launch")
    set_communes(None, taken, [communes[A].id])
    html = client.get("/rollout/candidates").get_data(as_text=True)
    assert A not in ranked_codes(html)
    html = client.get("/rollout/candidates", query_string={"territories": "show"}).get_data(as_text=True)
    row = html.split(f'data-commune="{A}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="in-territory"' in row and "Ouaouizeght" in row


def test_filters_keep_their_values_in_the_page_links(client, login, communes):
    login("steering")
    html = client.get("/rollout/candidates", query_string={"setting": "urban"}).get_data(as_text=True)
    assert sorted(ranked_codes(html)) == sorted([B, D])


CRAFTED_BACK = "endpoint=x&_method=ZZZ&_external=1&_scheme=javascript&setting=rural&territories=show&page=2"


def test_a_crafted_back_query_keeps_only_the_page_filters_after_saving_weights(client, login, communes):
    login("steering")
    response = client.post("/rollout/candidates", data={**weights_args(schooling=2),
                                                        "back": CRAFTED_BACK + "&unemployment=3"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/rollout/candidates?setting=rural&territories=show"
    assert scoring.saved_weights()["schooling"] == 2


def test_a_crafted_back_query_keeps_only_the_page_filters_after_a_staff_score(client, login, communes):
    login("steering")
    for back in ("endpoint=x", "_method=ZZZ", CRAFTED_BACK + "&unemployment=3"):
        response = client.post("/rollout/candidates/manual",
                               data={"commune_id": communes[A].id, "score": "3", "back": back})
        assert response.status_code == 302
    assert response.headers["Location"] == (
        "/rollout/candidates?setting=rural&territories=show&unemployment=3&page=2")
    response = client.post("/rollout/candidates/manual", data={"commune_id": communes[A].id, "score": "9",
                                                               "back": CRAFTED_BACK})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "from 0 to 5" in html
    assert 'name="back" value="setting=rural&amp;territories=show"' in html


def test_the_similar_page_names_the_nearest_pilot_and_why(client, login, communes):
    login("evaluator")
    html = client.get("/rollout/similar").get_data(as_text=True)
    assert 'data-testid="no-pilots"' in html
    pilot = make_territory("Azilal pilote", province_code="05.081", phase="experimentation")
    set_communes(None, pilot, [communes[A].id])
    twin = add_commune("99.003.02.1", "07.431", "rural", 50, 80, 10, 40, 5, 400)
    html = client.get("/rollout/similar").get_data(as_text=True)
    assert "experimentation phase" in html  # the rule is stated
    rows = re.findall(r'<tr data-commune="([^"]+)"', html)
    assert rows[0] == twin.code and A not in rows
    first = html.split(f'data-commune="{twin.code}"', 1)[1].split("</tr>", 1)[0]
    assert "Azilal pilote" in first and "0.00" in first and "Another region" in first
    assert "HCP, RGPH 2014 and 2024" in html
    html = client.get("/rollout/similar", query_string={"same_region": "y"}).get_data(as_text=True)
    assert re.findall(r'<tr data-commune="([^"]+)"', html) == [B]
    assert "Same province as Azilal pilote" in html


def test_the_coverage_page_counts_provinces(client, login, db):
    login("steering")
    make_territory("Safi", province_code="07.431", phase="appropriation")
    html = client.get("/rollout/coverage").get_data(as_text=True)
    # The ``territory`` fixture (Azilal) and Safi: 2 of the 4 loaded provinces.
    assert re.search(r'data-testid="count-with">2<', html) and re.search(r'data-testid="count-without">2<', html)
    assert 'data-province="07.041" data-covered="no"' in html and 'data-province="07.431" data-covered="yes"' in html
    assert "<svg" in html and 'data-testid="coverage-table"' in html


def _count_queries(call) -> int:
    count = 0

    def before(*args, **kwargs):
        nonlocal count
        count += 1

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        response = call()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
    assert response.status_code == 200
    return count


def test_query_counts_do_not_grow_with_communes_scores_or_territories(client, login, communes):
    login("steering")
    pilot = make_territory("Pilote", province_code="05.081", phase="experimentation")
    set_communes(None, pilot, [communes[A].id])
    pages = ("/rollout/candidates?territories=show", "/rollout/similar", "/rollout/coverage")
    for page in pages:
        client.get(page)  # the matrix is built once
    few = [_count_queries(lambda: client.get(page)) for page in pages]
    for n in range(6):
        add_commune(f"98.001.0{n}.1", "07.041", "rural", 30 + n, 90, 12, 44, 4, 500)
    extra = make_territory("Autre", province_code="07.431", phase="launch")
    set_communes(None, extra, [communes[D].id])
    scoring.set_manual_score(None, communes[B].id, 4)
    scoring.set_manual_score(None, communes[E].id, 1)
    for page in pages:
        client.get(page)
    assert [_count_queries(lambda: client.get(page)) for page in pages] == few
