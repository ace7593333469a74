"""DfE Explore Education Statistics tidy data files: time_period with its time_identifier,
geographic_level and the code columns of that level, filter columns (which make breakdowns)
and one column per measure (each a figure, mapped to one of our indicators)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection

from indicators.importing.breakdowns import DESCRIBES_FILE, FIGURES, with_scheme
from indicators.importing.formats.base import (
    Format,
    SourceFigure,
    SourceRow,
    area_type_for,
    normalise,
)
from indicators.importing.formats.ees_time import (
    TimeIdentifierError,
    ees_period_code,
    is_reporting_year,
    reporting_year,
)
from indicators.importing.reading import Table
from indicators.importing.report import Question
from indicators.importing.validation import (
    CellError,
    check_breakdown_label,
    dimension_for,
    parse_number,
    read_symbol,
)
from indicators.models import AreaType, BreakdownType

#: Rows an EES file is sampled on to tell filter columns (text) from measure columns.
EES_SAMPLE_ROWS = 500

#: Geographic level → (code column, fallback code column, name column, parent code column).
EES_LEVELS: dict[str, tuple[str, str, str, str]] = {
    "national": ("country code", "", "country name", ""),
    "regional": ("region code", "", "region name", "country code"),
    "local authority": ("new la code", "old la code", "la name", "region code"),
    "local authority district": ("lad code", "", "lad name", "region code"),
}
_EES_LEVEL_TYPES = {"national": AreaType.COUNTRY, "regional": AreaType.REGION}
_EES_FIXED = {"time period", "time identifier", "geographic level"}
_EES_TOTALS = {"total", "all", "all pupils", "all children", "all schools", "persons"}
#: A filter whose values say what another filter's value is (characteristic_type, …_topic).
_KIND = re.compile(r"type|topic", re.IGNORECASE)
#: The values of a filter kept to show the officer.
_VALUES_KEPT = 5


class EesFormat(Format):
    name = "ees"
    label = "a DfE Explore Education Statistics data file"
    expected = (
        "a DfE Explore Education Statistics data file "
        "(time_period, time_identifier, geographic_level, …)"
    )
    mapping_source = "ees"
    measures_are_columns = True
    signature = ("time period", "time identifier", "geographic level")
    required = signature
    fields = {
        "time period": "time_period",
        "time identifier": "time_identifier",
        "geographic level": "geographic_level",
        "country code": "country_code",
        "region code": "region_code",
        "new la code": "new_la_code",
        "old la code": "old_la_code",
        "lad code": "lad_code",
    }

    def __init__(self, header: list[str]) -> None:
        super().__init__(header)
        self.measures: list[tuple[str, int]] = []  # (column as written, position)
        self.filters: list[tuple[str, int]] = []
        #: Filter column → the dimension the officer said it breaks down.
        self.dimensions: dict[str, str] = {}
        #: Columns read as descriptions of the file (the same on every row): ignored.
        self.described: list[str] = []

    def prepare(self, table: Table, mapped_keys: Collection[str]) -> None:
        """Tell measure columns (numbers and symbols) from filter columns (text such as
        “Total” or “Female”) on a sample of rows; mapped columns are always measures, and a
        column the officer has said what it is is read as they said (`column_roles`).

        A filter whose value is the same on every row, such as a publication's `category`,
        describes the file: it is not a breakdown, unless its name says what it breaks down
        (a file of girls only has `sex` “Female” on every row). A filter whose name does not
        say what it breaks down, and which no `…_type` column explains, is asked about."""
        others = [
            (raw, position)
            for position, raw in enumerate(self.header)
            if normalise(raw)
            and normalise(raw) not in _EES_FIXED
            and not re.search(r" (code|name|id|urn|ukprn|laestab)$", normalise(raw))
            and self.index.get(normalise(raw)) == position
        ]
        textual: Counter[int] = Counter()
        seen: dict[int, list[str]] = {position: [] for _, position in others}
        for count, (_, cells) in enumerate(table.rows()):
            if count >= EES_SAMPLE_ROWS:
                break
            for _, position in others:
                cell = cells[position] if position < len(cells) else ""
                if not cell:
                    continue
                if not _is_figure(cell):
                    textual[position] += 1
                if len(seen[position]) < _VALUES_KEPT and cell not in seen[position]:
                    seen[position].append(cell)
        roles = self.column_roles
        for raw, position in others:
            role = roles.get(raw)
            if role == FIGURES or (role is None and (raw in mapped_keys or not textual[position])):
                self.measures.append((raw, position))
            elif role == DESCRIBES_FILE:
                self.described.append(raw)
            else:
                self.filters.append((raw, position))
                if role:
                    self.dimensions[raw] = role
        self._read_filters(table, seen)

    def _read_filters(self, table: Table, seen: dict[int, list[str]]) -> None:
        """Decide what each filter the officer has not described is, and say how it was read."""
        undecided = [(raw, at) for raw, at in self.filters if raw not in self.dimensions]
        constant = self._constant(table, [position for _, position in undecided], seen)
        for raw, position in undecided:
            value = constant.get(position)
            if value is None or value.lower() in _EES_TOTALS:
                continue
            if dimension_for(raw) == BreakdownType.OTHER:
                if _KIND.search(raw) and len(self.filters) > 1:
                    continue  # it says what another filter's values are
                self.filters.remove((raw, position))
                self.described.append(raw)
                self.warnings.append(
                    f"“{raw}” is “{value}” on every row: read as a description of the file, "
                    f"not as a breakdown."
                )
            else:
                self.warnings.append(
                    f"“{raw}” is “{value}” on every row: every figure was read as the "
                    f"{dimension_for(raw)} breakdown “{value}”, not as the whole population."
                )
        varying = [
            (raw, position)
            for raw, position in self.filters
            if position not in constant or constant[position].lower() not in _EES_TOTALS
        ]
        kinds = [raw for raw, _ in varying if _KIND.search(raw)]
        paired = len(varying) == 2 and len(kinds) == 1
        for raw, position in varying:
            if raw in self.dimensions or position in constant:
                continue
            if dimension_for(raw) != BreakdownType.OTHER or raw in kinds or paired:
                continue
            values = tuple(seen.get(position, ()))
            shown = ", ".join(f"“{value}”" for value in values)
            more = ", …" if len(values) >= _VALUES_KEPT else ""
            self.questions.append(
                Question(
                    kind="column",
                    key=raw,
                    text=f"The column “{raw}” ({shown}{more}) "
                    f"was read as a breakdown, but its name does not say by what: say what it "
                    f"is (a breakdown by sex, age, ethnicity, deprivation or something else, a "
                    f"description of the file, or figures).",
                    values=values,
                    guess=BreakdownType.OTHER,
                )
            )
        if self.filters:
            self.warnings.append(
                "Read as breakdowns (filters) rather than figures: "
                + ", ".join(f"“{raw}”" for raw, _ in self.filters)
                + "."
            )

    @staticmethod
    def _constant(table: Table, positions: list[int], seen: dict[int, list[str]]) -> dict[int, str]:
        """The columns (of ``positions``) with one value on every row of the file, and that
        value. Only those with one value in the sample are read to the end."""
        candidates = {
            position: seen[position][0] for position in positions if len(seen[position]) == 1
        }
        if not candidates:
            return {}
        for _, cells in table.rows():
            for position, value in list(candidates.items()):
                cell = cells[position] if position < len(cells) else ""
                if cell and cell != value:
                    del candidates[position]
            if not candidates:
                break
        return candidates

    def _fill(self, row: SourceRow, cells: list[str]) -> None:
        get = self._get
        level = get(cells, "geographic level")
        columns = EES_LEVELS.get(level.lower())
        if columns is None:
            row.skip = f"geographic level “{level or '(empty)'}”"
            return
        code_column, fallback_column, name_column, parent_column = columns
        row.area_code = get(cells, code_column).upper()
        if code_column in self.index:
            row.area_column = self.header[self.index[code_column]]
        else:
            row.area_column = code_column.replace(" ", "_")
        row.alt_area_code = get(cells, fallback_column).upper() if fallback_column else ""
        row.area_name = get(cells, name_column)
        row.area_type = _EES_LEVEL_TYPES.get(level.lower()) or area_type_for(row.area_code, "")
        row.parent_code = get(cells, parent_column).upper() if parent_column else ""
        row.period = get(cells, "time period")
        row.time_identifier = get(cells, "time identifier")
        breakdown = self._breakdown(row, cells)
        for raw, position in self.measures:
            row.figures.append(
                SourceFigure(
                    key=raw,
                    name=raw,
                    value=cells[position],
                    value_column=raw,
                    breakdown=breakdown,
                )
            )

    def _breakdown(self, row: SourceRow, cells: list[str]) -> tuple[str, ...] | None:
        """The row's breakdown from its filters: none when every filter is a total (“Total”
        is the whole population). A breakdown by something other than sex, age or ethnicity is
        in the set of categories its column (or its `…_type` column) names, so that two
        filters with the same values (“Yes”, “No”) stay apart."""
        chosen = [
            (raw, cells[position])
            for raw, position in self.filters
            if cells[position] and cells[position].lower() not in _EES_TOTALS
        ]
        try:
            if not chosen:
                return None
            if len(chosen) == 1:
                raw, label = chosen[0]
                dimension = self.dimensions.get(raw) or dimension_for(raw)
                return _in_scheme(dimension, label, raw)
            # A “…_type” or “…_topic” column says what the other filter's value is.
            kinds = [item for item in chosen if _KIND.search(item[0])]
            if len(chosen) == 2 and len(kinds) == 1:
                (raw, label) = [item for item in chosen if item != kinds[0]][0]
                kind = kinds[0][1]
                return _in_scheme(self.dimensions.get(raw) or dimension_for(kind), label, kind)
            return _in_scheme(
                BreakdownType.OTHER,
                ", ".join(value for _, value in chosen),
                ", ".join(raw for raw, _ in chosen),
            )
        except CellError as error:
            row.problems.append((self.filters[0][0], str(error)))
            return None

    @classmethod
    def period_as_code(cls, text: str, time_identifier: str) -> str:
        """EES gives a time_period such as 201213 and says in its time_identifier what kind
        of period it is: “Academic year” 201213 is our AY2012/13, “Financial year Q1” 201213
        our 2012/13 Q1, and so on for every identifier EES has (see `ees_time`)."""
        return ees_period_code(text, time_identifier)

    @classmethod
    def single_year(cls, text: str, time_identifier: str) -> int | None:
        """A “Reporting year” is a single year whose meaning depends on the collection: read
        as the measure's mapping says (see `indicators.importing.periods`)."""
        return reporting_year(text) if is_reporting_year(time_identifier) else None

    def period_column(self) -> str:
        return self.column("time_period")

    def period_problem_column(self, error: CellError) -> str:
        if isinstance(error, TimeIdentifierError):
            return self.column("time_identifier")
        return self.period_column()


def _in_scheme(dimension: str, label: str, scheme: str) -> tuple[str, ...]:
    """A filter's breakdown: sex, age and ethnicity have categories of their own; any other
    dimension's are those of the filter (``scheme``) that gives them."""
    found = check_breakdown_label(dimension, label)
    if dimension in (BreakdownType.SEX, BreakdownType.AGE, BreakdownType.ETHNICITY):
        return found
    return with_scheme(found, scheme)


def _is_figure(text: str) -> bool:
    if read_symbol(text) is not None:
        return True
    try:
        parse_number(text.rstrip("uU[] "))
    except CellError:
        return False
    return True
