"""Small files written by the tests themselves, and a little site to import them into."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from indicators.models import Area
from tests.factories import IndicatorFactory

FINGERTIPS_HEADER = [
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to North West region value or percentiles",
    "Time period Sortable",
    "New data",
    "Compared to goal",
    "Time period range",
]

EES_HEADER = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "new_la_code",
    "old_la_code",
    "la_name",
]


def csv_bytes(rows: Iterable[Sequence[object]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def write_csv(tmp_path: Path):
    def write(rows: Iterable[Sequence[object]], name: str = "figures.csv", **kwargs) -> Path:
        path = tmp_path / name
        path.write_bytes(csv_bytes(rows, **kwargs))
        return path

    return write


@pytest.fixture
def write_bytes(tmp_path: Path):
    def write(data: bytes, name: str = "figures.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path: Path):
    def write(rows: Iterable[Sequence[object]], name: str = "figures.xlsx") -> Path:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Data"
        for row in rows:
            sheet.append(list(row))
        path = tmp_path / name
        workbook.save(path)
        return path

    return write


def fingertips_row(**cells: object) -> list[object]:
    """A Fingertips export row: Persons, the default age, no category, unless given."""
    defaults: dict[str, object] = {
        "Indicator ID": 90812,
        "Indicator Name": "Re-referrals to children's social care",
        "Parent Code": "E12000002",
        "Parent Name": "North West region",
        "Area Type": "Districts & UAs (from Apr 2021)",
        "Sex": "Persons",
        "Age": "<18 yrs",
        "Time period": "2012/13",
        "Time period range": "1y",
        "New data": "",
    }
    defaults.update({key.replace("_", " "): value for key, value in cells.items()})
    return [defaults.get(column, "") for column in FINGERTIPS_HEADER]


@pytest.fixture
def site(db):
    """England > North West > Lancashire > Preston and Burnley, and three indicators."""
    england = Area.objects.create(code="E92000001", name="England", area_type="country")
    north_west = Area.objects.create(
        code="E12000002", name="North West", area_type="region", parent=england
    )
    lancashire = Area.objects.create(
        code="E10000017",
        name="Lancashire",
        short_name="Lancashire-12",
        area_type="county",
        parent=north_west,
    )
    preston = Area.objects.create(
        code="E07000123", name="Preston", area_type="district", parent=lancashire
    )
    burnley = Area.objects.create(
        code="E07000117", name="Burnley", area_type="district", parent=lancashire
    )
    return {
        "england": england,
        "north_west": north_west,
        "lancashire": lancashire,
        "preston": preston,
        "burnley": burnley,
        "percentage": IndicatorFactory(
            slug="re-referrals", name="Re-referrals", unit="percentage", multiplier=100
        ),
        "rate": IndicatorFactory(
            slug="cpp-rate",
            name="Child protection plan rate",
            unit="rate",
            multiplier=10_000,
            population="population aged under 18",
        ),
        "count": IndicatorFactory(
            slug="cpp-count", name="Child protection plans", unit="count", multiplier=1
        ),
    }
