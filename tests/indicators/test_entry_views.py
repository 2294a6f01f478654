"""Entry and approval pages: the territory's indicators, the entry form (errors, confirmation,
computed values), validation and approval by level, a value's versions, sending back and
correction (with its 409 page), and who sees values not yet approved."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import re

import pytest

from najma.extensions import db as _db
from najma.indicators import entry
from najma.indicators.models import IndicatorValue
from tests.conftest import count_queries, make_user
from tests.indicators._entry_fixtures import (approved, audit_verbs, count, enter, people, share,  # noqa: F401
                                              value_rows)

LAST_YEAR = str(date.today().year - 1)
NEXT_YEAR = str(date.today().year + 1)


def _sign_in(client, user):
    user.locale = "en"
    _db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def _form(share, period=LAST_YEAR, kind="measure", **rows):
    """The entry form's fields: ``rows`` maps a breakdown key ("x.x.x", "female.x.x") to its value."""
    data = {"period": period, "kind": kind}
    for key, value in rows.items():
        data[f"value-{share.id}.{key.replace('_', '.')}"] = value
    return data


# --- the entry form ------------------------------------------------------------------------------

def test_entry_form_lists_each_indicator_and_breakdown(client, territory, people, share, count):
    _sign_in(client, people.antenna)
    page = client.get(f"/territories/{territory.slug}/indicators/enter?period={LAST_YEAR}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in (f"value-{share.id}.x.x.x", f"value-{share.id}.female.x.x", f"numerator-{share.id}.male.x.x",
                 f"value-{count.id}.x.x.rural"):
        assert f'name="{name}"' in html
    assert f'name="numerator-{count.id}.x.x.x"' not in html  # a count takes no numerator
    assert "Indicator coops" in html and "Indicator women_trained" in html


@pytest.mark.parametrize("role", ["delegate", "committee_member", "steering", None])
def test_only_the_antenna_opens_the_entry_form(client, login, territory, share, role):
    login(role)
    assert client.get(f"/territories/{territory.slug}/indicators/enter").status_code == 403
    assert client.post(f"/territories/{territory.slug}/indicators/enter",
                       data=_form(share, x_x_x="40")).status_code == 403
    assert value_rows() == []


def test_entry_saves_the_form(client, territory, people, share):
    _sign_in(client, people.antenna)
    response = client.post(f"/territories/{territory.slug}/indicators/enter",
                           data=_form(share, x_x_x="37,5", female_x_x="41"))
    assert response.status_code == 302 and response.location.endswith(f"/territories/{territory.slug}/indicators")
    assert sorted((r.sex or "", r.value) for r in value_rows()) == [("", Decimal("37.5")), ("female", 41)]
    page = client.get(f"/territories/{territory.slug}/indicators/enter?period={LAST_YEAR}").get_data(as_text=True)
    assert 'value="37.5"' in page  # the form shows what is recorded


@pytest.mark.parametrize("fields, message", [
    ({"x_x_x": "quarante"}, "“quarante” is not a number"),
    ({"x_x_x": "120"}, "A percentage is between 0 and 100."),
])
def test_bad_entries_re_render_with_the_message_and_nothing_is_written(client, territory, people, share, fields,
                                                                       message):
    _sign_in(client, people.antenna)
    response = client.post(f"/territories/{territory.slug}/indicators/enter",
                           data=_form(share, male_x_x="20", **fields))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "Nothing was saved" in html
    assert 'value="20"' in html  # what was typed is kept
    assert value_rows() == [] and audit_verbs() == []


def test_a_period_in_the_future_is_refused(client, territory, people, share):
    _sign_in(client, people.antenna)
    response = client.post(f"/territories/{territory.slug}/indicators/enter",
                           data=_form(share, period=NEXT_YEAR, x_x_x="40"))
    assert response.status_code == 400
    assert "has not begun: only targets" in response.get_data(as_text=True)
    assert value_rows() == []
    response = client.post(f"/territories/{territory.slug}/indicators/enter",
                           data=_form(share, period=NEXT_YEAR, kind="target", x_x_x="60"))
    assert response.status_code == 302
    assert [(r.kind, r.period) for r in value_rows()] == [("target", NEXT_YEAR)]


def test_a_far_value_asks_for_confirmation(client, territory, people, share):
    enter(people.antenna, territory, str(date.today().year - 2), {"indicator_id": share.id, "value": "20"},
          today=date.today())
    _sign_in(client, people.antenna)
    response = client.post(f"/territories/{territory.slug}/indicators/enter", data=_form(share, x_x_x="45"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="confirm-box"' in html and 'data-testid="warning"' in html and "far from" in html
    assert len(value_rows()) == 1
    response = client.post(f"/territories/{territory.slug}/indicators/enter",
                           data={**_form(share, x_x_x="45"), "confirm": "y"})
    assert response.status_code == 302
    assert [r.value for r in value_rows()] == [20, 45]


def test_locked_rows_link_to_their_correction(client, territory, people, share):
    value = approved(people, territory, share, period=LAST_YEAR)
    _sign_in(client, people.antenna)
    html = client.get(f"/territories/{territory.slug}/indicators/enter?period={LAST_YEAR}").get_data(as_text=True)
    assert f'name="value-{share.id}.x.x.x"' not in html
    assert f"/indicator-values/{value.id}/correct" in html
    # A post for the locked row (a form opened before it was locked, or forged): refused as a
    # conflict showing what was typed; nothing is written.
    response = client.post(f"/territories/{territory.slug}/indicators/enter", data=_form(share, x_x_x="41"))
    assert response.status_code == 409 and len(value_rows()) == 1
    assert 'data-testid="typed-kept"' in response.get_data(as_text=True)


def test_a_stale_entry_form_answers_409_and_keeps_what_was_typed(client, territory, people, share):
    first = enter(people.antenna, territory, LAST_YEAR, {"indicator_id": share.id, "value": "40"},
                  today=date.today())[0]
    enter(people.antenna, territory, LAST_YEAR, {"indicator_id": share.id, "value": "42"}, today=date.today())
    _sign_in(client, people.antenna)
    data = {**_form(share, x_x_x="44"), f"base-{share.id}.x.x.x": str(first.id)}
    response = client.post(f"/territories/{territory.slug}/indicators/enter", data=data)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'value="44"' in html and 'data-testid="conflict"' in html
    assert [r.value for r in value_rows()] == [40, 42]


def test_a_value_locked_while_the_form_was_open_keeps_what_was_typed(client, territory, people, share):
    first = enter(people.antenna, territory, LAST_YEAR, {"indicator_id": share.id, "value": "40"},
                  today=date.today())[0]
    entry.validate_values(people.delegate, territory, LAST_YEAR, [first.id])
    _sign_in(client, people.antenna)
    # The form was opened while the value was still entered: its base is that version, and 44
    # is typed over 40; meanwhile the delegate validated it.
    data = {**_form(share, x_x_x="44", female_x_x="12"), f"base-{share.id}.x.x.x": str(first.id)}
    response = client.post(f"/territories/{territory.slug}/indicators/enter", data=data)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'data-testid="typed-kept"' in html and "44" in html and "locked now" in html
    assert 'value="12"' in html  # the other row keeps what was typed too
    assert [(r.value, r.status) for r in value_rows()] == [(40, "validated")]  # all or nothing
    # The same figure as the one now locked is no conflict: the other rows save.
    data = {**_form(share, x_x_x="40,0", female_x_x="12"), f"base-{share.id}.x.x.x": str(first.id)}
    assert client.post(f"/territories/{territory.slug}/indicators/enter", data=data).status_code == 302
    assert sorted(r.value for r in value_rows()) == [12, 40]


def test_compute_fills_the_computed_indicators(client, territory, people, seeded):
    _sign_in(client, people.antenna)
    coverage = seeded["research_coverage"]
    response = client.post(f"/territories/{territory.slug}/indicators/enter",
                           data={"period": LAST_YEAR, "kind": "measure", "compute": "1"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'name="value-{coverage.id}.x.x.x"' in html
    assert re.search(rf'name="denominator-{coverage.id}\.x\.x\.x"\s+value="24"', html)
    assert value_rows() == []  # the antenna still saves


# --- approval ------------------------------------------------------------------------------------

def test_validation_and_approval_by_level(client, territory, people, share):
    value_id = enter(people.antenna, territory, LAST_YEAR, {"indicator_id": share.id, "value": "40"},
                     today=date.today())[0].id
    validate = f"/territories/{territory.slug}/indicators/validate"
    for someone in (people.antenna, people.other_delegate, people.member, people.steering):
        _sign_in(client, someone)
        assert client.post(validate, data={"value_id": value_id}).status_code == 403
    _sign_in(client, people.delegate)
    page = client.get(f"/territories/{territory.slug}/indicators").get_data(as_text=True)
    assert f'data-awaiting="{value_id}"' in page
    assert client.post("/indicator-values/approve", data={"value_id": value_id}).status_code == 403
    response = client.post(validate, data={"value_id": value_id, "period": LAST_YEAR})
    assert response.status_code == 302
    assert _db.session.get(IndicatorValue, value_id).status == "validated"
    response = client.post(validate, data={"value_id": value_id, "back": "territory"})
    assert response.status_code == 400 and "already validated" in response.get_data(as_text=True)

    _sign_in(client, people.steering)
    pending = client.get("/indicator-values/pending").get_data(as_text=True)
    assert f'data-pending="{value_id}"' in pending
    response = client.post("/indicator-values/approve", data={"value_id": value_id, "back": "pending"})
    assert response.status_code == 302 and response.location.endswith("/indicator-values/pending")
    assert _db.session.get(IndicatorValue, value_id).status == "approved"
    assert [verb for verb, _id in audit_verbs()] == ["create", "validate", "approve"]


def test_a_refused_step_never_shows_a_value_the_reader_may_not_open(client, territory, people, share):
    other = enter(make_user("antenna_staff", territory=people.other_territory), people.other_territory, LAST_YEAR,
                  {"indicator_id": share.id, "value": "12,3", "note": "Note confidentielle"}, today=date.today())[0]
    _sign_in(client, people.delegate)
    response = client.post(f"/territories/{territory.slug}/indicators/validate",
                           data={"value_id": other.id, "back": "value"})
    assert response.status_code == 400
    assert "Note confidentielle" not in response.get_data(as_text=True)
    assert _db.session.get(IndicatorValue, other.id).status == "entered"


@pytest.mark.parametrize("posted", ["²", "٣x", "99999999999999", "-1", ""])
def test_an_odd_value_id_is_refused_not_a_server_error(client, territory, people, share, posted):
    _sign_in(client, people.delegate)
    response = client.post(f"/territories/{territory.slug}/indicators/validate", data={"value_id": posted})
    assert response.status_code == 400
    _sign_in(client, people.steering)
    assert client.post("/indicator-values/approve", data={"value_id": posted, "back": "value"}).status_code == 400


def test_the_pending_list_is_for_deciders(client, territory, people, share):
    enter(people.antenna, territory, LAST_YEAR, {"indicator_id": share.id, "value": "40"}, today=date.today())
    for someone in (people.antenna, people.member):
        _sign_in(client, someone)
        assert client.get("/indicator-values/pending").status_code == 403
    _sign_in(client, people.delegate)
    page = client.get("/indicator-values/pending")
    assert page.status_code == 200 and 'data-testid="awaiting-validation"' in page.get_data(as_text=True)
    assert f'<bdi dir="ltr" class="text-nowrap period-code">{LAST_YEAR}</bdi>' in page.get_data(as_text=True)
    assert 'data-testid="tab-pending"' in page.get_data(as_text=True)
    _sign_in(client, people.antenna)
    assert 'data-testid="tab-pending"' not in client.get(f"/territories/{territory.slug}/indicators").text
    _sign_in(client, people.other_delegate)
    assert "data-pending=" not in client.get("/indicator-values/pending").get_data(as_text=True)


def test_sending_a_value_back(client, territory, people, share):
    value_id = enter(people.antenna, territory, LAST_YEAR, {"indicator_id": share.id, "value": "40"},
                     today=date.today())[0].id
    _sign_in(client, people.antenna)
    assert client.post(f"/indicator-values/{value_id}/return", data={"reason": "Non"}).status_code == 403
    _sign_in(client, people.delegate)
    response = client.post(f"/indicator-values/{value_id}/return", data={"reason": "", "back": "value"})
    assert response.status_code == 400 and "Say why" in response.get_data(as_text=True)
    response = client.post(f"/indicator-values/{value_id}/return",
                           data={"reason": "Source manquante", "back": "value"})
    assert response.status_code == 302
    _sign_in(client, people.antenna)
    form = client.get(f"/territories/{territory.slug}/indicators/enter?period={LAST_YEAR}").get_data(as_text=True)
    assert "Source manquante" in form
    history = client.get(f"/indicator-values/{value_id}").get_data(as_text=True)
    assert "Sent back to the antenna" in history and "Source manquante" in history


# --- who sees what ---------------------------------------------------------------------------------

def test_values_not_yet_approved_are_hidden_from_a_committee_member(client, territory, people, share):
    shown = approved(people, territory, share, period=str(date.today().year - 2), value="35")
    hidden = enter(people.antenna, territory, LAST_YEAR, {"indicator_id": share.id, "value": "41,5"},
                   today=date.today())[0]
    _sign_in(client, people.member)
    page = client.get(f"/territories/{territory.slug}/indicators")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'data-value="{shown.id}"' in html and f'data-value="{hidden.id}"' not in html and "41.5" not in html
    assert client.get(f"/indicator-values/{hidden.id}").status_code == 404
    assert client.get(f"/indicator-values/{shown.id}").status_code == 200
    _sign_in(client, people.antenna)
    html = client.get(f"/territories/{territory.slug}/indicators").get_data(as_text=True)
    assert f'data-value="{hidden.id}"' in html and 'data-status="entered"' in html
    assert client.get(f"/indicator-values/{hidden.id}").status_code == 200


def test_territory_page_queries_do_not_grow_with_values(client, territory, people, share, count):
    _sign_in(client, people.steering)
    url = f"/territories/{territory.slug}/indicators"
    enter(people.antenna, territory, "2020", {"indicator_id": share.id, "value": "40"}, today=date.today())
    few = count_queries(lambda: client.get(url))
    for year in range(2021, 2026):
        enter(people.antenna, territory, str(year),
              {"indicator_id": share.id, "value": "40"}, {"indicator_id": share.id, "sex": "female", "value": "41"},
              {"indicator_id": count.id, "area": "rural", "value": "3"}, today=date.today())
    many = count_queries(lambda: client.get(url))
    assert many == few
    assert "2025" in client.get(url).get_data(as_text=True)


# --- a value and its correction ------------------------------------------------------------------

def test_correction_page_opens_a_new_version(client, territory, people, share):
    old = approved(people, territory, share, period=LAST_YEAR)
    _sign_in(client, people.member)
    assert client.get(f"/indicator-values/{old.id}/correct").status_code == 403
    _sign_in(client, people.antenna)
    page = client.get(f"/indicator-values/{old.id}/correct")
    assert page.status_code == 200 and 'value="40"' in page.get_data(as_text=True)
    response = client.post(f"/indicator-values/{old.id}/correct", data={"value": "42", "reason": ""})
    assert response.status_code == 400 and len(value_rows()) == 1
    response = client.post(f"/indicator-values/{old.id}/correct",
                           data={"value": "42", "reason": "Registre corrigé"})
    assert response.status_code == 302
    new = value_rows()[-1]
    assert response.location.endswith(f"/indicator-values/{new.id}")
    html = client.get(f"/indicator-values/{new.id}").get_data(as_text=True)
    assert 'data-version="1"' in html and 'data-version="2"' in html and "Registre corrigé" in html
    assert 'data-verb="correct"' in html and 'data-verb="approve"' in html
    # A second correction from the old, no longer current version: 409, typed value kept.
    response = client.post(f"/indicator-values/{old.id}/correct", data={"value": "43", "reason": "Autre chiffre"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'data-testid="correction-conflict"' in html and 'value="43"' in html and "Autre chiffre" in html
    assert [(r.value, r.is_current) for r in value_rows()] == [(40, False), (42, True)]


def test_value_page_shows_the_steps_the_reader_may_take(client, territory, people, share):
    value_id = enter(people.antenna, territory, LAST_YEAR, {"indicator_id": share.id, "value": "40"},
                     today=date.today())[0].id
    _sign_in(client, people.delegate)
    html = client.get(f"/indicator-values/{value_id}").get_data(as_text=True)
    assert 'data-testid="validate"' in html and 'data-testid="return-form"' in html
    assert 'data-testid="approve"' not in html
    response = client.post(f"/territories/{territory.slug}/indicators/validate",
                           data={"value_id": value_id, "back": "value"})
    assert response.location.endswith(f"/indicator-values/{value_id}")
    _sign_in(client, people.steering)
    html = client.get(f"/indicator-values/{value_id}").get_data(as_text=True)
    assert 'data-testid="approve"' in html and 'data-testid="validate"' not in html
    assert 'data-testid="correct"' not in html


def test_entry_form_and_pending_list_queries_do_not_grow_with_values(client, territory, people, share, count):
    form_url = f"/territories/{territory.slug}/indicators/enter?period={LAST_YEAR}"
    enter(people.antenna, territory, LAST_YEAR, {"indicator_id": share.id, "value": "40"}, today=date.today())
    _sign_in(client, people.antenna)
    few_form = count_queries(lambda: client.get(form_url))
    _sign_in(client, people.delegate)
    few_pending = count_queries(lambda: client.get("/indicator-values/pending"))
    enter(people.antenna, territory, LAST_YEAR, {"indicator_id": share.id, "sex": "female", "value": "41"},
          {"indicator_id": share.id, "sex": "male", "value": "39"}, {"indicator_id": count.id, "area": "rural",
                                                                     "value": "3"}, today=date.today())
    entry_ids = [v.id for v in value_rows()]
    entry.validate_values(people.delegate, territory, None, entry_ids[:2])
    entry.approve_values(people.steering, entry_ids[:1])
    entry.return_value(people.delegate, entry_ids[2], "Source ?")
    assert count_queries(lambda: client.get("/indicator-values/pending")) == few_pending
    _sign_in(client, people.antenna)
    assert count_queries(lambda: client.get(form_url)) == few_form
