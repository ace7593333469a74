"""Downloads of indicator values as CSV and XLSX.

Every download has the same columns (`COLUMNS`), whichever page it comes from, so a reader can
put files from different pages together. Numbers stay numbers: in XLSX they are numeric cells,
in CSV they are written from the stored `Decimal`, rounded to the indicator's decimal places,
never through a float. Text that a spreadsheet would read as a formula is neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

import tablib
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core import formatting
from indicators.models import Area, Indicator, Period, Value

COLUMNS = (
    "indicator",
    "indicator_slug",
    "unit",
    "area_code",
    "area_name",
    "area_type",
    "period",
    "period_type",
    "breakdown_type",
    "breakdown",
    "value",
    "status",
    "count",
    "denominator",
    "lower_ci_95",
    "upper_ci_95",
    "note",
    "illustrative",
    "source",
    "revised_on",
    "previous_value",
)

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(CONTENT_TYPES)

# Widths (in characters) of the wider XLSX columns; the others get 14.
COLUMN_WIDTHS = {"indicator": 50, "unit": 30, "area_name": 30, "note": 40, "source": 50}

# A spreadsheet reads text starting with one of these as a formula (or as the start of one).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(text: str) -> str:
    """Text that a spreadsheet would run as a formula, with a leading apostrophe so it is not.

    Only for text: numbers are never passed here, so a negative figure stays a number."""
    if text.startswith(FORMULA_PREFIXES):
        return f"'{text}"
    return text


def value_row(value: Value) -> tuple:
    """One row of a download, in the order of `COLUMNS`."""
    indicator, area, period, breakdown = value.indicator, value.area, value.period, value.breakdown
    cells = (
        indicator.name,
        indicator.slug,
        indicator.unit_label,
        area.code,
        area.name,
        area.get_area_type_display(),
        period.label,
        period.get_kind_display(),
        breakdown.get_dimension_display() if breakdown else "",
        breakdown.full_label if breakdown else "",
        formatting.rounded(indicator, value.value),
        formatting.status_label(value.status),
        formatting.trimmed(value.count),
        formatting.trimmed(value.denominator),
        formatting.rounded(indicator, value.lower_ci),
        formatting.rounded(indicator, value.upper_ci),
        value.note,
        "yes" if value.is_illustrative else "no",
        indicator.source,
        value.revised_on.isoformat() if value.revised_on else "",
        (
            formatting.rounded(indicator, value.previous_value)
            if value.previous_value is not None
            else formatting.status_label(value.previous_status)
            if value.previous_status
            else ""
        )
        if value.revised_on
        else "",
    )
    return tuple(neutralise_formula(c) if isinstance(c, str) else c for c in cells)


def values_dataset(queryset: QuerySet[Value]) -> tablib.Dataset:
    """The values of `queryset`, in its order, as a dataset with the download columns.

    Text cells are already safe for spreadsheets (see `neutralise_formula`); numbers are
    `Decimal`s (or None when the value is missing); `illustrative` is "yes" or "no"."""
    dataset = tablib.Dataset(headers=list(COLUMNS), title="JSNA data")
    rows = queryset.select_related("indicator", "area", "period", "breakdown")
    for value in rows.iterator(chunk_size=2000):
        dataset.append(value_row(value))
    return dataset


def _csv_cell(cell: object) -> object:
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return format(cell, "f")  # fixed-point, never 1E+2
    if isinstance(cell, (int, float)):
        return cell
    return neutralise_formula(str(cell))


def render_csv(dataset: tablib.Dataset) -> bytes:
    """UTF-8 with a byte order mark, so that Excel reads the accents and symbols correctly."""
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow([_csv_cell(name) for name in dataset.headers])
    for row in dataset:
        writer.writerow([_csv_cell(cell) for cell in row])
    return stream.getvalue().encode("utf-8-sig")


def _number_format(number: Decimal) -> str:
    """An Excel number format that shows as many decimal places as the figure has: 73.3 → 0.0."""
    places = -int(number.as_tuple().exponent)
    return "0." + "0" * places if places > 0 else "0"


def _xlsx_cell(sheet, cell: object) -> object:
    if isinstance(cell, Decimal):
        number = WriteOnlyCell(sheet, value=cell)
        number.number_format = _number_format(cell)
        return number
    if cell is None or cell == "":
        return None
    if isinstance(cell, (int, float)):
        return cell
    # openpyxl refuses control characters (a note pasted from elsewhere may have them); take
    # them out before the formula check, or "\x01=…" would become a formula once they are gone.
    return neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("", str(cell)))


def render_xlsx(dataset: tablib.Dataset) -> bytes:
    """One sheet, bold frozen header, numbers as numeric cells shown to their decimal places."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(dataset.title or "Data")[:31])
    sheet.freeze_panes = "A2"
    for index, name in enumerate(dataset.headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTHS.get(name, 14)
    bold = Font(bold=True)
    header = []
    for name in dataset.headers:
        cell = WriteOnlyCell(sheet, value=_xlsx_cell(sheet, name))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in dataset:
        sheet.append([_xlsx_cell(sheet, cell) for cell in row])
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


RENDERERS = {"csv": render_csv, "xlsx": render_xlsx}


def check_format(fmt: str) -> str:
    """The format if this site offers it; a 404 otherwise, as for any address it does not have."""
    if fmt not in RENDERERS:
        raise Http404(f"Downloads come as {' or '.join(FORMATS)}, not “{fmt}”.")
    return fmt


def download_filename(name: str, fmt: str) -> str:
    """`jsna-<name>-<yyyy-mm-dd>.<fmt>`, dated today (the site's time zone)."""
    return f"jsna-{name}-{timezone.localdate().isoformat()}.{fmt}"


def download_response(dataset: tablib.Dataset, fmt: str, name: str) -> HttpResponse:
    """An attachment response: `fmt` is "csv" or "xlsx", `name` a slug for the file name."""
    body = RENDERERS[check_format(fmt)](dataset)
    return HttpResponse(
        body,
        headers={
            "Content-Type": CONTENT_TYPES[fmt],
            "Content-Disposition": content_disposition_header(
                as_attachment=True, filename=download_filename(name, fmt)
            ),
        },
    )


def values_download(queryset: QuerySet[Value], fmt: str, name: str) -> HttpResponse:
    """The values of `queryset` as a CSV or XLSX download named after `name`."""
    check_format(fmt)
    return download_response(values_dataset(queryset), fmt, name)


def values_download_links(
    indicator: Indicator,
    *,
    areas: Iterable[Area] = (),
    periods: Iterable[Period] = (),
    breakdown: str = "",
) -> list[tuple[str, str]]:
    """(label, address) of each download of these values, e.g. ("CSV", "/data/download.csv?…"),
    for a page to list as “Download this data (CSV)”.

    No `areas` or `periods` means all of them; `breakdown` is "none" for whole-population
    figures, a dimension such as "age" for that breakdown, or "" for every row."""
    params: dict[str, object] = {"indicator": indicator.slug}
    if codes := [area.code for area in areas]:
        params["area"] = codes
    if period_codes := [period.code for period in periods]:
        params["period"] = period_codes
    if breakdown:
        params["breakdown"] = breakdown
    query = urlencode(params, doseq=True)
    return [
        (fmt.upper(), f"{reverse('indicators:values_download', kwargs={'fmt': fmt})}?{query}")
        for fmt in FORMATS
    ]
