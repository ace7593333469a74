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
    shown = page.inner_text("#content-main")
    assert f"Read {rows:,} rows (the JSNA import template)" in shown
