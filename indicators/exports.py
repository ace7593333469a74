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
    rows = queryset.select_related("indicator", "area", "period", "breakdown")
    return rows_dataset(rows.iterator(chunk_size=2000))


def rows_dataset(values: Iterable[Value]) -> tablib.Dataset:
    """`values_dataset` of values already in hand (with their indicator, area, period and
    breakdown): a permalink's figures as they stood at a release, which no query returns."""
    dataset = tablib.Dataset(headers=list(COLUMNS), title="JSNA data")
    for value in values:
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


def download_response(
    dataset: tablib.Dataset, fmt: str, name: str, *, metadata_url: str = ""
) -> HttpResponse:
    """An attachment response: `fmt` is "csv" or "xlsx", `name` a slug for the file name. A CSV
    names its CSVW metadata (`metadata_url`, see `csvw_metadata`) in a `Link` header, which is
    how CSVW finds the metadata of a file served over HTTP."""
    body = RENDERERS[check_format(fmt)](dataset)
    response = HttpResponse(
        body,
        headers={
            "Content-Type": CONTENT_TYPES[fmt],
            "Content-Disposition": content_disposition_header(
                as_attachment=True, filename=download_filename(name, fmt)
            ),
        },
    )
    if fmt == "csv" and metadata_url:
        response.headers["Link"] = (
            f'<{metadata_url}>; rel="describedby"; type="{CSVW_CONTENT_TYPE}"'
        )
    return response


def values_download(
    queryset: QuerySet[Value], fmt: str, name: str, *, metadata_url: str = ""
) -> HttpResponse:
    """The values of `queryset` as a CSV or XLSX download named after `name`; a CSV names its
    CSVW metadata `metadata_url`."""
    check_format(fmt)
    return download_response(values_dataset(queryset), fmt, name, metadata_url=metadata_url)


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


# --- CSVW metadata ------------------------------------------------------------------------------

#: The media type of CSVW metadata (W3C, Metadata Vocabulary for Tabular Data).
CSVW_CONTENT_TYPE = "application/csvm+json"

_FLAGS = (
    "Revised figures: a figure that a later release changed has the day of that release in "
    "revised_on and what it was before in previous_value (shown as “r” on the site). "
    "Illustrative figures: “yes” in illustrative marks a synthetic figure made up to show how "
    "the site works; it is not a published statistic."
)
_TEXT_NOTE = (
    "Text that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a "
    "carriage return) begins with an apostrophe."
)
_YES_NO = {"base": "boolean", "format": "yes|no"}

#: Each download column: (title, datatype, description). Names are `COLUMNS`, in that order.
COLUMN_METADATA: dict[str, tuple[str, object, str]] = {
    "indicator": ("Indicator", "string", "The indicator's name."),
    "indicator_slug": (
        "Indicator identifier",
        "string",
        "The indicator's identifier on this site, as in its address /data/indicators/<slug>/.",
    ),
    "unit": (
        "Unit",
        "string",
        "The unit of value, lower_ci_95, upper_ci_95 and previous_value, e.g. “percentage” or "
        "“rate per 10,000 population aged under 18”.",
    ),
    "area_code": ("Area code", "string", "The area's ONS GSS code, e.g. E10000017."),
    "area_name": ("Area", "string", "The area's name."),
    "area_type": ("Area type", "string", "District, county, unitary authority, region, …"),
    "period": ("Period", "string", "The period, e.g. 2012/13 (a financial year), 31 March 2013."),
    "period_type": ("Period type", "string", "Financial year, calendar year, snapshot date, …"),
    "breakdown_type": (
        "Breakdown type",
        "string",
        "What the population is broken down by (age, ethnicity, sex); empty for the whole "
        "population.",
    ),
    "breakdown": ("Breakdown", "string", "The category, e.g. “Age: 1-4”; empty for everyone."),
    "value": (
        "Value",
        {"base": "decimal"},
        "The figure, in the unit of the unit column, rounded to the indicator's decimal places; "
        "empty when there is none (see status).",
    ),
    "status": (
        "Status",
        "string",
        "Whether the figure is available, or why it is not (suppressed, not available, not "
        "applicable). A figure withheld to protect small numbers is shown as suppressed, with "
        "no value, count or limits. A missing figure is never zero.",
    ),
    "count": ("Count", {"base": "decimal"}, "The count (numerator) behind the figure, if any."),
    "denominator": (
        "Denominator",
        {"base": "decimal"},
        "The population or total the figure is out of, if any.",
    ),
    "lower_ci_95": (
        "Lower 95% confidence limit",
        {"base": "decimal"},
        "The lower limit of the figure's 95% confidence interval, in the unit of value.",
    ),
    "upper_ci_95": (
        "Upper 95% confidence limit",
        {"base": "decimal"},
        "The upper limit of the figure's 95% confidence interval, in the unit of value.",
    ),
    "note": ("Note", "string", "A note about the figure, e.g. why it is suppressed."),
    "illustrative": (
        "Illustrative",
        _YES_NO,
        "“yes” for an illustrative figure: synthetic, made up to show how the site works, not "
        "a published statistic; “no” for a real one.",
    ),
    "source": ("Source", "string", "Where the indicator's figures come from."),
    "revised_on": (
        "Revised on",
        {"base": "date", "format": "yyyy-MM-dd"},
        "The day a release last revised this figure; empty if it has not been revised.",
    ),
    "previous_value": (
        "Previous value",
        "string",
        "For a revised figure, what it was before the revision: a number in the unit of value, "
        "or the status it had (e.g. “c” for withheld); empty if not revised.",
    ),
}


def csvw_metadata(
    csv_url: str, *, indicator: Indicator | None = None, site_name: str = ""
) -> dict[str, object]:
    """CSVW metadata (JSON-LD, W3C's Metadata Vocabulary for Tabular Data) describing the CSV
    download at `csv_url`: every column by its header (`COLUMNS`, exactly), a title, datatype
    and description, with the unit and what the revised and illustrative flags mean, so that
    a reader (or a CSVW tool) can use the file without this site. For one indicator's
    download its unit is named too."""
    columns = []
    for name in COLUMNS:
        title, datatype, description = COLUMN_METADATA[name]
        if indicator is not None and name in ("value", "lower_ci_95", "upper_ci_95"):
            description += f" For this download: {indicator.unit_label}."
        if datatype == "string":
            description += f" {_TEXT_NOTE}"
        columns.append(
            {"name": name, "titles": title, "datatype": datatype, "dc:description": description}
        )
    description = (
        "Figures from the Joint Strategic Needs Assessment, one row per indicator, area, period "
        f"and breakdown. {_FLAGS}"
    )
    if indicator is not None:
        description = f"{indicator.name} ({indicator.unit_label}). {description}"
    metadata: dict[str, object] = {
        "@context": "http://www.w3.org/ns/csvw",
        "url": csv_url,
        "dc:title": f"{site_name} data" if site_name else "JSNA data",
        "dc:description": description,
        "dialect": {"encoding": "utf-8", "header": True, "headerRowCount": 1},
        "tableSchema": {"columns": columns},
    }
    if site_name:
        metadata["dc:publisher"] = site_name
    if indicator is not None and indicator.source:
        metadata["dc:source"] = indicator.source
    return metadata
