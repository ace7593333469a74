"""An import runs in the task worker while the officer watches its progress bar, in Chromium:
the upload answers at once with the run's page ("Waiting to start"); as the worker reads the
file the page shows the rows read, the figures checked, a percentage and the time left; once
it has finished, the page opens the preview by itself. Screenshots of the waiting and running
page go to test-artifacts/screenshots/; axe-core checks the running page."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from indicators import tasks
from indicators.importing import services
from indicators.models import Area, ImportRun
from pages.demo import content as demo_content
from pages.services import create_officer
from tests.browser.support import SCREENSHOTS, Visitor, axe_violations, describe_violations

PASSWORD = "a-long-test-password-for-the-browser"


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.IMPORT_UPLOAD_ROOT = str(tmp_path / "uploads")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def poll_only_while_the_test_waits(page) -> list[str]:
    """Make the page's status requests from the test's own thread, while it waits on the page
    (the sync Playwright runs a route's handler only inside one of its calls, and
    `route.fetch` returns once the server has answered), so that the live server, whose
    thread shares the test's database connection (SQLite in memory), never reads the run
    while the worker, in the test's thread, is writing: two threads on one connection at
    once failed now and then ("database table is locked: indicators_importrun")."""

    answered: list[str] = []

    def answered_while_waiting(route) -> None:
        route.fulfill(response=route.fetch())
        answered.append(route.request.url)

    page.route("**/status/**", answered_while_waiting)
    return answered


def national_file(path) -> int:
    """Re-referrals for every area the demo holds, for a century of years."""
    codes = list(Area.objects.values_list("code", flat=True))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["indicator", "area_code", "period", "value"])
    rows = 0
    for year in range(1920, 2020):
        for code in codes:
            writer.writerow(["re-referrals", code, f"{year}/{(year + 1) % 100:02d}", "20.5"])
            rows += 1
    path.write_text(out.getvalue())
    return rows


def test_the_progress_bar_follows_the_worker_then_opens_the_preview(
    visitor: Visitor, tmp_path, monkeypatch
):
    create_officer(username="analyst", password=PASSWORD, team=demo_content.TEAM)
    file = tmp_path / "national.csv"
    rows = national_file(file)
    page = visitor.page
    polls = poll_only_while_the_test_waits(page)
    page.goto(f"{visitor.base_url}/admin/login/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{visitor.base_url}/admin/indicators/value/import/")
    page.set_input_files("input[type=file]", str(file))
    page.click('input[type=submit][value="Upload and preview"]')
    page.wait_for_selector("#import-progress-bar")
    assert "Waiting to start" in page.inner_text("#import-progress-label")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "admin-import-waiting-1280.png", full_page=True)

    seen: list[str] = []
    violations: list[dict] = []
    record = tasks.record_progress

    def watched(run_id, report):
        record(run_id, report)
        if not seen:  # halfway through, look at the page as the officer sees it
            page.reload()
            page.wait_for_selector("#import-progress-bar")
            seen.append(page.inner_text("#import-run"))
            page.screenshot(path=SCREENSHOTS / "admin-import-progress-1280.png", full_page=True)
            violations.extend(axe_violations(page))

    monkeypatch.setattr(tasks, "record_progress", watched)
    monkeypatch.setattr(services, "PROGRESS_EVERY", rows // 2)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert seen, "the worker never reported its progress"
    text = seen[0]
    assert "Running" in text
    assert f"{rows // 2:,} of about" in text  # rows read, of the estimate
    assert "Figures checked" in text and "Time left" in text
    checked = int(text.split("Figures checked")[1].split()[0].replace(",", ""))
    assert checked == rows // 2 - 1  # one figure a row; the row just read is checked next
    assert violations == [], describe_violations(violations)
    assert ImportRun.objects.get().state == ImportRun.State.DONE
    # The page's script sees the run finished and opens the preview.
    page.wait_for_selector("text=Preview of", timeout=15_000)
    assert polls, "the page's status requests were not made while the test waited"
    shown = page.inner_text("#content-main")
    assert f"Read {rows:,} rows (the JSNA import template)" in shown


def long_file(path) -> int:
    """A long file: re-referrals for a thousand districts more than the demo holds (added
    here) and every demo area, for a century of years: over 100,000 rows."""
    county = Area.objects.filter(code__startswith="E10").first() or Area.objects.first()
    Area.objects.bulk_create(
        Area(
            code=f"E07{n:06d}",
            name=f"District {n}",
            slug=f"district-{n}",
            area_type="district",
            parent=county,
        )
        for n in range(900_000, 901_000)
    )
    return national_file(path)


def test_a_long_import_shows_its_progress_live_from_queued_to_running(
    visitor: Visitor, tmp_path, monkeypatch
):
    """With the page left open (not reloaded), its script follows a 100,000-row import: the
    "queued" line becomes when it started, and the rows read, figures checked and written, the
    percentage and the time left move on. A screenshot is taken part of the way through."""
    create_officer(username="analyst", password=PASSWORD, team=demo_content.TEAM)
    file = tmp_path / "long.csv"
    rows = long_file(file)
    assert rows > 100_000
    page = visitor.page
    polls = poll_only_while_the_test_waits(page)
    page.goto(f"{visitor.base_url}/admin/login/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{visitor.base_url}/admin/indicators/value/import/")
    page.set_input_files("input[type=file]", str(file))
    page.click('input[type=submit][value="Upload and preview"]')
    page.wait_for_selector("#import-progress-bar")
    assert page.inner_text("#import-started").startswith("Starts as soon as the worker is free")
    run_url = page.url

    # The time left in minutes, once it is over a minute and a half: the script as it meets
    # a status that says so (asked of a second page, whose status requests are answered here).
    other = page.context.new_page()
    other.route(
        "**/status/",
        lambda route: route.fulfill(
            json={
                "state": "running",
                "state_label": "Running",
                "finished": False,
                "error": "",
                "started_at": "2026-03-01T10:02:00+00:00",
                "started": "1 March 2026, 10:02",
                "rows_read": 30_000,
                "rows_expected": 100_000,
                "percent": 30,
                "seconds_left": 185,
                "time_left": "about 3 minutes left",
                "figures_checked": 29_999,
                "figures_written": 25_000,
            }
        ),
    )
    other.goto(run_url)
    expect(other.locator("[data-count=time_left]")).to_contain_text("minutes")
    assert other.inner_text("[data-count=time_left]") == "about 3 minutes left"
    assert other.inner_text("#import-started") == "Started 1 March 2026, 10:02."
    assert other.inner_text("#import-progress-label") == "Running: 30%"
    assert other.inner_text("[data-count=rows_read]") == "30,000 of about 100,000"
    assert other.inner_text("[data-count=figures_checked]") == "29,999"
    assert other.inner_text("[data-count=figures_written]") == "25,000"
    other.close()

    seen: dict[str, str] = {}
    record = tasks.record_progress

    def watched(run_id, report):
        record(run_id, report)
        run = ImportRun.objects.get(pk=run_id)
        if seen or not run.percent or not 30 <= run.percent <= 70:
            return
        # The page, as it was left, catches up with the worker by itself.
        expect(page.locator("#import-progress-label")).to_have_text(
            f"Running: {run.percent}%", timeout=10_000
        )
        seen.update(
            text=page.inner_text("#import-run"),
            started=page.inner_text("#import-started"),
            percent=str(run.percent),
        )
        page.screenshot(path=SCREENSHOTS / "admin-import-progress-long-1280.png", full_page=True)

    monkeypatch.setattr(tasks, "record_progress", watched)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert seen, "the page never caught up with the worker part of the way through"
    assert polls, "the page's status requests were not made while the test waited"
    assert seen["started"].startswith("Started ") and "worker is free" not in seen["started"]
    assert 30 <= int(seen["percent"]) <= 70
    text = seen["text"]
    assert f"Running: {seen['percent']}%" in text
    read = int(text.split("Rows read")[1].split()[0].replace(",", ""))
    assert 10_000 <= read < rows and f"of about {ImportRun.objects.get().rows_expected:,}" in text
    checked = int(text.split("Figures checked")[1].split()[0].replace(",", ""))
    assert 0 < checked < read
    assert "Time left" in text and " left" in text.split("Time left")[1]
    assert ImportRun.objects.get().state == ImportRun.State.DONE
    page.wait_for_selector("text=Preview of", timeout=30_000)
    assert f"Read {rows:,} rows" in page.inner_text("#content-main")
