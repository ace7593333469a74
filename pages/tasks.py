"""Work the task worker does for the pages: building again the pages that released figures
changed (`prebuild_pages`, see pages/prebuild.py), and scheduled publishing:
`publish_scheduled` runs every minute as a task that enqueues its own next run, so that the
worker the start command runs for imports also releases scheduled figures, publishes
scheduled pages and takes back abandoned imports, with no cron line to set up.
`manage.py publish_scheduled` does the same once, for a deployment that prefers cron."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

#: How often scheduled releases and pages are looked for.
EVERY = datetime.timedelta(minutes=1)
TASK_PATH = "pages.tasks.publish_scheduled"


@task()
def publish_scheduled() -> dict[str, int]:
    """Release the scheduled imports and publish the scheduled pages that are due (figures
    first, so that a page published at the same time shows them), take back the imports
    whose process ended mid-way (their staged rows) and delete the pages' parts kept too long
    to be served, then come back in a minute."""
    from core.kept_pages import forget_old
    from indicators.importing.batches import sweep_abandoned
    from indicators.releases import publish_due as release_due
    from pages.workflow import publish_due

    try:
        released = release_due()
        published = publish_due()
        swept = sweep_abandoned()
        forgotten = forget_old()
    finally:
        ensure_scheduled(after=timezone.now() + EVERY)
    return {
        "released": len(released),
        "published": len(published),
        "swept": len(swept),
        "old pages forgotten": forgotten,
    }


def ensure_scheduled(*, after: datetime.datetime | None = None) -> bool:
    """Enqueue the next run unless one is waiting already (on the database's queue or RQ's,
    which can be asked); True if one was enqueued."""
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend

    backend = task_backends[publish_scheduled.backend]
    if isinstance(backend, DatabaseBackend):
        from django_tasks_db.models import DBTaskResult

        waiting = DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").exists()
    elif type(backend).__name__ == "RQBackend":
        waiting = _waiting_in_rq()
    else:
        return False  # the immediate backend (tests) would run it for ever
    if waiting:
        return False
    publish_scheduled.using(run_after=after or timezone.now()).enqueue()
    return True


def _waiting_in_rq() -> bool:
    """Whether RQ holds a run of `publish_scheduled`, queued or scheduled."""
    import django_rq

    queue = django_rq.get_queue("default")
    ids = [*queue.get_job_ids(), *queue.scheduled_job_registry.get_job_ids()]
    return any(
        job is not None and job.func_name == TASK_PATH
        for job in queue.job_class.fetch_many(ids, connection=queue.connection)
    )


@task()
def prebuild_pages(tags: list[str]) -> dict[str, int]:
    """Build again the public pages that show what `tags` name (pages/prebuild.py)."""
    from pages.prebuild import prebuild

    return prebuild(tags)
