"""Finding 5 of the hardening issue: a formula cell whose result the workbook did not save
(openpyxl, and other programs that do not calculate, write none) was read as an empty cell and
imported as “not available”, overwriting a figure without a word. It is now refused by row."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from indicators.importing import import_values
from indicators.models import Value
from tests.factories import IndicatorFactory, lancashire_areas

pytestmark = pytest.mark.django_db


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["indicator", "area_code", "period", "value"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def site(db):
    lancashire_areas()
    return IndicatorFactory(slug="rate", name="A rate", unit="rate", multiplier=10000)


def test_a_formula_without_a_saved_result_is_refused_not_read_as_empty(site):
    import_values(
        source=io.BytesIO(workbook([["rate", "E07000123", "2012/13", 12.5]])), file_name="a.xlsx"
    )

    report = import_values(
        source=io.BytesIO(workbook([["rate", "E07000123", "2012/13", "=B9*2"]])),
        file_name="b.xlsx",
    )

    assert report.rejected
    (error,) = report.errors
    assert (error.row, error.column) == (2, "value")
    assert error.message.startswith("“=B9*2” is a formula whose result the workbook did not save")
    assert Value.objects.get().value == Decimal("12.5")  # the figure is still there


def test_a_workbook_without_formulas_reads_as_before(site):
    report = import_values(
        source=io.BytesIO(
            workbook(
                [["rate", "E07000123", "2012/13", 12.5], ["rate", "E07000117", "2012/13", None]]
            )
        ),
        file_name="c.xlsx",
    )
    assert report.status == "applied", report.summary()
    assert Value.objects.get(area__code="E07000123").value == Decimal("12.5")
