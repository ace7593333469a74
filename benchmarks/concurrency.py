"""Other people's work while a large import runs: saves and logins stay quick.

    python -m benchmarks.concurrency                  # 500,000 rows, fresh SQLite file
    python -m benchmarks.concurrency --rows 100000    # a smaller run
    DATABASE_URL=postgres://... python -m benchmarks.concurrency   # an EMPTY PostgreSQL database
    scripts/postgres.sh .venv/bin/python -m benchmarks.concurrency  # a throwaway server

It migrates a fresh database, loads England's geography and the demo, adds indicators and a
file of figures for them (`benchmarks.imports`' generator, in our import template), and ten
draft topic pages. Then it starts ``manage.py import_values FILE`` in a process of its own, as
an officer would from the command line, waits until the import is writing figures, and sends,
all at once, from threads of this process through Django's full request handling (the test
client: middleware, sessions, CSRF, the admin):

- ten logins to the admin (``POST /admin/login/``, the production password hasher), and
- ten saves of a topic page in the admin (``POST`` of the change form as a browser posts it,
  with one section's narrative changed), each by an officer already logged in.

Each request is timed. It passes when every login and save succeeded (a redirect, and the
section's new text is in the database), each within ``--limit`` seconds (2 by default), and
the import was still running when the last of them finished (so they all met it).

``--json`` prints the result as one JSON object (for the test that runs this); the exit
status is 0 on a pass and 1 otherwise. Django runs with DEBUG off, as in production.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.imports import file_rows, setup_django, write_file

CLIENTS = 10  # of each kind
PASSWORD = "concurrency-benchmark-Password-1"


def build(rows: int, folder: Path) -> Path:
    """The site, the officers, the pages to save, the file to import."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from indicators.models import Area, Indicator, Period
    from pages.models import Section, Topic

    call_command("migrate", verbosity=0)
    call_command("load_geography", verbosity=0)
    call_command("load_demo", verbosity=0)
    users = get_user_model()
    for n in range(CLIENTS):
        users.objects.create_superuser(f"officer{n}", f"officer{n}@example.org", PASSWORD)
    theme = Topic.objects.filter(parent__isnull=True).order_by("pk").first()
    for n in range(CLIENTS):
        topic = Topic.objects.create(parent=theme, title=f"Waiting page {n}", slug=f"waiting-{n}")
        Section.objects.create(
            topic=topic, heading="What we know", anchor="what-we-know", body="First words."
        )
    areas = list(Area.objects.filter(is_current=True).order_by("code").values_list("code", "name"))
    periods = []
    for year in range(2008, 2024):
        period, _ = Period.objects.get_or_create_from_code(f"{year}/{(year + 1) % 100:02d}")
        periods.append(period.code)
    per_indicator = len(areas) * len(periods)
    indicators = [
        Indicator(
            name=f"Concurrency indicator {n}",
            slug=f"concurrency-{n:04d}",
            unit="percentage",
            multiplier=100,
            decimal_places=1,
            is_public=True,
        )
        for n in range(-(-rows // per_indicator))
    ]
    Indicator.objects.bulk_create(indicators)
    path = folder / "figures.csv"
    written = write_file(
        path, file_rows(rows, areas, periods, [(i.slug, i.unit) for i in indicators])
    )
    assert written == rows, written
    return path


def attempt(kind: str, work: Callable[..., None], *args: Any) -> None:
    """Run one client's work; an exception is a failure, recorded as such."""
    results = args[-1]
    try:
        work(*args)
    except Exception as error:  # noqa: BLE001 - reported, never lost
        results.append({"kind": kind, "seconds": 0.0, "ok": False, "error": repr(error)})
    finally:
        from django.db import connection

        connection.close()


def login(n: int, at: float, results: list[dict[str, object]]) -> None:
    from django.test import Client

    client = Client()
    _wait_until(at)
    start = time.perf_counter()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": f"officer{n}", "password": PASSWORD, "next": "/admin/"},
        secure=True,
    )
    seconds = time.perf_counter() - start
    ok = response.status_code == 302 and "_auth_user_id" in client.session
    results.append({"kind": "login", "seconds": seconds, "ok": ok})


def save(n: int, at: float, text: str, results: list[dict[str, object]]) -> None:
    """Open the page's form (logged in already), then at `at` save it with new words."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from pages.models import Section, Topic
    from tests.pages.admin_forms import form_data

    client = Client()
    client.force_login(get_user_model().objects.get(username=f"officer{n}"))
    topic = Topic.objects.get(slug=f"waiting-{n}")
    url = f"/admin/pages/topic/{topic.pk}/change/"
    data = form_data(client.get(url, secure=True))
    data["sections-0-body"] = text  # the page's one section
    data["_save"] = "Save"
    _wait_until(at)
    start = time.perf_counter()
    response = client.post(url, data, secure=True)
    seconds = time.perf_counter() - start
    ok = response.status_code == 302 and Section.objects.get(topic=topic).body == text
    result: dict[str, object] = {"kind": "save", "seconds": seconds, "ok": ok}
    if not ok:
        result["status"] = response.status_code
        result["errors"] = re.findall(
            r'class="(?:errornote|errorlist)[^"]*"[^>]*>(.*?)</', response.content.decode(), re.S
        )[:5]
    results.append(result)


def _wait_until(moment: float) -> None:
    time.sleep(max(moment - time.perf_counter(), 0))


def requests(spread: float, text: str) -> list[dict[str, object]]:
    """Ten logins and ten saves, one after another every `spread / 20` seconds, each in a
    thread of its own, so that those still running overlap those starting; their results."""
    results: list[dict[str, object]] = []
    first = time.perf_counter() + 3  # time for the saves to open their forms
    step = spread / (2 * CLIENTS)
    threads = []
    for n in range(CLIENTS):
        at = first + 2 * n * step
        threads.append(threading.Thread(target=attempt, args=("save", save, n, at, text, results)))
        threads.append(
            threading.Thread(target=attempt, args=("login", login, n, at + step, results))
        )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def slowest(results: list[dict[str, object]], kind: str) -> float:
    return round(
        max((float(str(r["seconds"])) for r in results if r["kind"] == kind), default=0), 3
    )


def median(results: list[dict[str, object]], kind: str) -> float:
    return round(
        statistics.median(float(str(r["seconds"])) for r in results if r["kind"] == kind), 3
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--limit", type=float, default=2.0, help="Seconds each may take.")
    parser.add_argument(
        "--spread", type=float, default=8.0, help="Seconds over which the requests start."
    )
    parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
    args = parser.parse_args()
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")  # the test client's host
    folder = setup_django(os.environ.get("DATABASE_URL"))

    from django.conf import settings
    from django.db import connection

    # Pages are rendered without collectstatic's manifest: static files are not measured.
    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )

    from indicators.models import ImportBatch, Value

    path = build(args.rows, folder)
    vendor = connection.vendor
    baseline = requests(args.spread, "Saved with nothing else running.")
    connection.close()
    started = time.perf_counter()
    importer = subprocess.Popen(
        [sys.executable, "manage.py", "import_values", str(path)],
        cwd=Path(__file__).resolve().parent.parent,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Wait until the import is writing figures (staged, under its running record).
    while (
        importer.poll() is None
        and not Value.objects.filter(import_batch__status=ImportBatch.Status.RUNNING).exists()
    ):
        time.sleep(0.2)
    writing_after = time.perf_counter() - started
    during = requests(args.spread, "Saved while the import ran.")
    still_running = (
        importer.poll() is None
        and ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING).exists()
    )
    output, _ = importer.communicate()
    import_seconds = time.perf_counter() - started
    worst = max(slowest(during, "login"), slowest(during, "save"))
    passed = (
        importer.returncode == 0
        and still_running
        and len(during) == 2 * CLIENTS
        and all(result["ok"] for result in [*baseline, *during])
        and worst <= args.limit
    )
    summary: dict[str, object] = {
        "database": vendor,
        "rows": args.rows,
        "import_seconds": round(import_seconds, 1),
        "import_writing_after": round(writing_after, 1),
        "import_returncode": importer.returncode,
        "import_still_running_after_requests": still_running,
        "requests": len(during),
        "failed": [result for result in [*baseline, *during] if not result["ok"]],
        "limit": args.limit,
        "passed": passed,
    }
    for name, results in (("baseline", baseline), ("during", during)):
        for kind in ("login", "save"):
            summary[f"{name}_{kind}_median"] = median(results, kind)
            summary[f"{name}_{kind}_slowest"] = slowest(results, kind)
    if importer.returncode:
        summary["import_output"] = output[-2000:]
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"Database: {vendor}; {args.rows:,} rows imported in {import_seconds:.1f} s")
        print(
            f"{CLIENTS} logins and {CLIENTS} saves, started over {args.spread:g} s, while it "
            f"ran (writing from {writing_after:.1f} s); import still running after them: "
            f"{still_running}"
        )
        print(f"{'':<8}{'median':>12}{'slowest':>12}{'baseline median':>18}{'ratio':>8}")
        for kind in ("login", "save"):
            base = summary[f"baseline_{kind}_median"]
            now = summary[f"during_{kind}_median"]
            ratio = float(str(now)) / float(str(base)) if base else 0
            print(
                f"{kind:<8}{now:>11}s{summary[f'during_{kind}_slowest']:>11}s"
                f"{base:>17}s{ratio:>7.1f}x"
            )
        print(f"{len(summary['failed'])} failed; limit {args.limit} s each")  # type: ignore[arg-type]
        print("PASSED" if passed else "FAILED")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
