"""An officer imports a Fingertips export in the admin, in Chromium: uploads it, maps its
indicator to ours on the preview, checks again, and imports. Screenshots of the preview and of
the import's record go to test-artifacts/screenshots/ for a person to look at; axe-core checks
the preview."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.models import Indicator, Value
from pages.demo import content as demo_content
from pages.services import create_officer
from tests.browser.support import SCREENSHOTS, Visitor, axe_violations, describe_violations
from tests.indicators.importing.conftest import FINGERTIPS_HEADER, csv_bytes, fingertips_row

PASSWORD = "a-long-test-password-for-the-browser"


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.IMPORT_UPLOAD_ROOT = str(tmp_path / "uploads")


def fingertips_file() -> bytes:
    """Re-referrals as Fingertips gives them: a figure the site holds, changed; new ones; a
    row with a bad value; and rows for areas the site does not hold."""
    held = (
        Value.objects.filter(indicator__slug="re-referrals", breakdown=None)
        .select_related("area", "period")
        .order_by("-period__end_date", "area__name")
    )
    rows = [FINGERTIPS_HEADER]
    for number, value in enumerate(held[:4]):
        figure = value.value + Decimal(number + 1)
        rows.append(
            fingertips_row(
                Area_Code=value.area.code,
                Area_Name=value.area.name,
                Time_period=value.period.code,
                Value=f"{figure:.1f}",
            )
        )
    some = held[0]
    for year in ("2019/20", "2020/21"):
        rows.append(
            fingertips_row(Area_Code=some.area.code, Area_Name=some.area.name, Time_period=year)
        )
        rows[-1][FINGERTIPS_HEADER.index("Value")] = "23.4" if year == "2019/20" else "24.1"
    rows.append(
        fingertips_row(
            Area_Code=some.area.code, Area_Name=some.area.name, Time_period="2021/22", Value="2l.5"
        )
    )
    for code, name in [("E09000001", "City of London"), ("E06000001", "Hartlepool")]:
        rows.append(fingertips_row(Area_Code=code, Area_Name=name, Value="19.9"))
    return csv_bytes(rows)


def test_officer_previews_maps_and_imports_a_fingertips_file(visitor: Visitor):
    create_officer(username="analyst", password=PASSWORD, team=demo_content.TEAM)  # the demo pages
    ours = Indicator.objects.get(slug="re-referrals")
    ours.fingertips_id = None
    ours.save()
    page = visitor.page
    page.goto(f"{visitor.base_url}/admin/login/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    page.goto(f"{visitor.base_url}/admin/indicators/value/")
    page.click("text=Import figures")
    page.wait_for_selector("input[type=file]")
    # From here on, only the import screens: no failed request, no console error (CSP).
    visitor.problems.clear()
    page.click("text=The columns of our template")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "admin-import-upload-1280.png", full_page=True)
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    visitor.problems.clear()  # axe-core's own injected styles break the page's CSP
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "fingertips.csv", "mimeType": "text/csv", "buffer": fingertips_file()}],
    )
    page.click("input[value='Upload and preview']")
    page.wait_for_selector("h2#mapping-heading")
    assert "None of the indicators in this file is mapped" in page.inner_text("#content-main")

    page.select_option("select[name=map-0]", value=str(ours.pk))
    page.click("input[value='Check again with these choices']")
    page.wait_for_selector("h2#changes-heading")

    content = page.inner_text("#content-main")
    assert "Rejected rows (1)" in content
    assert "“2l.5” is not a number" in content
    assert "2 rows for 2 areas not on this site were skipped." in content
    assert page.locator(".import-change-changed").count() == 4
    assert page.locator(".import-change-new").count() == 2
    page.screenshot(path=SCREENSHOTS / "admin-import-preview-1280.png", full_page=True)
    visitor.assert_no_problems()
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    visitor.problems.clear()  # axe-core's own injected styles break the page's CSP

    # As it stands the file is refused: one row has a problem. Tick, and the rest land.
    page.click("input[value='Import these figures']")
    page.wait_for_selector(".import-banner-error")
    assert Value.objects.filter(indicator=ours, period__code="2019/20").count() == 0
    page.check("input[name=apply_valid_rows]")
    page.click("input[value='Import these figures']")
    page.wait_for_url("**/admin/indicators/importbatch/*/change/")

    assert "Imported “fingertips.csv”" in page.inner_text(".messagelist")
    assert Value.objects.filter(indicator=ours, period__code="2019/20").count() == 1
    page.screenshot(path=SCREENSHOTS / "admin-import-batch-1280.png", full_page=True)
    visitor.assert_no_problems()
