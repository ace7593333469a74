"""The blank import template for an indicator, as CSV or as an Excel workbook.

The CSV holds the template's header row and one example row; the workbook holds the same on
its first sheet (the one the importer reads), then a sheet “Columns” explaining each column
(what it is, whether it is required, the values and forms it accepts), a sheet about the
indicator and a sheet of the areas this site holds.

The example row is the indicator's latest whole-population figure when it has one, so that a
template imported untouched changes nothing; otherwise it is an example for the officer to
replace, which the import's preview would show as a new figure before anything is saved.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from indicators.exports import neutralise_formula
from indicators.importing.validation import SYMBOLS
from indicators.importing.writing import DATA_FIELDS
from indicators.models import (
    Area,
    AreaType,
    Breakdown,
    BreakdownType,
    Indicator,
    Unit,
    Value,
    ValueStatus,
)

#: The columns of the template, in order. The importer also reads the `EXTRA_COLUMNS`.
TEMPLATE_COLUMNS = (
    "indicator",
    "area_code",
    "area_name",
    "period",
    "breakdown",
    # The parts of a figure the importer writes, but for the illustrative flag (an extra
    # column: an officer's own figures are real).
    *(name for name in DATA_FIELDS if name != "is_illustrative"),
)
EXTRA_COLUMNS = ("area_type", "parent_code", "is_illustrative")

PERIOD_FORMS = (
    "2012/13 for a financial year (also 2012-13 or 201213); 2013 for a calendar year; "
    "AY2012/13 for an academic year; 2013-03-31 for a snapshot date (also 31/03/2013)."
)


@dataclass(frozen=True)
class ColumnHelp:
    name: str
    meaning: str
    required: str
    allowed: str
    example: str = ""

    @property
    def in_template(self) -> bool:
        return self.name in TEMPLATE_COLUMNS


def _symbols() -> str:
    """The suppression and missing-value symbols the importer reads, by what they mean."""
    by_status: dict[str, list[str]] = {}
    for symbol, (status, _) in SYMBOLS.items():
        if symbol != "u":
            by_status.setdefault(status, []).append(symbol)
    words = {
        ValueStatus.SUPPRESSED: "suppressed",
        ValueStatus.NOT_AVAILABLE: "not available",
        ValueStatus.NOT_APPLICABLE: "not applicable",
    }
    parts = [
        f"{_or(symbols)} ({words.get(status, status)})" for status, symbols in by_status.items()
    ]
    return "; ".join(parts)


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _unit_words(indicator: Indicator | None) -> str:
    if indicator is None:
        return (
            "A percentage from 0 to 100 (21.5 means 21.5%); a rate or a count cannot be negative."
        )
    places = f"Shown to {indicator.decimal_places} decimal places; give all you have."
    if indicator.unit == Unit.PERCENTAGE:
        return f"A percentage from 0 to 100 (21.5 means 21.5%). {places}"
    if indicator.unit == Unit.RATE:
        return f"A rate per {indicator.multiplier:,} {indicator.population}, not negative. {places}"
    if indicator.unit == Unit.COUNT:
        return f"A number of people or events, not negative. {places}"
    return f"A number ({indicator.get_unit_display().lower()}). {places}"


def _breakdowns(indicator: Indicator | None) -> str:
    dimensions = ", ".join(choice.value for choice in BreakdownType)
    text = (
        f"Empty (or All, Total) for the whole population; otherwise “dimension: category”, "
        f"where the dimension is one of {dimensions}, e.g. “age: 1-4” or “sex: Female”. A new "
        f"category is added when the file is imported."
    )
    if indicator is not None:
        used = [
            f"{breakdown.dimension}: {breakdown.label}"
            for breakdown in Breakdown.objects.filter(values__indicator=indicator).distinct()[:12]
        ]
        if used:
            text += f" This indicator already has: {'; '.join(used)}."
    return text


def column_guide(
    indicator: Indicator | None = None, example: dict[str, str] | None = None
) -> list[ColumnHelp]:
    """What each column of the template is, for the workbook's “Columns” sheet and the
    upload page; the template's own columns first, then the optional extra ones."""
    example = example or {}
    statuses = ", ".join(choice.value for choice in ValueStatus)
    area_types = ", ".join(choice.value for choice in AreaType)
    slug = indicator.slug if indicator else "the indicator's slug"
    guide = [
        ColumnHelp(
            "indicator",
            "Which of our indicators the figure is for: its slug (the short name in its web "
            "address). Its full name is accepted too.",
            "Required",
            f"For this template: {slug}." if indicator else "The slug of one of our indicators.",
        ),
        ColumnHelp(
            "area_code",
            "The area, by its ONS GSS code. Areas are matched by code, never by name.",
            "Required",
            "A letter and eight digits, e.g. E07000123 (Preston) or E10000017 (Lancashire). "
            "Rows for areas this site does not hold are skipped and counted, or added if you "
            "choose to add them.",
        ),
        ColumnHelp(
            "area_name",
            "The area's name, for people reading the file; the name of an area you choose to "
            "add. A name that differs from ours is reported, not an error.",
            "Optional",
            "Text.",
        ),
        ColumnHelp("period", "The time the figure refers to.", "Required", PERIOD_FORMS),
        ColumnHelp(
            "breakdown",
            "The part of the population the figure is about.",
            "Optional",
            _breakdowns(indicator),
        ),
        ColumnHelp(
            "value",
            "The figure, in the indicator's unit.",
            "Required unless the status or a count is given",
            f"{_unit_words(indicator)} Numbers may have thousands separators (1,234.5) or a % "
            f"sign. A missing figure is a symbol: {_symbols()}; or a number followed by u "
            f"(low reliability). A missing figure is never stored as zero.",
        ),
        ColumnHelp(
            "status",
            "Why there is no figure, when there is none.",
            "Optional",
            f"{statuses}. Empty means available when there is a value.",
        ),
        ColumnHelp(
            "count",
            "The numerator: how many people or events.",
            "Optional",
            "A number, not negative. With a denominator and no value, the value and its 95% "
            "confidence limits are computed (Wilson for percentages, Byar or exact Poisson for "
            "rates and counts).",
        ),
        ColumnHelp(
            "denominator",
            "The population the count is out of.",
            "Optional",
            "A number greater than zero (for a percentage, at least the count).",
        ),
        ColumnHelp(
            "lower_ci",
            "The lower 95% confidence limit.",
            "Optional",
            "A number no higher than the value (and the upper limit).",
        ),
        ColumnHelp(
            "upper_ci",
            "The upper 95% confidence limit.",
            "Optional",
            "A number no lower than the value (and the lower limit).",
        ),
        ColumnHelp(
            "note",
            "A note shown with the figure, e.g. “Provisional”.",
            "Optional",
            "Text, up to 300 characters.",
        ),
        ColumnHelp(
            "area_type",
            "Not in the template; add the column if you add areas. What kind of area it is.",
            "Optional",
            f"{area_types}. By default it follows from the GSS code.",
        ),
        ColumnHelp(
            "parent_code",
            "Not in the template; add the column if you add areas. The GSS code of the area it "
            "rolls up to (a district's county).",
            "Optional",
            "A GSS code.",
        ),
        ColumnHelp(
            "is_illustrative",
            "Not in the template; for demonstration data only. Marks a made-up figure.",
            "Optional",
            "true or false (yes or no); empty means false.",
        ),
    ]
    return [
        ColumnHelp(item.name, item.meaning, item.required, item.allowed, example.get(item.name, ""))
        for item in guide
    ]


# --- The example row ---------------------------------------------------------------------------


def _number(number: Decimal | None) -> str:
    """A stored figure exactly, without the storage's trailing zeros: 21.5, 878, 0.25."""
    if number is None:
        return ""
    return format(number.normalize(), "f")


def example_row(indicator: Indicator) -> dict[str, str]:
    """The indicator's latest whole-population figure as a template row, or an example."""
    latest = (
        Value.objects.filter(indicator=indicator)
        .select_related("area", "period", "breakdown")
        .order_by(F("breakdown_id").asc(nulls_first=True), "-period__end_date", "area__name")
        .first()
    )
    if latest is not None:
        breakdown = latest.breakdown
        return {
            "indicator": indicator.slug,
            "area_code": latest.area.code,
            "area_name": latest.area.name,
            "period": latest.period.code,
            "breakdown": f"{breakdown.dimension}: {breakdown.label}" if breakdown else "",
            "value": _number(latest.value),
            "status": latest.status,
            "count": _number(latest.count),
            "denominator": _number(latest.denominator),
            "lower_ci": _number(latest.lower_ci),
            "upper_ci": _number(latest.upper_ci),
            "note": latest.note,
        }
    area = Area.objects.order_by("name").first()
    year = timezone.localdate().year
    figures = {Unit.PERCENTAGE: "12.5", Unit.RATE: "45.2", Unit.COUNT: "10"}
    return {
        "indicator": indicator.slug,
        "area_code": area.code if area else "E92000001",
        "area_name": area.name if area else "England",
        "period": f"{year - 1}/{year % 100:02d}",
        "breakdown": "",
        "value": figures.get(indicator.unit, "1.0"),
        "status": "available",
        "count": "",
        "denominator": "",
        "lower_ci": "",
        "upper_ci": "",
        "note": "Example: replace this row with your figures",
    }


# --- Files -------------------------------------------------------------------------------------


def filename(indicator: Indicator, extension: str) -> str:
    return f"jsna-import-template-{indicator.slug}.{extension}"


def template_csv(indicator: Indicator) -> bytes:
    """The header and the example row, UTF-8 with a byte order mark for Excel."""
    row = example_row(indicator)
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow([neutralise_formula(row[name]) for name in TEMPLATE_COLUMNS])
    return stream.getvalue().encode("utf-8-sig")


_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TEXT_COLUMNS = ("area_code", "period", "breakdown")
#: Rows the status column's list of choices applies to.
_VALIDATED_ROWS = 2000
_WIDTHS = {"indicator": 28, "area_name": 24, "breakdown": 18, "note": 40}


def _text(value: str) -> str:
    return neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("", value))


def _header(sheet, names: list[str] | tuple[str, ...]) -> None:
    sheet.append(list(names))
    for cell in sheet[1]:
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
    sheet.freeze_panes = "A2"


def template_xlsx(indicator: Indicator) -> bytes:
    row = example_row(indicator)
    workbook = Workbook()

    figures = workbook.active
    figures.title = "Figures"
    _header(figures, TEMPLATE_COLUMNS)
    figures.append([_example_cell(name, row[name]) for name in TEMPLATE_COLUMNS])
    for position, name in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = get_column_letter(position)
        figures.column_dimensions[letter].width = _WIDTHS.get(name, 13)
        if name in _TEXT_COLUMNS:
            # As the column's style (no cells): Excel keeps what is typed there as text, and
            # the importer does not see 2,000 empty formatted rows.
            figures.column_dimensions[letter].number_format = "@"
            figures[f"{letter}2"].number_format = "@"
    status_column = get_column_letter(TEMPLATE_COLUMNS.index("status") + 1)
    statuses = DataValidation(
        type="list",
        formula1='"' + ",".join(choice.value for choice in ValueStatus) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Status",
        error="Choose available, suppressed, not_available or not_applicable, or leave empty.",
    )
    statuses.add(f"{status_column}2:{status_column}{_VALIDATED_ROWS + 1}")
    figures.add_data_validation(statuses)

    columns = workbook.create_sheet("Columns")
    _header(columns, ["Column", "In the template", "What it is", "Required", "Allowed values"])
    for item in column_guide(indicator, row):
        columns.append(
            [
                item.name,
                "yes" if item.in_template else "no: add it if needed",
                _text(item.meaning),
                item.required,
                _text(item.allowed),
            ]
        )
    for letter, width in zip("ABCDE", (16, 14, 48, 20, 70), strict=True):
        columns.column_dimensions[letter].width = width
    for cells in columns.iter_rows(min_row=2):
        for cell in cells:
            cell.alignment = _WRAP

    about = workbook.create_sheet("Indicator")
    about.append(["Indicator", _text(indicator.name)])
    about.append(["Slug (the indicator column)", indicator.slug])
    about.append(["Unit", _text(indicator.unit_label)])
    about.append(["Decimal places shown", indicator.decimal_places])
    about.append(["Definition", _text(indicator.definition)])
    about.append(["Source", _text(indicator.source)])
    if indicator.fingertips_id:
        about.append(["Fingertips indicator ID", indicator.fingertips_id])
    about.append([])
    about.append(
        [
            "How to use",
            "Put one figure per row on the first sheet, “Figures”, which is the only sheet "
            "read. Replace the example row. Upload the workbook (or the sheet saved as CSV) "
            "in the admin under Values › Import figures: you see a preview of every change "
            "before anything is saved.",
        ]
    )
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 90
    for cells in about.iter_rows():
        cells[0].font = _BOLD
        for cell in cells:
            cell.alignment = _WRAP

    areas = workbook.create_sheet("Areas")
    _header(areas, ["area_code", "area_name", "area_type"])
    for code, name, area_type in Area.objects.order_by("code").values_list(
        "code", "name", "area_type"
    ):
        areas.append([code, _text(name), area_type])
    for letter, width in zip("ABC", (14, 40, 12), strict=True):
        areas.column_dimensions[letter].width = width

    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def _example_cell(name: str, text: str) -> object:
    """Figures as numbers, everything else as text."""
    if name in ("value", "count", "denominator", "lower_ci", "upper_ci") and text:
        return Decimal(text)
    return _text(text)


__all__ = [
    "EXTRA_COLUMNS",
    "TEMPLATE_COLUMNS",
    "ColumnHelp",
    "column_guide",
    "example_row",
    "filename",
    "template_csv",
    "template_xlsx",
]
