"""A staged import, released, in Chromium: an officer who looks after the Child protection page
imports through the admin a file that revises Lancashire-12's 2012/13 referrals rate; the public
still see the old figure; the officer previews the page with the staged figure under its
banner; a publisher reads the release report (the revised figure, old → new, and the changes of
meaning it flags), confirms the flags and schedules the release; `publish_scheduled` releases it
when its time has come, and the public page shows the new figure, marked revised, and the
release under “Changes to these figures”. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser

from indicators.admin.blank_template import TEMPLATE_COLUMNS
from indicators.importing import import_values
from indicators.models import ImportBatch, Value
from indicators.releases import publish_release
from pages.demo import content
from pages.services import create_officer
from tests.browser.support import DESKTOP, SCREENSHOTS, TOPIC, Visitor

PASSWORD = "a-long-test-password-for-the-browser"
FILE_NAME = "referrals-2012-13-revised.csv"

# Lancashire-12's referrals rate for 2012/13 (published-figures.csv: 638.6) revised to a figure
# below England's (520.7) and the North West's (619.7): the live figure in the section's prose
# changes, and so do two comparisons ("▲ Higher than" → "▼ Lower than"), which are changes of
# meaning the release report flags (the prose still says the rate "was above those of ... the
# North West ... and England").
OLD = "638.6 per 10,000"
NEW = "512.4 per 10,000"
NEW_VALUE = "512.4"
FLAGGED_AREAS = ("the North West", "England")
MOBILE_WIDTH = 375


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.IMPORT_UPLOAD_ROOT = str(tmp_path / "uploads")


@pytest.fixture
def public(browser: Browser, demo_site: str) -> Iterator[Visitor]:
    """A second browser context that never logs in: what a member of the public sees."""
    context = browser.new_context(viewport={"width": DESKTOP, "height": 800})
    try:
        yield Visitor(page=context.new_page(), base_url=demo_site)
    finally:
        context.close()


def revision_file() -> bytes:
    """One row in the project's template format: the revised referrals rate."""
    row = {
        "indicator": "referrals-rate",
        "area_code": content.PAGE_AREA,
        "area_name": "Lancashire-12",
        "period": "2012/13",
        "value": NEW_VALUE,
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow([row.get(column, "") for column in TEMPLATE_COLUMNS])
    return out.getvalue().encode()


def log_in(visitor: Visitor, username: str) -> None:
    page = visitor.page
    page.context.clear_cookies()
    page.goto(f"{visitor.base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def referrals_value() -> Value:
    """The released (public) figure the file revises."""
    return Value.objects.public().get(
        indicator__slug="referrals-rate",
        area__code=content.PAGE_AREA,
        period__code="2012/13",
        breakdown=None,
    )


def lancashire_row(page):
    """The Lancashire-12 row of the table beside the referrals chart."""
    return page.locator("#referrals table.figures tbody tr").filter(
        has=page.locator("th", has_text="Lancashire-12")
    )


def assert_public_sees_the_old_figure(public: Visitor, batch: ImportBatch) -> None:
    page = public.open(TOPIC)
    referrals = page.locator("#referrals")
    assert OLD in referrals.locator(".figure").first.inner_text()
    assert NEW not in referrals.inner_text()
    assert "512.4" not in lancashire_row(page).inner_text()
    assert page.locator(".draft-banner").count() == 0
    # Asking for the preview is no way in for the public: the same page, no banner.
    page = public.open(f"{TOPIC}?release={batch.pk}")
    assert OLD in page.locator("#referrals .figure").first.inner_text()
    assert NEW not in page.locator("#referrals").inner_text()
    assert page.locator(".draft-banner").count() == 0


def test_an_officer_stages_a_revision_and_a_publisher_releases_it_on_schedule(
    visitor: Visitor, public: Visitor
):
    create_officer(username="analyst", password=PASSWORD, team=content.TEAM)  # the demo pages
    create_officer(username="approver", password=PASSWORD, role="Publisher")
    before = referrals_value()
    assert before.value == Decimal("638.6") and before.revised_on is None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = visitor.page

    # 1. The officer imports the file through the admin's screens: upload, preview, import.
    log_in(visitor, "analyst")
    page.goto(f"{visitor.base_url}/admin/indicators/value/")
    page.wait_for_load_state("networkidle")  # no request of this page cut off
    page.click("text=Import figures")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": FILE_NAME, "mimeType": "text/csv", "buffer": revision_file()}],
    )
    page.wait_for_load_state("networkidle")  # no request of this page cut off
    page.click("input[value='Upload and preview']")
    page.wait_for_selector("h2#changes-heading")
    assert page.locator(".import-change-changed").count() == 1
    assert page.locator(".import-change-new").count() == 0
    page.wait_for_load_state("networkidle")  # no request of this page cut off
    page.click("input[value='Import these figures']")
    page.wait_for_url("**/admin/indicators/importbatch/*/change/")
    message = page.inner_text(".messagelist")
    assert f"Imported “{FILE_NAME}”" in message
    assert "The figures are staged: the public will see them when a publisher releases them" in (
        message
    )
    batch = ImportBatch.objects.get(file_name=FILE_NAME)
    assert (batch.status, batch.release) == (ImportBatch.Status.APPLIED, ImportBatch.Release.STAGED)
    assert (batch.rows_added, batch.rows_changed) == (0, 1)
    assert page.get_by_role("link", name="Release report and release").count() == 1
    # The released figure is untouched; the new one waits beside it.
    assert referrals_value().value == Decimal("638.6")
    staged = Value.objects.staged().get(import_batch=batch)
    assert staged.value == Decimal(NEW_VALUE)

    # The public, in a browser context of their own, still see the old figure.
    assert_public_sees_the_old_figure(public, batch)

    # 2. The officer sees the notice on the page, and previews it with the staged figure.
    visitor.open(TOPIC)
    notice = page.locator(".draft-banner--notice", has_text="Staged figures waiting")
    assert notice.inner_text().startswith(
        "Staged figures waiting for release would change this page: preview "
        f"Import #{batch.pk}: “{FILE_NAME}”"
    )
    assert OLD in page.locator("#referrals .figure").first.inner_text()  # not yet the preview
    notice.get_by_role("link", name=f"preview Import #{batch.pk}").click()
    page.wait_for_url(f"**{TOPIC}?release={batch.pk}")
    banner = page.locator(".draft-banner--release")
    assert banner.inner_text().startswith("Staged figures: not released.")
    assert "The public do not see them" in banner.inner_text()
    referrals = page.locator("#referrals")
    assert NEW in referrals.locator(".figure").first.inner_text()
    assert OLD not in referrals.inner_text()
    assert "512.4" in lancashire_row(page).inner_text()
    for area in FLAGGED_AREAS:
        line = referrals.locator("ul.comparison li", has_text=f"than {area} (")
        assert line.locator(".marker").inner_text() == "▼ Lower"
    visitor.assert_no_problems()
    # The whole page is over 13,000 pixels tall: its top (the banner) and the section changed.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=SCREENSHOTS / "release-preview-1280.png")
    referrals.screenshot(path=SCREENSHOTS / "release-preview-referrals-1280.png")

    # 3. A publisher opens the release report from the import's record.
    log_in(visitor, "approver")
    page.goto(f"{visitor.base_url}/admin/indicators/importbatch/{batch.pk}/change/")
    page.wait_for_load_state("networkidle")  # no request of this page cut off
    page.get_by_role("link", name="Release report and release").click()
    page.wait_for_url(f"**/admin/pages/topic/releases/{batch.pk}/")
    report = page.locator("#content-main")
    pages = report.locator(".release-page")
    assert pages.count() == 1
    child_protection = pages.first
    assert child_protection.locator("h3").inner_text() == "Child protection Published"
    section = child_protection.locator(".release-section", has_text="Referrals to children's")
    assert section.count() == 1
    text = section.inner_text()
    assert "Revised figures (1)" in text
    revised = section.locator("dt", has_text="Revised figures (1)").locator("+ dd li")
    assert revised.count() == 1
    assert revised.inner_text().startswith("Lancashire-12")
    assert revised.inner_text().endswith(f", 2012/13: {OLD} → {NEW}")
    live = section.locator("dt", has_text="Live figures in the narrative").locator("+ dd li")
    assert live.all_inner_texts() == [f"{OLD} → {NEW}"]
    # Two comparisons turn (higher → lower); the report may flag more (the statement's
    # "up from" becoming "down from"), and each flag listed is one box to tick below.
    flags = section.locator(".release-flags li").all_inner_texts()
    for area in FLAGGED_AREAS:
        assert (
            f"Meaning changes: Compared with {area}: “higher, worse (not tested)” "
            "becomes “lower, better (not tested)”."
        ) in flags
    # Only the referrals section changes: the other sections of the page are not listed.
    assert child_protection.locator(".release-section").count() == 1
    assert page.get_by_role("button", name="Send “Child protection” back to its officer").count()
    assert page.input_value("input[name=time]") == "09:30"  # the default time of a release
    page.screenshot(path=SCREENSHOTS / "release-report-1280.png", full_page=True)
    visitor.assert_no_problems()

    # A flag left unticked stops the release.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page.fill("input[name=day]", tomorrow.isoformat())
    page.wait_for_load_state("networkidle")  # no request of this page cut off
    page.get_by_role("button", name="Schedule").click()
    page.locator(".release-confirm .errornote").wait_for()
    assert f"Confirm each change of meaning before the figures go out ({len(flags)} not" in (
        page.inner_text(".release-confirm .errornote")
    )
    batch.refresh_from_db()
    assert batch.release == ImportBatch.Release.STAGED

    # 4. The publisher ticks each flag and schedules the release for tomorrow at 9:30, the
    # time the form offers. The form (rightly) refuses a time in the past and takes minutes
    # only, so "a little in the future" would mean sleeping for up to a minute, and would fail
    # near midnight; instead the test then moves publish_at into the past through the ORM, as
    # if tomorrow 9:30 had come, and runs the command as cron would.
    checkboxes = page.locator(".release-confirm input[type=checkbox]")
    assert checkboxes.count() == len(flags)
    for box in checkboxes.all():
        box.check()
    page.fill("input[name=day]", tomorrow.isoformat())
    assert page.input_value("input[name=time]") == "09:30"
    page.fill("textarea[name=note]", "Lancashire's 2012/13 referrals corrected by the DfE.")
    page.wait_for_load_state("networkidle")  # no request of this page cut off
    page.get_by_role("button", name="Schedule").click()
    page.locator(".messagelist", has_text="will be released on").wait_for()
    assert (
        f"The figures of import #{batch.pk} will be released on "
        f"{tomorrow.day} {tomorrow:%B %Y}, 09:30." in page.inner_text(".messagelist")
    )
    assert page.inner_text(".release-state").startswith(
        f"Scheduled for release: {tomorrow.day} {tomorrow:%B %Y}, 09:30."
    )
    batch.refresh_from_db()
    assert batch.release == ImportBatch.Release.SCHEDULED
    assert timezone.localtime(batch.publish_at) == timezone.make_aware(
        datetime.datetime.combine(tomorrow, datetime.time(9, 30))
    )
    assert len(batch.confirmed_flags) == len(flags)

    # Scheduled is still not released: nothing is due yet, and the public see the old figure.
    call_command("publish_scheduled", stdout=io.StringIO())
    batch.refresh_from_db()
    assert batch.release == ImportBatch.Release.SCHEDULED
    assert_public_sees_the_old_figure(public, batch)

    ImportBatch.objects.filter(pk=batch.pk).update(
        publish_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    out = io.StringIO()
    call_command("publish_scheduled", stdout=out)
    assert f"Released import #{batch.pk} (“{FILE_NAME}”)." in out.getvalue()
    batch.refresh_from_db()
    assert batch.release == ImportBatch.Release.PUBLISHED
    today = timezone.localdate()

    # 5. The public page shows the new figure, marked revised, and the release in its list.
    after = referrals_value()
    assert (after.value, after.previous_value, after.revised_on) == (
        Decimal(NEW_VALUE),
        Decimal("638.6"),
        today,
    )
    page = public.open(TOPIC)
    referrals = page.locator("#referrals")
    assert NEW in referrals.locator(".figure").first.inner_text()
    assert OLD not in referrals.locator(".figure").first.inner_text()
    row = lancashire_row(page)
    assert "512.4" in row.inner_text()
    mark = row.locator("abbr.revised")
    assert mark.count() == 1
    assert mark.inner_text() == "r"
    assert mark.get_attribute("title") == (
        f"Revised on {today.day} {today:%B %Y}; previously {OLD}"
    )
    assert page.locator(".draft-banner").count() == 0
    changes = page.locator("section.figure-changes")
    assert changes.locator("h2").inner_text() == "Changes to these figures"
    entries = changes.locator("li")
    assert entries.count() == 1
    entry = entries.first.inner_text()
    assert entry.startswith(f"{today.day} {today:%B %Y}: ")
    assert "Rate of referrals to children's social care: 1 figure revised." in entry
    assert "Lancashire's 2012/13 referrals corrected by the DfE." in entry
    public.assert_no_problems()
    changes.screenshot(path=SCREENSHOTS / "release-changes-1280.png")
    referrals.screenshot(path=SCREENSHOTS / "release-referrals-1280.png")

    page = public.open(TOPIC, width=MOBILE_WIDTH)
    changes = page.locator("section.figure-changes")
    assert "1 figure revised." in changes.inner_text()
    changes.screenshot(path=SCREENSHOTS / f"release-changes-{MOBILE_WIDTH}.png")
    page.locator("#referrals").screenshot(
        path=SCREENSHOTS / f"release-referrals-{MOBILE_WIDTH}.png"
    )
    public.assert_no_problems()


def test_a_page_with_a_revised_figure_still_fits_a_375_pixel_screen(public: Visitor):
    """WCAG 1.4.10 (reflow): a wide table scrolls inside its .table-wrap; the page does not."""
    user, _ = create_officer(username="analyst", password=PASSWORD, team=content.TEAM)
    report = import_values(
        source=io.BytesIO(revision_file()), file_name=FILE_NAME, user=user, stage=True
    )
    page = public.open(TOPIC, width=MOBILE_WIDTH)
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE_WIDTH  # it fits
    publish_release(report.batch)
    assert referrals_value().revised_on == timezone.localdate()
    page = public.open(TOPIC, width=MOBILE_WIDTH)
    assert lancashire_row(page).locator("abbr.revised").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE_WIDTH
