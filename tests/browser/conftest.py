"""Browser tests: the demo site served by pytest-django's `live_server`, driven by Playwright's
sync API in Debian's headless Chromium (never a downloaded browser).

One browser for all of them; a new context and page for each test."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, DESKTOP, Visitor

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`--dist loadgroup`, see pyproject.toml) every browser test runs on
    the same worker, so that they share one Chromium and one load of the demo."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for all the browser tests.

    Package-scoped rather than session-scoped so that it closes when the last browser test is
    done: while Playwright's sync API is running it keeps an asyncio event loop running in this
    thread, and Django refuses database access (the demo loader, the flush after each test, ORM
    look-ups in a test) from a thread with a running loop. Nothing here is async, so the guard
    is switched off with DJANGO_ALLOW_ASYNC_UNSAFE as Django's documentation allows, but only
    for as long as the browser is open: other tests (and the `check --deploy` run in
    tests/test_settings.py, which inherits the environment) must not see it."""
    # A missing browser is a broken test environment, not a reason to skip: fail loudly.
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM} (apt-get install "
            "chromium); it is missing or not executable. Playwright's own browsers are not used.",
            pytrace=False,
        )
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo_site(live_server, demo_dump: Path) -> str:
    """The live server's base URL, with the demo content (`load_demo`'s result, from the
    `demo_dump` of tests/conftest.py) committed where its thread can read it. (`live_server`
    brings `transactional_db`, which empties the tables after each test.)"""
    call_command("loaddata", demo_dump, verbosity=0)
    return live_server.url


@pytest.fixture
def visitor(browser: Browser, demo_site: str) -> Iterator[Visitor]:
    context = browser.new_context(viewport={"width": DESKTOP, "height": 800})
    try:
        visitor = Visitor(page=context.new_page(), base_url=demo_site)
        yield visitor
        # Let the page's own requests finish (an editor's preview, a progress poll) before the
        # database is emptied for the next test: a request still reading when the tables are
        # flushed makes the flush fail ("database table is locked" on SQLite).
        with contextlib.suppress(PlaywrightError):
            visitor.page.wait_for_load_state("networkidle", timeout=5000)
    finally:
        context.close()
