"""While a correction awaits approval, every page a reader opens counts each slot once: the
correction for those who take part in approving it, the approved version (still official) for the
others; and the official version's page does not announce a correction the reader cannot see."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from najma.indicators import charts, entry, exports, services
from tests.conftest import make_territory, make_user
from tests.indicators._entry_fixtures import People, approved, count, enter, people, share, value_rows  # noqa: F401
from tests.indicators.test_entry_views import LAST_YEAR, _form, _sign_in


@pytest.fixture
def corrected(db, territory, people, count):
    """Azilal: 40 approved, corrected to 42 (awaiting validation); Bzou: 10 approved."""
    bzou = make_territory("Bzou", province_code="05.081")
    staff = People(antenna=make_user("antenna_staff", territory=bzou), delegate=make_user("delegate", territory=bzou),
                   steering=people.steering, member=None, other_delegate=None, other_territory=None)
    old = approved(people, territory, count, value="40")
    approved(staff, bzou, count, value="10")
    entry.correct_value(people.antenna, old.id, "42", "Registre")
    return territory, bzou, count


#: Reader -> (pending scope, the nation's figure they read).
READERS = {"public": (False, 50), "steering": (True, 52), "azilal": ("azilal", 52), "bzou": ("bzou", 50)}


@pytest.mark.parametrize("reader", list(READERS))
def test_every_reader_path_counts_each_slot_once(corrected, reader, app):
    azilal, bzou, indicator = corrected
    scope, expected = READERS[reader]
    scope = {"azilal": frozenset({azilal.id}), "bzou": frozenset({bzou.id})}.get(scope, scope)
    got = {
        "series": services.series(indicator, include_pending=scope)[0].measure.value,
        "overview": services.overview(indicator, include_pending=scope).nation["measure"].value,
        "national_latest": services.national_latest([indicator], include_pending=scope)[indicator.id].figure.value,
        "national_figures": charts.national_figures([indicator], include_pending=scope)[indicator.id]["measure"].value,
        "territories": sum(row.latest["measure"].figure.value
                           for row in services.latest_by_territory(indicator, include_pending=scope)),
    }
    with app.test_request_context():
        got["export"] = sum(row.value for row in exports.export_rows(indicator, charts.NATION, scope))
    assert got == dict.fromkeys(got, Decimal(expected))


def test_a_row_left_blank_that_was_locked_meanwhile_does_not_refuse_the_save(client, territory, people, share):
    _sign_in(client, people.antenna)
    # The form was opened with the women's row empty; only the total is typed. Meanwhile a
    # colleague entered the women's row and the delegate validated it.
    data = {**_form(share, x_x_x="44", female_x_x=""), f"base-{share.id}.x.x.x": "0",
            f"base-{share.id}.female.x.x": "0"}
    women = enter(people.antenna, territory, LAST_YEAR, {"indicator_id": share.id, "sex": "female", "value": "12"},
                  today=date.today())[0]
    entry.validate_values(people.delegate, territory, LAST_YEAR, [women.id])
    assert client.post(f"/territories/{territory.slug}/indicators/enter", data=data).status_code == 302
    assert sorted(row.value for row in value_rows()) == [12, 44]


def test_the_official_version_does_not_announce_a_correction_the_reader_cannot_see(client, territory, people, share):
    old = approved(people, territory, share, period=LAST_YEAR)
    entry.correct_value(people.antenna, old.id, "42", "Registre")
    _sign_in(client, people.member)  # reads indicators, not values awaiting approval
    assert f"/indicator-values/{old.id}" in client.get(f"/territories/{territory.slug}/indicators").text
    assert 'data-testid="superseded"' not in client.get(f"/indicator-values/{old.id}").text
    _sign_in(client, people.delegate)
    assert 'data-testid="superseded"' in client.get(f"/indicator-values/{old.id}").text
