"""Scheduled publishing runs through the task worker: one queued task, which releases the
scheduled imports and publishes the scheduled pages that are due, and queues the next."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from pages import tasks
from pages.models import Status, Topic
from tests.factories import TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_the_worker_publishes_a_due_page_and_queues_its_next_look(database_tasks, run_worker):
    page = TopicFactory(title="Smoking", status=Status.DRAFT)
    page.publish_at = timezone.now() - datetime.timedelta(minutes=1)
    page.save()
    call_command("schedule_publishing", verbosity=0)
    call_command("schedule_publishing", verbosity=0)  # again: still one in the queue
    assert DBTaskResult.objects.filter(task_path=tasks.TASK_PATH, status="READY").count() == 1

    run_worker()

    assert Topic.objects.get(pk=page.pk).status == Status.PUBLISHED
    done = DBTaskResult.objects.filter(task_path=tasks.TASK_PATH, status="SUCCESSFUL").get()
    assert done.return_value == {
        "released": 0,
        "published": 1,
        "swept": 0,
        "old pages forgotten": 0,
    }
    following = DBTaskResult.objects.get(task_path=tasks.TASK_PATH, status="READY")
    assert following.run_after > timezone.now() + datetime.timedelta(seconds=30)
