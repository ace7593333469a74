"""python manage.py load_geography: England's areas, statistical groupings and boundary
changes, from the ONS files the project ships. Safe to run again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from indicators.geography import ATTRIBUTION, apply, plan, shipped_files
from indicators.management.commands.import_areas import write_plan


class Command(BaseCommand):
    help = (
        "Load England, its regions, counties and every local authority district and unitary "
        "authority (ONS, April 2023), the ONS statistical groupings and the successor table of "
        "boundary and code changes since 2012. Run it again at any time: it adds what is "
        "missing, follows ONS's names, and keeps any name an officer has given an area "
        "(unless --use-ons-names), saying what it did."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Change nothing.")
        parser.add_argument(
            "--use-ons-names",
            action="store_true",
            help="Give areas that officers have renamed ONS's names again.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        result = plan(shipped_files(), use_ons_names=options["use_ons_names"])
        if not options["dry_run"] and result.ok:
            apply(result, description="England's geography (ONS, shipped with the site)")
        write_plan(self, result, dry_run=options["dry_run"])
        if options["verbosity"] > 0:
            self.stdout.write(ATTRIBUTION)
