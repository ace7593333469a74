"""OHID Fingertips data exports: one figure a row, named by Fingertips's Indicator ID, with
its people (Sex, Age, Category Type and Category) and its time period in Fingertips's words."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING

from indicators.importing.breakdowns import with_scheme
from indicators.importing.formats.base import Format, SourceFigure, SourceRow, area_type_for
from indicators.importing.reading import Table
from indicators.importing.validation import CellError, check_breakdown_label, dimension_for
from indicators.models import BreakdownType

if TYPE_CHECKING:
    from indicators.models import Indicator

_AGE_BAND: list[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[int, int]]]] = [
    (re.compile(r"^all ages$"), lambda m: (0, 999)),
    (re.compile(r"^<\s*(\d+)\s*yrs?$"), lambda m: (0, int(m.group(1)) - 1)),
    (re.compile(r"^(\d+)\s*\+\s*yrs?$"), lambda m: (int(m.group(1)), 999)),
    (re.compile(r"^(\d+)\s*-\s*(\d+)\s*yrs?$"), lambda m: (int(m.group(1)), int(m.group(2)))),
    (re.compile(r"^(\d+)\s*yrs?$"), lambda m: (int(m.group(1)), int(m.group(1)))),
]
_WHOLE_POPULATION_SEXES = {"", "persons", "not applicable"}
#: Fingertips writes pooled years with spaced hyphens: “2010 - 12” is three calendar years.
_POOLED = re.compile(r"^(\d{4})(?:/\d{2})?\s+-\s+(\d{2,4})(?:/\d{2})?$")


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


def fingertips_id(text: str) -> str:
    """An Indicator ID as text: “90812”, also when a spreadsheet made it “90812.0”."""
    stripped = text.strip()
    if stripped.endswith(".0") and stripped[:-2].isdigit():
        return stripped[:-2]
    return stripped


class FingertipsFormat(Format):
    name = "fingertips"
    label = "an OHID Fingertips data export"
    expected = "an OHID Fingertips data export (Indicator ID, Area Code, Time period, Value, …)"
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

    def _breakdown(self, key: str, cells: list[str]) -> tuple[str, ...] | None:
        """Sex “Persons” at the indicator's default age with no category is everyone; “Male”
        or “Female” is a sex breakdown; a Category Type and Category give another, in the set
        of categories the Category Type names: Fingertips gives county-level and district-level
        deprivation deciles the same labels (“Most deprived decile (IMD2019)”), and they are
        different breakdowns."""
        parts: list[tuple[str, str]] = []
        sex = self._get(cells, "sex")
        if sex.lower() not in _WHOLE_POPULATION_SEXES:
            parts.append((BreakdownType.SEX, sex))
        age = self._get(cells, "age")
        if age and age != self.default_ages.get(key, age):
            parts.append((BreakdownType.AGE, age))
        category = self._get(cells, "category")
        category_type = self._get(cells, "category type") if category else ""
        if category:
            parts.append((dimension_for(category_type), category))
        if not parts:
            return None
        if len(parts) == 1:
            found = check_breakdown_label(str(parts[0][0]), parts[0][1])
        else:
            joined = ", ".join(label for _, label in parts)
            found = check_breakdown_label(BreakdownType.OTHER, joined)
        return with_scheme(found, category_type)

    @classmethod
    def period_as_code(cls, text: str, time_identifier: str) -> str:
        """Fingertips writes financial years as 2012/13, as we do, and pooled years with
        spaced hyphens (“2010 - 12”, three calendar years), which must not be read as the
        financial year 2010/11 and which the site cannot store."""
        if _POOLED.match(text):
            raise CellError(
                f"“{text}” is a period of several years pooled together, which this site "
                f"cannot store: expected a single year such as 2012/13 or 2012."
            )
        return text

    def withheld(self, figure: SourceFigure) -> bool:
        """Fingertips says in the Value note when it suppressed a figure."""
        return "suppress" in figure.note.lower()

    def known_keys(self, indicators: Iterable[Indicator]) -> dict[str, Indicator]:
        """Our indicators that give their Fingertips Indicator ID need no mapping."""
        return {
            str(indicator.fingertips_id): indicator
            for indicator in indicators
            if indicator.fingertips_id is not None
        }
