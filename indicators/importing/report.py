"""What an import found and did, in a shape the admin and the command can both show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from indicators.models import ImportBatch

#: How many rejected rows, and how many new or changed figures, a report keeps in full.
ERROR_LIMIT = 1000
PREVIEW_LIMIT = 200
NOTE_LIMIT = 20


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one cell (or the whole row) of the file."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, {self.column}: {self.message}"


@dataclass(slots=True)
class Tally:
    """Rows of the file for one thing the site does not hold (an area, an indicator)."""

    key: str
    name: str = ""
    rows: int = 0

    def __str__(self) -> str:
        name = f" “{self.name}”" if self.name and self.name != self.key else ""
        return f"{self.key}{name} ({row_count(self.rows)})"


def tally(tallies: dict[str, Tally], key: str, name: str) -> None:
    """Count one more row for a thing the site does not hold."""
    found = tallies.get(key)
    if found is None:
        found = tallies[key] = Tally(key, name)
    found.rows += 1


@dataclass(frozen=True, slots=True)
class Change:
    """A figure the import adds or changes, for the preview."""

    row: int
    action: Literal["new", "changed"]
    indicator: str
    area: str
    period: str
    breakdown: str
    old: str
    new: str

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.area, self.period, self.breakdown) if part)
        if self.action == "new":
            return f"Row {self.row}: {self.indicator}, {where}: new, {self.new}"
        return f"Row {self.row}: {self.indicator}, {where}: {self.old} → {self.new}"


@dataclass(frozen=True, slots=True)
class Question:
    """What the importer cannot decide for itself and asks the officer: what a column of the
    file is (remembered for the next file from its source), whether an old area code is
    the area an alias says, or how a measure's single years are meant when our indicator's
    figures do not say (answered with a reading for the measure). Nothing is changed until
    every question is answered."""

    kind: Literal["column", "alias", "reading"]
    key: str  # the column, as the file names it; the alias, as OLD=NEW; or the measure
    text: str  # the question, in words
    values: tuple[str, ...] = ()  # a column's first few values
    guess: str = ""  # how the column was read for the preview, until answered

    def __str__(self) -> str:
        return self.text


@dataclass
class YearReading:
    """How the single years of one of the file's measures were read (see
    `indicators.importing.periods.YearReadings`), for the report and the preview."""

    key: str
    name: str
    indicator: str
    indicator_id: int
    reading: str  # a PeriodReading value, never automatic: the reading used
    chosen: str  # as chosen for this import or remembered; "" when decided automatically
    how: Literal["given", "remembered", "automatic"]
    why: str
    #: Each year as the file writes it → the period it was read as: “2013 (Reporting year)” →
    #: “2012/13”.
    examples: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        read = ", ".join(f"{written} read as {label}" for written, label in self.examples.items())
        return f"{self.key}: {read or 'no years read'} ({self.why})"


#: What became of a figure of a file, for the count of each measure's rows (`MeasureRows`).
NEW, CHANGED, UNCHANGED, REPEATED, REJECTED = "new", "changed", "unchanged", "repeated", "rejected"
OUTCOMES = (NEW, CHANGED, UNCHANGED, REPEATED, REJECTED)
#: Why a row gave no figure to import (for the measures it skipped).
BLANK_OR_NOTE = "blank or note row"
LEVEL_NOT_HELD = "geographic level not held"
AREA_NOT_HELD = "area not on this site"
NOT_MAPPED = "not mapped"
LEFT_OUT = "left out"
NO_PERIOD = "no period given"


@dataclass
class MeasureRows:
    """Every row of the file, for one of its measures (an EES column, a Fingertips indicator,
    one of our indicators in our template): what became of its figure in each."""

    key: str
    name: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str, number: int = 1) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + number

    def count(self, outcome: str) -> int:
        return self.counts.get(outcome, 0)

    @property
    def outcomes(self) -> list[tuple[str, int]]:
        """How many of its rows were new, changed, unchanged, repeated and rejected."""
        return [(outcome, self.count(outcome)) for outcome in OUTCOMES]

    @property
    def skipped(self) -> dict[str, int]:
        """The rows skipped, by why."""
        return {why: rows for why, rows in self.counts.items() if why not in OUTCOMES and rows}

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __str__(self) -> str:
        parts = [
            f"{self.count(outcome):,} {outcome}" for outcome in OUTCOMES if self.count(outcome)
        ]
        parts += [f"{rows:,} skipped ({why})" for why, rows in self.skipped.items()]
        name = f" “{self.name}”" if self.name and self.name != self.key else ""
        return f"{self.key or self.name}{name if self.key else ''}: {row_count(self.total)}: " + (
            ", ".join(parts) or "none"
        )


@dataclass
class ImportReport:
    file_name: str
    dry_run: bool = False
    apply_valid_rows: bool = False
    file_hash: str = ""
    file_format: str = ""  # the name of the file's format (`Format.name`)
    format_label: str = ""
    file_description: str = ""  # e.g. "CSV (Windows-1252)"
    #: True when the figures were written (and kept).
    applied: bool = False
    batch: ImportBatch | None = None
    #: An earlier applied import of the very same file (same SHA-256), if any.
    previous_import: ImportBatch | None = None

    file_errors: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    rows_read: int = 0
    rows_blank: int = 0
    rows_notes: int = 0
    notes: list[tuple[int, str]] = field(default_factory=list)
    rows_rejected: int = 0
    figures_rejected: int = 0
    rows_area_skipped: int = 0
    rows_unmapped: int = 0
    rows_left_out: int = 0
    rows_out_of_scope: int = 0

    figures_new: int = 0
    figures_changed: int = 0
    figures_unchanged: int = 0
    figures_duplicate: int = 0
    #: Figures checked and waiting to be compared with those held (for progress reports).
    figures_waiting: int = 0
    figures_computed: int = 0

    skipped_areas: dict[str, Tally] = field(default_factory=dict)
    skipped_levels: dict[str, int] = field(default_factory=dict)
    unmapped: dict[str, Tally] = field(default_factory=dict)
    left_out: dict[str, Tally] = field(default_factory=dict)
    areas_added: list[str] = field(default_factory=list)
    periods_added: list[str] = field(default_factory=list)
    breakdowns_added: list[str] = field(default_factory=list)
    mappings_saved: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    #: Illustrative (made-up) figures replaced by the file's real ones.
    figures_made_real: int = 0
    #: How each measure's single years were read, by the measure's key.
    year_readings: dict[str, YearReading] = field(default_factory=dict)
    #: The file has no period and none was given (the officer is asked for one).
    needs_period: bool = False
    #: Whether each measure is a column of the file (`Format.measures_are_columns`).
    measures_are_columns: bool = False
    #: What became of each measure's figure in every row, by the measure's key; rows that
    #: gave no figures at all (blank rows, notes, levels not held) are in `rows_without_figures`.
    measures: dict[str, MeasureRows] = field(default_factory=dict)
    rows_without_figures: dict[str, int] = field(default_factory=dict)
    #: What the officer must answer before the file can be imported.
    questions: list[Question] = field(default_factory=list)
    #: The rows counted in rows_rejected, so that each is counted once.
    _rejected_rows: set[int] = field(default_factory=set, init=False, repr=False, compare=False)

    # --- What the import found --------------------------------------------------------------

    def note(self, row: int, text: str) -> None:
        """A row that is a note (a footnote or title): counted, and the first few kept."""
        self.rows_notes += 1
        if len(self.notes) < NOTE_LIMIT:
            self.notes.append((row, text))

    def measure(self, key: str, name: str = "") -> MeasureRows:
        """The rows of one of the file's measures."""
        found = self.measures.get(key)
        if found is None:
            found = self.measures[key] = MeasureRows(key, name or key)
        return found

    def row_without_figures(self, why: str) -> None:
        self.rows_without_figures[why] = self.rows_without_figures.get(why, 0) + 1

    def measure_rows(self) -> list[MeasureRows]:
        """Every row of the file accounted for, measure by measure: where measures are columns,
        each measure's rows add up to the file's; otherwise the measures' rows and those with
        no figures (listed last) do."""
        measures = list(self.measures.values())
        if self.measures_are_columns:
            measures = [
                MeasureRows(
                    measure.key,
                    measure.name,
                    {
                        **measure.counts,
                        **{
                            why: measure.count(why) + rows
                            for why, rows in self.rows_without_figures.items()
                        },
                    },
                )
                for measure in measures
            ]
        elif self.rows_without_figures:
            measures.append(
                MeasureRows("", "Rows with no figures", dict(self.rows_without_figures))
            )
        return measures

    def reject(self, row: int, column: str, message: str) -> None:
        """A problem with a cell of a row (or the whole row): the row is rejected, counted
        once however many problems it has, and the first `ERROR_LIMIT` problems are kept."""
        if row not in self._rejected_rows:
            self._rejected_rows.add(row)
            self.rows_rejected += 1
        if len(self.errors) < ERROR_LIMIT:
            self.errors.append(RowError(row, column, message))

    # --- Outcome --------------------------------------------------------------------------

    @property
    def rejected(self) -> bool:
        """Nothing was (or would be) changed because of what is wrong with the file."""
        if self.file_errors or self.questions:
            return True
        return bool(self.rows_rejected) and not self.apply_valid_rows

    @property
    def rows_skipped(self) -> int:
        """Rows that were read but hold nothing to import: blank rows, notes, rows for areas
        or indicators the site does not hold, rows out of scope."""
        return (
            self.rows_blank
            + self.rows_notes
            + self.rows_area_skipped
            + self.rows_unmapped
            + self.rows_left_out
            + self.rows_out_of_scope
        )

    @property
    def figures_read(self) -> int:
        return (
            self.figures_new
            + self.figures_changed
            + self.figures_unchanged
            + self.figures_duplicate
            + self.figures_rejected
        )

    @property
    def nothing_changed(self) -> bool:
        return not self.rejected and not (self.figures_new or self.figures_changed)

    @property
    def status(self) -> Literal["rejected", "dry run", "unchanged", "applied"]:
        if self.rejected:
            return "rejected"
        if self.dry_run:
            return "dry run"
        if self.nothing_changed:
            return "unchanged"
        return "applied"

    # --- Words ----------------------------------------------------------------------------

    def summary(self) -> list[str]:
        """The outcome in sentences, most important first."""
        lines: list[str] = []
        lines.extend(self.file_errors)
        if self.file_errors:
            lines.append("Nothing was changed.")
            return lines
        would = "would be " if self.dry_run else ""
        if self.questions:
            count = len(self.questions)
            lines.append(
                f"{_count(count, 'question')} to answer before this file can be imported, so "
                f"nothing was changed: {' '.join(str(question) for question in self.questions)}"
            )
        if self.rejected and (self.rows_rejected or not self.questions):
            lines.append(
                f"{_count(self.rows_rejected, 'row')} {_has(self.rows_rejected)} problems, so "
                f"nothing was changed. Correct them and import the file again, or choose to "
                f"apply only the valid rows."
            )
        elif self.dry_run:
            lines.append("Dry run: nothing was saved.")
        if self.nothing_changed:
            if self.previous_import is not None and self.figures_unchanged:
                lines.append("Nothing changed: this file's figures are already on the site.")
            elif self.figures_unchanged:
                lines.append("Nothing changed: every figure in this file is already on the site.")
            else:
                lines.append("Nothing changed: the file holds no figures for this site.")
        format_words = f" ({self.format_label})" if self.format_label else ""
        lines.append(
            f"Read {_count(self.rows_read, 'row')}{format_words}: "
            f"{_count(self.figures_new, 'new figure')}, {self.figures_changed:,} changed, "
            f"{self.figures_unchanged:,} unchanged"
            + (f", {self.figures_rejected:,} rejected" if self.figures_rejected else "")
            + "."
        )
        if self.rows_rejected and self.apply_valid_rows:
            verb = "was" if self.rows_rejected == 1 else "were"
            rest = (
                ""
                if self.nothing_changed
                else f"; the valid rows {'would be' if self.dry_run else 'were'} applied"
            )
            lines.append(
                f"{_count(self.rows_rejected, 'row')} with problems {verb} left out{rest}."
            )
        if self.year_readings:
            lines.append(
                "Years read by how the source means them: "
                + "; ".join(str(reading) for reading in self.year_readings.values())
                + "."
            )
        if self.figures_made_real:
            made_real = self.figures_made_real
            verb = "would be" if self.dry_run else "was" if made_real == 1 else "were"
            lines.append(
                f"{_count(made_real, 'illustrative figure')} {verb} replaced by the file's real "
                f"{_noun(made_real, 'figure')}."
            )
        if self.figures_computed:
            lines.append(
                f"{_count(self.figures_computed, 'value')} and {_their(self.figures_computed)} "
                f"95% confidence limits {would or 'were '}computed from count and denominator."
            )
        if self.figures_duplicate:
            lines.append(
                f"{_count(self.figures_duplicate, 'row')} repeated an earlier row exactly and "
                f"{'was' if self.figures_duplicate == 1 else 'were'} counted once."
            )
        if self.skipped_areas:
            lines.append(
                f"{_count(self.rows_area_skipped, 'row')} for "
                f"{_count(len(self.skipped_areas), 'area')} not on this site "
                f"{'was' if self.rows_area_skipped == 1 else 'were'} skipped."
            )
        if self.areas_added:
            added = len(self.areas_added)
            verb = "would be" if self.dry_run else "was" if added == 1 else "were"
            lines.append(
                f"{_count(added, 'area')} {verb} added from the file's codes and names: "
                f"{_first(self.areas_added)}."
            )
        if self.unmapped:
            lines.append(
                f"{_count(len(self.unmapped), 'indicator')} in the file "
                f"{'is' if len(self.unmapped) == 1 else 'are'} not mapped to one of ours, so "
                f"{'its' if len(self.unmapped) == 1 else 'their'} figures were not imported: "
                f"{_first([str(tally) for tally in self.unmapped.values()])}."
            )
        if self.left_out:
            lines.append(
                f"Left out, as mapped: {_first([str(tally) for tally in self.left_out.values()])}."
            )
        if self.skipped_levels:
            levels = [f"{level} ({row_count(rows)})" for level, rows in self.skipped_levels.items()]
            lines.append(
                f"Rows at geographic levels this site does not hold were skipped: {_first(levels)}."
            )
        if self.rows_blank or self.rows_notes:
            lines.append(
                f"{_count(self.rows_blank + self.rows_notes, 'blank or note row')} "
                f"{'was' if self.rows_blank + self.rows_notes == 1 else 'were'} skipped."
            )
        kept = not (self.rejected or self.dry_run)
        if self.periods_added:
            lines.append(
                f"{'New' if kept else 'It would add the'} periods: {_first(self.periods_added)}."
            )
        if self.breakdowns_added:
            lines.append(
                f"{'New' if kept else 'It would add the'} breakdowns: "
                f"{_first(self.breakdowns_added)}."
            )
        if self.mappings_saved:
            lines.append(
                f"Mappings {'remembered' if kept else 'to remember when the file is applied'}: "
                f"{_first(self.mappings_saved)}."
            )
        return lines


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def row_count(number: int) -> str:
    """“1 row”, “2,345 rows”."""
    return _count(number, "row")


def _noun(number: int, noun: str) -> str:
    return noun if number == 1 else f"{noun}s"


def _has(number: int) -> str:
    return "has" if number == 1 else "have"


def _their(number: int) -> str:
    return "its" if number == 1 else "their"


def _first(items: list[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    if len(items) > limit:
        shown += f" and {len(items) - limit:,} more"
    return shown
