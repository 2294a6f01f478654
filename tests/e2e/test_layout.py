"""Arabic pages are right-to-left with Bootstrap's RTL stylesheet; phone-width pages do not
overflow sideways and the navbar collapses behind its toggler."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import open_body, open_territory_from_list

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def _stylesheets(page) -> list[str]:
    """The stylesheets the page actually loaded (with rules), by URL."""
    return page.evaluate("""() => Array.from(document.styleSheets)
        .filter(sheet => { try { return sheet.cssRules.length > 0; } catch (e) { return false; } })
        .map(sheet => sheet.href || "")""")


def _switch_language(page, code: str) -> None:
    with page.expect_navigation():
        page.locator(f'nav form.lang-switcher button[lang="{code}"]').click()


def _assert_direction(page, lang: str, direction: str, stylesheet: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("dir", direction)
    expect(html).to_have_attribute("lang", lang)
    loaded = _stylesheets(page)
    assert any(href.endswith("/" + stylesheet) for href in loaded), loaded
    other = "bootstrap.min.css" if stylesheet == "bootstrap.rtl.min.css" else "bootstrap.rtl.min.css"
    assert not any(href.endswith("/" + other) for href in loaded), loaded
    assert page.evaluate("getComputedStyle(document.body).direction") == direction


def test_arabic_interface_is_right_to_left_with_bootstrap_rtl(page, login, shot):
    login(page, "evaluateur")
    open_territory_from_list(page, "azilal")
    _assert_direction(page, "fr", "ltr", "bootstrap.min.css")

    _switch_language(page, "ar")
    # The switcher brings the user back to the page they were on.
    expect(page).to_have_url(re.compile(r"/territories/azilal$"))
    _assert_direction(page, "ar", "rtl", "bootstrap.rtl.min.css")
    expect(page.locator('nav form.lang-switcher button[lang="ar"]')).to_have_attribute("aria-current", "true")
    # Logical properties follow the direction: the brand sits on the right of the navbar.
    brand = page.locator("nav .navbar-brand").bounding_box()
    viewport = page.viewport_size
    assert brand and viewport and brand["x"] > viewport["width"] / 2, brand
    shot(page, "territory-ar")

    # The choice is remembered on the account, on other pages too.
    page.goto("/")
    _assert_direction(page, "ar", "rtl", "bootstrap.rtl.min.css")
    page.goto("/territories/azilal")
    open_body(page, "committee")
    _assert_direction(page, "ar", "rtl", "bootstrap.rtl.min.css")
    shot(page, "committee-ar")

    _switch_language(page, "fr")
    _assert_direction(page, "fr", "ltr", "bootstrap.min.css")
    assert page.js_errors == []


def test_language_switcher_works_before_signing_in(page, shot):
    page.goto("/auth/login")
    _assert_direction(page, "fr", "ltr", "bootstrap.min.css")
    _switch_language(page, "ar")
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    _assert_direction(page, "ar", "rtl", "bootstrap.rtl.min.css")
    expect(page.locator('main input[name="email"]')).to_be_visible()
    shot(page, "login-ar")


def _overflow(page) -> dict:
    return page.evaluate("""() => {
        const root = document.documentElement;
        const wide = Array.from(document.querySelectorAll("body *"))
            .filter(el => { const r = el.getBoundingClientRect();
                            return r.width > 0 && (r.right > root.clientWidth + 1 || r.left < -1); })
            .filter(el => !el.closest(".table-responsive, .collapse:not(.show), .visually-hidden, .visually-hidden-focusable"))
            .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : ""));
        return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide};
    }""")


def _assert_no_horizontal_overflow(page) -> None:
    page.wait_for_load_state("load")
    sizes = _overflow(page)
    assert sizes["scrollWidth"] <= sizes["clientWidth"], sizes


def _assert_navbar_collapsed(page) -> None:
    toggler = page.locator("nav .navbar-toggler")
    menu = page.locator("#mainnav")
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    expect(page.locator('#mainnav a[href$="/territories/"]')).to_be_hidden()
    toggler.click()
    expect(menu).to_have_class(re.compile(r"(^|\s)show(\s|$)"))  # the opening transition has ended
    expect(menu).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(page.locator('#mainnav a[href$="/territories/"]')).to_be_visible()
    expect(page.locator('#mainnav form.lang-switcher button[lang="ar"]')).to_be_visible()


@pytest.fixture
def phone_page(browser, live_server, artifacts, request):
    """A page in a phone-sized context (390x844, touch)."""
    context = browser.new_context(base_url=live_server, viewport=PHONE, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="fr-FR")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        try:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            page.screenshot(path=str(artifacts / f"FAILED-{name}.png"), full_page=True)
        except Exception:
            pass
    context.close()


def test_territory_list_fits_a_phone_and_the_navbar_collapses(phone_page, login, shot):
    page = phone_page
    login(page, "pilotage")
    page.goto("/territories/")
    expect(page.locator('[data-testid="territory-table"]')).to_be_visible()
    _assert_no_horizontal_overflow(page)
    shot(page, "territories-phone")
    _assert_navbar_collapsed(page)
    _assert_no_horizontal_overflow(page)
    shot(page, "territories-phone-menu-open")
    assert page.js_errors == []


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_governance_pages_fit_a_phone(phone_page, login, shot, language):
    """Home, territory, body and meeting pages, left-to-right and right-to-left."""
    page = phone_page
    login(page, "chantier" if language == "ar" else "comite.azilal")
    if language == "ar":
        _switch_language_collapsed(page, "ar")
    for step, path in (("home", "/"), ("territories", "/territories/"), ("territory", "/territories/azilal")):
        page.goto(path)
        _assert_no_horizontal_overflow(page)
    shot(page, f"territory-phone-{language}")
    for kind in ("antenna", "commission", "committee"):
        page.goto("/territories/azilal")
        open_body(page, kind)
        _assert_no_horizontal_overflow(page)
    shot(page, f"committee-phone-{language}")
    page.locator('section[aria-labelledby="meetings"] a[href*="/meetings/"]').first.click()
    _assert_no_horizontal_overflow(page)
    shot(page, f"meeting-phone-{language}")
    _assert_navbar_collapsed(page)


def _switch_language_collapsed(page, code: str) -> None:
    """Open the collapsed navbar, then switch language."""
    page.locator("nav .navbar-toggler").click()
    expect(page.locator("#mainnav")).to_be_visible()
    _switch_language(page, code)
    expect(page.locator("html")).to_have_attribute("lang", code)
