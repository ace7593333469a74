"""The file formats officers receive, recognised from the header row.

Each format turns the rows of a `Table` into `SourceRow`s: one per row of the file, saying
whether it is a data row, a blank row or a note (a footnote or title), where it is, when, and
the figures it gives (one for our template and for Fingertips, one per measure column for an
EES file). Formats only read and reshape; they do not look anything up in the database, apart
from the names of the measures already mapped. The import service validates and stores.

- `TemplateFormat`: our own template (indicator slug, area_code, period, breakdown, value, ...).
- `FingertipsFormat`: an OHID Fingertips data export (Indicator ID, Area Code, Time period, ...).
- `EesFormat`: a DfE Explore Education Statistics tidy data file (time_period,
  time_identifier, geographic_level, the area code columns, one column per measure).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import ClassVar

from indicators.importing.reading import FileRejected, Table
from indicators.importing.validation import (
    CellError,
    check_breakdown_label,
    dimension_for,
    parse_breakdown,
    parse_number,
    read_symbol,
)
from indicators.models import AreaType, BreakdownType

#: Rows an EES file is sampled on to tell filter columns (text) from measure columns.
EES_SAMPLE_ROWS = 500


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
    breakdown: tuple[str, str] | None = None


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
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    skip: str = ""  # why the whole row is out of scope (e.g. an EES geographic level)


def normalise(name: str) -> str:
    """A column name for comparison: “Area Code”, “area_code” and “ AREA  code” agree."""
    return re.sub(r"[\s_]+", " ", name.replace("\ufeff", "").strip().lower())


def _looks_like_note(text: str) -> bool:
    """Footnotes and titles are prose (“Source: DfE”, “* c = suppressed”); a lone code or
    slug is a broken data row and is reported as one."""
    return bool(re.search(r"\s|:", text)) or not text[0].isalnum()


class Format:
    name: ClassVar[str]
    label: ClassVar[str]
    #: The SourceMapping source whose mappings apply, or None (template: slugs are ours).
    mapping_source: ClassVar[str | None] = None
    #: Normalised column names whose presence identifies the format.
    signature: ClassVar[tuple[str, ...]]
    #: Columns a file of this format cannot do without (normalised).
    required: ClassVar[tuple[str, ...]]
    #: The field each normalised column name fills.
    fields: ClassVar[dict[str, str]] = {}

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.width = len(header)
        self.index: dict[str, int] = {}
        self.columns: dict[str, str] = {}  # field -> the column's name as the file writes it
        self.duplicate_columns: list[str] = []
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
        self.warnings: list[str] = []

    @classmethod
    def spelled(cls, name: str) -> str:
        """A normalised column name as the source itself writes it."""
        return name.replace(" ", "_")

    @classmethod
    def matches(cls, names: Collection[str]) -> bool:
        return all(name in names for name in cls.signature)

    def column(self, field_name: str) -> str:
        return self.columns.get(field_name, field_name)

    def prepare(self, table: Table, mapped_keys: Collection[str]) -> None:
        """Look at the file before reading it properly, if the format needs to."""

    def read(self, rows: Iterator[tuple[int, list[str]]]) -> Iterator[SourceRow]:
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
        raise NotImplementedError


def _join_names(names: Collection[str]) -> str:
    quoted = [f"“{name}”" for name in names]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


# --- Our template ---------------------------------------------------------------------------


class TemplateFormat(Format):
    name = "template"
    label = "the JSNA import template"
    signature = ("indicator", "area code")
    required = ("indicator", "area code", "period")
    fields = {
        "indicator": "indicator",
        "area code": "area_code",
        "area name": "area_name",
        "area type": "area_type",
        "parent code": "parent_code",
        "period": "period",
        "breakdown": "breakdown",
        "value": "value",
        "status": "status",
        "count": "count",
        "denominator": "denominator",
        "lower ci": "lower_ci",
        "upper ci": "upper_ci",
        "note": "note",
        "is illustrative": "is_illustrative",
    }

    #: The columns `_fill` reads, in the order it unpacks them.
    _read = (
        "indicator",
        "area code",
        "area name",
        "area type",
        "parent code",
        "period",
        "breakdown",
        "value",
        "status",
        "count",
        "denominator",
        "lower ci",
        "upper ci",
        "note",
        "is illustrative",
    )

    def __init__(self, header: list[str]) -> None:
        super().__init__(header)
        if not any(name in self.index for name in ("value", "status", "count")):
            raise FileRejected(
                "The template has no “value” column (nor “status” or “count”): there are no "
                "figures to import."
            )
        # Every cell _fill needs in one call; a column the file lacks reads an empty cell
        # added after the last column.
        self._cells = itemgetter(*(self.index.get(name, self.width) for name in self._read))
        self._area_column = self.column("area_code")
        self._value_column = self.column("value")
        self._breakdown_column = self.column("breakdown")

    def _fill(self, row: SourceRow, cells: list[str]) -> None:
        if len(cells) == self.width:
            cells.append("")
        else:  # cells beyond the header's columns (the row is rejected for them) are not read
            cells = [*cells[: self.width], ""]
        (
            slug,
            area_code,
            area_name,
            area_type,
            parent_code,
            period,
            breakdown_text,
            value,
            status,
            count,
            denominator,
            lower_ci,
            upper_ci,
            note,
            is_illustrative,
        ) = self._cells(cells)
        row.area_code = area_code = area_code.upper()
        row.area_column = self._area_column
        row.area_name = area_name
        row.area_type = area_type_for(area_code, area_type)
        row.parent_code = parent_code.upper()
        row.period = period
        breakdown = None
        if breakdown_text:
            try:
                breakdown = parse_breakdown(breakdown_text)
            except CellError as error:
                row.problems.append((self._breakdown_column, str(error)))
        row.figures.append(
            SourceFigure(
                slug,
                slug,
                value,
                self._value_column,
                status,
                count,
                denominator,
                lower_ci,
                upper_ci,
                note,
                is_illustrative,
                breakdown,
            )
        )


# --- OHID Fingertips --------------------------------------------------------------------------


_AGE_BAND = [
    (re.compile(r"^all ages$"), lambda m: (0, 999)),
    (re.compile(r"^<\s*(\d+)\s*yrs?$"), lambda m: (0, int(m.group(1)) - 1)),
    (re.compile(r"^(\d+)\s*\+\s*yrs?$"), lambda m: (int(m.group(1)), 999)),
    (re.compile(r"^(\d+)\s*-\s*(\d+)\s*yrs?$"), lambda m: (int(m.group(1)), int(m.group(2)))),
    (re.compile(r"^(\d+)\s*yrs?$"), lambda m: (int(m.group(1)), int(m.group(1)))),
]
_WHOLE_POPULATION_SEXES = {"", "persons", "not applicable"}


def age_band(text: str) -> tuple[int, int] | None:
    """Fingertips's age words as a range of years: “<18 yrs” → (0, 17), “65+ yrs” → (65, 999)."""
    lowered = text.strip().lower()
    for pattern, band in _AGE_BAND:
        match = pattern.match(lowered)
        if match:
            return band(match)
    return None


def default_age(ages: Collection[str]) -> str | None:
    """The age that stands for the indicator's whole population: the only one, or the one
    whose band contains every other (“65+ yrs” over “65-79 yrs” and “80+ yrs”). None when no
    age covers the others, so that each is a breakdown and none is guessed to be everyone."""
    if len(ages) == 1:
        return next(iter(ages))
    bands = {age: age_band(age) for age in ages}
    for age, band in bands.items():
        if band is None:
            continue
        if all(
            other is not None and band[0] <= other[0] and other[1] <= band[1]
            for other in bands.values()
        ):
            return age
    return None


class FingertipsFormat(Format):
    name = "fingertips"
    label = "an OHID Fingertips data export"
    mapping_source = "fingertips"
    signature = ("indicator id", "area code", "time period")
    required = ("indicator id", "area code", "time period", "value")
    fields = {
        "indicator id": "indicator_id",
        "indicator name": "indicator_name",
        "parent code": "parent_code",
        "area code": "area_code",
        "area name": "area_name",
        "area type": "area_type",
        "sex": "sex",
        "age": "age",
        "category type": "category_type",
        "category": "category",
        "time period": "period",
        "value": "value",
        "lower ci 95.0 limit": "lower_ci",
        "upper ci 95.0 limit": "upper_ci",
        "count": "count",
        "denominator": "denominator",
        "value note": "note",
        "time period range": "period_range",
    }

    def __init__(self, header: list[str]) -> None:
        super().__init__(header)
        self.default_ages: dict[str, str | None] = {}

    @classmethod
    def spelled(cls, name: str) -> str:
        return {"indicator id": "Indicator ID", "area code": "Area Code"}.get(
            name, name.capitalize()
        )

    def prepare(self, table: Table, mapped_keys: Collection[str]) -> None:
        """Find each indicator's default age: the age of its whole-population rows."""
        ages: dict[str, set[str]] = {}
        for _, cells in table.rows():
            if len(cells) < self.width:
                cells = self._padded(cells)
            key = fingertips_id(self._get(cells, "indicator id"))
            if not key or self._get(cells, "category type"):
                continue
            if self._get(cells, "sex").lower() not in _WHOLE_POPULATION_SEXES:
                continue
            found = ages.setdefault(key, set())
            if len(found) < 50:
                found.add(self._get(cells, "age"))
        for key, found in ages.items():
            chosen = self.default_ages[key] = default_age(found)
            if chosen is None:
                self.warnings.append(
                    f"Indicator {key} has figures for several ages "
                    f"({', '.join(sorted(found))}) and none of them covers the others, so each "
                    f"age was stored as an age breakdown rather than as the whole population."
                )
            elif len(found) > 1:
                others = ", ".join(sorted(found - {chosen}))
                self.warnings.append(
                    f"Indicator {key}: the figures for “{chosen}” are the whole population; "
                    f"the other ages ({others}) were stored as age breakdowns."
                )

    def _fill(self, row: SourceRow, cells: list[str]) -> None:
        get = self._get
        key = fingertips_id(get(cells, "indicator id"))
        row.area_code = get(cells, "area code").upper()
        row.area_column = self.column("area_code")
        row.area_name = get(cells, "area name")
        row.area_type = area_type_for(row.area_code, get(cells, "area type"))
        row.parent_code = get(cells, "parent code").upper()
        row.period = get(cells, "time period")
        period_range = get(cells, "time period range").lower()
        if period_range and period_range not in ("1y", "1 y"):
            row.problems.append(
                (
                    self.column("period_range"),
                    f"“{row.period}” covers {period_range}, pooled together, which this site "
                    f"cannot store: expected a single year (1y).",
                )
            )
        if not key:
            row.problems.append(
                (self.column("indicator_id"), "The Indicator ID is empty: expected a number.")
            )
        try:
            breakdown = self._breakdown(key, cells)
        except CellError as error:
            row.problems.append((self.column("category"), str(error)))
            breakdown = None
        row.figures.append(
            SourceFigure(
                key=key,
                name=get(cells, "indicator name"),
                value=get(cells, "value"),
                value_column=self.column("value"),
                count=get(cells, "count"),
                denominator=get(cells, "denominator"),
                lower_ci=get(cells, "lower ci 95.0 limit"),
                upper_ci=get(cells, "upper ci 95.0 limit"),
                note=get(cells, "value note"),
                breakdown=breakdown,
            )
        )

    def _breakdown(self, key: str, cells: list[str]) -> tuple[str, str] | None:
        """Sex “Persons” at the indicator's default age with no category is everyone; “Male”
        or “Female” is a sex breakdown; a Category Type and Category give another."""
        parts: list[tuple[str, str]] = []
        sex = self._get(cells, "sex")
        if sex.lower() not in _WHOLE_POPULATION_SEXES:
            parts.append((BreakdownType.SEX, sex))
        age = self._get(cells, "age")
        if age and age != self.default_ages.get(key, age):
            parts.append((BreakdownType.AGE, age))
        category = self._get(cells, "category")
        if category:
            parts.append((dimension_for(self._get(cells, "category type")), category))
        if not parts:
            return None
        if len(parts) == 1:
            return check_breakdown_label(str(parts[0][0]), parts[0][1])
        return check_breakdown_label(BreakdownType.OTHER, ", ".join(label for _, label in parts))


def fingertips_id(text: str) -> str:
    """An Indicator ID as text: “90812”, also when a spreadsheet made it “90812.0”."""
    stripped = text.strip()
    if stripped.endswith(".0") and stripped[:-2].isdigit():
        return stripped[:-2]
    return stripped


# --- DfE Explore Education Statistics -------------------------------------------------------

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


def _is_figure(text: str) -> bool:
    if read_symbol(text) is not None:
        return True
    try:
        parse_number(text.rstrip("uU[] "))
    except CellError:
        return False
    return True


# --- Area types from codes -------------------------------------------------------------------

_CODE_TYPES = {
    "E92": AreaType.COUNTRY,
    "W92": AreaType.COUNTRY,
    "S92": AreaType.COUNTRY,
    "N92": AreaType.COUNTRY,
    "E12": AreaType.REGION,
    "E13": AreaType.REGION,  # Inner and Outer London
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


FORMATS: list[type[Format]] = [EesFormat, FingertipsFormat, TemplateFormat]
FORMAT_NAMES = {format_class.name: format_class for format_class in FORMATS}


def detect_format(header: list[str], requested: str = "auto") -> Format:
    """The format whose columns the header has; FileRejected when none (or not the one the
    officer asked for)."""
    names = {normalise(cell) for cell in header if cell}
    if requested and requested != "auto":
        if requested not in FORMAT_NAMES:
            raise FileRejected(
                f"“{requested}” is not a format we know: expected auto, {', '.join(FORMAT_NAMES)}."
            )
        return FORMAT_NAMES[requested](header)
    for format_class in FORMATS:
        if format_class.matches(names):
            return format_class(header)
    shown = ", ".join(f"“{cell}”" for cell in header[:8] if cell)
    more = " …" if len([cell for cell in header if cell]) > 8 else ""
    raise FileRejected(
        f"The header row ({shown}{more}) is not one we recognise. Expected our template "
        f"(indicator, area_code, period, value, …), an OHID Fingertips data export (Indicator "
        f"ID, Area Code, Time period, Value, …) or a DfE Explore Education Statistics data file "
        f"(time_period, time_identifier, geographic_level, …)."
    )
