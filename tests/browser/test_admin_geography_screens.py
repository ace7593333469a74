"""An officer loads an ONS lookup through the Areas admin's “Import areas” screen, in Chromium:
uploads it from the Areas list, reads the preview, applies it. Screenshots of the preview and
of the result go to test-artifacts/screenshots/ for a person to look at; axe-core checks the
preview.

The site is the small Lancashire of tests/factories.py, not the demo: the lookup adds the rest
of Lancashire's districts, Manchester, two London boroughs and their statistical groupings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from indicators.models import Area
from pages.services import create_officer
from tests.browser.support import (
    DESKTOP,
    SCREENSHOTS,
    Visitor,
    axe_violations,
    describe_violations,
)
from tests.factories import lancashire_areas

PASSWORD = "a-long-test-password-for-the-browser"
LOOKUP = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "ons_lad_cty_rgn_lookup.csv"


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.IMPORT_UPLOAD_ROOT = str(tmp_path / "uploads")


@pytest.fixture
def officer_visitor(browser: Browser, live_server) -> Iterator[Visitor]:
    """A publisher (areas are shared by every team: publishers import them), logged in to the
    admin of a small Lancashire."""
    lancashire_areas()
    create_officer(username="analyst", password=PASSWORD, role="Publisher")
    context = browser.new_context(viewport={"width": DESKTOP, "height": 800})
    try:
        visitor = Visitor(page=context.new_page(), base_url=live_server.url)
        page = visitor.page
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", "analyst")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#user-tools")
        page.wait_for_load_state("load")
        yield visitor
    finally:
        context.close()


def test_officer_previews_and_applies_an_ons_lookup(officer_visitor: Visitor):
    visitor = officer_visitor
    page = visitor.open("/admin/indicators/area/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "admin-areas-list-1280.png")
    page.click(".object-tools >> text=Import areas")
    page.wait_for_selector("input[type=file]")
    # From here on, only the import screens: the list's own requests may be cut short.
    visitor.problems.clear()
    page.screenshot(path=SCREENSHOTS / "admin-import-areas-upload-1280.png", full_page=True)

    page.set_input_files("input[type=file]", files=[str(LOOKUP)])
    # Every request of the upload page finished first: leaving it while its icons still load
    # would abort them, which the visitor reports as failed requests.
    page.wait_for_load_state("networkidle")
    page.click("input[value='Upload and preview']")
    page.wait_for_selector("h2#added-heading")

    content = page.inner_text("#content-main")
    assert "ONS lookup, 15 rows" in content
    assert "Would add 15 areas: 8 districts, 3 unitary authorities" in content
    assert "Areas to add (15)" in content
    assert "Names officers gave, kept (1)" in content
    assert "Office for National Statistics licensed under the Open Government Licence" in content
    assert page.locator("table.import-areas-added tbody tr").count() == 15
    assert not Area.objects.filter(code="E08000003").exists()
    # The page is no wider than the window: long tables scroll inside their own boxes.
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP
    page.screenshot(path=SCREENSHOTS / "admin-import-areas-preview-1280.png", full_page=True)
    visitor.assert_no_problems()
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    visitor.problems.clear()  # axe-core's own injected styles break the page's CSP

    page.wait_for_load_state("networkidle")
    page.click("input[value='Apply these changes']")
    page.wait_for_selector(".messagelist")

    assert "Imported “ons_lad_cty_rgn_lookup.csv”" in page.inner_text(".messagelist")
    assert "Added 15 areas" in page.inner_text("#content-main")
    manchester = Area.objects.get(code="E08000003")
    assert manchester.parent.code == "E12000002"
    assert list(manchester.groupings.values_list("code", flat=True)) == ["E11000001"]
    page.screenshot(path=SCREENSHOTS / "admin-import-areas-done-1280.png", full_page=True)
    visitor.assert_no_problems()


def test_a_bad_lookup_shows_its_problems_and_no_button_to_apply(officer_visitor: Visitor):
    visitor = officer_visitor
    page = visitor.open("/admin/indicators/area/import-areas/")
    bad = (
        b"LAD23CD,LAD23NM,CTY23CD,CTY23NM,RGN23CD,RGN23NM\n"
        b"E10000017,Lancashire,E10000017,Lancashire,E12000002,North West\n"
        b"E07000119,Fylde,E10000017,Lancashire,E12000002,North West\n"
        b"E07000119,Fylde Borough,E10000017,Lancashire,E12000002,North West\n"
    )
    page.set_input_files(
        "input[type=file]", files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad}]
    )
    # Every request of the upload page finished first: leaving it while its icons still load
    # would abort them, which the visitor reports as failed requests.
    page.wait_for_load_state("networkidle")
    page.click("input[value='Upload and preview']")
    page.wait_for_selector("h2#problems-heading")

    assert "Nothing was changed" in page.inner_text(".import-banner-error")
    assert page.locator("table.import-errors tbody tr").count() == 2
    assert page.locator("input[value='Apply these changes']").count() == 0
    assert not Area.objects.filter(code="E07000119").exists()
    page.screenshot(path=SCREENSHOTS / "admin-import-areas-problems-1280.png", full_page=True)
    visitor.assert_no_problems()
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
