"""One import, row by row: the parts of the importer wired together (`Import`), as
`services.import_values` runs it. See `services` for what an import does; this module is how.

`Import.start` opens the import's record and sets up its parts; `Import.add` passes each row
through them; every `batch_size` figures, `_flush` classifies the figures against those held
and writes them, staged, in a short transaction of their own; `finish` writes the last batch
and reports on the file as a whole; then the import is either kept (`commit`, one short
transaction: staged, or released at once) or taken back (`abandon`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import transaction

from audit.log import record
from audit.models import AuditEvent
from core import hooks
from core.formatting import figure_text
from indicators.disclosure import apply_disclosure_control
from indicators.importing.areas import AreaMatcher
from indicators.importing.batches import (
    AnyUser,
    beat,
    close_applied,
    close_unchanged,
    discard_unfinished,
    open_batch,
    previous_import,
)
from indicators.importing.breakdowns import BreakdownFinder
from indicators.importing.checking import FigureChecker
from indicators.importing.dedupe import Candidate, Repeats
from indicators.importing.formats import Format, Problem, SourceFigure, SourceRow
from indicators.importing.mappings import IndicatorMatcher, indicator_matcher
from indicators.importing.periods import PeriodFinder, YearReadings
from indicators.importing.reading import Table
from indicators.importing.report import (
    AREA_NOT_HELD,
    BLANK_OR_NOTE,
    CHANGED,
    LEFT_OUT,
    NEW,
    NO_PERIOD,
    NOT_MAPPED,
    REJECTED,
    UNCHANGED,
    Change,
    ImportReport,
)
from indicators.importing.undo import (
    indicators_changed_by,
    remove_unused,
)
from indicators.importing.validation import CellError
from indicators.importing.writing import (
    DATA_FIELDS,
    Data,
    Key,
    Stored,
    ValueWriter,
    writer_for,
)
from indicators.models import Breakdown, ImportBatch, Indicator, Period
from indicators.releases import publish_release


@dataclass
class Import:
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
    progress: Callable[[ImportReport], None] | None
    #: Called after each chunk while the import is taken back (the run's heartbeat).
    alive: Callable[[], None] | None
    progress_every: int
    preview_limit: int
    allowed: frozenset[int] | None
    period: str
    period_readings: Mapping[str, str]
    stage: bool
    batch_size: int
    filter_bits: tuple[int, int]

    batch: ImportBatch | None = field(init=False, default=None)
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
    #: What the batch's record says this import has added so far (`_beat`).
    noted_periods: set[int] = field(init=False, default_factory=set)
    noted_breakdowns: set[int] = field(init=False, default_factory=set)
    noted_areas: int = field(init=False, default=0)

    def start(self, table: Table) -> None:
        report, table_format = self.report, self.table_format
        self.batch = open_batch(report, self.user)
        self.writer = writer_for(self.batch.pk)
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
        if self.progress is not None and report.rows_read % self.progress_every == 0:
            report.figures_waiting = len(self.repeats.pending)
            self.progress(report)
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
        existing, staged = self.writer.look_up(keys)
        candidates = self._refuse_staged_elsewhere(candidates, staged)
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
        self._beat()

    def _beat(self) -> None:
        assert self.batch is not None
        added_areas = self.report.areas_added
        beat(
            self.batch,
            periods=set(self.periods.added) - self.noted_periods,
            breakdowns=set(self.breakdowns.added) - self.noted_breakdowns,
            area_codes=added_areas[self.noted_areas :],
        )
        self.noted_periods.update(self.periods.added)
        self.noted_breakdowns.update(self.breakdowns.added)
        self.noted_areas = len(added_areas)

    def _refuse_staged_elsewhere(
        self, candidates: list[Candidate], elsewhere: Mapping[Key, Stored]
    ) -> list[Candidate]:
        """A figure another import has staged, waiting for release, is refused: two staged
        versions of one figure could not both be released."""
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
        assert self.batch is not None
        self._flush()
        self.report.figures_waiting = 0
        self.writer.forget()
        self.areas.finish()
        self.report.errors.sort(key=lambda error: error.row)
        if self.report.dry_run and self.remember:
            # What the import would remember, for the preview to say: saved, then taken back
            # (a few rows, in a moment). A real import remembers as it is kept (`_commit`).
            with transaction.atomic():
                self.indicators.finish(remember=True, user=self.user)
                self.years.finish(remember=True, user=self.user)
                transaction.set_rollback(True)
        else:
            self.indicators.finish(remember=False, user=self.user)
        self.report.previous_import = previous_import(self.report, self.batch)

    def abandon(self) -> None:
        """Take back everything this import wrote: it is not kept (a dry run, a rejected
        file, an error)."""
        batch, self.batch = self.batch, None
        if batch is None:  # not started, or already closed
            return
        if hasattr(self, "writer"):
            self.writer.forget()
        discard_unfinished(
            batch,
            periods=self.periods.added if hasattr(self, "periods") else (),
            breakdowns=self.breakdowns.added if hasattr(self, "breakdowns") else (),
            area_codes=self.report.areas_added,
            alive=self._alive_while_taking_back(batch),
        )

    def _alive_while_taking_back(self, batch: ImportBatch) -> Callable[[], None]:
        """What taking the import back calls after each chunk: the batch's heartbeat and the
        run's (`alive`), so that neither is taken for a stopped worker."""

        def alive() -> None:
            beat(batch)
            if self.alive is not None:
                self.alive()

        return alive

    def commit(self) -> None:
        """Keep what was written, in one short transaction: finish the batch's record (and
        remember the officer's mappings), and release it at once unless it is staged."""
        with transaction.atomic():
            self._commit()
        self.batch = None

    def _commit(self) -> None:
        """Finish the batch's record, and bring the rest of the site up to date with the
        figures changed. An import that changed nothing is recorded as such, with nothing to
        undo (what it remembered, such as mappings, is kept)."""
        batch = self.batch
        assert batch is not None
        if self.remember:
            self.indicators.finish(remember=True, user=self.user)
            self.years.finish(remember=True, user=self.user)
        batch.heartbeat_at = None
        if self.report.nothing_changed and not self.report.areas_added:
            # Periods and breakdowns met only by rejected or repeated rows are not kept.
            remove_unused(Period.objects.filter(pk__in=self.periods.added), batch)
            remove_unused(Breakdown.objects.filter(pk__in=self.breakdowns.added), batch)
            close_unchanged(batch, self.report)
            return
        batch.release = ImportBatch.Release.STAGED
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
            transaction.on_commit(lambda: hooks.call_all(hooks.IMPORT_STAGED, batch))
            return
        self._record(batch, "released at once")
        # The release's few statements: the figures, the summary, small numbers, the caches.
        released = publish_release(batch, user=batch.imported_by)
        self.report.batch = released

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
