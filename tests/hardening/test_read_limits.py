"""Bounded reading of every import file (the hardening issue): rows, columns, cells (rows
times the widest row) and the seconds spent reading are limited by the IMPORT_MAX_* settings,
for CSV and XLSX alike, and a file past a limit is refused, saying which limit, where it was
reached and what to do, with nothing changed. The limits are set small here so that the
tests are quick; `test_the_defaults` pins the real ones."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from indicators.importing import import_values, read_limits, reading
from indicators.models import Area, ImportBatch, Value
from tests.factories import IndicatorFactory, lancashire_areas

pytestmark = pytest.mark.django_db

HEADER = ["indicator", "area_code", "period", "value"]


@pytest.fixture
def site(db):
    lancashire_areas()
    return IndicatorFactory(slug="rate", name="A rate", unit="rate", multiplier=10000)


def rows(count: int, *, wide_row: int | None = None, width: int = 4) -> list[list[object]]:
    """The header and ``count`` rows of figures; row number ``wide_row`` (as a spreadsheet
    counts, the header being row 1) is ``width`` cells wide."""
    table: list[list[object]] = [list(HEADER)]
    for n in range(count):
        table.append(["rate", "E07000123", f"{2000 + n}/{(n + 1) % 100:02}", n + 0.5])
    if wide_row is not None:
        table[wide_row - 1] = table[wide_row - 1] + ["x"] * (width - 4)
    return table


def as_csv(table: list[list[object]]) -> bytes:
    return "".join(",".join(map(str, row)) + "\r\n" for row in table).encode()


def as_xlsx(table: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


KINDS = {"csv": as_csv, "xlsx": as_xlsx}


def refused(data: bytes, name: str) -> str:
    """The one message the importer refuses ``data`` with; nothing may have changed."""
    areas = set(Area.objects.values_list("code", "name"))

    report = import_values(source=io.BytesIO(data), file_name=name)

    assert report.rejected
    assert not Value.objects.exists()
    assert set(Area.objects.values_list("code", "name")) == areas
    assert ImportBatch.objects.get().status == ImportBatch.Status.REJECTED
    (message,) = report.file_errors
    return message


def read_refused(data: bytes) -> str:
    """The message reading every row of ``data`` is refused with."""
    with pytest.raises(reading.FileRejected) as refusal:
        with reading.open_table(io.BytesIO(data)) as table:
            for _ in table.rows():
                pass
    return str(refusal.value)


def test_the_defaults():
    assert django_settings.IMPORT_MAX_ROWS == 5_000_000
    assert django_settings.IMPORT_MAX_COLUMNS == 1_000
    assert django_settings.IMPORT_MAX_CELLS == 100_000_000
    assert django_settings.IMPORT_MAX_SECONDS == 300
    assert reading.Limits.from_settings() == reading.Limits(
        rows=5_000_000, columns=1_000, cells=100_000_000, seconds=300
    )


# --- Rows ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_with_more_rows_than_the_limit_is_refused(site, settings, kind):
    settings.IMPORT_MAX_ROWS = 5  # the header and four rows of figures

    message = refused(KINDS[kind](rows(5)), f"long.{kind}")

    what = "workbook" if kind == "xlsx" else "file"
    assert message == (
        f"The {what} has more than 5 rows, the most one import may have (IMPORT_MAX_ROWS): "
        f"row 6 is past the limit. Split it into files of at most 5 rows (for example one "
        f"for each year) and import each."
    )


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_with_as_many_rows_as_the_limit_is_read(site, settings, kind):
    settings.IMPORT_MAX_ROWS = 6

    report = import_values(source=io.BytesIO(KINDS[kind](rows(5))), file_name=f"ok.{kind}")

    assert not report.file_errors
    assert report.rows_read == 5


# --- Columns ------------------------------------------------------------------------------


def test_a_csv_row_wider_than_the_limit_is_refused(site, settings):
    settings.IMPORT_MAX_COLUMNS = 6

    message = refused(as_csv(rows(5, wide_row=4, width=7)), "wide.csv")

    assert message == (
        "Row 4 of the file has 7 cells: an import file has at most 6 columns "
        "(IMPORT_MAX_COLUMNS). Delete the cells to the right of the table (a row of commas "
        "counts too) and import it again."
    )


def test_a_workbook_row_wider_than_the_limit_is_refused(site, settings):
    settings.IMPORT_MAX_COLUMNS = 6

    message = refused(as_xlsx(rows(5, wide_row=4, width=7)), "wide.xlsx")

    assert message == (
        "Row 4 of the workbook has a cell in column 7: an import file has at most 6 columns "
        "(IMPORT_MAX_COLUMNS). Delete the cells to the right of the table (or save the sheet "
        "as CSV) and import it again."
    )


@pytest.mark.parametrize("kind", KINDS)
def test_a_row_as_wide_as_the_limit_is_read(site, settings, kind):
    settings.IMPORT_MAX_COLUMNS = 7

    report = import_values(
        source=io.BytesIO(KINDS[kind](rows(5, wide_row=4, width=7))), file_name=f"ok.{kind}"
    )

    assert not report.file_errors


# --- Cells --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_with_more_cells_than_the_limit_is_refused(site, settings, kind):
    # Rows of 4 cells, and row 3 of 6: by row 4, 4 rows × 6 cells = 24 > 20.
    settings.IMPORT_MAX_CELLS = 20

    message = refused(KINDS[kind](rows(8, wide_row=3, width=6)), f"cells.{kind}")

    what = "workbook" if kind == "xlsx" else "file"
    assert message == (
        f"The {what} has more than 20 cells, the most one import may have (IMPORT_MAX_CELLS, "
        f"counted as rows times the widest row): by row 4 it has 4 rows, and its widest row "
        f"has 6 cells. Delete the empty columns to the right of the table, or split it into "
        f"smaller files, and import each."
    )


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_with_as_many_cells_as_the_limit_is_read(site, settings, kind):
    settings.IMPORT_MAX_CELLS = 6 * 4  # six rows of four cells

    report = import_values(source=io.BytesIO(KINDS[kind](rows(5))), file_name=f"ok.{kind}")

    assert not report.file_errors


# --- Time ---------------------------------------------------------------------------------


class Clock:
    """A stand-in for the `time` module whose clock moves only when told to."""

    def __init__(self, step: float = 0.0) -> None:
        self.now = 0.0
        self.step = step

    def monotonic(self) -> float:
        self.now += self.step
        return self.now


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_slower_to_read_than_the_limit_is_refused(site, settings, monkeypatch, kind):
    # Each reading of the clock moves it on a second, so reading each batch of rows takes
    # one: 100 seconds by row 10,000 (100 batches of 100), when the time is first checked.
    assert (read_limits.READ_AHEAD_ROWS, read_limits.TIME_CHECK_ROWS) == (100, 10_000)
    monkeypatch.setattr(read_limits, "time", Clock(step=1.0))
    settings.IMPORT_MAX_SECONDS = 99
    data = KINDS[kind](rows(10_050))

    if kind == "csv":
        message = refused(data, f"slow.{kind}")
    else:  # quicker than through the importer, which `refused` shows for CSV
        message = read_refused(data)

    if kind == "xlsx":
        assert message == (
            "The workbook took more than 99 seconds (IMPORT_MAX_SECONDS) to read as far as row "
            "10,000: save it as CSV (which is read much faster) and import that."
        )
    else:
        assert message == (
            "The file took more than 99 seconds (IMPORT_MAX_SECONDS) to read as far as row "
            "10,000: split it into smaller files and import each."
        )


def test_a_time_limit_of_nothing_refuses_a_csv_at_row_10000_on_the_real_clock(site, settings):
    settings.IMPORT_MAX_SECONDS = 0

    message = read_refused(as_csv(rows(10_050)))

    assert "took more than 0 seconds (IMPORT_MAX_SECONDS) to read as far as row 10,000" in message


def test_only_the_time_spent_reading_counts_not_the_importers(settings, monkeypatch, tmp_path):
    """An import that spends long on each row (the database, between rows) is not refused for
    it: the clock is read around the reading only."""
    clock = Clock()
    monkeypatch.setattr(read_limits, "time", clock)
    settings.IMPORT_MAX_SECONDS = 10
    path = tmp_path / "big.csv"
    path.write_bytes(as_csv(rows(25_000)))

    read = 0
    with reading.open_table(path) as table:
        for _ in table.rows():
            clock.now += 1.0  # the importer's second for each row
            read += 1

    assert read == 25_000


def test_the_clock_is_read_twice_a_batch_not_on_each_row(settings, monkeypatch, tmp_path):
    clock = Clock(step=1.0)
    monkeypatch.setattr(read_limits, "time", clock)
    settings.IMPORT_MAX_SECONDS = 1_000
    path = tmp_path / "big.csv"
    path.write_bytes(as_csv(rows(25_000)))

    with reading.open_table(path) as table:
        clock.now = 0.0
        assert sum(1 for _ in table.rows()) == 25_000

    # 25,001 rows with the header: two readings for each of 251 batches of 100, and for the
    # empty one at the end.
    assert clock.now == 2 * 252


# --- The command line ---------------------------------------------------------------------


def test_import_values_on_the_command_line_has_the_same_limits(site, settings, tmp_path):
    settings.IMPORT_MAX_ROWS = 3
    path = tmp_path / "long.csv"
    path.write_bytes(as_csv(rows(5)))
    out = StringIO()

    with pytest.raises(CommandError, match="was rejected: nothing was changed"):
        call_command("import_values", str(path), stdout=out, stderr=StringIO())

    assert "The file has more than 3 rows" in out.getvalue()
    assert "row 4 is past the limit" in out.getvalue()
    assert not Value.objects.exists()


def test_the_limits_come_from_the_settings_when_read(settings):
    settings.IMPORT_MAX_ROWS = 1
    settings.IMPORT_MAX_COLUMNS = 2
    settings.IMPORT_MAX_CELLS = 3
    settings.IMPORT_MAX_SECONDS = 4

    assert reading.Limits.from_settings() == reading.Limits(rows=1, columns=2, cells=3, seconds=4)
