"""Older DfE statistical releases' underlying data (the “SFR” files published before Explore
Education Statistics): one wide row per area, its geography in ``geog_l`` (NATIONAL, REGION or
LA), ``geog_c`` (999 for England, a letter for a region, the old LA number for an authority),
``geog_n`` (its name, in capitals for England and the regions) and, from 2011, ``New_geog_code``
(its ONS code); then one column per measure, each mapped to one of our indicators as an EES
measure is (`SourceMapping` source “sfr”, a namespace of its own: the releases' column names,
such as ``CLA_Mar2013``, are not EES's).

The releases' conventions, as this format reads them:

- the symbols of the releases' own key: ``x`` suppressed (not shown, to protect confidentiality;
  authorities' negative net gains were published so), ``.`` not applicable and ``..`` not
  available; a spreadsheet's error (``#VALUE!``) is refused as what it is (see `checking`);
- national and regional figures are rounded (to the nearest 10) by DfE: they are stored as
  published;
- INNER LONDON and OUTER LONDON are REGION rows that carry London's code (E12000007): they are
  read as the ONS statistical groupings E13000001 and E13000002, never as London;
- rows made only of commas at the end of the file (left by Excel) are blank rows;
- names in the header are read without the spaces around them (“CLA_NetGain ”).

A release has no period column: its period is given by the officer for the whole file
(``period``), unless the file has a ``year`` column. A single year (“2013”), given or in the
column, is read as the measure's mapping says (see `indicators.importing.periods`): the count
of children looked after at 31 March 2013 is the snapshot 2013-03-31, not the calendar year.
"""

from __future__ import annotations

import re

from indicators.importing.formats.base import (
    Format,
    SourceFigure,
    SourceRow,
    area_type_for,
    normalise,
)
from indicators.importing.validation import CellError
from indicators.models import AreaType, ValueStatus

#: geog_l → the type of area it is (an authority's is told by its code).
_LEVELS = {"NATIONAL": AreaType.COUNTRY, "REGION": AreaType.REGION, "LA": ""}
#: The statistical groupings that releases write as regions with London's code.
_LONDON_GROUPINGS = {
    "INNER LONDON": "E13000001",
    "OUTER LONDON": "E13000002",
}
_LONDON_LETTERS = {"H": "E13000001", "I": "E13000002"}
_LONDON = "E12000007"
#: Columns that say where or when, not figures (normalised).
_GEOGRAPHY = ("new geog code", "geog l", "geog c", "geog n")
_YEAR_COLUMNS = ("year", "period")
#: The symbols of the releases' key → (status, note).
_SYMBOLS = {
    "x": (ValueStatus.SUPPRESSED, "Not shown in the release, to protect confidentiality (x)"),
    ".": (ValueStatus.NOT_APPLICABLE, "Not applicable (.)"),
    "..": (ValueStatus.NOT_AVAILABLE, "Not available (..)"),
}


class SfrFormat(Format):
    name = "sfr"
    label = "an older DfE statistical release's underlying data"
    expected = "an older DfE release's underlying data (geog_l, geog_c, geog_n, New_geog_code, …)"
    mapping_source = "sfr"
    measures_are_columns = True
    signature = ("geog l", "geog c", "geog n")
    required = signature
    fields = {
        "new geog code": "new_geog_code",
        "geog l": "geog_l",
        "geog c": "geog_c",
        "geog n": "geog_n",
        "year": "year",
        "period": "year",
    }

    def __init__(self, header: list[str]) -> None:
        super().__init__(header)
        self.year_column = next((name for name in _YEAR_COLUMNS if name in self.index), "")
        #: The measure columns, as the file names them, and where they are.
        self.measures: list[tuple[str, int]] = [
            (raw, position)
            for position, raw in enumerate(header)
            if (key := self._measure_name(raw)) and self.index.get(key) == position
        ]
        self.period = ""

    def _measure_name(self, raw: str) -> str:
        """A column's normalised name if it is a measure, or ""."""
        key = normalise(raw)
        if not key or key in _GEOGRAPHY or key == self.year_column:
            return ""
        if re.search(r" (code|name)$", key):
            return ""
        return key

    def use_period(self, period: str) -> str:
        """A release gives no period (unless it has a year column): the officer gives it."""
        if self.year_column:
            return super().use_period(period)
        self.period = period.strip()
        if self.period:
            return ""
        return (
            "This file has no year or period column, as the older DfE releases have none: give "
            "the period its figures are for (for example 2013-03-31 for figures at 31 March "
            "2013, 2012/13 for a financial year or AY2012/13 for an academic year), as the "
            "preview's “Period of every figure”, or with --period on the command line."
        )

    def _fill(self, row: SourceRow, cells: list[str]) -> None:
        get = self._get
        level = get(cells, "geog l").upper()
        if level not in _LEVELS:
            row.skip = f"geographic level “{level or '(empty)'}”"
            return
        code = get(cells, "new geog code").upper()
        number = get(cells, "geog c").upper()
        name = get(cells, "geog n")
        area_type: str = _LEVELS[level] or area_type_for(code, "")
        if level == "REGION":
            grouping = _LONDON_GROUPINGS.get(name.upper())
            if grouping is None and code == _LONDON:
                grouping = _LONDON_LETTERS.get(number)
            if grouping is not None:  # a grouping written with London's code: never London
                code, area_type = grouping, AreaType.GROUPING
        row.area_code = code
        row.area_column = self.column("new_geog_code" if code else "geog_c")
        row.alt_area_code = number if level == "LA" else ""
        row.area_name = name
        row.area_type = area_type
        row.period = get(cells, self.year_column) if self.year_column else self.period
        for raw, position in self.measures:
            row.figures.append(_figure(raw, cells[position]))

    # --- The releases' conventions ----------------------------------------------------------

    @classmethod
    def single_year(cls, text: str, time_identifier: str) -> int | None:
        """A year on its own (“2013”) is read as the measure's mapping says."""
        return int(text) if re.fullmatch(r"\d{4}", text) else None

    @classmethod
    def period_as_code(cls, text: str, time_identifier: str) -> str:
        """Our codes, except six digits (“201213”), which the releases use for academic and
        financial years alike."""
        if re.fullmatch(r"\d{6}", text):
            raise CellError(
                f"“{text}” could be an academic or a financial year: write AY{text[:4]}/"
                f"{text[4:]} for the academic year or {text[:4]}/{text[4:]} for the financial "
                f"year."
            )
        return text

    def describe_period(self, text: str, time_identifier: str) -> str:
        if self.year_column:
            return f"{text} ({self.column('year')})"
        return f"{text} (the period given for the file)"

    def period_column(self) -> str:
        return self.column("year") if self.year_column else "period (given for the file)"


def _figure(column: str, cell: str) -> SourceFigure:
    """A measure's figure, with the releases' symbols read as their key says."""
    symbol = _SYMBOLS.get(cell.strip().lower())
    if symbol is None:
        return SourceFigure(key=column, name=column, value=cell, value_column=column)
    status, note = symbol
    return SourceFigure(
        key=column, name=column, value="", value_column=column, status=status, note=note
    )
