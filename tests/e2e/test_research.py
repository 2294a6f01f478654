"""Browser: an antenna staff member writes a note with the live preview, shares it, codes a
passage from a selection, proposes a path citing it, and finds both by search (accents off)."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SELECT_PASSAGE = """(phrase) => {
  const body = document.querySelector('[data-note-body]');
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const at = node.textContent.indexOf(phrase);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + phrase.length);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      body.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
      return true;
    }
  }
  return false;
}"""


def test_write_code_cite_and_find(page, login, shot):
    login(page, "antenne.azilal")
    page.goto("/territories/azilal")
    page.locator('[data-testid="research-link"] a').click()
    expect(page).to_have_url(re.compile(r"/territories/azilal/research$"))
    page.locator('[data-testid="new-note"]').click()
    form = page.locator('[data-testid="note-form"]')
    form.locator('input[name="title"]').fill("Entretien avec les artisanes du zellige")
    form.locator('select[name="kind"]').select_option("interview")
    form.locator('input[name="target_group_ids"]').first.check()
    form.locator('input[name="p_25_59_female"]').fill("3")
    form.locator('textarea[name="body"]').fill(
        "Les artisanes du **zellige** cherchent un atelier partagé près de l'élève apprentie.")
    expect(form.locator("[data-markdown-preview] strong")).to_have_text("zellige")  # the live preview
    shot(page, "note-preview")
    form.locator('button[type="submit"]:not([name="preview"])').click()
    expect(page).to_have_url(re.compile(r"/research/notes/\d+$"))
    note_url = page.url

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator('[data-testid="share-note"]').click()
    expect(page.locator('[data-visibility="shared"]').first).to_be_visible()

    assert page.evaluate(SELECT_PASSAGE, "cherchent un atelier partagé")
    page.locator("[data-code-selection]").click()
    coding = page.locator('[data-testid="coding-form"]')
    expect(coding.locator('textarea[name="quote"]')).to_have_value("cherchent un atelier partagé")
    coding.locator('select[name="code"]').select_option("need")
    coding.locator('button[type="submit"]').click()
    passage = page.locator("[data-passage-id]").filter(has_text="cherchent un atelier partagé")
    expect(passage).to_be_visible()
    shot(page, "note-coded")

    page.locator('[data-testid="note-paths"] a[href*="/research/paths/new"]').click()
    path_form = page.locator('[data-testid="path-form"]')
    path_form.locator('input[name="title"]').fill("Atelier partagé pour les artisanes du zellige")
    path_form.locator('textarea[name="rationale"]').fill("Un local commun, prêté par la commune.")
    path_form.locator('[data-testid="evidence-picker"] label', has_text="cherchent un atelier partagé").click()
    path_form.locator('button[type="submit"]:not([name="preview"])').click()
    expect(page).to_have_url(re.compile(r"/research/paths/\d+$"))
    expect(page.locator("main")).to_contain_text("cherchent un atelier partagé")

    page.goto("/research/search?q=ZELLIGE+eleve")
    results = page.locator('[data-testid="search-results"]')
    expect(results.locator('[data-result^="note-"] h2 a').first).to_have_attribute("href", re.compile(note_url.split("/research")[1] + "$"))
    page.goto("/research/search?q=atelier+artisanes")
    expect(page.locator('[data-testid="search-results"] [data-result^="path-"]')).to_have_count(1)
    expect(page.locator('[data-testid="search-results"] mark').first).to_be_visible()
    shot(page, "search")
    assert page.js_errors == []
