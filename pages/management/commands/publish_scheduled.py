from django.core.management.base import BaseCommand, CommandParser

from pages.models import Topic
from pages.workflow import publish_due


class Command(BaseCommand):
    help = (
        "Publish the pages whose scheduled time has come. Run it every few minutes (cron, a "
        "systemd timer or the host's scheduler)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List the pages that are due; publish none."
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        if dry_run:
            due = list(Topic.objects.due_to_publish())
            for topic in due:
                self.stdout.write(
                    f"Due: “{topic}” (scheduled for {topic.publish_at:%Y-%m-%d %H:%M})."
                )
            self.stdout.write(f"{len(due)} page(s) due; nothing published (--dry-run).")
            return
        published = publish_due()
        for topic in published:
            self.stdout.write(f"Published “{topic}” ({topic.get_absolute_url()}).")
        self.stdout.write(self.style.SUCCESS(f"{len(published)} page(s) published."))
