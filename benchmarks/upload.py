"""A national file through the officer's screens: upload, preview, confirm, at flat memory.

    python -m benchmarks.upload                    # 1,000,000 rows, fresh SQLite file
    python -m benchmarks.upload --rows 200000      # a smaller run
    DATABASE_URL=postgres://... python -m benchmarks.upload    # an EMPTY PostgreSQL database

It migrates a fresh database, loads England's geography and the demo, adds indicators and a
file of figures for them in our import template (`benchmarks.imports`' generator), and an
officer who may import them. Then, through Django's full request handling (the test client:
the admin's own views, sessions, CSRF), as the officer's browser would:

1. uploads the file (``POST`` of the upload form): the answer must come at once, a redirect
   to the run's page, with the run queued for the worker;
2. runs the task worker (``manage.py db_worker --batch``, a process of its own, as the start
   command runs it) until the preview is done, and opens the run's page: the preview;
3. confirms the import (``POST`` of the preview's form), runs the worker again, and opens the
   run's page: a redirect to the import's record.

It prints the time of each step, and the peak resident memory of each worker run (its
``VmHWM``) and of the web process, against the size of the file (Linux only). Memory is flat
when neither grows with the file: compare ``--rows 200000`` with the default. Django runs
with DEBUG off.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.concurrency import build
from benchmarks.imports import setup_django

PASSWORD = "upload-benchmark-Password-1"


def worker(env: dict[str, str]) -> tuple[float, float]:
    """Run the task worker until the queue is empty: (seconds, its peak memory in MB)."""
    start = time.perf_counter()
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; from django.core.management import call_command; "
            "django.setup(); call_command('db_worker', '--batch', '--no-startup-delay', "
            "'--no-reload'); "
            # VmHWM, not ru_maxrss: Linux carries a parent's ru_maxrss over fork and exec.
            "print('PEAK', [int(line.split()[1]) for line in open('/proc/self/status') "
            "if line.startswith('VmHWM')][0] / 1024)",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - start
    (peak,) = re.findall(r"^PEAK ([\d.]+)$", completed.stdout, re.M)
    return seconds, float(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    folder = setup_django(os.environ.get("DATABASE_URL"))

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from indicators.models import ImportBatch, ImportRun, Value
    from pages.services import ADMINISTRATOR, create_officer

    setup_test_environment()  # the test client keeps each page's context, to read the report
    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    path = build(args.rows, folder)
    size_mb = path.stat().st_size / 2**20
    create_officer(username="importer", password=PASSWORD, role=ADMINISTRATOR)
    client = Client()
    client.force_login(get_user_model().objects.get(username="importer"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jsna.settings"}
    print(f"Database: {connection.vendor}; {args.rows:,} rows, {size_mb:.0f} MB", flush=True)

    start = time.perf_counter()
    with path.open("rb") as handle:
        upload = SimpleUploadedFile("national.csv", handle.read(), content_type="text/csv")
    response = client.post(
        "/admin/indicators/value/import/",
        {"file": upload, "file_format": "auto"},
        secure=True,
    )
    del upload
    upload_seconds = time.perf_counter() - start
    assert response.status_code == 302 and "/import/run/" in response["Location"], response
    run_page = response["Location"]
    assert ImportRun.objects.get().state == ImportRun.State.QUEUED
    connection.close()
    preview_seconds, preview_peak = worker(env)
    preview = client.get(run_page, secure=True)
    run = ImportRun.objects.get()
    assert run.state == ImportRun.State.DONE, (run.state, run.error)
    report = preview.context["report"]
    assert report.figures_new == args.rows, report.summary()
    form = preview.context["form"]
    data = {
        name: value
        for name, value in (
            (field.html_name, field.value()) for field in form if field.value() is not None
        )
        if value is not False
    }
    data = {name: ("on" if value is True else value) for name, value in data.items()}
    response = client.post("/admin/indicators/value/import/confirm/", data, secure=True)
    assert response.status_code == 302 and "/import/run/" in response["Location"], response
    confirm_page = response["Location"]
    connection.close()
    import_seconds, import_peak = worker(env)
    done = client.get(confirm_page, secure=True)
    assert done.status_code == 302 and "/admin/indicators/importbatch/" in done["Location"]
    batch = ImportBatch.objects.get()
    staged = Value.objects.filter(import_batch=batch, is_staged=True).count()
    assert staged == args.rows, staged
    web_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"upload answered in {upload_seconds:.1f} s (a redirect to the run's page)")
    print(f"preview: the worker took {preview_seconds:.1f} s, peak {preview_peak:.0f} MB")
    print(f"import:  the worker took {import_seconds:.1f} s, peak {import_peak:.0f} MB")
    print(
        f"web process peak {web_peak:.0f} MB (it held the {size_mb:.0f} MB upload in memory "
        "to post it, as a browser would not)"
    )
    print(f"{staged:,} figures staged for release")


if __name__ == "__main__":
    main()
