"""Files as they come: encodings, Excel, messy CSV, and files that are not tables at all."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from indicators.importing import import_values
from indicators.importing.reading import FileRejected, open_table
from indicators.models import ImportBatch, Value

from .conftest import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = ["indicator", "area_code", "area_name", "period", "value", "note"]


def rows_of(path):
    with open_table(path) as table:
        return table, list(table.rows())


@pytest.mark.parametrize(
    ("encoding", "prefix", "described"),
    [
        ("utf-8", b"", "CSV (UTF-8)"),
        ("utf-8", b"\xef\xbb\xbf", "CSV (UTF-8)"),
        ("cp1252", b"", "CSV (Windows-1252, detected)"),
    ],
)
def test_utf8_with_or_without_bom_and_windows_1252_are_read(
    site, write_bytes, encoding, prefix, described
):
    data = prefix + csv_bytes(
        [
            HEADER,
            ["re-referrals", "E07000123", "Preston café", "2012/13", "11", "Cost £12 per child"],
        ],
        encoding=encoding,
    )

    report = import_values(source=write_bytes(data))

    assert report.status == "applied", report.summary()
    assert report.file_description == described
    assert Value.objects.get().note == "Cost £12 per child."
    # The BOM is not part of the first column's name.
    assert report.file_format == "template"


def test_text_in_neither_encoding_is_rejected_clearly(site, write_bytes):
    # 0x81 is not a character in Windows-1252, and this is not UTF-8 either.
    data = csv_bytes([HEADER]) + b"re-referrals,E07000123,Pr\x81ston,2012/13,11,\r\n"
    report = import_values(source=write_bytes(data, "odd.csv"))
    assert report.rejected
    assert "neither UTF-8 nor Windows-1252" in report.file_errors[0]
    assert "CSV UTF-8" in report.file_errors[0]


def test_an_empty_file_is_rejected(site, write_bytes):
    report = import_values(source=write_bytes(b"", "empty.csv"))
    assert report.file_errors == ["“empty.csv” is empty: there is nothing in it to import."]
    assert "Nothing was changed." in report.summary()
    assert ImportBatch.objects.get().status == ImportBatch.Status.REJECTED


def test_a_file_of_blank_lines_has_no_header(site, write_bytes):
    report = import_values(source=write_bytes(b"\r\n,,,\r\n\r\n"))
    assert "no header row" in report.file_errors[0]


def test_a_header_with_no_rows_is_not_an_error_but_changes_nothing(site, write_csv):
    report = import_values(source=write_csv([HEADER]))
    assert report.status == "unchanged"
    assert "Nothing changed: the file holds no figures for this site." in report.summary()


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "chart.png", "is a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "report.csv", "is a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", "Excel 97–2003"),
        (b"PK\x03\x04" + b"\x00" * 100, "data.zip", "ZIP archive"),
        (b"\x00\x01\x02binary\x00stuff", "data.bin", "contains binary data"),
        (b"\xff\xfei\x00n\x00d\x00", "unicode.txt", "UTF-16"),
        (b"<!DOCTYPE html><html><body>", "export.xls", "a web page"),
    ],
)
def test_files_that_are_not_csv_or_xlsx_are_rejected_by_their_content(
    site, write_bytes, data, name, words
):
    report = import_values(source=write_bytes(data, name))
    assert report.rejected
    assert words in report.file_errors[0]
    assert not Value.objects.exists()


def test_an_unrecognised_header_says_what_was_expected(site, write_csv):
    report = import_values(source=write_csv([["Area", "Year", "Number"], ["Preston", "2012", "4"]]))
    message = report.file_errors[0]
    assert "(“Area”, “Year”, “Number”) is not one we recognise" in message
    assert "Indicator ID" in message and "time_period" in message


def test_messy_csv_is_read_as_it_comes(site, write_bytes):
    data = (
        b"indicator,area_code,area_name,period,value,note\r\n"
        # A quoted comma and a line break inside a quoted note.
        b're-referrals,E07000123,"Preston, City of",2012/13,11,"First line,\r\nsecond line"\r\n'
        # A row with its trailing column missing.
        b"re-referrals,E07000117,Burnley,2012/13,12\r\n"
        # Quoted and bare empty cells, and a blank row.
        b're-referrals,E10000017,"",2012/13,13,\r\n'
        b"\r\n"
        b",,,,,\r\n"
        # Footnotes at the end.
        b"Source: Department for Education,,,,,\r\n"
        b'"Note 1: figures are provisional",,,,,\r\n'
    )

    report = import_values(source=write_bytes(data))

    assert report.status == "applied", report.errors
    assert report.figures_new == 3
    assert report.rows_read == 7
    assert (report.rows_blank, report.rows_notes) == (2, 2)
    assert report.rows_skipped == 4
    assert report.notes == [
        (7, "Source: Department for Education"),
        (8, "Note 1: figures are provisional"),
    ]
    assert "4 blank or note rows were skipped." in report.summary()
    assert Value.objects.get(area__code="E07000123").note == "First line,\r\nsecond line."
    assert Value.objects.get(area__code="E07000117").note == ""


def test_a_row_with_more_cells_than_the_header_is_rejected(site, write_bytes):
    data = b"indicator,area_code,period,value\r\nre-referrals,E07000123,2012/13,1,234\r\n"
    report = import_values(source=write_bytes(data))
    (error,) = report.errors
    assert (error.row, error.column) == (2, "(whole row)")
    assert "5 cells but the header has 4 columns" in error.message


def test_a_lone_word_on_a_row_is_a_broken_row_not_a_note(site, write_bytes):
    data = b"indicator,area_code,period,value\r\nre-referrals,,,\r\n"
    report = import_values(source=write_bytes(data))
    assert report.rows_rejected == 1


def test_title_rows_above_the_header_are_counted(site, write_csv):
    path = write_csv(
        [
            ["Children's social care figures, March 2013"],
            [],
            HEADER,
            ["re-referrals", "E07000123", "Preston", "2012/13", "11", ""],
        ]
    )
    report = import_values(source=path)
    assert report.figures_new == 1
    assert report.notes == [(1, "Children's social care figures, March 2013")]
    assert report.errors == []


def test_an_unclosed_quotation_mark_does_not_swallow_the_rest_silently(site, write_bytes):
    data = b"indicator,area_code,period,value,note\r\n"
    data += b're-referrals,E07000123,2012/13,11,"open\r\n'
    data += b"re-referrals,E07000117,2012/13,12,\r\n" * 60
    report = import_values(source=write_bytes(data))
    assert report.rejected
    assert "Row 2 (line 2 of the file) runs over 61 lines" in report.file_errors[0]
    assert not Value.objects.exists()


def test_xlsx_first_sheet_is_read_with_typed_cells(site, write_xlsx):
    path = write_xlsx(
        [
            ["indicator", "area_code", "period", "value", "count", "denominator"],
            ["re-referrals", "E07000123", "2012/13", 0.1 + 0.2, None, None],
            ["cpp-count", "E07000123", 2012, 12.0, 12, None],
            [None, None, None, None, None, None],
            ["Source: local system", None, None, None, None, None],
        ]
    )

    report = import_values(source=path)

    assert report.status == "applied", report.errors
    assert report.file_description == "Excel workbook, sheet “Data”"
    assert report.rows_skipped == 2
    assert Value.objects.get(indicator=site["percentage"]).value == Decimal("0.3")
    count = Value.objects.get(indicator=site["count"])
    assert (count.value, count.period.code) == (Decimal("12"), "2012")


def test_xlsx_dates_are_read_as_snapshot_periods(site, write_xlsx):
    import datetime

    path = write_xlsx(
        [
            ["indicator", "area_code", "period", "value"],
            ["cpp-count", "E07000123", datetime.datetime(2013, 3, 31), 5],
        ]
    )
    report = import_values(source=path)
    assert not report.errors
    assert Value.objects.get().period.code == "2013-03-31"


def test_a_file_object_is_read_like_a_path(site):
    data = csv_bytes([HEADER, ["re-referrals", "E07000123", "", "2012/13", "11", ""]])
    upload = io.BytesIO(data)
    upload.name = "C:\\Users\\officer\\upload.csv"
    report = import_values(source=upload)
    assert report.file_name == "upload.csv"
    assert report.figures_new == 1


def test_open_table_streams_rows_with_numbers_as_a_spreadsheet_shows_them(write_bytes):
    path = write_bytes(b'a,b,c\r\n1,"two\r\nlines",3\r\n\r\n4,5\r\n')
    table, rows = rows_of(path)
    assert table.header == ["a", "b", "c"]
    assert rows == [(2, ["1", "two\r\nlines", "3"]), (3, []), (4, ["4", "5"])]
    assert table.sha256 and table.kind == "csv"


def test_open_table_rejects_a_missing_path(tmp_path):
    with pytest.raises(FileRejected, match="There is no file"), open_table(tmp_path / "nope.csv"):
        pass


@pytest.mark.parametrize(("kind", "small_rows"), [("csv", 10_000), ("xlsx", 2_500)])
def test_reading_streams_memory_does_not_grow_with_the_file(
    kind, small_rows, write_bytes, write_xlsx
):
    """Four times the rows: the same peak for CSV. openpyxl's read-only mode keeps an emptied
    XML element per row read (about 80 bytes), which Excel's limit of 1,048,576 rows caps at
    under 100 MB; and it reads an XLSX file's table of distinct texts whole, so the rows here
    repeat their texts and vary their numbers."""
    import tracemalloc

    def peak_for(rows: int) -> int:
        data = [HEADER] + [
            ["re-referrals", f"E07{n % 100:06d}", "District", "2012/13", n / 7, "note"]
            for n in range(rows)
        ]
        if kind == "xlsx":
            path = write_xlsx(data, f"{rows}.xlsx")
        else:
            path = write_bytes(csv_bytes(data), f"{rows}.csv")
        del data
        tracemalloc.start()
        try:
            with open_table(path) as table:
                for _ in table.rows():
                    pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak_for(100)  # imports and caches that are made once, not per file
    # The files are larger than the chunks a file is hashed and checked in.
    small, large = peak_for(small_rows), peak_for(4 * small_rows)
    if kind == "csv":
        assert large < small * 1.2 + 100_000, (small, large)
    else:
        assert (large - small) / (3 * small_rows) < 150, (small, large)
