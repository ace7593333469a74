"""Background tasks: imports run by the task worker, never inside a request.

The officer's upload, "Check again" and "Import" each record an `ImportRun` and enqueue
`run_import` (Django's tasks framework, as backported for 5.2 by django-tasks; the database
backend and `manage.py db_worker` by default). The request returns at once to the run's page,
which shows a progress bar until the run is finished and then its preview or its outcome. The
run reads the file exactly as the request used to (`indicators.admin.imports.import_options`),
saying how far it has got every `PROGRESS_EVERY` rows; a run that fails says why, and the
import takes back whatever it had written, so nothing changes.
"""

from __future__ import annotations

import logging
import pickle
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django_tasks import task

from indicators.admin import uploads
from indicators.importing import ImportReport, import_values, services
from indicators.models import ImportRun

logger = logging.getLogger(__name__)

#: How many rows the first look at a CSV reads to guess how many rows the file has.
SAMPLE_BYTES = 64 * 1024


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
    run_import.enqueue(str(run.pk))
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
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.RUNNING, started_at=timezone.now()
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
        )
    except Exception as error:
        logger.exception("Import run %s failed", run.pk)
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportRun.State.FAILED,
            finished_at=timezone.now(),
            error=_why(error),
        )
        return ImportRun.State.FAILED
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
    """Note how far a run has got (called by the import every `PROGRESS_EVERY` rows)."""
    ImportRun.objects.filter(pk=run_id).update(
        rows_read=report.rows_read,
        figures_checked=_checked(report),
        figures_written=report.figures_new + report.figures_changed,
        updated_at=timezone.now(),
    )


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


__all__ = ["run_import", "services", "start_run"]
