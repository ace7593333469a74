"""Finding 2: a long import blocked every other writer (one write transaction for the whole
file, so on SQLite a save or a login during a 47 s import failed with "database is locked").

Now the import writes its figures in short transactions of their own, staged. This runs
`benchmarks.concurrency` as a process of its own, on a database of its own (a fresh SQLite
file; on PostgreSQL, a fresh database on the test server): while a generated 500,000-row
import runs, ten logins and ten page saves, overlapping, must all succeed, each within 2 s,
and the import must still be running when they are done.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
ROWS = 500_000

# Timed: run by itself after the rest of the suite (scripts/dev.py test), not beside it.
pytestmark = [pytest.mark.xdist_group("concurrency"), pytest.mark.alone]


def _run(environment: dict[str, str]) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.concurrency", "--rows", str(ROWS), "--json"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    assert lines, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads(lines[-1])


def _environment(**extra: str) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST", "DJANGO_SETTINGS")) and name != "DATABASE_URL"
    }
    environment.update(extra)
    return environment


@pytest.fixture
def database_url(django_db_blocker) -> Iterator[str]:
    """An empty database for the benchmark: a fresh SQLite file (the benchmark makes it), or
    a fresh PostgreSQL database on the server the tests use."""
    url = os.environ.get("DATABASE_URL", "")
    if connection.vendor != "postgresql":
        yield ""
        return
    import psycopg

    name = f"jsna_concurrency_{uuid.uuid4().hex[:8]}"
    settings = connection.settings_dict
    server = {
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
        "user": settings["USER"] or None,
        "password": settings["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with django_db_blocker.unblock(), psycopg.connect(**server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        # Without FORCE, which would have to end the server's own autovacuum worker if it is
        # visiting the new database (our role may not); it leaves within moments.
        with django_db_blocker.unblock(), psycopg.connect(**server) as admin:
            for _ in range(60):
                try:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
                    break
                except psycopg.errors.ObjectInUse:
                    time.sleep(0.5)


def test_logins_and_saves_stay_quick_while_a_500000_row_import_runs(database_url):
    extra = {"DATABASE_URL": database_url} if database_url else {}
    result = _run(_environment(**extra))

    assert result["database"] == (connection.vendor if database_url else "sqlite")
    assert result["import_returncode"] == 0, result.get("import_output")
    assert result["failed"] == []
    assert result["requests"] == 20
    assert result["import_still_running_after_requests"] is True  # they all met the import
    assert result["during_login_slowest"] <= 2.0, result
    assert result["during_save_slowest"] <= 2.0, result
    assert result["passed"] is True
