"""Finding 9 of the hardening issue: a CSV mixing UTF-8 and Windows-1252 was silently decoded
as Windows-1252 (“CafÃ©”), and full-width and Arabic-Indic digits were silently read as
numbers (and periods). Both are now refused with a message saying what is wrong."""

from __future__ import annotations

import io

import pytest

from indicators.importing import import_values
from indicators.models import Area, Value
from tests.factories import IndicatorFactory, lancashire_areas

pytestmark = pytest.mark.django_db

HEADER = "indicator,area_code,area_name,period,value\n"


@pytest.fixture
def site(db):
    lancashire_areas()
    return IndicatorFactory(slug="rate", name="A rate", unit="rate", multiplier=10000)


def test_a_csv_mixing_utf8_and_windows_1252_is_refused(site):
    data = (
        HEADER.encode()
        + "rate,E07000123,Preston Café,2012/13,12.5\n".encode()
        + "rate,E07000117,Burnley Café,2012/13,13.5\n".encode("cp1252")
    )

    report = import_values(source=io.BytesIO(data), file_name="mixed.csv")

    assert report.rejected
    (message,) = [e for e in report.file_errors if "encodings" in e]
    assert "line 2 is written as UTF-8 and line 3 is not" in message
    assert not Value.objects.exists()


def test_a_windows_1252_file_is_still_read_and_says_so(site):
    data = (HEADER + "rate,E07000123,Preston,2012/13,12.5\n").encode("cp1252") + (
        "rate,E07000117,Burnley Caf\u00e9,2012/13,13.5\n".encode("cp1252")
    )

    report = import_values(source=io.BytesIO(data), file_name="excel.csv")

    assert report.status == "applied", report.summary()
    assert report.file_description == "CSV (Windows-1252)"


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ("2012/13,\uff11\uff12.5", "value"),  # full-width １２.5
        ("2012/13,\u0661\u0662", "value"),  # Arabic-Indic ١٢
        ("\uff12\uff10\uff11\uff12/13,12.5", "period"),  # ２０１２/13
    ],
)
def test_digits_other_than_0_to_9_are_refused_by_row(site, cells, column):
    data = (HEADER + f"rate,E07000123,Preston,{cells}\n").encode("utf-8")

    report = import_values(source=io.BytesIO(data), file_name="digits.csv")

    assert report.rejected
    (error,) = report.errors
    assert error.column == column
    assert "digits other than 0 to 9" in error.message
    assert not Value.objects.exists()
    assert Area.objects.filter(code="E07000123").exists()
