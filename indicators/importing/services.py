"""Importing a file of figures: `import_values`, which wires the importer's parts together.

`import_values` reads a file (our template, a Fingertips export or an EES data file) row by
row, validates every row, and writes the figures in batches inside one transaction:

- all or nothing: if any row is rejected, the transaction is rolled back and nothing changes,
  unless ``apply_valid_rows`` is set, when the valid rows are kept and the rest reported;
- ``dry_run`` does all the same work, then rolls back: a preview that cannot differ from
  the real thing;
- every figure is classified as new, changed (the old figure is kept for the preview and for
  undo; a real figure where an illustrative one stood is a change, even when the number is the
  same), unchanged, a repeat of an earlier row (counted once), or rejected; rows that hold
  nothing for this site (blank rows, notes, areas or indicators we do not hold) are skipped and
  counted, never dropped silently. Each measure's rows are accounted for one by one
  (`ImportReport.measure_rows`): every row of the file is imported, unchanged, skipped with
  the reason, or rejected;
- every applied import is an `ImportBatch`; every figure it set points at it, and an
  `ImportChange` keeps what each figure was before, so that `undo_import` can restore it (and
  remove the areas, periods and breakdowns it added, if nothing else uses them). An import that
  changes nothing is kept in the record as unchanged, with nothing to undo.

Each step is a module of its own, and `_Import` passes every row through them in turn:

- `reading`: the file's bytes as a table of text;
- `formats`: the table's rows as `SourceRow`s, by the rules of the file's format;
- `mappings`: which of our indicators each figure is for;
- `areas`, `periods`, `breakdowns`: which area, period and breakdown (`periods` also decides
  how a source's single years, such as DfE's “Reporting year”, are read for each measure);
- `checking` (with `validation`, one cell at a time): the figure's data, held to the rules of
  `Value`;
- `dedupe`: the same figure twice in a file;
- `writing`: figures classified against those held, and written, a batch at a time;
- `batches`: the import's record; `report`: what it found and did.

Speed: figures are held as plain tuples, not model instances. Each is checked by
`Value.clean()` itself (one instance, refilled for each figure), and written in batches with
SQL of our own (`writing`: executemany on SQLite, COPY on PostgreSQL). Those writes send no
signals, so an applied import bumps the public pages' content version itself.

Memory does not grow with the size of the file: rows are read, checked and written a batch
at a time, and the figures already met are kept in a temporary table (`dedupe`).

The batch size, the size of the filter of figures met and how often progress is reported are
this module's, read at each import, so that a test or a benchmark can change them.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.log import record
from audit.models import AuditEvent
from core.caching import bump_content_version
from core.formatting import figure_text
from indicators.disclosure import apply_disclosure_control
from indicators.importing.areas import AreaMatcher
from indicators.importing.batches import (
    AnyUser,
    close_applied,
    close_unchanged,
    open_batch,
    previous_import,
    record_rejection,
)
from indicators.importing.breakdowns import BreakdownFinder
from indicators.importing.checking import FigureChecker
from indicators.importing.dedupe import FILTER_BITS, Candidate, Repeats
from indicators.importing.formats import Format, Problem, SourceFigure, SourceRow, detect_format
from indicators.importing.mappings import IndicatorMatcher, indicator_matcher
from indicators.importing.periods import PeriodFinder, YearReadings
from indicators.importing.reading import FileRejected, Source, Table, open_table
from indicators.importing.report import (
    AREA_NOT_HELD,
    BLANK_OR_NOTE,
    CHANGED,
    LEFT_OUT,
    NEW,
    NO_PERIOD,
    NOT_MAPPED,
    PREVIEW_LIMIT,
    REJECTED,
    UNCHANGED,
    Change,
    ImportReport,
)
from indicators.importing.undo import (
    UndoRefused,
    UndoResult,
    indicators_changed_by,
    remove_unused,
    undo_import,
)
from indicators.importing.validation import CellError
from indicators.importing.writing import (
    BATCH_SIZE,
    DATA_FIELDS,
    Data,
    Key,
    Stored,
    ValueWriter,
    writer_for,
)
from indicators.models import Breakdown, ImportBatch, Indicator, Period
from indicators.releases import summarise

#: `progress` is called after every this many rows.
PROGRESS_EVERY = 10_000


def import_values(
    *,
    source: Source,
    file_name: str = "",
    user: AnyUser = None,
    mappings: Mapping[str, Indicator | None] | None = None,
    remember: bool = True,
    add_areas: bool = False,
    apply_valid_rows: bool = False,
    dry_run: bool = False,
    area_aliases: Mapping[str, str] | None = None,
    confirmed_aliases: Mapping[str, str] | None = None,
    column_roles: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
    file_format: str = "auto",
    preview_limit: int = PREVIEW_LIMIT,
    allowed_indicators: Collection[int] | None = None,
    period: str = "",
    period_readings: Mapping[str, str] | None = None,
    stage: bool = False,
) -> ImportReport:
    """Import the figures in a file. See the module's docstring for what happens.

    ``source`` is a path or a binary file object; ``file_name`` is the name to record (by
    default the path's). ``mappings`` maps a source's own indicators (a Fingertips Indicator ID,
    an EES measure column) to ours, ``None`` meaning “leave these figures out”; with
    ``remember`` they are saved for the next file from that source. ``add_areas`` creates the
    areas the site does not hold from the file's own codes, names and types. ``area_aliases``
    maps old area codes to current ones; ``confirmed_aliases`` are those the officer confirmed
    where the file's names do not show them right (see `areas`). ``column_roles`` says what
    columns of the file are (see `mappings`), remembered as the mappings are. ``progress`` is
    called with the number of rows read.
    ``allowed_indicators``, if given, are the indicators the user may import figures for; a
    row with figures for any other is rejected (see ``pages.permissions``).

    ``period`` is the period of every figure, for a file that does not say (an older DfE
    release); a file that gives its own periods does not use it. ``period_readings`` says how
    a source's single years (DfE's “Reporting year”) are read, for each of its indicators (an
    EES measure column; ``"*"`` for all): a `PeriodReading` value, "" to decide from our
    indicator's figures; with ``remember`` they are saved with the source's mappings.

    ``stage`` keeps the figures from the public until a publisher releases them
    (`indicators.releases`): the admin's import and `import_values` stage; without it (an
    administrator's scripted load, `--publish`) the import is released as it is applied.
    """
    if not file_name:
        file_name = _name_of(source)
    report = ImportReport(file_name=file_name, dry_run=dry_run, apply_valid_rows=apply_valid_rows)
    try:
        with open_table(source, file_name=file_name) as table:
            report.file_hash = table.sha256
            report.file_description = table.description
            file_format_found = detect_format(table.header, file_format)
            report.file_format = file_format_found.name
            report.format_label = file_format_found.label
            importer = _Import(
                report=report,
                table_format=file_format_found,
                user=user,
                mappings=mappings or {},
                remember=remember,
                add_areas=add_areas,
                area_aliases=area_aliases or {},
                confirmed_aliases=confirmed_aliases or {},
                column_roles=column_roles or {},
                progress=progress,
                preview_limit=preview_limit,
                allowed=None if allowed_indicators is None else frozenset(allowed_indicators),
                period=period,
                period_readings=period_readings or {},
                stage=stage,
                batch_size=BATCH_SIZE,
                filter_bits=FILTER_BITS,
            )
            with transaction.atomic():
                importer.start(table)
                with _collector_spared():
                    for row in file_format_found.read(table.rows()):
                        importer.add(row)
                importer.finish()
                if dry_run or report.rejected:
                    transaction.set_rollback(True)
                else:
                    importer.commit()
    except FileRejected as error:
        report.file_errors.append(str(error))
    except IntegrityError as error:
        report.file_errors.append(
            "The figures could not be saved because the same figures were changed by someone "
            f"else at the same time ({error}). Import the file again."
        )
    if report.rejected or dry_run:
        report.applied = False
        report.batch = None
    if report.rejected and not dry_run:
        report.batch = record_rejection(report, user)
    return report


@contextmanager
def _collector_spared() -> Iterator[None]:
    """While the rows stream through, leave the objects that were alive before (Django, the
    models, the importer's look-ups) out of the garbage collector's passes: otherwise each
    full pass walks them all again, many times over a large file. Process-wide, and undone
    at once after the rows, so it changes nothing but the time."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _name_of(source: Source) -> str:
    name = getattr(source, "name", None) if not isinstance(source, str) else source
    return str(name or "upload").replace("\\", "/").rsplit("/", 1)[-1]


@dataclass
class _Import:
    """One import: its parts, set up in its transaction (`start`), each row passed through
    them (`add`), the last batch written and the file's findings reported (`finish`), and,
    if the import is kept, its record closed (`commit`)."""

    report: ImportReport
    table_format: Format
    user: AnyUser
    mappings: Mapping[str, Indicator | None]
    remember: bool
    add_areas: bool
    area_aliases: Mapping[str, str]
    confirmed_aliases: Mapping[str, str]
    column_roles: Mapping[str, str]
    progress: Callable[[int], None] | None
    preview_limit: int
    allowed: frozenset[int] | None
    period: str
    period_readings: Mapping[str, str]
    stage: bool
    batch_size: int
    filter_bits: tuple[int, int]

    batch: ImportBatch = field(init=False)
    writer: ValueWriter = field(init=False)
    repeats: Repeats = field(init=False)
    areas: AreaMatcher = field(init=False)
    indicators: IndicatorMatcher = field(init=False)
    years: YearReadings = field(init=False)
    periods: PeriodFinder = field(init=False)
    breakdowns: BreakdownFinder = field(init=False)
    checker: FigureChecker = field(init=False)
    #: The file has no period of its own and none was given: its rows wait for one.
    period_missing: bool = field(init=False, default=False)

    def start(self, table: Table) -> None:
        report, table_format = self.report, self.table_format
        self.batch = open_batch(report, self.user)
        self.writer = writer_for(self.batch.pk, staged=self.stage)
        self.repeats = Repeats(
            self.writer, report, file_size=table.size, filter_bits=self.filter_bits
        )
        self.areas = AreaMatcher(
            table_format,
            report,
            add_areas=self.add_areas,
            aliases=self.area_aliases,
            confirmed=self.confirmed_aliases,
        )
        self.indicators = indicator_matcher(
            table_format,
            report,
            mappings=self.mappings,
            allowed=self.allowed,
            column_roles=self.column_roles,
        )
        self.years = YearReadings(table_format, report, self.period_readings)
        self.periods = PeriodFinder(table_format, report, self.years)
        self.breakdowns = BreakdownFinder(report)
        self.checker = FigureChecker(table_format, report)
        report.measures_are_columns = table_format.measures_are_columns
        for number, text in table.above_header:
            report.rows_read += 1
            report.note(number, text)
            report.row_without_figures(BLANK_OR_NOTE)
        missing = table_format.use_period(self.period)
        if missing:
            report.file_errors.append(missing)
            report.needs_period = self.period_missing = True
        table_format.prepare(table, self.indicators.mapped_keys)
        report.warnings.extend(table_format.warnings)
        report.questions.extend(table_format.questions)

    # --- Each row ----------------------------------------------------------------------------

    def add(self, row: SourceRow) -> None:
        report = self.report
        report.rows_read += 1
        if self.progress is not None and report.rows_read % PROGRESS_EVERY == 0:
            self.progress(report.rows_read)
        if row.kind == "blank":
            report.rows_blank += 1
            report.row_without_figures(BLANK_OR_NOTE)
            return
        if row.kind == "note":
            report.note(row.number, row.text)
            report.row_without_figures(BLANK_OR_NOTE)
            return
        if row.skip:
            report.skipped_levels[row.skip] = report.skipped_levels.get(row.skip, 0) + 1
            report.rows_out_of_scope += 1
            report.row_without_figures(row.skip)
            return

        figures, figure_problems, unmapped = self.indicators.figures_for(row)
        if unmapped:  # counted as unmapped or left out: its other cells do not matter
            self._account(row, "", figures, figure_problems)
            return
        area_id, skipped = self.areas.area_for(row)
        if skipped:  # counted as a row for an area not on this site
            self._account(row, AREA_NOT_HELD, figures, figure_problems)
            return
        row.problems.extend(figure_problems)
        period_ids: list[int | None] = []
        if not self.period_missing:
            pk_for = self.periods.pk_for
            period_ids = [pk_for(row, figure, indicator) for figure, indicator in figures]
        if row.problems or area_id is None or None in period_ids:
            for column, message in row.problems:
                report.reject(row.number, column, message)
            report.figures_rejected += max(len(figures), 1)
            self._account(row, REJECTED, figures, figure_problems)
            return
        if self.period_missing:  # the file as a whole asks for its period
            self._account(row, NO_PERIOD, figures, figure_problems)
            return
        self._account(row, "", figures, figure_problems)  # its other measures
        add_figure = self._add_figure
        for (figure, indicator), period_id in zip(figures, period_ids, strict=True):
            assert period_id is not None  # checked above
            add_figure(row, figure, indicator, area_id, period_id)

    def _account(
        self,
        row: SourceRow,
        outcome: str,
        figures: list[tuple[SourceFigure, Indicator]],
        problems: list[Problem],
    ) -> None:
        """Count the row for each of its measures: ``outcome`` for those that are for one of
        our indicators ("" for none: they are counted later), and why not for the others."""
        report, table_format = self.report, self.table_format
        if not outcome and len(figures) == len(row.figures):  # every measure is for one of ours
            measures = report.measures
            for figure, _ in figures:
                if figure.key not in measures:
                    report.measure(figure.key, figure.name)  # in the file's order
            return
        matched = {id(figure) for figure, _ in figures}
        refused = {column for column, _ in problems}
        mapped = self.indicators.mapped_keys
        for figure in row.figures:
            if id(figure) in matched:
                measure = report.measure(figure.key, figure.name)  # in the file's order
                if outcome:
                    measure.add(outcome)
                continue
            if table_format.mapping_source is None or not figure.key or figure.key in refused:
                why = REJECTED  # an indicator we do not have, or may not import for
            elif figure.key in mapped:
                why = LEFT_OUT
            else:
                why = NOT_MAPPED
            report.measure(figure.key or "(none)", figure.name).add(why)

    def _add_figure(
        self,
        row: SourceRow,
        figure: SourceFigure,
        indicator: Indicator,
        area_id: int,
        period_id: int,
    ) -> None:
        columns = self.table_format.figure_columns(figure)
        problems: list[Problem] = []
        data = self.checker.data_for(figure, indicator, columns, problems)
        if data is None:
            report = self.report
            for column, message in problems:
                report.reject(row.number, column, message)
            report.figures_rejected += 1
            report.measure(figure.key, figure.name).add(REJECTED)
            return
        try:
            breakdown_id = self.breakdowns.pk_for(figure.breakdown)
        except CellError as error:
            report = self.report
            report.reject(row.number, self.table_format.column("breakdown"), str(error))
            report.figures_rejected += 1
            report.measure(figure.key, figure.name).add(REJECTED)
            return
        key = (indicator.pk, area_id, period_id, breakdown_id or 0)
        digest = hash(data) & 0x7FFFFFFF_FFFFFFFF
        candidate = Candidate(row.number, key, indicator, data, digest, figure.key)
        repeats = self.repeats
        if repeats.add(candidate, columns["value"]):
            if len(repeats.pending) >= self.batch_size:
                self._flush()

    # --- Writing -----------------------------------------------------------------------------

    def _flush(self) -> None:
        """Classify the pending figures against the values held, and write a batch: new
        values, changed ones, and an ImportChange for each, with the previous state."""
        if not self.repeats.pending:
            return
        report = self.report
        candidates = self.repeats.take()
        keys = [candidate.key for candidate in candidates]
        if self.stage:
            candidates = self._refuse_staged_elsewhere(candidates, keys)
            keys = [candidate.key for candidate in candidates]
        existing = self.writer.existing(keys)
        to_create: list[Candidate] = []
        to_update: list[tuple[Candidate, Stored, dict[str, Any]]] = []
        for candidate in candidates:
            old = existing.get(candidate.key)
            if old is None:
                to_create.append(candidate)
                report.measure(candidate.source_key).add(NEW)
            elif old.data == candidate.data:
                report.figures_unchanged += 1
                report.measure(candidate.source_key).add(UNCHANGED)
            else:
                previous = self.writer.snapshot(old)
                self._preview(candidate, "changed", old)
                to_update.append((candidate, old, previous))
                report.measure(candidate.source_key).add(CHANGED)
                if old.data[_ILLUSTRATIVE] and not candidate.data[_ILLUSTRATIVE]:
                    report.figures_made_real += 1
        for candidate in to_create:
            self._preview(candidate, "new", None)
        self.writer.write(
            created=[(candidate.key, candidate.row, candidate.data) for candidate in to_create],
            changed=[
                (candidate.key, candidate.row, candidate.data, old, previous)
                for candidate, old, previous in to_update
            ],
        )
        report.figures_new += len(to_create)
        report.figures_changed += len(to_update)

    def _refuse_staged_elsewhere(
        self, candidates: list[Candidate], keys: list[Key]
    ) -> list[Candidate]:
        """A figure another import has staged, waiting for release, is refused: two staged
        versions of one figure could not both be released."""
        elsewhere = self.writer.staged_elsewhere(keys)
        if not elsewhere:
            return candidates
        kept = []
        report = self.report
        for candidate in candidates:
            other = elsewhere.get(candidate.key)
            if other is None:
                kept.append(candidate)
                continue
            same = "the same" if other.data == candidate.data else "a different"
            report.reject(
                candidate.row,
                self.table_format.column("value"),
                f"Import #{other.import_batch_id} has already staged {same} figure for this "
                f"indicator, area and period, waiting for release: release or discard that "
                f"import first.",
            )
            report.figures_rejected += 1
            report.measure(candidate.source_key).add(REJECTED)
        return kept

    def _preview(
        self, candidate: Candidate, action: Literal["new", "changed"], old: Stored | None
    ) -> None:
        if len(self.report.changes) >= self.preview_limit:
            return
        indicator = candidate.indicator
        _, area_id, period_id, breakdown_id = candidate.key
        self.report.changes.append(
            Change(
                row=candidate.row,
                action=action,
                indicator=indicator.name,
                area=self.areas.names.get(area_id, ""),
                period=self.periods.labels.get(period_id, ""),
                breakdown=self.breakdowns.labels.get(breakdown_id, "") if breakdown_id else "",
                old=_shown(indicator, old.data) if old is not None else "",
                new=_shown(indicator, candidate.data),
            )
        )

    # --- Finishing ---------------------------------------------------------------------------

    def finish(self) -> None:
        self._flush()
        self.writer.forget()
        self.areas.finish()
        self.report.errors.sort(key=lambda error: error.row)
        self.indicators.finish(remember=self.remember, user=self.user)
        self.years.finish(remember=self.remember, user=self.user)
        self.report.previous_import = previous_import(self.report, self.batch)

    def commit(self) -> None:
        """Keep what was written: finish the batch's record, and bring the rest of the site up
        to date with the figures changed. An import that changed nothing is recorded as
        such, with nothing to undo (what it remembered, such as mappings, is kept)."""
        batch = self.batch
        if self.report.nothing_changed and not self.report.areas_added:
            # Periods and breakdowns met only by rejected or repeated rows are not kept.
            remove_unused(Period.objects.filter(pk__in=self.periods.added), batch)
            remove_unused(Breakdown.objects.filter(pk__in=self.breakdowns.added), batch)
            close_unchanged(batch, self.report)
            return
        if self.stage:
            batch.release = ImportBatch.Release.STAGED
        else:
            batch.release = ImportBatch.Release.PUBLISHED
            batch.published_at = timezone.now()
            batch.published_by = batch.imported_by
        close_applied(
            batch,
            self.report,
            periods=self.periods.added,
            breakdowns=self.breakdowns.added,
        )
        if self.stage:  # nothing public changed: the release does the rest
            # The staged figures are withheld as they would be once released, for previews.
            apply_disclosure_control(indicators_changed_by(batch))
            self._record(batch, "staged, waiting for release")
            return
        batch.release_summary = summarise(batch)
        batch.save(update_fields=["release_summary"])
        # Small numbers: withhold what the indicators' rules say, now that the figures changed.
        apply_disclosure_control(indicators_changed_by(batch))
        # The figures were written without save(), so without the signal that does this.
        bump_content_version()
        self._record(batch, "released at once")

    def _record(self, batch: ImportBatch, released: str) -> None:
        # One event for the whole import, in its transaction: logged only if it is kept.
        record(
            AuditEvent.Action.IMPORT,
            user=batch.imported_by,
            target=batch,
            detail=(
                f"File “{batch.file_name}”: {batch.rows_added:,} new, "
                f"{batch.rows_changed:,} changed, {batch.rows_unchanged:,} unchanged, "
                f"{batch.rows_rejected:,} rejected; {released}."
            ),
        )


#: The position of is_illustrative in a figure's data (`writing.DATA_FIELDS`).
_ILLUSTRATIVE = DATA_FIELDS.index("is_illustrative")


def _shown(indicator: Indicator, data: Data) -> str:
    """A figure's data as the preview shows it: the figure with its unit (and whether it is
    illustrative), or its status."""
    return figure_text(indicator, data[0], data[1], illustrative=bool(data[_ILLUSTRATIVE]))


# Undoing is `undo`'s; its names are importable from here too, as they were before it had a
# module of its own.
__all__ = ["UndoRefused", "UndoResult", "import_values", "undo_import"]
