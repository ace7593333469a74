"""python manage.py import_areas FILE…: build or update the areas from ONS lookup files (any
year's LADyyCD, CTYyyCD, RGNyyCD… columns), a successor table, statistical groupings or
comparator groups, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from indicators.geography import KINDS, GeographyPlan, apply, plan, read_file

#: Problems listed in full unless --verbosity 2 or more.
PROBLEMS_SHOWN = 50


def write_plan(command: BaseCommand, result: GeographyPlan, *, dry_run: bool) -> None:
    """Say what the files are, what is wrong with them, and what was (or would be) done."""
    for source in result.files:
        rows = f", {source.rows:,} rows" if source.rows else ""
        command.stdout.write(f"{source.description}: {KINDS.get(source.kind, 'unknown')}{rows}.")
    for warning in result.warnings:
        command.stdout.write(command.style.WARNING(f"Warning: {warning}"))
    if result.problems:
        shown = result.problems if command.verbosity > 1 else result.problems[:PROBLEMS_SHOWN]
        for problem in shown:
            command.stderr.write(str(problem))
        if len(shown) < len(result.problems):
            command.stderr.write(
                f"… and {len(result.problems) - len(shown):,} more (--verbosity 2 lists all)."
            )
        raise CommandError(
            f"{len(result.problems):,} problems found: nothing was changed. Correct the file and "
            "run the command again."
        )
    for line in result.lines():
        # Areas one by one in a dry run, or when asked (--verbosity 2).
        if line.startswith("  ") and not dry_run and command.verbosity < 2:
            continue
        command.stdout.write(line)
    if dry_run:
        command.stdout.write(command.style.WARNING("Dry run: nothing was changed."))


class Command(BaseCommand):
    help = (
        "Build or update the areas and their hierarchy from ONS lookup files as ONS publishes "
        "them (e.g. LAD23CD, LAD23NM, CTY23CD, CTY23NM, RGN23CD, RGN23NM, any year), from a "
        "successor table (old_code, new_code, kind, date), statistical groupings (code, name, "
        "member_code) or comparator groups (group, member_code). All files are checked "
        "together; if any row is wrong nothing changes. An area an officer has renamed keeps "
        "its name unless --use-ons-names is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="CSV or XLSX files.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would be added, renamed, moved or marked as replaced; change nothing.",
        )
        parser.add_argument(
            "--use-ons-names",
            action="store_true",
            help="Give areas that officers have renamed the file's (ONS's) names again.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        files = []
        for path in options["files"]:
            if not path.is_file():
                raise CommandError(f"There is no file {path}.")
            files.append(read_file(path, file_name=path.name))
        result = plan(files, use_ons_names=options["use_ons_names"])
        if not options["dry_run"] and result.ok:
            apply(result, description=", ".join(p.name for p in options["files"]))
        write_plan(self, result, dry_run=options["dry_run"])
