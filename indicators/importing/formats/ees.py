"""DfE Explore Education Statistics tidy data files: time_period with its time_identifier,
geographic_level and the code columns of that level, filter columns (which make breakdowns)
and one column per measure (each a figure, mapped to one of our indicators)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection

from indicators.importing.formats.base import (
    Format,
    SourceFigure,
    SourceRow,
    area_type_for,
    normalise,
)
from indicators.importing.reading import Table
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


class EesFormat(Format):
    name = "ees"
    label = "a DfE Explore Education Statistics data file"
    expected = (
        "a DfE Explore Education Statistics data file "
        "(time_period, time_identifier, geographic_level, …)"
    )
    mapping_source = "ees"
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

    def prepare(self, table: Table, mapped_keys: Collection[str]) -> None:
        """Tell measure columns (numbers and symbols) from filter columns (text such as
        “Total” or “Female”) on a sample of rows; mapped columns are always measures."""
        others = [
            (raw, position)
            for position, raw in enumerate(self.header)
            if normalise(raw)
            and normalise(raw) not in _EES_FIXED
            and not re.search(r" (code|name|id|urn|ukprn|laestab)$", normalise(raw))
            and self.index.get(normalise(raw)) == position
        ]
        textual: Counter[int] = Counter()
        for seen, (_, cells) in enumerate(table.rows()):
            if seen >= EES_SAMPLE_ROWS:
                break
            for _, position in others:
                if position < len(cells) and cells[position] and not _is_figure(cells[position]):
                    textual[position] += 1
        for raw, position in others:
            if raw in mapped_keys or not textual[position]:
                self.measures.append((raw, position))
            else:
                self.filters.append((raw, position))
        if self.filters:
            self.warnings.append(
                "Read as breakdowns (filters) rather than figures: "
                + ", ".join(f"“{raw}”" for raw, _ in self.filters)
                + "."
            )

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

    def _breakdown(self, row: SourceRow, cells: list[str]) -> tuple[str, str] | None:
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
                return check_breakdown_label(dimension_for(raw), label)
            # A “…_type” or “…_topic” column says what the other filter's value is.
            kinds = [item for item in chosen if re.search(r"type|topic", item[0], re.I)]
            if len(chosen) == 2 and len(kinds) == 1:
                (label,) = [value for raw, value in chosen if (raw, value) != kinds[0]]
                return check_breakdown_label(dimension_for(kinds[0][1]), label)
            return check_breakdown_label(
                BreakdownType.OTHER, ", ".join(value for _, value in chosen)
            )
        except CellError as error:
            row.problems.append((self.filters[0][0], str(error)))
            return None

    @classmethod
    def period_as_code(cls, text: str, time_identifier: str) -> str:
        """EES gives a time_period such as 201213 and says in its time_identifier what kind
        of period it is: “Academic year” 201213 is our AY2012/13; a financial, calendar or
        reporting year is written as our codes write it."""
        identifier = time_identifier.strip().lower()
        if identifier == "academic year":
            if not re.fullmatch(r"\d{6}", text):
                raise CellError(
                    f"“{text}” is not an academic year: expected six digits such as 201213."
                )
            return f"AY{text}"
        if identifier in ("financial year", "calendar year", "reporting year"):
            return text
        raise CellError(
            f"The time_identifier “{time_identifier}” is one this site cannot store: expected "
            f"Financial year, Academic year, Calendar year or Reporting year."
        )

    def period_column(self) -> str:
        return self.column("time_period")


def _is_figure(text: str) -> bool:
    if read_symbol(text) is not None:
        return True
    try:
        parse_number(text.rstrip("uU[] "))
    except CellError:
        return False
    return True
