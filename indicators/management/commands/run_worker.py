"""The task worker for whichever queue the settings use: the database's (`db_worker`), or,
with REDIS_URL, RQ's (`rqworker` with its scheduler, for tasks to run later)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Run the task worker (imports, scheduled releases and pages): the database queue's, or "
        "RQ's when REDIS_URL is set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="Run what is queued, then stop (for tests)."
        )

    def handle(self, *args, batch: bool = False, **options) -> None:
        if "django_rq" in settings.INSTALLED_APPS and settings.TASK_QUEUE.endswith("RQBackend"):
            extra = ["--burst"] if batch else []
            job_class = "django_tasks_rq.backend.Job"  # runs a Task, as django-tasks-rq says
            call_command(
                "rqworker", "default", "--with-scheduler", "--job-class", job_class, *extra
            )
            return
        extra = ["--batch", "--no-startup-delay"] if batch else []
        call_command("db_worker", "--no-reload", *extra)
