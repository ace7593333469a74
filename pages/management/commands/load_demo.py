import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from pages.demo.loader import Kept, LoadReport, load_demo

# How many kept or restored items the report names before it only counts the rest.
LISTED = 20

REFUSED = (
    "load_demo --reset puts every item of the demo back as the demo has it, overwriting what "
    "was edited since the demo was loaded (narrative, definitions, figures) and recreating what "
    "was deleted. Nothing was changed: run it in a terminal to be asked, or add --yes (or "
    "--no-input) to confirm in a script."
)


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Load the Lancashire child protection demo: areas, indicators, periods, the published "
        "figures, illustrative figures (flagged as such) and the topic pages. Running it again "
        "adds what is missing and keeps everything edited since the demo was loaded (pages, "
        "sections, indicators, figures, areas), saying what it kept; --reset puts the demo back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change, then roll back."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Put every item of the demo back as the demo has it, including those edited "
            "or deleted since it was loaded. Asks for confirmation. What the demo does not "
            "define (other pages, sections, figures, pending drafts) is left alone.",
        )
        parser.add_argument(
            "--yes",
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="With --reset: confirm without being asked (for scripts).",
        )

    def handle(
        self,
        *args: Any,
        dry_run: bool = False,
        reset: bool = False,
        interactive: bool = True,
        **options: Any,
    ) -> None:
        if reset and not dry_run and interactive and not self.confirmed():
            return
        try:
            with transaction.atomic():
                report = load_demo(reset=reset)
                if dry_run:
                    raise DryRun
        except DryRun:
            self.stdout.write(self.style.WARNING("Dry run: nothing was saved."))
        self.write_report(report)

    def confirmed(self) -> bool:
        """Whether the person at the terminal typed “yes” to the reset; refuses outright when
        no one is there to ask."""
        if sys.stdin is None or not sys.stdin.isatty():
            raise CommandError(REFUSED)
        preview = self.preview()
        if preview.kept:
            self.stdout.write(
                f"This puts back {_items(len(preview.kept))} edited since the demo was loaded:"
            )
            self.write_items(preview.kept)
        else:
            self.stdout.write("Nothing was edited since the demo was loaded.")
        try:
            answer = input("Type “yes” to put the demo back: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            self.stdout.write("Reset cancelled: nothing was changed.")
            return False
        return True

    @staticmethod
    def preview() -> LoadReport:
        """What a plain run would keep (and so a reset would overwrite), saving nothing."""
        try:
            with transaction.atomic():
                report = load_demo()
                raise DryRun
        except DryRun:
            return report

    def write_report(self, report: LoadReport) -> None:
        for name, number in sorted(report.created.items()):
            self.stdout.write(f"  {name}: {number} created")
        for name, number in sorted(report.updated.items()):
            self.stdout.write(f"  {name}: {number} updated")
        if report.restored:
            self.stdout.write(
                f"Put back {_items(len(report.restored))} edited since the demo was loaded:"
            )
            self.write_items(report.restored)
        if report.kept:
            self.stdout.write(
                self.style.WARNING(
                    f"Kept {_items(len(report.kept))} that {_were(len(report.kept))} edited "
                    f"since the demo was loaded (python manage.py load_demo --reset puts "
                    f"{_them(len(report.kept))} back):"
                )
            )
            self.write_items(report.kept)
        if report.refused:
            self.stdout.write(
                self.style.WARNING(
                    f"Not loaded: {_items(len(report.refused))} that the site's rules refuse "
                    f"as the demo has {_them(len(report.refused))}, given what was edited:"
                )
            )
            self.write_items(report.refused)
        if not report.changed_anything:
            self.stdout.write(
                self.style.SUCCESS("Demo content is already up to date: nothing changed.")
            )
        else:
            self.stdout.write(self.style.SUCCESS("Demo content loaded."))

    def write_items(self, items: list[Kept]) -> None:
        for item in items[:LISTED]:
            self.stdout.write(f"  {item}")
        if len(items) > LISTED:
            self.stdout.write(f"  … and {len(items) - LISTED} more")


def _items(number: int) -> str:
    return f"{number} item" if number == 1 else f"{number} items"


def _were(number: int) -> str:
    return "was" if number == 1 else "were"


def _them(number: int) -> str:
    return "it" if number == 1 else "them"
