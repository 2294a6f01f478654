"""Browser: the chair of Azilal's committee opens the vote on the territory project under
review, two members vote online, the chair records two paper ballots of members present at the
meeting and closes the vote; the project shows approved and the procès-verbal downloads as a PDF."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _cast(page, choice: str, comment: str) -> None:
    form = page.locator('[data-testid="ballot-form"]')
    form.locator(f'input[name="choice"][value="{choice}"]').check()
    form.locator('textarea[name="comment"]').fill(comment)
    form.locator('[data-testid="cast-ballot"]').click()
    expect(page.locator('[data-testid="already-voted"]')).to_be_visible()


def _paper(page, choice: str) -> None:
    form = page.locator('[data-testid="paper-ballot-form"]')
    form.locator('select[name="seat_id"] option').nth(1).wait_for(state="attached")
    seat = form.locator('select[name="seat_id"] option').nth(1).get_attribute("value")
    form.locator('select[name="seat_id"]').select_option(seat)
    form.locator(f'input[name="choice"][value="{choice}"]').check()
    form.locator('[data-testid="record-paper-ballot"]').click()
    expect(page).to_have_url(re.compile(r"/territories/azilal/project/vote$"))


def test_the_committee_votes_and_the_minutes_download(browser, live_server, login, shot, artifacts):
    chair = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, locale="fr-FR")
    member = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, locale="fr-FR")
    try:
        page = chair.new_page()
        login(page, "delegue.azilal")
        page.goto("/territories/azilal")
        page.locator('[data-testid="project-link"] a').click()
        expect(page).to_have_url(re.compile(r"/territories/azilal/project$"))
        expect(page.locator('[data-testid="workflow-panel"]')).to_be_visible()
        shot(page, "under-review")

        step = page.locator('[data-testid="step-open_vote"]')
        step.locator("summary").click()
        step.locator('textarea[name="comment"]').fill("Vote en séance du comité.")
        step.locator('[data-testid="take-open_vote"]').click()
        expect(page.locator('[data-testid="open-vote"]')).to_be_visible()

        other = member.new_page()
        login(other, "comite.azilal")
        other.goto("/territories/azilal/project")
        other.locator('[data-testid="go-vote"]').click()
        expect(other).to_have_url(re.compile(r"/territories/azilal/project/vote$"))
        _cast(other, "approve", "Les actions répondent aux pistes retenues.")
        shot(other, "member-voted")

        page.goto("/territories/azilal/project/vote")
        _cast(page, "approve", "")
        _paper(page, "approve")
        _paper(page, "abstain")
        expect(page.locator('[data-testid="vote-participation"]')).to_contain_text("4")
        expect(page.locator('[data-testid="close-outcome"]').first).to_be_visible()
        shot(page, "before-closing")
        page.locator('[data-testid="vote-close_vote"] [data-testid="take-close_vote"]').click()

        page.goto("/territories/azilal/project")
        expect(page.locator('[data-testid="workflow-panel"] [data-status="approved"]').first).to_be_visible()
        shot(page, "approved")

        page.goto("/territories/azilal/project/vote")
        expect(page.locator('[data-testid="vote-result"]')).to_be_visible()
        expect(page.locator('[data-testid="electorate"] [data-testid="choice"]')).to_have_count(4)
        with page.expect_download() as download_info:
            page.locator('[data-testid="minutes-pdf"]').click()
        download = download_info.value
        assert download.suggested_filename.endswith(".pdf")
        saved = artifacts / download.suggested_filename
        download.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF-")
        assert saved.stat().st_size > 2000

        # The member sees the decision and cannot vote any more.
        other.goto("/territories/azilal/project/vote")
        expect(other.locator('[data-testid="ballot-form"]')).to_have_count(0)
    finally:
        chair.close()
        member.close()
