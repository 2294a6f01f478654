"""Browser: add two actors and a tie on the actor map, see them in the graph, open a node's card."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_add_two_actors_and_a_tie_then_open_a_card(page, login, shot):
    login(page, "antenne.azilal")
    page.goto("/territories/azilal")
    page.locator('[data-testid="actor-map-link"] a').click()
    expect(page).to_have_url(re.compile(r"/territories/azilal/actors$"))
    before = page.locator("svg.actor-graph a.n").count()  # the demo map, when it is loaded
    for name, kind in (("Association E2E Atlas", "association"), ("Coopérative E2E Argan", "cooperative")):
        page.locator('[data-testid="add-actor"]').click()
        page.locator('[data-testid="actor-form"] input[name="name"]').fill(name)
        page.locator('[data-testid="actor-form"] select[name="kind"]').select_option(kind)
        page.locator('[data-testid="actor-form"] button[type="submit"]').click()
        expect(page).to_have_url(re.compile(r"/territories/azilal/actors"))
    page.locator('[data-testid="add-tie"]').click()
    page.locator('[data-testid="tie-form"] select[name="source_id"]').select_option(label="Association E2E Atlas")
    page.locator('[data-testid="tie-form"] select[name="target_id"]').select_option(label="Coopérative E2E Argan")
    page.locator('[data-testid="tie-form"] select[name="kind"]').select_option("partnership")
    page.locator('[data-testid="tie-form"] button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/territories/azilal/actors"))
    nodes = page.locator("svg.actor-graph a.n")
    expect(nodes).to_have_count(before + 2)
    expect(page.locator('svg.actor-graph g[data-kind="partnership"] path').first).to_be_attached()
    shot(page, "map")
    node = page.locator("svg.actor-graph a.n", has=page.locator("title", has_text="Association E2E Atlas"))
    node.locator("circle").click()
    card = page.locator('[data-testid="card-panel"] [data-testid="actor-card"]')
    expect(card).to_contain_text("Association E2E Atlas")
    expect(card.locator('[data-testid="actor-ties"]')).to_contain_text("Coopérative E2E Argan")
    expect(page).to_have_url(re.compile(r"/territories/azilal/actors"))  # the card opened in place
    # filters and zoom do not break anything
    page.locator('[data-tie-filter] input[value="partnership"]').uncheck()
    expect(page.locator('svg.actor-graph g[data-kind="partnership"]').first).to_have_class(re.compile("hidden"))
    page.locator('[data-zoom="in"]').click()
    shot(page, "card")
    assert page.js_errors == []


def test_arabic_actor_map_is_right_to_left(page, login, shot):
    login(page, "lecteur")
    page.goto("/territories/azilal/actors")
    page.locator('form.lang-switcher button[lang="ar"]').click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator('[data-testid="actor-table"]')).to_be_visible()
    shot(page, "arabic")
