from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from indicators.models import ImportBatch
from indicators.releases import publish_due as release_due
from pages.models import Topic
from pages.workflow import publish_due


class Command(BaseCommand):
    help = (
        "Publish the pages, and release the imports, whose scheduled time has come. Run it "
        "every few minutes (cron, a systemd timer or the host's scheduler)."
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
            imports = ImportBatch.objects.filter(
                status=ImportBatch.Status.APPLIED,
                release=ImportBatch.Release.SCHEDULED,
                publish_at__lte=timezone.now(),
            )
            self.stdout.write(f"{imports.count()} import(s) due; none released (--dry-run).")
            return
        # Figures first, so that a page published at the same time shows them.
        released = release_due()
        for batch in released:
            self.stdout.write(f"Released import #{batch.pk} (“{batch.file_name}”).")
        published = publish_due()
        for topic in published:
            self.stdout.write(f"Published “{topic}” ({topic.get_absolute_url()}).")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(published)} page(s) published, {len(released)} import(s) released."
            )
        )
