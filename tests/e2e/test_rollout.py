"""Browser: a steering committee member opens the rollout dashboard, sees the four pilots on the
map, moves Chefchaouen (whose gate to appropriation passes in the demo) and sees its province
change colour on the dashboard's map; the phase report downloads as a PDF."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

#: The pilots' provinces (HCP codes): Azilal, Chefchaouen, Al Haouz, Safi.
PILOT_PROVINCES = ("05.081", "01.151", "07.041", "07.431")
CHEFCHAOUEN_PROVINCE = "01.151"
#: najma.geography.maps.PHASE_COLOURS
EXPERIMENTATION, APPROPRIATION = "#0d6efd", "#6f42c1"


def _province(page, code: str):
    return page.locator(f'[data-testid="phase-map"] path[data-province="{code}"]')


def test_steering_moves_a_ready_territory_and_the_map_follows(page, login, shot, artifacts):
    login(page, "pilotage")
    page.goto("/")
    page.locator('[data-testid="nav-programme"] > a').click()
    page.locator('nav a[href$="/rollout"]').first.click()
    expect(page).to_have_url(re.compile(r"/rollout$"))
    expect(page.locator('[data-testid="phase-map"]')).to_be_visible()
    for code in PILOT_PROVINCES:
        expect(_province(page, code)).to_have_attribute("data-phase", "experimentation")
        expect(_province(page, code)).to_have_attribute("fill", EXPERIMENTATION)
    expect(page.locator('[data-testid="phase-count-experimentation"]')).to_have_text("4")
    expect(page.locator('[data-testid="timeline-svg"] .timeline-row')).to_have_count(4)
    shot(page, "dashboard-before")

    ready = page.locator('[data-testid="ready-list"] [data-territory="chefchaouen"] a')
    expect(ready).to_be_visible()
    ready.click()
    expect(page).to_have_url(re.compile(r"/territories/chefchaouen/phase$"))
    expect(page.locator('[data-testid="gate-status"]')).to_have_attribute("data-passed", "1")
    form = page.locator('[data-testid="move-form"]')
    form.locator('textarea[name="decision"]').fill(
        "Le comité de pilotage constate que la recherche est achevée et le projet contractualisé : "
        "Chefchaouen entre en appropriation (démo).")
    shot(page, "gate-passes")
    form.locator('[data-testid="move-button"]').click()
    expect(page.locator('[data-testid="current-phase"]')).to_have_attribute("data-phase", "appropriation")
    shot(page, "moved")

    page.goto("/rollout")
    expect(_province(page, CHEFCHAOUEN_PROVINCE)).to_have_attribute("data-phase", "appropriation")
    expect(_province(page, CHEFCHAOUEN_PROVINCE)).to_have_attribute("fill", APPROPRIATION)
    expect(_province(page, "05.081")).to_have_attribute("fill", EXPERIMENTATION)
    expect(page.locator('[data-testid="phase-count-appropriation"]')).to_have_text("1")
    expect(page.locator('[data-testid="ready-list"] [data-territory="chefchaouen"]')).to_have_count(0)
    first_row = page.locator('[data-testid="timeline-svg"] .timeline-row').first
    expect(first_row).to_have_attribute("data-territory", "chefchaouen")
    expect(first_row.locator('rect[data-phase="appropriation"]')).to_have_count(1)
    shot(page, "dashboard-after")

    page.locator('[data-testid="report-link"]').click()
    expect(page).to_have_url(re.compile(r"/rollout/report$"))
    expect(page.locator('[data-testid="report-territories"] [data-territory="chefchaouen"]')).to_be_visible()
    shot(page, "report")
    with page.expect_download() as download_info:
        page.locator('[data-testid="report-pdf"]').click()
    saved = artifacts / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-") and saved.stat().st_size > 5000
