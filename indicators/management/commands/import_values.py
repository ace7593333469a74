"""python manage.py import_values FILE: the bulk path for large files, with the same validation
and report as the admin."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from indicators.importing import ImportReport, import_values
from indicators.importing.breakdowns import DESCRIBES_FILE, FIGURES
from indicators.importing.formats import FORMAT_NAMES
from indicators.importing.periods import EVERY_MEASURE, READING_NAMES, reading_of
from indicators.models import BreakdownType, Indicator

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

#: Progress is written to stderr after every this many rows.
PROGRESS_EVERY = 50_000
#: Rejected rows listed in full unless --verbosity 2 or more.
ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import indicator figures from a CSV or XLSX file: our template, an OHID Fingertips "
        "data export, a DfE Explore Education Statistics data file or an older DfE release's "
        "underlying data (recognised from the header). The file is streamed, validated row by "
        "row and applied in one transaction: if any row is rejected nothing changes (unless "
        "--apply-valid-rows), and the command exits with an error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV or XLSX file to import.")
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=["auto", *FORMAT_NAMES],
            default="auto",
            help="The file's format; by default it is recognised from the header row.",
        )
        parser.add_argument(
            "--map",
            dest="maps",
            action="append",
            default=[],
            metavar="SOURCE_KEY=INDICATOR_SLUG",
            help="Map a Fingertips Indicator ID or an EES measure column to one of our "
            "indicators, e.g. --map 90812=re-referrals; use =- to leave it out. Remembered "
            "for the next file from that source. May be given more than once.",
        )
        parser.add_argument(
            "--alias",
            dest="aliases",
            action="append",
            default=[],
            metavar="OLD_CODE=NEW_CODE",
            help="Read an old area code as a current one, e.g. for an authority re-coded "
            "since. The area must be on the site and of a kind the old code could have "
            "become; where the file's name for it is not the area's, confirm it with "
            "--confirm-alias. May be given more than once.",
        )
        parser.add_argument(
            "--confirm-alias",
            dest="confirmed_aliases",
            action="append",
            default=[],
            metavar="OLD_CODE=NEW_CODE",
            help="As --alias, confirming that the old code is that area where the file's "
            "name for it differs (or the file gives none), or where the old code is an area "
            "of the site's own. May be given more than once.",
        )
        parser.add_argument(
            "--column",
            dest="columns",
            action="append",
            default=[],
            metavar="COLUMN=WHAT",
            help="Say what a column of an EES file is, where the import asks: a breakdown "
            f"by {', '.join(BreakdownType.values)}, “{DESCRIBES_FILE}” (it describes the "
            f"file: ignored) or “{FIGURES}” (figures), "
            "e.g. --column school_type=other. Remembered for the next file from that source.",
        )
        parser.add_argument(
            "--period",
            default="",
            help="The period of every figure, for a file that gives none (an older DfE "
            "release's underlying data), e.g. --period 2013-03-31 for figures at 31 March "
            "2013, --period 2012/13 for a financial year.",
        )
        parser.add_argument(
            "--period-as",
            dest="period_readings",
            action="append",
            default=[],
            metavar="[SOURCE_KEY=]READING",
            help="How the source's single years (DfE's “Reporting year” 2013, an older "
            f"release's 2013) are meant: {', '.join(READING_NAMES)}, or automatic (decided "
            "from the figures our indicator holds). For every measure of the file, or one "
            "(e.g. --period-as CPP_start=financial-year-ending). Remembered for the next file "
            "from that source. May be given more than once.",
        )
        parser.add_argument(
            "--add-areas",
            action="store_true",
            help="Add the areas this site does not hold from the file's own codes, names and "
            "types, instead of skipping their rows.",
        )
        parser.add_argument(
            "--apply-valid-rows",
            action="store_true",
            help="Apply the valid rows even if some are rejected.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Validate and report what would change, then roll back.",
        )
        parser.add_argument(
            "--no-remember",
            dest="remember",
            action="store_false",
            help="Use the --map mappings for this file only.",
        )
        parser.add_argument("--user", help="The username to record as the importer.")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Release the figures to the public at once (an administrator's scripted "
            "load). Without it the import is staged: a publisher releases it from the admin or "
            "with `manage.py publish_import ID`.",
        )

    def handle(
        self,
        *args: Any,
        file: Path,
        file_format: str,
        maps: list[str],
        aliases: list[str],
        confirmed_aliases: list[str],
        columns: list[str],
        period: str,
        period_readings: list[str],
        add_areas: bool,
        apply_valid_rows: bool,
        dry_run: bool,
        remember: bool,
        user: str | None,
        publish: bool = False,
        **options: Any,
    ) -> None:
        self.verbosity = int(options.get("verbosity", 1))
        if not file.is_file():
            raise CommandError(f"There is no file at {file}.")
        report = import_values(
            source=file,
            file_name=file.name,
            user=self._user(user),
            mappings=self._mappings(maps),
            remember=remember,
            add_areas=add_areas,
            apply_valid_rows=apply_valid_rows,
            dry_run=dry_run,
            area_aliases=self._pairs(aliases, "--alias", "OLD_CODE=NEW_CODE", upper=True),
            confirmed_aliases=self._pairs(
                confirmed_aliases, "--confirm-alias", "OLD_CODE=NEW_CODE", upper=True
            ),
            column_roles=self._pairs(columns, "--column", "COLUMN=WHAT"),
            period=period,
            period_readings=self._readings(period_readings),
            progress=self._progress,
            file_format=file_format,
            stage=not publish,
        )
        self._show(report)
        if report.rejected:
            raise CommandError(f"The file “{file.name}” was rejected: nothing was changed.")
        batch = report.batch
        if batch is not None and batch.is_pending:
            self.stdout.write(
                self.style.WARNING(
                    f"Staged as import #{batch.pk}: the public will see these figures when a "
                    f"publisher releases them (its page in the admin, or `python manage.py "
                    f"publish_import {batch.pk}`)."
                )
            )
        elif batch is not None and publish:
            self.stdout.write(f"Released to the public at once (import #{batch.pk}).")

    # --- Arguments --------------------------------------------------------------------------

    def _user(self, username: str | None) -> AbstractBaseUser | None:
        if not username:
            return None
        model = get_user_model()
        try:
            return model._default_manager.get_by_natural_key(username)
        except model.DoesNotExist as error:
            raise CommandError(f"There is no user “{username}”.") from error

    def _mappings(self, maps: list[str]) -> dict[str, Indicator | None]:
        pairs = self._pairs(maps, "--map", "SOURCE_KEY=INDICATOR_SLUG")
        wanted = {slug for slug in pairs.values() if slug not in ("", "-")}
        found = Indicator.objects.in_bulk(wanted, field_name="slug")
        missing = sorted(wanted - set(found))
        if missing:
            known = ", ".join(Indicator.objects.values_list("slug", flat=True)[:10])
            raise CommandError(
                f"There is no indicator {', '.join(f'“{slug}”' for slug in missing)} on this "
                f"site. Its indicators include: {known or '(none yet)'}."
            )
        return {key: found.get(slug) for key, slug in pairs.items()}

    @staticmethod
    def _readings(items: list[str]) -> dict[str, str]:
        """--period-as READING (every measure) or SOURCE_KEY=READING → key → reading."""
        readings: dict[str, str] = {}
        for item in items:
            key, equals, text = item.rpartition("=")
            try:
                readings[key.strip() if equals else EVERY_MEASURE] = reading_of(text)
            except ValueError as error:
                raise CommandError(f"--period-as {item}: {error}") from None
        return readings

    @staticmethod
    def _pairs(items: list[str], option: str, shape: str, upper: bool = False) -> dict[str, str]:
        pairs: dict[str, str] = {}
        for item in items:
            key, equals, value = item.partition("=")
            if not equals or not key.strip():
                raise CommandError(f"Write {option} as {shape}, not “{item}”.")
            key, value = key.strip(), value.strip()
            if upper:
                key, value = key.upper(), value.upper()
            pairs[key] = value
        return pairs

    def _progress(self, report: ImportReport) -> None:
        rows = report.rows_read
        if rows % PROGRESS_EVERY == 0:
            self.stderr.write(f"  … {rows:,} rows read")

    # --- The report -------------------------------------------------------------------------

    def _show(self, report: ImportReport) -> None:
        style = self.style
        if report.format_label:
            self.stdout.write(
                f"{report.file_name}: {report.format_label}, {report.file_description}."
            )
        lines = report.summary()
        if lines:
            first_style = (
                style.ERROR
                if report.rejected
                else style.WARNING
                if report.dry_run
                else style.SUCCESS
            )
            self.stdout.write(first_style(lines[0]))
            for line in lines[1:]:
                self.stdout.write(f"  {line}")
        if report.errors:
            self.stdout.write(style.ERROR(f"Rejected rows ({report.rows_rejected:,}):"))
            shown = report.errors if self.verbosity >= 2 else report.errors[:ERRORS_SHOWN]
            for error in shown:
                self.stdout.write(f"  {error}")
            if len(shown) < report.rows_rejected:
                self.stdout.write(
                    f"  … and more: run with --verbosity 2 to list up to {len(report.errors):,}."
                    if self.verbosity < 2
                    else "  … and more."
                )
        if report.unmapped:
            self.stdout.write(style.WARNING("Not mapped to one of our indicators:"))
            for tally in report.unmapped.values():
                self.stdout.write(f"  {tally}")
            example = next(iter(report.unmapped))
            self.stdout.write(
                f"  Map each with --map {example}=INDICATOR_SLUG, or leave it out with "
                f"--map {example}=-."
            )
        for question in report.questions:
            if question.kind == "alias":
                answer = f"--confirm-alias {question.key}"
            elif question.kind == "reading":
                answer = f"--period-as {question.key}=READING (one of {', '.join(READING_NAMES)})"
            else:
                answer = f"--column {question.key}=WHAT"
            self.stdout.write(style.WARNING(f"To answer: {question} Give {answer}."))
        measures = report.measure_rows()
        if measures:
            self.stdout.write("Every row, by measure:")
            for measure in measures:
                self.stdout.write(f"  {measure}")
        if report.warnings:
            self.stdout.write(style.WARNING("Warnings:"))
            for warning in report.warnings:
                self.stdout.write(f"  {warning}")
        if self.verbosity >= 2:
            for tally in report.skipped_areas.values():
                self.stdout.write(f"  Skipped: area {tally} (not on this site)")
            if report.changes:
                self.stdout.write("Changes:")
                for change in report.changes:
                    self.stdout.write(f"  {change}")
        if report.batch is not None and report.applied:
            self.stdout.write(style.SUCCESS(f"Recorded as import #{report.batch.pk}."))
        elif report.batch is not None and report.status == "unchanged":
            self.stdout.write(
                f"Recorded as import #{report.batch.pk}, which changed nothing (nothing to undo)."
            )
