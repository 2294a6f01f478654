"""Steps shared by the browser tests; selectors use URLs, names, ids and data attributes, never
visible text, so they work whatever the interface language and whether catalogues are compiled."""
from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

MEETING_URL = re.compile(r"/meetings/(\d+)$")
BODY_URL = re.compile(r"/bodies/(\d+)$")


def csrf_token(page: Page) -> str:
    """The token the page's own scripts send (``<meta name="csrf-token">``)."""
    return page.locator('meta[name="csrf-token"]').get_attribute("content") or ""


def open_my_territory(page: Page, slug: str = "azilal") -> None:
    """From the home page, follow the link in the "My territories" card."""
    page.goto("/")
    page.locator(f'section[aria-labelledby="mine"] a[href$="/territories/{slug}"]').click()
    expect(page).to_have_url(re.compile(rf"/territories/{slug}$"))


def open_territory_from_list(page: Page, slug: str = "azilal") -> None:
    """From the territory list, follow the territory's row link."""
    page.goto("/territories/")
    page.locator(f'[data-testid="territory-table"] a[href$="/territories/{slug}"]').click()
    expect(page).to_have_url(re.compile(rf"/territories/{slug}$"))


def open_body(page: Page, kind: str) -> str:
    """On a territory page, open the body of ``kind`` (antenna, commission, committee); its URL."""
    page.locator(f'[data-body-kind="{kind}"] .card-header a').click()
    expect(page).to_have_url(BODY_URL)
    return page.url


def schedule_meeting(page: Page, title: str, *, days_ahead: int = 3, place: str = "Antenne NAJMA") -> str:
    """On a body page, schedule a meeting through the form; returns the new meeting's URL."""
    page.locator('main a[href$="/meetings/new"]').click()
    expect(page).to_have_url(re.compile(r"/bodies/\d+/meetings/new$"))
    when = (date.today() + timedelta(days=days_ahead)).strftime("%Y-%m-%dT10:00")
    page.locator('input[name="title"]').fill(title)
    page.locator('input[name="starts_at"]').fill(when)
    page.locator('input[name="place"]').fill(place)
    page.locator('main form[method="post"] button[type="submit"]').click()
    expect(page).to_have_url(MEETING_URL)
    expect(page.locator("main h1")).to_contain_text(title)
    return page.url


def open_minutes_editor(page: Page) -> None:
    """On a meeting page, follow the "Write the minutes" button."""
    page.locator('main a[href$="/minutes"]').click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+/minutes$"))


def type_minutes(page: Page, text: str):
    """Fill the minutes textarea and wait for the live preview's request; returns the request."""
    with page.expect_request(lambda r: r.url.endswith("/markdown/preview") and r.method == "POST") as info:
        page.locator('textarea[name="minutes"]').fill(text)
    request = info.value
    response = request.response()
    assert response is not None and response.ok, f"preview request failed: {response and response.status}"
    return request


def save_minutes(page: Page) -> None:
    """Submit the minutes form (not its no-JS preview button); lands back on the meeting."""
    page.locator('main form[method="post"] button[type="submit"]:not([name="preview"])').click()
    expect(page).to_have_url(MEETING_URL)
