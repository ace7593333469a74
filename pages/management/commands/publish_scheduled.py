from django.core.management.base import BaseCommand

from pages.workflow import publish_due


class Command(BaseCommand):
    help = (
        "Publish the pages whose scheduled time has come. Run it every few minutes (cron, a "
        "systemd timer or the host's scheduler)."
    )

    def handle(self, *args, **options) -> None:
        published = publish_due()
        for topic in published:
            self.stdout.write(f"Published “{topic}” ({topic.get_absolute_url()}).")
        self.stdout.write(self.style.SUCCESS(f"{len(published)} page(s) published."))
