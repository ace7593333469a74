# ruff: noqa: F811 - the fixtures of test_admin_import, imported
"""With REDIS_URL (several machines) imports go through RQ's queue in Redis (django-tasks-rq):
the upload answers at once with the run's page, the run waits in Redis until a worker takes
it, and the worker's run gives the same preview. Runs where REDIS_URL is set (CI's
PostgreSQL run, with a throwaway Redis server)."""

from __future__ import annotations

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import ImportRun
from pages import tasks as page_tasks
from tests.indicators.test_admin_import import (  # noqa: F401 - fixtures
    IMPORT_URL,
    officer,
    officer_client,
    site,
    upload_root,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set"),
]

ROWS = b"indicator,area_code,period,value\nre-referrals,E07000123,2012/13,21.5\n"


@pytest.fixture
def rq(settings):
    import django_rq

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    queue = django_rq.get_queue("default")
    queue.empty()
    queue.scheduled_job_registry.remove_jobs()
    yield queue
    queue.empty()
    queue.scheduled_job_registry.remove_jobs()


def work(queue) -> None:
    """A worker in this process and this test's transaction, until the queue is empty."""
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)


def test_an_upload_waits_in_redis_until_a_worker_takes_it(officer_client, rq):
    file = SimpleUploadedFile("one.csv", ROWS, content_type="text/csv")
    response = officer_client.post(IMPORT_URL, {"file": file, "file_format": "auto"})

    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.state == ImportRun.State.QUEUED
    assert rq.count == 1  # the run's task, in Redis

    work(rq)

    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE, run.error
    preview = officer_client.get(response["Location"])
    assert preview.context["report"].figures_new == 1


def test_scheduled_publishing_is_queued_once_in_rq(rq):
    assert page_tasks.ensure_scheduled() is True
    assert page_tasks.ensure_scheduled() is False  # one is waiting already


def test_with_redis_the_worker_is_rqs(settings):
    """The settings choose RQ's queue, and `run_worker` runs RQ's worker with its scheduler
    and django-tasks-rq's job class."""
    from unittest import mock

    from django.core.management import call_command

    assert settings.TASK_QUEUE == "django_tasks_rq.RQBackend"
    assert "django_rq" in settings.INSTALLED_APPS
    with mock.patch("indicators.management.commands.run_worker.call_command") as called:
        call_command("run_worker", "--batch")
    (call,) = called.call_args_list
    assert call.args[:3] == ("rqworker", "default", "--with-scheduler")
    assert "django_tasks_rq.backend.Job" in call.args and "--burst" in call.args
