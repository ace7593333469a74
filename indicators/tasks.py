"""Background tasks: imports run by the task worker, never inside a request.

The officer's upload, "Check again" and "Import" each record an `ImportRun` and enqueue
`run_import` (Django's tasks framework, as backported for 5.2 by django-tasks; the database
backend and `manage.py db_worker` by default). The request returns at once to the run's page,
which shows a progress bar until the run is finished and then its preview or its outcome. The
run reads the file exactly as the request used to (`indicators.admin.imports.import_options`),
saying how far it has got every `PROGRESS_EVERY` rows; a run that fails says why, and the
import takes back whatever it had written, so nothing changes.

A run whose worker stopped mid-way (stopped with Ctrl+C, killed, the machine turned off)
cannot say so itself. Each progress record is its heartbeat (`ImportRun.heartbeat_at`), and
the run keeps its task's id: a run that has not beaten for `STOPPED_AFTER`, or whose task has
ended while the run has not, is marked failed (`settle`) wherever it is read (its page, the
status its script asks for, the start page) and by `sweep_abandoned` (each minute, and before
each import), which also takes back its staged figures. A run merely waiting for a busy
worker has no heartbeat yet and its task is still waiting: it is left alone.
"""

from __future__ import annotations

import datetime
import logging
import pickle
from collections.abc import Iterable
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django_tasks import task, task_backends

from indicators.admin import uploads
from indicators.importing import ImportReport, import_values, services
from indicators.importing.batches import ABANDONED_AFTER
from indicators.models import ImportRun

logger = logging.getLogger(__name__)

#: How many rows the first look at a CSV reads to guess how many rows the file has.
SAMPLE_BYTES = 64 * 1024

#: A running import says how far it has got as it starts and then every `PROGRESS_EVERY` rows
#: read (10,000: a few seconds apart at most, 200,000 rows being checked in well under a
#: minute), whether or not it has written a batch yet. The longest gaps are before the first
#: rows (opening and hashing the file, a first look at a workbook: reading is stopped after
#: IMPORT_MAX_SECONDS, 5 minutes, in all) and after the last (the last batch, then keeping the
#: import or taking back a preview's staged figures: well under a minute for 200,000). One
#: that has said nothing for this long has stopped: as long as its staged figures are kept
#: without a heartbeat (`indicators.importing.batches.ABANDONED_AFTER`, 15 minutes), so that
#: the run and its figures are given up together.
STOPPED_AFTER = ABANDONED_AFTER

#: What a run whose worker stopped says.
WORKER_STOPPED = (
    "The task worker stopped before this import finished: nothing was changed. Import the "
    "file again."
)


def choices_data(data: QueryDict | dict[str, Any]) -> dict[str, list[str]]:
    """A form's posted data, as a run keeps it (every value of every field)."""
    if isinstance(data, QueryDict):
        return {name: list(values) for name, values in data.lists()}
    return {name: [str(value)] for name, value in data.items()}


def posted(choices: dict[str, list[str]]) -> QueryDict:
    """The data a run keeps, as the form would have it posted."""
    data = QueryDict(mutable=True)
    for name, values in choices.items():
        data.setlist(name, values)
    return data


def start_run(
    *, user: Any, upload: uploads.Upload, choices: dict[str, list[str]], dry_run: bool
) -> ImportRun:
    """Record the run and hand it to the worker."""
    run = ImportRun.objects.create(
        user=user,
        upload=upload.sha256,
        file_name=upload.name[:255],
        file_size=upload.size,
        dry_run=dry_run,
        choices=choices,
        rows_expected=expected_rows(upload),
    )
    result = run_import.enqueue(str(run.pk))
    ImportRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
    run.refresh_from_db()  # an immediate backend has run it already
    return run


def expected_rows(upload: uploads.Upload) -> int:
    """About how many rows a CSV has, from its size and its first rows (0 for a workbook,
    whose size says little about its rows)."""
    try:
        with open(upload.path, "rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
    except OSError:
        return 0
    if sample.startswith(b"PK") or not sample:
        return 0
    lines = sample.count(b"\n")
    if len(sample) < SAMPLE_BYTES:
        return max(lines, 1)
    return int(upload.size * lines / len(sample)) if lines else 0


@task()
def run_import(run_id: str) -> str:
    """Run an import for the worker: read the kept upload with the officer's choices, keep
    the report (and how far it has got, as it goes); a failure says why."""
    from indicators.admin.forms import ImportChoicesForm
    from indicators.admin.imports import import_options

    run = ImportRun.objects.select_related("user").get(pk=run_id)
    if run.finished:
        return run.state
    now = timezone.now()
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.RUNNING, started_at=now, heartbeat_at=now
    )
    run.refresh_from_db()
    try:
        path = uploads.UploadStore(run.user.pk).path(run.upload)
        if path is None:
            raise FileNotFoundError(
                "The uploaded file is no longer here: uploads are kept for a day. Upload it again."
            )
        upload = uploads.Upload(
            sha256=run.upload, name=run.file_name, size=run.file_size, path=path
        )
        form = ImportChoicesForm(posted(run.choices))
        form.is_valid()  # the view checked it; a mistyped field is shown in the preview

        report = import_values(
            **import_options(form, run.user, upload, dry_run=run.dry_run),
            progress=lambda report: record_progress(run.pk, report),
            alive=lambda: ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now()),
        )
    except Exception as error:
        logger.exception("Import run %s failed", run.pk)
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportRun.State.FAILED,
            finished_at=timezone.now(),
            error=_why(error),
        )
        return ImportRun.State.FAILED
    except BaseException:
        # The worker is being stopped (Ctrl+C twice, SystemExit): the import has taken back
        # what it wrote; say so, then let the worker stop.
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportRun.State.FAILED, finished_at=timezone.now(), error=WORKER_STOPPED
        )
        raise
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.DONE,
        finished_at=timezone.now(),
        rows_read=report.rows_read,
        figures_checked=_checked(report),
        figures_written=0 if report.dry_run else report.figures_new + report.figures_changed,
        report=pickle.dumps(report),
        batch=report.batch,
    )
    return ImportRun.State.DONE


def record_progress(run_id: Any, report: ImportReport) -> None:
    """Note how far a run has got (called by the import every `PROGRESS_EVERY` rows): its
    heartbeat."""
    now = timezone.now()
    ImportRun.objects.filter(pk=run_id).update(
        rows_read=report.rows_read,
        figures_checked=_checked(report),
        figures_written=report.figures_new + report.figures_changed,
        updated_at=now,
        heartbeat_at=now,
    )


# --- Runs whose worker stopped ------------------------------------------------------------------


def settle(runs: Iterable[ImportRun], now: datetime.datetime | None = None) -> list[ImportRun]:
    """Mark failed, in the database and in `runs`, those of `runs` whose worker stopped before
    they finished (see the module's docstring); the runs so marked. A run that is waiting for
    the worker, or running and saying how far it has got, is left alone; so is one that
    finishes meanwhile."""
    now = now or timezone.now()
    unfinished = [run for run in runs if not run.finished]
    if not unfinished:
        return []
    cutoff = now - STOPPED_AFTER
    tasks = task_states([run.task_id for run in unfinished if run.task_id])
    stopped = []
    for run in unfinished:
        status, task_started = tasks.get(run.task_id, (None, None))
        if status in ("FAILED", "SUCCESSFUL"):
            # Its task has ended, the run has not: the worker was stopped mid-way.
            still = ImportRun.objects.filter(pk=run.pk, state=run.state)
        elif run.state == ImportRun.State.RUNNING:
            beat = run.heartbeat_at or run.started_at or run.created_at
            if beat >= cutoff:
                continue
            # Unless it has beaten since it was read.
            still = ImportRun.objects.filter(
                pk=run.pk, state=run.state, heartbeat_at=run.heartbeat_at
            )
        elif status == "RUNNING" and task_started is not None and task_started < cutoff:
            # The worker took its task long ago, and stopped before the run started.
            still = ImportRun.objects.filter(pk=run.pk, state=run.state)
        else:
            continue  # waiting for the worker, or running and alive
        if still.update(state=ImportRun.State.FAILED, finished_at=now, error=WORKER_STOPPED):
            logger.warning("Import run %s failed: its worker stopped", run.pk)
            run.state, run.finished_at, run.error = ImportRun.State.FAILED, now, WORKER_STOPPED
            stopped.append(run)
        else:
            run.refresh_from_db()  # it changed meanwhile: as it is now
    return stopped


def sweep_stopped(now: datetime.datetime | None = None) -> list[ImportRun]:
    """Mark failed every run whose worker stopped (`settle`): called by
    `indicators.importing.batches.sweep_abandoned`, which takes back their staged figures."""
    unfinished = ImportRun.objects.filter(
        state__in=[ImportRun.State.QUEUED, ImportRun.State.RUNNING]
    )
    return settle(list(unfinished), now)


def task_states(task_ids: list[str]) -> dict[str, tuple[str, datetime.datetime | None]]:
    """The status of each of these tasks the task backend can tell (its name, such as
    "READY", "RUNNING" or "FAILED", and when it started), by id: one query on the database's
    queue; each asked of another backend that can say (RQ); none from the immediate backend."""
    if not task_ids:
        return {}
    backend = task_backends[run_import.backend]
    if type(backend).__name__ == "DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        rows = DBTaskResult.objects.filter(id__in=task_ids).values_list(
            "id", "status", "started_at"
        )
        return {str(pk): (str(status), started) for pk, status, started in rows}
    if not getattr(backend, "supports_get_result", False):
        return {}
    found = {}
    for task_id in task_ids:
        try:
            result = backend.get_result(task_id)
        except Exception:  # noqa: BLE001 - gone, or the queue cannot be reached: not known
            continue
        found[task_id] = (str(result.status), result.started_at)
    return found


def report_of(run: ImportRun) -> ImportReport | None:
    """The report a finished run kept (written by `run_import` itself, never by a user)."""
    if run.report is None:
        return None
    report = pickle.loads(bytes(run.report))  # our own worker wrote it, never a user
    assert isinstance(report, ImportReport)
    return report


def _checked(report: ImportReport) -> int:
    """Figures read so far: those classified (`ImportReport.figures_read`) and those waiting
    to be."""
    return report.figures_read + report.figures_waiting


def _why(error: Exception) -> str:
    if isinstance(error, FileNotFoundError) and error.args:
        return str(error.args[0])
    return (
        f"The import stopped with an error ({type(error).__name__}: {error}). Nothing was "
        "changed. Try again; if it happens again, tell the site's administrators."
    )


__all__ = ["WORKER_STOPPED", "run_import", "services", "settle", "start_run", "sweep_stopped"]
