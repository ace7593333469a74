"""Checking one figure of a file: its cells read into the data of a `Value` (a number or a
symbol, a status, a count and denominator, confidence limits, a note), the value computed from
its count when the file gives none, and the whole held to the model's own rules.

`FigureChecker.data_for` is the entry point: the figure's data (`writing.DATA_FIELDS`, in
that order), or None with the problems, each named by its column, for the row's rejection.

A figure below zero is refused unless its indicator allows them (`Indicator.allows_negative`:
a net change, a difference), whatever its unit; a spreadsheet's error (“#VALUE!”, “#DIV/0!”)
is refused as what it is, never read as a number or a zero.
"""

from __future__ import annotations

import re
from decimal import Decimal

from indicators.importing.formats import Format, Problem, SourceFigure
from indicators.importing.report import ImportReport
from indicators.importing.validation import (
    COMPUTED_NOTE,
    CellError,
    Computed,
    can_compute,
    compute_figure,
    parse_bool,
    parse_number,
    parse_status,
    read_figure,
)
from indicators.importing.writing import Data
from indicators.models import Indicator, Unit, Value, ValueStatus
from indicators.models.values import figure_errors

_NUMBER_FIELDS = ("count", "denominator", "lower_ci", "upper_ci")  # read by parse_number
_NOTE_LENGTH = Value._meta.get_field("note").max_length
_NO_FIGURE_NOTE = "No figure was given in the file"
#: Excel's (and LibreOffice's) error values, as a cell holding a failed formula shows them.
_SPREADSHEET_ERROR = re.compile(
    r"^#(?:VALUE!|DIV/0!|N/A|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|FIELD!|GETTING_DATA|BLOCKED!)$",
    re.IGNORECASE,
)


class FigureChecker:
    """Reads and checks the figures of one file; counts those computed in the report."""

    def __init__(self, table_format: Format, report: ImportReport) -> None:
        self.table_format = table_format
        self.report = report

    def data_for(
        self,
        figure: SourceFigure,
        indicator: Indicator,
        columns: dict[str, str],
        problems: list[Problem],
    ) -> Data | None:
        """The figure's data (DATA_FIELDS, in that order), or None with its problems added.
        ``columns`` names each field's column (`Format.figure_columns`)."""
        # The four number fields, in _NUMBER_FIELDS's order, unrolled (this runs for every
        # figure of a file).
        count: Decimal | None = None
        denominator: Decimal | None = None
        lower: Decimal | None = None
        upper: Decimal | None = None
        text = figure.count
        if text:
            try:
                count = parse_number(text)
            except CellError as error:
                problems.append((columns["count"], _cell_problem(text, error)))
        text = figure.denominator
        if text:
            try:
                denominator = parse_number(text)
            except CellError as error:
                problems.append((columns["denominator"], _cell_problem(text, error)))
        text = figure.lower_ci
        if text:
            try:
                lower = parse_number(text)
            except CellError as error:
                problems.append((columns["lower_ci"], _cell_problem(text, error)))
        text = figure.upper_ci
        if text:
            try:
                upper = parse_number(text)
            except CellError as error:
                problems.append((columns["upper_ci"], _cell_problem(text, error)))
        try:
            number, symbol_status, symbol_note = read_figure(figure.value)
        except CellError as error:
            problems.append((columns["value"], _cell_problem(figure.value, error)))
            number, symbol_status, symbol_note = None, "", ""
        if number is not None and number < 0 and not indicator.allows_negative:
            problems.append((columns["value"], _negative(indicator, figure.value)))
        status, status_note = "", ""
        if figure.status:
            try:
                status, status_note = parse_status(figure.status)
            except CellError as error:
                problems.append((columns["status"], str(error)))
        illustrative = False
        if figure.is_illustrative:
            try:
                illustrative = parse_bool(figure.is_illustrative)
            except CellError as error:
                problems.append((columns["is_illustrative"], str(error)))
        if problems:
            return None

        notes = [symbol_note, status_note]
        status = status or symbol_status
        if number is None and not status:
            if self.table_format.withheld(figure):
                # Never computed from a count: the source withheld the figure on purpose.
                status = ValueStatus.SUPPRESSED
            elif (
                count is not None
                and can_compute(indicator)
                and (denominator is not None or indicator.unit == Unit.COUNT)
            ):
                computed = self._compute(indicator, count, denominator, columns, problems)
                if computed is None:
                    return None
                number = computed.value
                lower = lower if lower is not None else computed.lower_ci
                upper = upper if upper is not None else computed.upper_ci
                status = ValueStatus.AVAILABLE
                notes.append(COMPUTED_NOTE)
                self.report.figures_computed += 1
            else:
                status = ValueStatus.NOT_AVAILABLE
                if not figure.note:
                    notes.append(_NO_FIGURE_NOTE)
        elif number is not None and not status:
            status = ValueStatus.AVAILABLE
        if status == ValueStatus.AVAILABLE and number is None:
            problems.append(
                (
                    columns["value"],
                    "The status is available but there is no figure: expected a value, or "
                    "a count and denominator to compute it from, or another status.",
                )
            )
            return None
        notes.append(figure.note)
        data = (number, status, count, denominator, lower, upper, _join_notes(notes), illustrative)
        return self._held_to_rules(figure, indicator, data, columns, problems)

    def _held_to_rules(
        self,
        figure: SourceFigure,
        indicator: Indicator,
        data: Data,
        columns: dict[str, str],
        problems: list[Problem],
    ) -> Data | None:
        """The data, or None when the model's rules for a figure (`figure_errors`, as
        `Value.clean()` holds them) refuse it, with their messages added as problems (saying
        what the file gives, where the message does not)."""
        number, status, count, denominator, lower, upper = data[:6]
        errors = figure_errors(indicator, number, status, count, denominator, lower, upper)
        if not errors:
            return data
        for field_name, message in errors.items():
            raw = _raw(figure, field_name)
            if raw and raw not in message:
                message = f"{message} The file gives “{raw}”."
            problems.append((columns.get(field_name, field_name), message))
        return None

    def _compute(
        self,
        indicator: Indicator,
        count: Decimal,
        denominator: Decimal | None,
        columns: dict[str, str],
        problems: list[Problem],
    ) -> Computed | None:
        if count < 0:
            problems.append((columns["count"], "The count cannot be negative."))
        if denominator is not None and denominator <= 0:
            problems.append((columns["denominator"], "The denominator must be greater than zero."))
        if (
            indicator.unit == Unit.PERCENTAGE
            and denominator is not None
            and count > denominator
            and not problems
        ):
            problems.append(
                (
                    columns["count"],
                    f"For a percentage the count cannot exceed the denominator (the file "
                    f"gives {count.normalize():f} of {denominator.normalize():f}).",
                )
            )
        if problems:
            return None
        try:
            return compute_figure(indicator, count, denominator)
        except (CellError, ValueError, ArithmeticError) as error:
            problems.append((columns["value"], f"The value cannot be computed: {error}"))
            return None


def _cell_problem(text: str, error: CellError) -> str:
    """What is wrong with a cell that is not a number: said plainly for a spreadsheet's
    error value."""
    stripped = text.strip()
    if stripped.startswith("="):
        return (
            f"“{stripped}” is a formula whose result the workbook did not save (it was written "
            f"by a program that does not calculate, or saved before calculating): open the file "
            f"in Excel and save it again, or paste the figures as values, then import it again."
        )
    if _SPREADSHEET_ERROR.match(stripped):
        return (
            f"“{stripped}” is an error from the spreadsheet the file was made in (a formula "
            f"that failed), not a figure: correct it at the source, or write a symbol such as "
            f"x (not available), or leave the cell empty."
        )
    return str(error)


def _negative(indicator: Indicator, text: str) -> str:
    return (
        f"A {indicator.get_unit_display().lower()} of “{indicator.name}” cannot be negative "
        f"(the file gives “{text.strip()}”); tick “figures may be negative” on the indicator "
        f"if it is a net change."
    )


def _join_notes(notes: list[str]) -> str:
    if not any(notes):
        return ""
    parts: list[str] = []
    for note in notes:
        note = note.strip().rstrip(".")
        if note and note not in parts:
            parts.append(note)
    joined = "; ".join(parts)
    if joined:
        joined += "."
    if _NOTE_LENGTH is not None and len(joined) > _NOTE_LENGTH:
        joined = joined[: _NOTE_LENGTH - 1] + "…"
    return joined


def _raw(figure: SourceFigure, field_name: str) -> str:
    return getattr(figure, field_name, "") if field_name != "status" else figure.status
