"""What every format has in common: the rows and figures a format reads a file into, and the
`Format` class, which holds a source's own rules as methods each format may override.

A format knows its columns and how its source writes things: which cell is the area, how a
period is written, what makes a breakdown, which columns are figures, what a note in a cell
means. The importer asks the format rather than its name, so that teaching the importer a new
convention of a source is a change to that source's class alone.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from core.formatting import joined
from indicators.importing import periods
from indicators.importing.reading import FileRejected, Table
from indicators.importing.report import Question
from indicators.models import AreaType

if TYPE_CHECKING:
    from indicators.importing.validation import CellError
    from indicators.models import Indicator


#: A problem with a cell of a row, or the whole row: (the column, as the file names it; what
#: is wrong and what was expected).
Problem = tuple[str, str]


@dataclass(slots=True)
class SourceFigure:
    """One figure as a file gives it, still as text."""

    key: str  # template: indicator slug; Fingertips: Indicator ID; EES: measure column
    name: str  # the file's name for the indicator, for reports
    value: str
    value_column: str
    status: str = ""
    count: str = ""
    denominator: str = ""
    lower_ci: str = ""
    upper_ci: str = ""
    note: str = ""
    is_illustrative: str = ""
    #: (dimension, label), or (dimension, label, scheme): see `importing.breakdowns`.
    breakdown: tuple[str, ...] | None = None


@dataclass(slots=True)
class SourceRow:
    """One row of a file."""

    number: int
    kind: str = "data"  # "data", "blank" or "note"
    text: str = ""  # a note's text
    area_code: str = ""
    area_column: str = ""
    alt_area_code: str = ""  # EES old_la_code
    area_name: str = ""
    area_type: str = ""  # an AreaType value suggested by the file, or ""
    parent_code: str = ""
    period: str = ""
    time_identifier: str = ""
    figures: list[SourceFigure] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skip: str = ""  # why the whole row is out of scope (e.g. an EES geographic level)


def normalise(name: str) -> str:
    """A column name for comparison: “Area Code”, “area_code” and “ AREA  code” agree."""
    return re.sub(r"[\s_]+", " ", name.replace("\ufeff", "").strip().lower())


def _looks_like_note(text: str) -> bool:
    """Footnotes and titles are prose (“Source: DfE”, “* c = suppressed”); a lone code or
    slug is a broken data row and is reported as one."""
    return bool(re.search(r"\s|:", text)) or not text[0].isalnum()


class Format:
    """A kind of file, read into `SourceRow`s (`read`), with its source's own rules.

    A subclass sets the class attributes below and fills each data row (`_fill`); the other
    methods are the conventions the importer asks about, each with the default that suits most
    sources, for a format to override where its source differs."""

    name: ClassVar[str]
    label: ClassVar[str]
    #: How the format is named where a header is not recognised, with its first columns.
    expected: ClassVar[str]
    #: The SourceMapping source whose mappings apply, or None: the file names our indicators
    #: by slug (our template), so that no mapping is needed.
    mapping_source: ClassVar[str | None] = None
    #: Normalised column names whose presence identifies the format.
    signature: ClassVar[tuple[str, ...]]
    #: Columns a file of this format cannot do without (normalised).
    required: ClassVar[tuple[str, ...]]
    #: The field each normalised column name fills.
    fields: ClassVar[dict[str, str]] = {}
    #: Whether each of the source's indicators is a column, so that every row gives a figure
    #: of each (EES, older DfE releases), rather than each row naming its indicator (our
    #: template, Fingertips). The report then accounts for every row of each column.
    measures_are_columns: ClassVar[bool] = False

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.width = len(header)
        self.index: dict[str, int] = {}
        self.columns: dict[str, str] = {}  # field -> the column's name as the file writes it
        self.duplicate_columns: list[str] = []
        self._figure_columns: dict[str, dict[str, str]] = {}
        for position, raw in enumerate(header):
            key = normalise(raw)
            if not key:
                continue
            if key in self.index:
                self.duplicate_columns.append(raw)
                continue
            self.index[key] = position
            target = self.fields.get(key)
            if target:
                self.columns.setdefault(target, raw)
        missing = [name for name in self.required if name not in self.index]
        if missing:
            raise FileRejected(
                f"{self.label[0].upper()}{self.label[1:]} needs the columns "
                f"{_join_names([self.spelled(name) for name in self.required])} in its header "
                f"row; this file has no {_join_names([self.spelled(name) for name in missing])}."
            )
        #: What the officer should know about how the file was read, for the report.
        self.warnings: list[str] = [
            f"The header has more than one “{column}” column: the first was used."
            for column in self.duplicate_columns
        ]
        #: What the officer has said the file's columns are (`importing.breakdowns`'s
        #: COLUMN_ROLES), by column as the file names it; set before `prepare`.
        self.column_roles: dict[str, str] = {}
        #: What `prepare` could not decide and asks the officer, for the report.
        self.questions: list[Question] = []

    @classmethod
    def spelled(cls, name: str) -> str:
        """A normalised column name as the source itself writes it."""
        return name.replace(" ", "_")

    @classmethod
    def matches(cls, names: Collection[str]) -> bool:
        return all(name in names for name in cls.signature)

    def column(self, field_name: str) -> str:
        """The column that fills a field, as the file names it (for messages)."""
        return self.columns.get(field_name, field_name)

    # --- Reading the file --------------------------------------------------------------------

    def prepare(self, table: Table, mapped_keys: Collection[str]) -> None:
        """Look at the file before reading it properly, if the format needs to; what it finds
        that the officer should know goes in `warnings`."""

    def read(self, rows: Iterator[tuple[int, list[str]]]) -> Iterator[SourceRow]:
        """The rows of the file as `SourceRow`s: the entry point of every format."""
        for number, cells in rows:
            row = self._start(number, cells)
            if row.kind == "data":
                self._fill(row, self._padded(cells))
            yield row

    def _start(self, number: int, cells: list[str]) -> SourceRow:
        if not any(cells):
            return SourceRow(number, kind="blank")
        if cells[0] and self.width > 2 and not any(cells[1:]) and _looks_like_note(cells[0]):
            return SourceRow(number, kind="note", text=cells[0])
        row = SourceRow(number)
        if any(cells[self.width :]):
            filled = [position for position, cell in enumerate(cells) if cell]
            row.problems.append(
                (
                    "(whole row)",
                    f"The row has {filled[-1] + 1} cells but the header has {self.width} "
                    f"columns: expected at most one cell per column (is there a comma in a "
                    f"field that is not in quotation marks?).",
                )
            )
        return row

    def _padded(self, cells: list[str]) -> list[str]:
        if len(cells) < self.width:
            return cells + [""] * (self.width - len(cells))
        return cells

    def _get(self, cells: list[str], name: str) -> str:
        position = self.index.get(name)
        return cells[position] if position is not None else ""

    def _fill(self, row: SourceRow, cells: list[str]) -> None:
        """Set the row's area, period and figures from its cells (padded to the header)."""
        raise NotImplementedError

    # --- The source's conventions ------------------------------------------------------------

    def use_period(self, period: str) -> str:
        """The period the officer gave for the whole file (or ""): what is wrong with the
        file as a whole if it needs one and none was given, or "". By default a file gives
        its own periods, so one given is not used (and the officer is told)."""
        if period.strip():
            self.warnings.append(
                f"The file gives the period of each row, so the period you gave "
                f"(“{period.strip()}”) was not used."
            )
        return ""

    @classmethod
    def read_period(cls, text: str, time_identifier: str = "", reading: str = "") -> str:
        """The code of the period a row's period cell (and, in EES, its time_identifier)
        means, checked by `Period.from_code`; CellError if it is not one this site can store.
        A format changes how its source writes periods in `period_as_code`; a single year
        whose meaning the source does not say (`single_year`) is read as ``reading`` says
        (a `PeriodReading`: calendar year unless told otherwise)."""
        text = periods.given(text)
        year = cls.single_year(text, time_identifier)
        if year is not None:
            return periods.checked_code(periods.year_as(year, reading))
        return periods.checked_code(cls.period_as_code(text, time_identifier))

    @classmethod
    def single_year(cls, text: str, time_identifier: str) -> int | None:
        """The year, if the source writes a period as a single year without saying what kind
        of year it is (DfE's “Reporting year” 2013 is the year to 31 March 2013 for some
        collections and 31 March 2013 itself for others), so that how it is read is set for
        each of the source's indicators (`SourceMapping.period_reading`); otherwise None, and
        the period is read by `period_as_code`. By default a source says what it means."""
        return None

    def describe_period(self, text: str, time_identifier: str) -> str:
        """A period as the file writes it, for the report: “2013 (Reporting year)”."""
        return f"{text} ({time_identifier})" if time_identifier else text

    @classmethod
    def period_as_code(cls, text: str, time_identifier: str) -> str:
        """A period as the source writes it (stripped, not empty), written as our codes write
        it: by default, the source writes our codes."""
        return text

    def period_column(self) -> str:
        """The column a period's problems are reported in."""
        return self.column("period")

    def period_problem_column(self, error: CellError) -> str:
        """The column ``error``, a problem with a row's period, is reported in: by default
        `period_column`."""
        return self.period_column()

    def area_code_problem(self, code: str) -> str:
        """Why a code the site does not hold is a mistake in the file rather than an area to
        skip (or to add), or "" when it may be an area: by default, any code may be one."""
        return ""

    def figure_columns(self, figure: SourceFigure) -> dict[str, str]:
        """Each field of a figure and the column that gives it, as the file names it, for
        messages (the same for every row of a measure column)."""
        found = self._figure_columns.get(figure.value_column)
        if found is None:
            column = self.column
            found = self._figure_columns[figure.value_column] = {
                "value": figure.value_column,
                "status": column("status"),
                "count": column("count"),
                "denominator": column("denominator"),
                "lower_ci": column("lower_ci"),
                "upper_ci": column("upper_ci"),
                "note": column("note"),
                "is_illustrative": column("is_illustrative"),
            }
        return found

    def withheld(self, figure: SourceFigure) -> bool:
        """Whether a figure given without a value was withheld by the source on purpose, so
        that it is stored as suppressed and never computed from its count."""
        return False

    def known_keys(self, indicators: Iterable[Indicator]) -> dict[str, Indicator]:
        """The source's keys that name one of our indicators without a mapping."""
        return {}


def _join_names(names: Collection[str]) -> str:
    return joined([f"“{name}”" for name in names])


# --- Area types from codes -------------------------------------------------------------------

_CODE_TYPES = {
    "E92": AreaType.COUNTRY,
    "W92": AreaType.COUNTRY,
    "S92": AreaType.COUNTRY,
    "N92": AreaType.COUNTRY,
    "E12": AreaType.REGION,
    "E11": AreaType.GROUPING,  # metropolitan counties: statistical groupings, not a tier
    "E13": AreaType.GROUPING,  # Inner and Outer London: statistical groupings, not regions
    "E10": AreaType.COUNTY,
    "E06": AreaType.UNITARY,
    "E08": AreaType.UNITARY,  # metropolitan districts: single tier, under a region
    "E09": AreaType.UNITARY,  # London boroughs
    "W06": AreaType.UNITARY,
    "S12": AreaType.UNITARY,
    "E07": AreaType.DISTRICT,
    "N09": AreaType.DISTRICT,
}


def area_type_for(code: str, words: str) -> str:
    """The type of area a GSS code stands for (its first three characters say), or failing
    that what the file calls it; "" when neither says."""
    from_code = _CODE_TYPES.get(code[:3])
    if from_code:
        return from_code
    lowered = words.lower()
    for choice in AreaType:
        if lowered in (choice.value, choice.label.lower()):
            return choice
    if lowered in ("england", "national"):
        return AreaType.COUNTRY
    if "region" in lowered:
        return AreaType.REGION
    if lowered:
        return AreaType.OTHER
    return ""
