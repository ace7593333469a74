"""The importer under generated files (hypothesis): CSV and XLSX files whose header is one of
the formats read here or junk, whose cells are figures, symbols, codes, periods, formulas,
unusual digits and random text, in several encodings (and files mixing two), from a few rows
to over a thousand. The site already holds figures that a file may change. Every file is
either imported, with every row accounted for and what the report counts written exactly, or
refused with a message (or a question to answer first); never an exception, and a refused
file changes nothing at all (every figure as it was, field by field)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from indicators.importing import import_values
from indicators.models import Area, Breakdown, Period, Value
from tests.factories import IndicatorFactory, lancashire_areas
from tests.indicators.importing.conftest import EES_HEADER, FINGERTIPS_HEADER

pytestmark = pytest.mark.django_db

HEADERS = [
    ["indicator", "area_code", "period", "value"],
    ["indicator", "area_code", "area_name", "period", "value", "count", "denominator", "note"],
    FINGERTIPS_HEADER,
    [*EES_HEADER, "rate"],
    ["Area", "Value", "Year"],
]
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "rate",
            "count",
            "E07000123",
            "E10000017",
            "E99999999",
            "2012/13",
            "2013",
            "0001/02",
            "31/12/9999",
            "12.5",
            "-3",
            "1,234.5",
            "x",
            "..",
            "c",
            ":",
            "#VALUE!",
            "=SUM(A1:A2)",
            "\uff11\uff12",
            "Café",
            "1e400",
            "NaN",
            "Financial year",
            "Local authority",
        ]
    ),
    st.text(max_size=12),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
)
ROWS = st.lists(st.lists(CELLS, min_size=0, max_size=12), max_size=25)
#: How many times the generated rows are repeated: most files are small, some over a thousand
#: rows (repeats are duplicates the importer must count as such).
REPEATS = st.sampled_from([1, 1, 1, 2, 60])


def held() -> tuple[list[tuple], int, int, int]:
    """Every figure, field by field, and how many areas, periods and breakdowns there are."""
    return (
        list(Value.objects.order_by("pk").values_list()),
        Area.objects.count(),
        Period.objects.count(),
        Breakdown.objects.count(),
    )


def as_csv(header: list[str], rows: list[list[str]], encoding: str) -> bytes:
    lines = [",".join(f'"{c}"' if "," in c else c for c in row) for row in [header, *rows]]
    if encoding == "mixed":  # the first half saved as UTF-8, the rest as Windows-1252
        half = len(lines) // 2
        return (
            "\n".join(lines[:half]).encode("utf-8", errors="replace")
            + b"\n"
            + "\n".join(lines[half:]).encode("cp1252", errors="replace")
        )
    return "\n".join(lines).encode(encoding, errors="replace")


def as_xlsx(header: list[str], rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [header, *rows]:
        # openpyxl refuses control characters in cells; a workbook cannot hold them anyway.
        sheet.append(["".join(ch for ch in cell if ch >= " ") for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def site(db):
    lancashire_areas()
    rate = IndicatorFactory(slug="rate", name="A rate", unit="rate", multiplier=10000)
    IndicatorFactory(slug="count", name="A count", unit="count", multiplier=1)
    # Figures a file may change: refusing it must leave them exactly as they are.
    for code, period in (("E07000123", "2012/13"), ("E10000017", "2013/14")):
        Value.objects.create(
            indicator=rate,
            area=Area.objects.get(code=code),
            period=Period.objects.get_or_create_from_code(period)[0],
            value=Decimal("41.5"),
            count=83,
        )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    header=st.sampled_from(HEADERS),
    rows=ROWS,
    repeats=REPEATS,
    kind=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "mixed", "xlsx"]),
    stage=st.booleans(),
)
def test_every_file_is_imported_as_counted_or_refused_with_nothing_changed(
    site, header, rows, repeats, kind, stage
):
    rows = rows * repeats
    data = as_xlsx(header, rows) if kind == "xlsx" else as_csv(header, rows, kind)
    before = held()

    report = import_values(
        source=io.BytesIO(data),
        file_name=f"fuzz.{'xlsx' if kind == 'xlsx' else 'csv'}",
        stage=stage,
    )

    event("refused" if report.rejected else f"imported ({report.file_format or 'no format'})")
    if report.rejected:
        # Refused for a reason it gives: the file's, a row's, or a question to answer first.
        assert report.file_errors or report.errors or report.questions, report.summary()
        assert all(isinstance(message, str) and message for message in report.file_errors)
        assert held() == before
        return
    # Kept: every row accounted for, and exactly the figures it counts as new were written.
    accounted = [measure.total for measure in report.measure_rows()]
    if report.measures_are_columns:
        assert all(total == report.rows_read for total in accounted), report.summary()
    else:
        assert sum(accounted) == report.rows_read, report.summary()
    assert Value.objects.count() == len(before[0]) + report.figures_new
    assert report.summary()
