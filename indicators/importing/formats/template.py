"""Our own template: one figure a row, named by our indicator's slug and an ONS GSS area code
(the blank templates of `indicators.admin.blank_template` are this format)."""

from __future__ import annotations

from operator import itemgetter

from django.core.exceptions import ValidationError

from indicators.importing.formats.base import Format, SourceFigure, SourceRow, area_type_for
from indicators.importing.reading import FileRejected
from indicators.importing.validation import CellError, parse_breakdown
from indicators.models import GSS_CODE


class TemplateFormat(Format):
    name = "template"
    label = "the JSNA import template"
    expected = "our template (indicator, area_code, period, value, …)"
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

    def area_code_problem(self, code: str) -> str:
        """Our template names areas by their GSS codes: anything else is a mistake, never an
        area to skip or to add."""
        try:
            GSS_CODE(code)
        except ValidationError:
            return (
                f"“{code}” is not an area code: expected an ONS GSS code, a letter and "
                f"eight digits such as E07000123."
            )
        return ""
