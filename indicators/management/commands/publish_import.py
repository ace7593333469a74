"""python manage.py publish_import ID: release a staged import's figures to the public."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from indicators.models import ImportBatch
from indicators.releases import ReleaseRefused, discard_release, publish_release


class Command(BaseCommand):
    help = (
        "Release the figures of a staged import (by its number, as `import_values` and the "
        "admin show it) to the public now, or --discard them. Flagged changes of meaning are "
        "checked in the admin's release report; from the command line they are released as "
        "they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("batch_id", type=int, help="The import's number.")
        parser.add_argument("--note", default="", help="A release note for the public.")
        parser.add_argument(
            "--discard", action="store_true", help="Throw the staged figures away instead."
        )

    def handle(self, *args: Any, batch_id: int, note: str, discard: bool, **options: Any) -> None:
        batch = ImportBatch.objects.filter(pk=batch_id).first()
        if batch is None:
            raise CommandError(f"There is no import #{batch_id}.")
        try:
            if discard:
                discard_release(batch)
                self.stdout.write(f"Discarded the staged figures of import #{batch_id}.")
                return
            batch = publish_release(batch, note=note)
        except ReleaseRefused as error:
            raise CommandError(str(error)) from error
        summary = batch.release_summary
        added = sum(part["added"] for part in summary.values())
        revised = sum(part["revised"] for part in summary.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Released import #{batch_id} (“{batch.file_name}”): {added:,} figures added, "
                f"{revised:,} revised."
            )
        )
