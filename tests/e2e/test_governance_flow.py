"""Antenna staff write minutes in Markdown with a live preview; a viewer can neither see the
buttons nor force the write; Markdown from the browser never runs script."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (MEETING_URL, csrf_token, open_body, open_minutes_editor, open_my_territory,
                               open_territory_from_list, save_minutes, schedule_meeting, type_minutes)

pytestmark = pytest.mark.e2e

MINUTES = "## Décisions\n\n- **Former** les animatrices"


def test_antenna_staff_schedules_a_meeting_and_writes_minutes_with_live_preview(page, login, shot):
    login(page, "antenne.azilal")
    shot(page, "01-home")

    open_my_territory(page, "azilal")
    shot(page, "02-territory")
    open_body(page, "antenna")
    expect(page.locator('main a[href$="/meetings/new"]')).to_be_visible()
    meeting_url = schedule_meeting(page, "Réunion d'antenne (e2e) : bilan des focus groups")
    expect(page.locator('[data-testid="minutes"]')).to_have_count(0)

    open_minutes_editor(page)
    preview = page.locator("[data-markdown-preview]")
    expect(preview.locator("h2")).to_have_count(0)
    request = type_minutes(page, MINUTES)
    # The preview script authenticates with the page's CSRF token, sent as a header.
    assert request.headers.get("x-csrftoken") == csrf_token(page) != ""
    expect(preview.locator("h2")).to_have_text("Décisions")
    expect(preview.locator("li strong")).to_have_text("Former")
    # It keeps following the text.
    type_minutes(page, MINUTES + "\n\n### Suite\n\n*Prochaine réunion* en juin")
    expect(preview.locator("h3")).to_have_text("Suite")
    expect(preview.locator("em")).to_have_text("Prochaine réunion")
    shot(page, "03-minutes-editor")
    assert page.js_errors == []

    save_minutes(page)
    assert page.url == meeting_url
    expect(page.locator('main .alert-success[role="alert"]')).to_have_count(1)
    minutes = page.locator('[data-testid="minutes"]')
    expect(minutes.locator("h2")).to_have_text("Décisions")
    expect(minutes.locator("li strong")).to_have_text("Former")
    expect(minutes.locator("h3")).to_have_text("Suite")
    # Markdown source is not shown raw.
    expect(minutes).not_to_contain_text("**")
    expect(minutes).not_to_contain_text("##")
    shot(page, "04-meeting-with-minutes")

    # The editor reopens on the saved text, rendered server-side in its preview.
    open_minutes_editor(page)
    expect(page.locator('textarea[name="minutes"]')).to_have_value(re.compile(r"^## Décisions"))
    expect(page.locator("[data-markdown-preview] h2")).to_have_text("Décisions")
    assert page.js_errors == []


def _antenna_draft_meeting(page) -> str:
    """URL of the Azilal antenna's demo meeting (a draft), reached through the territory list."""
    open_territory_from_list(page, "azilal")
    open_body(page, "antenna")
    meetings = page.locator('section[aria-labelledby="meetings"] a[href*="/meetings/"]')
    expect(meetings.first).to_be_visible()
    href = meetings.first.get_attribute("href")
    assert href and MEETING_URL.search(href)
    return href


def test_viewer_sees_no_edit_buttons_and_a_forced_write_is_refused(page, login, shot, browser, live_server):
    login(page, "lecteur")
    meeting_href = _antenna_draft_meeting(page)

    # Body page: no composition or scheduling buttons, no per-seat Edit link.
    expect(page.locator('table[data-testid="members"] tbody tr').first).to_be_visible()
    expect(page.locator('main a[href$="/members/new"]')).to_have_count(0)
    expect(page.locator('main a[href$="/meetings/new"]')).to_have_count(0)
    expect(page.locator('main a[href*="/members/"][href$="/edit"]')).to_have_count(0)
    shot(page, "01-body-as-viewer")

    page.goto(meeting_href)
    expect(page).to_have_url(MEETING_URL)
    main = page.locator("main")
    expect(main.locator('a[href$="/minutes"]')).to_have_count(0)       # "Write the minutes"
    expect(main.locator('a[href$="/edit"]')).to_have_count(0)          # "Edit details"
    expect(main.locator('form[action$="/adopt"]')).to_have_count(0)    # "Adopt the minutes"
    expect(main.locator('form[action$="/decisions"]')).to_have_count(0)
    expect(main.locator('form[action$="/attendance"]')).to_have_count(0)
    expect(main.locator("textarea, select")).to_have_count(0)
    # Draft minutes are for the body's members: the viewer reads none.
    expect(page.locator('[data-testid="minutes"]')).to_have_count(0)
    shot(page, "02-meeting-as-viewer")

    minutes_url = page.url + "/minutes"
    token = csrf_token(page)
    assert token
    # The editor itself is refused...
    response = page.goto(minutes_url)
    assert response is not None and response.status == 403
    expect(page.locator('textarea[name="minutes"]')).to_have_count(0)
    page.goto(meeting_href)
    # ...and so is a forged form post carrying a valid CSRF token (so the refusal is the role's).
    forged = page.request.post(minutes_url, form={"csrf_token": token, "minutes": "# Piraté", "version": "1"})
    assert forged.status == 403, forged.status
    # Same from the page's own JavaScript, with the header the preview script uses.
    status = page.evaluate(
        """async ([url, token]) => (await fetch(url, {method: "POST", credentials: "same-origin",
              headers: {"X-CSRFToken": token, "Content-Type": "application/x-www-form-urlencoded"},
              body: new URLSearchParams({minutes: "# Piraté", version: "1"}).toString()})).status""",
        [minutes_url, token])
    assert status == 403, status

    # Nothing changed: the antenna staff still see the draft without the forged text.
    staff = browser.new_context(base_url=live_server)
    try:
        staff_page = staff.new_page()
        login(staff_page, "antenne.azilal")
        staff_page.goto(meeting_href)
        expect(staff_page.locator("main")).not_to_contain_text("Piraté")
        expect(staff_page.locator('main a[href$="/minutes"]')).to_have_count(1)
    finally:
        staff.close()


XSS_MINUTES = (
    "## Essai\n\n"
    "<script>window.__xss=1</script>\n\n"
    "Lien : [x](javascript:window.__xss=1)\n\n"
    '<img src=x onerror="window.__xss=1">\n\n'
    "Fin du texte."
)


def _no_xss(page) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_markdown_from_the_browser_never_runs_script(page, login, shot):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login(page, "antenne.azilal")
    open_my_territory(page, "azilal")
    open_body(page, "antenna")
    meeting_url = schedule_meeting(page, "Réunion d'antenne (e2e) : essai de sécurité", days_ahead=4)

    open_minutes_editor(page)
    type_minutes(page, XSS_MINUTES)
    preview = page.locator("[data-markdown-preview]")
    expect(preview.locator("h2")).to_have_text("Essai")
    page.wait_for_timeout(300)
    _no_xss(page)
    expect(preview.locator("script")).to_have_count(0)
    expect(preview.locator("[onerror]")).to_have_count(0)
    expect(preview.locator('a[href^="javascript"]')).to_have_count(0)

    save_minutes(page)
    assert page.url == meeting_url
    minutes = page.locator('[data-testid="minutes"]')
    expect(minutes.locator("h2")).to_have_text("Essai")
    expect(minutes).to_contain_text("Fin du texte.")
    page.wait_for_load_state("load")
    _no_xss(page)
    expect(minutes.locator("script")).to_have_count(0)
    expect(minutes.locator("[onerror], [onclick], [onload]")).to_have_count(0)
    for href in minutes.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert href is None or not href.strip().lower().startswith("javascript"), href

    link = minutes.get_by_text("x", exact=True)
    expect(link).to_have_count(1)
    link.click()
    page.wait_for_timeout(300)
    _no_xss(page)
    assert page.url == meeting_url  # the sanitised link goes nowhere
    shot(page, "meeting-after-xss-attempt")

    # Reopening the editor shows the source as text and still runs nothing.
    open_minutes_editor(page)
    expect(page.locator('textarea[name="minutes"]')).to_have_value(re.compile(r"<script>window\.__xss=1</script>"))
    expect(page.locator("[data-markdown-preview] script")).to_have_count(0)
    _no_xss(page)
    assert dialogs == []
