from django.core.management.base import BaseCommand

from pages.tasks import ensure_scheduled


class Command(BaseCommand):
    help = (
        "Have the task worker release scheduled imports and publish scheduled pages every "
        "minute (once is enough: each run enqueues the next). Run by scripts/dev.py start."
    )

    def handle(self, *args, **options) -> None:
        if ensure_scheduled():
            self.stdout.write("Scheduled publishing: the task worker checks every minute.")
        else:
            self.stdout.write("Scheduled publishing was already queued for the task worker.")
