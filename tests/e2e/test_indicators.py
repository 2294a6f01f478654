"""Browser: the approval chain of an indicator value (issue 8). The antenna of Azilal enters a
measure of a hand-entered indicator for the current quarter (a period the demo leaves empty), after a
refused entry that saves nothing; the provincial delegate validates it, the steering committee
approves it, and the approved figure shows locked on the value's page, in the table beside the
indicator's chart for Azilal and as the national figure on the steering dashboard. A correction then
opens a new version with its reason, which goes through the chain again."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import TIMEOUT_MS

pytestmark = pytest.mark.e2e

INDICATOR = "cooperatives_created"  # hand-entered count, summed across territories
RATE = "research_coverage"  # a percentage, capped at 100
MEASURE = 7
CORRECTED = 6
SOURCE = "Récépissés de constitution relevés au bureau de la province (test e2e)"
REASON = "Une coopérative comptée deux fois dans le registre (test e2e)."


def _current_quarter(today: date | None = None) -> str:
    """The current quarter's code: always begun, and never filled by the demo (halves and years)."""
    today = today or date.today()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def _signed_in(browser, live_server, login, account: str):
    """A fresh browser context signed in as ``account``; returns (context, page)."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                  locale="fr-FR", timezone_id="Africa/Casablanca")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    login(page, account)
    return context, page


def _row(page, code: str):
    """The total row (the first) of an indicator in the entry form."""
    return page.locator(f'[data-testid="entry-form"] tbody[data-indicator="{code}"] tr[data-row]').first


def _value_input(page, code: str):
    return _row(page, code).locator('input[name^="value-"]')


def _open_entry_form(page, period: str) -> None:
    """From the territory's indicators, open the entry form and choose measures for ``period``."""
    page.goto("/territories/azilal/indicators")
    page.locator('[data-testid="enter-values"]').click()
    expect(page).to_have_url(re.compile(r"/territories/azilal/indicators/enter$"))
    chooser = page.locator('[data-testid="period-chooser"]')
    chooser.locator('select[name="kind"]').select_option("measure")
    chooser.locator('select[name="period"]').select_option(period)
    chooser.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(rf"/indicators/enter\?(?=.*kind=measure)(?=.*period={period})"))
    expect(page.locator('[data-testid="entry-form"] input[name="period"]')).to_have_value(period)


def _territory_cell(page, code: str, period: str):
    """On a territory's indicators page, the total row's cell of ``period`` in ``code``'s table."""
    table = page.locator(f'section[data-indicator="{code}"] table')
    headers = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    assert period in headers, f"{period} is not a column of {code}'s table: {headers}"
    return table.locator("tbody tr").first.locator("th, td").nth(headers.index(period))


def _tick_only(form, value_id: str) -> None:
    """In a validation or approval form, tick this value only (the others stay as they are)."""
    for box in form.locator('input[name="value_id"]').all():
        if box.get_attribute("value") == value_id:
            box.check()
        else:
            box.uncheck()


def _national_measure(page) -> tuple[str, Decimal] | None:
    """The steering dashboard's latest approved national measure of the indicator: (period, value)."""
    page.goto("/rollout")
    panel = page.locator('[data-testid="indicators"]')
    expect(panel).to_be_visible()
    cell = panel.locator(f'[data-testid="programme-table"] tr[data-indicator="{INDICATOR}"] td[data-kind="measure"]')
    if cell.count() == 0 or cell.locator("[data-value]").count() == 0:
        return None
    return cell.locator("bdi").inner_text().strip(), Decimal(cell.locator("[data-value]").get_attribute("data-value"))


def test_a_measure_goes_from_the_antenna_to_the_national_figure(browser, live_server, login, shot):
    period = _current_quarter()
    contexts = []
    try:
        # The steering committee's panel before anything is entered.
        steering_context, steering = _signed_in(browser, live_server, login, "pilotage")
        contexts.append(steering_context)
        before = _national_measure(steering)

        # 1. The antenna opens the entry form for the current quarter: nothing recorded yet.
        antenna_context, antenna = _signed_in(browser, live_server, login, "antenne.azilal")
        contexts.append(antenna_context)
        _open_entry_form(antenna, period)
        expect(_row(antenna, INDICATOR).locator('[data-testid="value-status"]')).to_have_count(0)
        expect(_value_input(antenna, INDICATOR)).to_have_value("")

        # A refused entry: text for a count, and a rate above 100. Nothing is saved.
        _value_input(antenna, INDICATOR).fill("sept")
        _row(antenna, INDICATOR).locator('input[name^="source_text-"]').fill(SOURCE)
        _value_input(antenna, RATE).fill("150")
        antenna.locator('[data-testid="save-values"]').click()
        expect(_row(antenna, INDICATOR).locator('[data-testid="error-value"]')).to_be_visible()
        expect(_row(antenna, RATE).locator('[data-testid="error-value"]')).to_be_visible()
        expect(_value_input(antenna, INDICATOR)).to_have_value("sept")  # what was typed is kept
        expect(_value_input(antenna, INDICATOR)).to_have_attribute("aria-invalid", "true")
        expect(antenna.locator('.alert-danger').first).to_be_visible()
        shot(antenna, "01-refused-entry")
        _open_entry_form(antenna, period)
        expect(_row(antenna, INDICATOR).locator('[data-testid="value-status"]')).to_have_count(0)
        expect(_row(antenna, RATE).locator('[data-testid="value-status"]')).to_have_count(0)
        expect(_value_input(antenna, INDICATOR)).to_have_value("")

        # The right figure is saved; far from the previous measures, it asks for a confirmation first.
        _value_input(antenna, INDICATOR).fill(str(MEASURE))
        _row(antenna, INDICATOR).locator('input[name^="source_text-"]').fill(SOURCE)
        with antenna.expect_navigation():
            antenna.locator('[data-testid="save-values"]').click()
        if antenna.locator('[data-testid="confirm-box"]').count():
            expect(_row(antenna, INDICATOR).locator('[data-testid="warning"]')).to_be_visible()
            shot(antenna, "02-confirm-far-value")
            antenna.locator('[data-testid="confirm-box"] input[name="confirm"]').check()
            antenna.locator('[data-testid="save-values"]').click()
        expect(antenna).to_have_url(re.compile(r"/territories/azilal/indicators$"))
        expect(antenna.locator('[data-testid="pending-note"]')).to_be_visible()
        cell = _territory_cell(antenna, INDICATOR, period)
        expect(cell.locator('[data-testid="figure"]')).to_have_text(str(MEASURE))
        expect(cell.locator('[data-testid="value-status"]')).to_have_attribute("data-status", "entered")
        value_id = cell.locator("a[data-value]").get_attribute("data-value")
        shot(antenna, "03-entered")

        # 2. The provincial delegate validates it from the territory's indicators.
        delegate_context, delegate = _signed_in(browser, live_server, login, "delegue.azilal")
        contexts.append(delegate_context)
        delegate.goto("/territories/azilal/indicators")
        awaiting = delegate.locator('[data-testid="awaiting-validation"]')
        expect(awaiting.locator(f'tr[data-awaiting="{value_id}"] [data-testid="figure"]')).to_have_text(str(MEASURE))
        _tick_only(awaiting, value_id)
        shot(delegate, "04-awaiting-validation")
        awaiting.locator('[data-testid="validate-values"]').click()
        expect(delegate).to_have_url(re.compile(r"/territories/azilal/indicators$"))
        expect(delegate.locator(f'[data-testid="awaiting-validation"] tr[data-awaiting="{value_id}"]')).to_have_count(0)
        expect(_territory_cell(delegate, INDICATOR, period).locator('[data-testid="value-status"]')).to_have_attribute(
            "data-status", "validated")

        # 3. The steering committee approves it among the values awaiting approval.
        steering.goto("/indicator-values/pending")
        approval = steering.locator('[data-testid="awaiting-approval"]')
        row = approval.locator(f'tbody[data-territory="azilal"] tr[data-pending="{value_id}"]')
        expect(row.locator('[data-testid="figure"]')).to_have_text(str(MEASURE))
        _tick_only(approval, value_id)
        shot(steering, "05-awaiting-approval")
        approval.locator('[data-testid="approve-values"]').click()
        expect(steering).to_have_url(re.compile(r"/indicator-values/pending$"))
        expect(steering.locator(f'tr[data-pending="{value_id}"]')).to_have_count(0)

        # 4. Approved and locked: the value's page, the antenna's form, the chart's table, the dashboard.
        steering.goto(f"/indicator-values/{value_id}")
        summary = steering.locator('[data-testid="value-summary"]')
        expect(summary.locator('[data-testid="value-status"]')).to_have_attribute("data-status", "approved")
        expect(summary.locator('[data-testid="locked"]')).to_be_visible()
        # Entered, validated, approved.
        expect(steering.locator('[data-testid="history"] tr[data-verb]')).to_have_count(3)

        _open_entry_form(antenna, period)
        expect(_value_input(antenna, INDICATOR)).to_have_count(0)
        expect(_row(antenna, INDICATOR).locator('[data-testid="correct-link"]')).to_be_visible()
        expect(_row(antenna, INDICATOR).locator('[data-testid="value-status"]')).to_have_attribute(
            "data-status", "approved")

        steering.goto(f"/indicators/{INDICATOR}?place=territory:azilal")
        charts = steering.locator('[data-testid="indicator-charts"]')
        expect(charts).to_have_attribute("data-place", "territory:azilal")
        point = charts.locator(f'[data-testid="series-table"] tr[data-period="{period}"] td[data-kind="measure"]')
        expect(point.locator('[data-testid="figure"]')).to_have_text(str(MEASURE))
        assert Decimal(point.get_attribute("data-value")) == MEASURE
        shot(steering, "06-indicator-azilal")

        # The national figure is the sum of the territories' approved measures for the latest period.
        expected = MEASURE + (before[1] if before is not None and before[0] == period else 0)
        after = _national_measure(steering)
        assert after == (period, Decimal(expected)), f"national measure before {before}, after {after}"
        shot(steering, "07-dashboard")

        # 5. A correction opens a new version with its reason; the approved one stays on record.
        _row(antenna, INDICATOR).locator('[data-testid="correct-link"]').click()
        expect(antenna).to_have_url(re.compile(rf"/indicator-values/{value_id}/correct$"))
        form = antenna.locator('[data-testid="correction-form"]')
        expect(form.locator('input[name="value"]')).to_have_value(str(MEASURE))
        form.locator('input[name="value"]').fill(str(CORRECTED))
        form.locator('[data-testid="save-correction"]').click()  # no reason: refused
        expect(form.locator('textarea[name="reason"].is-invalid')).to_be_visible()
        expect(form.locator('input[name="value"]')).to_have_value(str(CORRECTED))
        form.locator('textarea[name="reason"]').fill(REASON)
        form.locator('[data-testid="save-correction"]').click()
        expect(antenna).to_have_url(re.compile(r"/indicator-values/\d+$"))
        assert not antenna.url.endswith(f"/indicator-values/{value_id}")
        summary = antenna.locator('[data-testid="value-summary"]')
        expect(summary.locator('[data-testid="figure"]')).to_have_text(str(CORRECTED))
        expect(summary.locator('[data-testid="value-status"]')).to_have_attribute("data-status", "entered")
        expect(summary.locator('[data-testid="reason"]')).to_have_text(REASON)
        versions = antenna.locator('[data-testid="versions"] tr[data-version]')
        expect(versions).to_have_count(2)
        expect(versions.locator('[data-testid="value-status"]').nth(0)).to_have_attribute("data-status", "entered")
        expect(antenna.locator('[data-testid="versions"] tr[data-version="1"] [data-testid="value-status"]')
               ).to_have_attribute("data-status", "approved")
        shot(antenna, "08-corrected")

        # The old version is on record as replaced; the delegate has the correction to validate.
        antenna.goto(f"/indicator-values/{value_id}")
        expect(antenna.locator('[data-testid="superseded"]')).to_be_visible()
        delegate.goto("/territories/azilal/indicators")
        expect(_territory_cell(delegate, INDICATOR, period).locator('[data-testid="value-status"]')).to_have_attribute(
            "data-status", "entered")
    finally:
        for context in contexts:
            context.close()
