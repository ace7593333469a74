from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

# The apps whose tables `load_demo` fills.
DEMO_APPS = ["indicators", "pages"]


@pytest.fixture(scope="session")
def demo_dump(django_db_setup, django_db_blocker, tmp_path_factory) -> Path:
    """What `load_demo` builds, as a Django fixture: built once per test process (each xdist
    worker has its own) in a transaction that is then rolled back. `load_demo` validates every
    row (`full_clean`) and takes over a second; `loaddata` of its result takes a tenth of that."""
    path = tmp_path_factory.mktemp("demo") / "demo.json"
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", verbosity=0)
        call_command("dumpdata", *DEMO_APPS, output=path, verbosity=0)
        transaction.set_rollback(True)
    return path


@pytest.fixture
def demo(db, demo_dump):
    """The full Lancashire demo content; only for tests that are about it (tests/factories.py
    builds the small Lancashire and Child protection page that other tests need)."""
    call_command("loaddata", demo_dump, verbosity=0)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (pages, A to Z)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def run_worker(monkeypatch):
    """Run the task worker (`manage.py db_worker`) until the queue is empty, in this test's
    own transaction: the worker's check for stale connections would otherwise close the test's
    connection (it is not in autocommit, inside the test's transaction)."""
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> None:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    return run
