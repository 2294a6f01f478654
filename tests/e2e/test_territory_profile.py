"""Antenna staff choose their territory's communes with the picker (live search), then read the
census profile; the profile's filters work without JavaScript; viewers get no picker."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import open_territory_from_list

pytestmark = pytest.mark.e2e


def test_antenna_staff_pick_communes_and_see_the_profile(page, login, shot):
    login(page, "antenne.azilal")
    open_territory_from_list(page, "azilal")
    page.locator('[data-testid="communes-link"]').click()
    expect(page).to_have_url(re.compile(r"/territories/azilal/communes$"))
    chosen = page.locator('[data-testid="chosen-communes"]')
    expect(chosen.locator('input[name="commune"]')).to_have_count(5)  # the demo's communes

    # Live search (communes.js): typing filters the list; ticking a result moves it to the choice.
    page.locator('input[name="q"]').fill("tabant")
    results = page.locator('[data-testid="commune-results"]')
    expect(results.locator("input[type=checkbox]")).to_have_count(1)
    results.locator("input[type=checkbox]").click()  # the script moves it to the chosen list
    expect(chosen.locator('input[name="commune"]')).to_have_count(6)
    expect(chosen).to_contain_text("Tabant")
    # Untick one of the demo's communes.
    chosen.locator('li', has_text="Tamda Noumercid").locator('input[name="commune"]').uncheck()
    shot(page, "01-picker")
    page.locator('[data-testid="save-communes"]').click()

    expect(page).to_have_url(re.compile(r"/territories/azilal/profile$"))
    composition = page.locator('[data-testid="composition"]')
    expect(composition).to_contain_text("Tabant")
    expect(composition).not_to_contain_text("Tamda Noumercid")
    table = page.locator('[data-testid="indicator-table"]')
    expect(table.locator('tr[data-row="illiteracy_10_plus"] td[data-unit="territory"][data-year="2024"]')).to_have_text(
        re.compile(r"^\d+([,.]\d)?$"))
    expect(page.locator('[data-testid="province-fallback"]')).to_be_visible()
    shot(page, "02-profile")

    # Women only, through a plain link.
    page.locator('[data-testid="sex-filter"] a[href*="sex=female"]').click()
    expect(page).to_have_url(re.compile(r"sex=female"))
    expect(page.locator('[data-testid="sex-filter"] a[aria-current="page"]')).to_have_attribute("href", re.compile("sex=female"))
    shot(page, "03-profile-women")
    assert page.js_errors == []


def test_picker_works_without_javascript(browser, live_server, login):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    try:
        login(page, "antenne.azilal")
        refused = page.goto("/territories/el-haouz/communes")  # Azilal's staff may not edit El Haouz
        assert refused is not None and refused.status == 403
        page.goto("/territories/azilal/communes?q=bzou")
        page.locator('[data-testid="commune-results"] input[name="commune"]').first.check()
        with page.expect_navigation():
            page.locator('[data-testid="save-communes"]').click()
        assert page.url.endswith("/territories/azilal/profile")
        assert "Bzou" in page.locator('[data-testid="composition"]').inner_text()
    finally:
        context.close()


def test_viewer_reads_the_profile_but_has_no_picker(page, login):
    login(page, "lecteur")
    page.goto("/territories/safi/profile")
    expect(page.locator('[data-testid="indicator-table"]')).to_be_visible()
    expect(page.locator('[data-testid="choose-communes"]')).to_have_count(0)
    expect(page.locator('[data-testid="composition"]')).to_contain_text("Safi")
