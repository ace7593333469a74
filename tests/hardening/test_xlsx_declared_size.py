"""Finding 1 of the hardening issue (reading only): a 5 KB workbook whose sheet has one cell
at XFD1048576 made the reader walk 16,384 cells for each of 1,048,576 rows. Cells are now read
as they exist, and a table wider than 1,000 columns is refused, quickly, with a message."""

from __future__ import annotations

import io
import time

import pytest
from openpyxl import Workbook

from indicators.importing import import_values
from indicators.models import Value
from tests.factories import IndicatorFactory, lancashire_areas

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    lancashire_areas()
    return IndicatorFactory(slug="rate", name="A rate", unit="rate", multiplier=10000)


def workbook(far_cell: str | None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["indicator", "area_code", "period", "value"])
    sheet.append(["rate", "E07000123", "2012/13", 12.5])
    if far_cell:
        sheet[far_cell] = "x"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_cell_at_xfd1048576_is_refused_in_seconds_with_a_message(site):
    data = workbook("XFD1048576")
    assert len(data) < 10_000  # a small file
    started = time.monotonic()

    report = import_values(source=io.BytesIO(data), file_name="bomb.xlsx")

    assert time.monotonic() - started < 20
    assert report.rejected
    (message,) = [e for e in report.file_errors if "columns" in e]
    assert message.startswith("Row 1,048,576 of the workbook has a cell in column 16,384")
    assert not Value.objects.exists()


def test_a_far_cell_within_the_limits_is_read_as_its_own_row(site):
    report = import_values(source=io.BytesIO(workbook("Z5000")), file_name="far.xlsx")

    # Every row accounted for: the figure's, 4,997 empty ones, and the stray cell's, refused.
    assert report.rows_read == 4_999
    assert report.rows_without_figures == {"blank or note row": 4_997}
    assert {error.row for error in report.errors} == {5_000}
