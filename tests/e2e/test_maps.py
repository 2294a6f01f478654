"""The national map in a browser: coloured provinces, a legend, and a province's figures on click."""
from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PHASE_BLUE = (0x0D, 0x6E, 0xFD)  # experimentation (the four pilots)


def _colours(png: bytes) -> dict[tuple[int, int, int], int]:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    counts: dict[tuple[int, int, int], int] = {}
    for colour in image.getdata():
        counts[colour] = counts.get(colour, 0) + 1
    return counts


def _near(colour, target, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, target))


def _open_map(page, url: str):
    page.goto(url)
    canvas = page.locator("[data-national-map]")
    expect(canvas).to_have_attribute("data-loaded", "75")
    expect(canvas.locator("path[data-code]")).to_have_count(75)
    return canvas


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_phase_map_colours_provinces_and_click_shows_figures(page, login, shot, language):
    login(page, "lecteur")
    if language == "ar":
        with page.expect_navigation():
            page.locator('nav form.lang-switcher button[lang="ar"]').click()
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
    canvas = _open_map(page, "/geo/map?mode=phase")
    expect(page.locator('[data-testid="map-legend"] li')).to_have_count(6)
    expect(page.locator('[data-testid="map-credits"]').first).to_contain_text("HCP")

    colours = _colours(canvas.screenshot())
    blue = sum(n for colour, n in colours.items() if _near(colour, PHASE_BLUE))
    assert blue > 500, f"no province in the pilots' phase colour ({blue} pixels)"
    assert len(colours) > 20

    page.locator('[data-national-map] path[data-code="05.081"]').click()
    details = page.locator("#map-details")
    expect(details).to_have_attribute("data-code", "05.081")
    expect(details.locator("h2")).to_have_text("أزيلال" if language == "ar" else "Azilal")
    expect(details.locator("dd").nth(2)).to_contain_text("Azilal")  # the pilot territory
    expect(page.locator('.map-table tr[data-code="05.081"]')).to_have_class("table-active")
    shot(page, f"national-map-{language}")
    assert page.js_errors == []


def test_table_sorts_in_place(page, login):
    login(page, "lecteur")
    _open_map(page, "/geo/map?mode=phase")
    heading = page.locator('.map-table thead a[data-sort-key="population"]')
    heading.click()
    expect(heading.locator("xpath=..")).to_have_attribute("aria-sort", "descending")
    first = page.locator(".map-table tbody tr").first
    expect(first).to_have_attribute("data-code", "06.141")  # Casablanca, the most populous
    assert page.url.endswith("mode=phase")  # sorted without reloading
