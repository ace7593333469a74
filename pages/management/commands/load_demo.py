from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from pages.demo.loader import load_demo


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Load the Lancashire child protection demo: areas, indicators, periods, the published "
        "figures, illustrative figures (flagged as such) and the topic pages. Running it again "
        "changes nothing that is already in place."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change, then roll back."
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        try:
            with transaction.atomic():
                report = load_demo()
                if dry_run:
                    raise DryRun
        except DryRun:
            self.stdout.write(self.style.WARNING("Dry run: nothing was saved."))
        for name, number in sorted(report.created.items()):
            self.stdout.write(f"  {name}: {number} created")
        for name, number in sorted(report.updated.items()):
            self.stdout.write(f"  {name}: {number} updated")
        if not report.created and not report.updated:
            self.stdout.write(
                self.style.SUCCESS("Demo content is already up to date: nothing changed.")
            )
        else:
            self.stdout.write(self.style.SUCCESS("Demo content loaded."))
