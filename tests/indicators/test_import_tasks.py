# ruff: noqa: F811 - the fixtures of test_admin_import, imported
"""Imports from the admin run as background tasks (`indicators.tasks`): the upload answers at
once with the run's page, which shows a progress bar (rows read, figures checked and written,
a percentage and the time left) until the worker has finished, then the preview; a run that
fails says why and changes nothing."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from indicators import tasks
from indicators.importing import pipeline, services
from indicators.models import Area, ImportBatch, ImportRun, Value
from tests.indicators.runs import through_run
from tests.indicators.test_admin_import import (  # noqa: F401 - fixtures
    IMPORT_URL,
    choices,
    officer,
    officer_client,
    site,
    upload_root,
)

pytestmark = pytest.mark.django_db

ROWS = 200_000
HEADER = ["indicator", "area_code", "period", "value"]


YEARS = range(1901, 2026)  # 125 financial years, 1901/02 to 2025/26
DISTRICTS = 800


@pytest.fixture(autouse=True)
def districts(site):
    """Enough areas for 200,000 different figures of the site's two indicators."""
    Area.objects.bulk_create(
        Area(
            code=f"E07{n:06d}",
            name=f"District {n}",
            slug=f"district-{n}",
            area_type="district",
            parent=site["lancashire"],
        )
        for n in range(900_000, 900_000 + DISTRICTS)
    )


def big_file(rows: int) -> SimpleUploadedFile:
    """`rows` different figures: both indicators, every district, every year."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    made = 0
    for indicator in ("re-referrals", "cpp-rate"):
        for n in range(900_000, 900_000 + DISTRICTS):
            for year in YEARS:
                if made == rows:
                    break
                writer.writerow(
                    [indicator, f"E07{n:06d}", f"{year}/{(year + 1) % 100:02d}", f"{made % 97}.5"]
                )
                made += 1
    assert made == rows
    return SimpleUploadedFile("national.csv", out.getvalue().encode(), content_type="text/csv")


def test_a_200000_row_upload_reports_its_progress_and_completes(officer_client, monkeypatch):
    observed: list[dict] = []
    record = tasks.record_progress

    def watched(run_id, report):
        record(run_id, report)
        status = reverse("admin:indicators_value_import_run_status", args=[run_id])
        observed.append(officer_client.get(status).json())

    monkeypatch.setattr(tasks, "record_progress", watched)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 20_000)

    response = officer_client.post(IMPORT_URL, {"file": big_file(ROWS), "file_format": "auto"})

    assert response.status_code == 302  # at once, to the run's page
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("admin:indicators_value_import_run", args=[run.pk])
    assert len(observed) == ROWS // 20_000
    assert all(status["state"] == "running" and not status["finished"] for status in observed)
    read = [status["rows_read"] for status in observed]
    assert read == sorted(read) and read[0] == 20_000 and read[-1] == ROWS
    assert all(status["rows_expected"] > 150_000 for status in observed)  # estimated
    percents = [status["percent"] for status in observed]
    assert 0 < percents[0] < percents[-1] <= 99
    assert observed[-1]["figures_checked"] > observed[0]["figures_checked"] > 0
    assert observed[-1]["seconds_left"] is not None

    preview = officer_client.get(response["Location"])  # finished: the preview

    assert preview.status_code == 200
    report = preview.context["report"]
    assert report.dry_run and report.figures_new == ROWS
    assert not Value.objects.exists()  # a preview changes nothing
    assert not ImportBatch.objects.exists()
    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE and run.rows_read == ROWS

    done = through_run(
        officer_client,
        officer_client.post(reverse("admin:indicators_value_import_confirm"), choices(preview)),
    )

    assert done.status_code == 302
    batch = ImportBatch.objects.get()
    assert done["Location"] == reverse("admin:indicators_importbatch_change", args=[batch.pk])
    assert batch.is_pending and Value.objects.staged().count() == ROWS


def test_a_failing_run_says_why_and_changes_nothing(officer_client, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1_000)
    monkeypatch.setattr(services, "BATCH_SIZE", 500)

    def broken(run_id, report):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(tasks, "record_progress", broken)
    preview = through_run(
        officer_client,
        officer_client.post(IMPORT_URL, {"file": big_file(2_000), "file_format": "auto"}),
    )
    # The preview itself failed: the page says so, and nothing was kept.
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "The import stopped with an error (RuntimeError: the disk is full)" in html
    assert "Nothing was changed" in html
    assert ImportRun.objects.get().state == ImportRun.State.FAILED
    assert not Value.objects.exists() and not ImportBatch.objects.exists()


def test_a_failing_import_takes_back_what_it_wrote(officer_client, monkeypatch):
    preview = through_run(
        officer_client,
        officer_client.post(IMPORT_URL, {"file": big_file(3_000), "file_format": "auto"}),
    )
    assert preview.context["report"].figures_new == 3_000
    monkeypatch.setattr(services, "PROGRESS_EVERY", 2_000)
    monkeypatch.setattr(services, "BATCH_SIZE", 500)
    written: list[int] = []

    def broken(run_id, report):
        written.append(Value.objects.staged().count())
        raise RuntimeError("the worker was stopped")

    monkeypatch.setattr(tasks, "record_progress", broken)
    done = through_run(
        officer_client,
        officer_client.post(reverse("admin:indicators_value_import_confirm"), choices(preview)),
    )

    assert written and written[0] >= 1_000  # it had written figures when it failed
    assert "RuntimeError: the worker was stopped" in done.content.decode()
    assert not Value.objects.exists()
    assert not ImportBatch.objects.exists()


def test_with_the_database_backend_the_upload_waits_for_the_worker(
    officer_client, settings, run_worker
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    response = officer_client.post(IMPORT_URL, {"file": big_file(40), "file_format": "auto"})
    run = ImportRun.objects.get()
    assert run.state == ImportRun.State.QUEUED

    waiting = officer_client.get(response["Location"])

    assert waiting.status_code == 200
    html = waiting.content.decode()
    assert "<progress" in html and "Waiting to start" in html
    assert 'http-equiv="refresh"' in html  # without JavaScript it reloads itself

    run_worker()

    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE
    preview = officer_client.get(response["Location"])
    assert preview.context["report"].figures_new == 40


def test_another_officers_run_is_not_found(officer_client, client, django_user_model):
    response = officer_client.post(IMPORT_URL, {"file": big_file(4), "file_format": "auto"})
    stranger = django_user_model.objects.create_superuser("other", "o@example.org", "pw")
    client.force_login(stranger)
    assert client.get(response["Location"]).status_code == 404


# --- A worker that stops mid-way ----------------------------------------------------------------


def long_ago() -> datetime.datetime:
    return timezone.now() - tasks.STOPPED_AFTER - datetime.timedelta(minutes=1)


def killed_mid_preview(officer_client, monkeypatch) -> ImportRun:
    """A preview whose worker was killed (kill -9) a third of the way through: its staged
    figures are left, under a running import with no heartbeat since, and its run says
    "running" with no heartbeat since either (nothing ran to say otherwise)."""
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1_000)
    monkeypatch.setattr(services, "BATCH_SIZE", 500)
    monkeypatch.setattr(pipeline.Import, "abandon", lambda self: None)  # no clean-up: killed

    def killed(run_id, report):
        raise SystemExit(-9)

    monkeypatch.setattr(tasks, "record_progress", killed)
    officer_client.post(IMPORT_URL, {"file": big_file(3_000), "file_format": "auto"})
    run = ImportRun.objects.get()
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.RUNNING,
        finished_at=None,
        error="",
        started_at=long_ago(),
        heartbeat_at=long_ago(),
    )
    ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING).update(heartbeat_at=long_ago())
    assert Value.objects.staged().count() >= 500  # it had written figures
    return ImportRun.objects.get()


def test_a_run_whose_worker_died_is_failed_where_it_is_read_and_its_figures_taken_back(
    officer_client, monkeypatch
):
    run = killed_mid_preview(officer_client, monkeypatch)
    status_url = reverse("admin:indicators_value_import_run_status", args=[run.pk])

    status = officer_client.get(status_url).json()  # the progress page's script asks

    assert status["state"] == "failed" and status["finished"]  # it stops polling
    assert status["error"] == tasks.WORKER_STOPPED
    page = officer_client.get(reverse("admin:indicators_value_import_run", args=[run.pk]))
    html = page.content.decode()
    assert "The task worker stopped before this import finished: nothing was changed. " in html
    assert "Import the file again." in html and "<progress" not in html
    assert 'http-equiv="refresh"' not in html  # no longer follows it

    # The worker's minute-by-minute task (or the next import) takes back what it staged.
    from pages.tasks import publish_scheduled

    assert publish_scheduled.call()["swept"] == 1
    assert not Value.objects.exists()
    assert ImportBatch.objects.get().status == ImportBatch.Status.REJECTED


def test_the_sweep_fails_a_run_whose_worker_died_without_anyone_looking(
    officer_client, monkeypatch
):
    run = killed_mid_preview(officer_client, monkeypatch)

    from indicators.importing.batches import sweep_abandoned

    swept = sweep_abandoned()

    assert len(swept) == 1 and not Value.objects.exists()
    run.refresh_from_db()
    assert run.state == ImportRun.State.FAILED and run.error == tasks.WORKER_STOPPED
    assert run.finished_at is not None


def test_a_worker_stopped_with_ctrl_c_fails_its_run_and_takes_back_its_figures(
    officer_client, monkeypatch
):
    """Ctrl+C twice stops the worker at once (SystemExit in the task): the import takes
    back what it wrote, and the run says the worker stopped."""
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1_000)
    monkeypatch.setattr(services, "BATCH_SIZE", 500)
    staged: list[int] = []

    def stopped(run_id, report):
        staged.append(Value.objects.staged().count())
        raise SystemExit(1)

    monkeypatch.setattr(tasks, "record_progress", stopped)
    page = through_run(
        officer_client,
        officer_client.post(IMPORT_URL, {"file": big_file(3_000), "file_format": "auto"}),
    )

    assert staged and staged[0] >= 500
    run = ImportRun.objects.get()
    assert run.state == ImportRun.State.FAILED and run.error == tasks.WORKER_STOPPED
    assert tasks.WORKER_STOPPED in page.content.decode()
    assert not Value.objects.exists() and not ImportBatch.objects.exists()


def test_a_run_whose_task_ended_while_it_had_not_is_failed(officer_client, settings):
    """With the database's queue: the task is marked failed by the worker (stopped mid-run)
    while the run still says running, its heartbeat fresh: failed at once."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    response = officer_client.post(IMPORT_URL, {"file": big_file(40), "file_format": "auto"})
    run = ImportRun.objects.get()
    assert run.task_id
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    DBTaskResult.objects.filter(id=run.task_id).update(status="FAILED")

    status = officer_client.get(f"{response['Location']}status/").json()

    assert status["state"] == "failed" and status["error"] == tasks.WORKER_STOPPED


def test_a_run_waiting_for_a_busy_worker_is_left_alone(officer_client, settings, run_worker):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    response = officer_client.post(IMPORT_URL, {"file": big_file(40), "file_format": "auto"})
    run = ImportRun.objects.get()
    # The worker has been busy with a long import for longer than a stopped run is given.
    ImportRun.objects.filter(pk=run.pk).update(created_at=long_ago())

    from indicators.importing.batches import sweep_abandoned

    sweep_abandoned()
    status = officer_client.get(f"{response['Location']}status/").json()
    page = officer_client.get(response["Location"]).content.decode()

    assert status["state"] == "queued" and not status["finished"]
    assert "Waiting to start" in page and "Starts as soon as the worker is free" in page
    run_worker()
    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE and run.error == ""


def test_a_live_run_is_left_alone(officer_client, settings):
    """A run that started long ago and said how far it had got a minute ago is alive, its
    task running."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    response = officer_client.post(IMPORT_URL, {"file": big_file(40), "file_format": "auto"})
    run = ImportRun.objects.get()
    a_minute_ago = timezone.now() - datetime.timedelta(minutes=1)
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.RUNNING,
        started_at=long_ago() - datetime.timedelta(hours=1),
        heartbeat_at=a_minute_ago,
        rows_read=20,
        rows_expected=40,
    )
    DBTaskResult.objects.filter(id=run.task_id).update(status="RUNNING", started_at=long_ago())

    from indicators.importing.batches import sweep_abandoned

    sweep_abandoned()
    status = officer_client.get(f"{response['Location']}status/").json()

    assert status["state"] == "running" and not status["finished"] and status["percent"] == 50
    assert status["started"] and status["time_left"].startswith("about ")
    assert ImportRun.objects.get().state == ImportRun.State.RUNNING


def test_the_time_left_is_in_minutes_once_it_is_over_a_minute_and_a_half():
    from indicators.models.imports import time_left_text

    assert time_left_text(None) == "not known yet"
    assert time_left_text(45) == "about 45 seconds left"
    assert time_left_text(90) == "about 90 seconds left"
    assert time_left_text(91) == "about 2 minutes left"
    assert time_left_text(185) == "about 3 minutes left"
