"""Finding 9 of the hardening issue: a CSV mixing UTF-8 and Windows-1252 was silently decoded
as Windows-1252 (“CafÃ©”), and full-width and Arabic-Indic digits were silently read as
numbers (and periods). Both are now refused with a message saying what is wrong.

And a CSV that is not UTF-8 was read as Windows-1252 whatever it was, garbling Central
European, Mac Roman and Japanese text: its encoding is now detected (charset-normalizer), it
is read as Windows-1252 only when that reads it as well, and is otherwise refused, naming what
was detected."""

from __future__ import annotations

import io

import pytest

from indicators.importing import encodings, import_values, reading
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
    assert report.file_description == "CSV (Windows-1252, detected)"
    assert Area.objects.get(code="E07000117").name != "Burnley CafÃ©"


def test_a_utf8_file_is_read_as_utf8_without_detection(site, monkeypatch):
    def no_detection(*args, **kwargs):
        raise AssertionError("a UTF-8 file needs no detection")

    monkeypatch.setattr(encodings, "detect", no_detection)
    data = (HEADER + "rate,E07000123,Preston Café £ –,2012/13,12.5\n").encode("utf-8")

    report = import_values(source=io.BytesIO(data), file_name="utf8.csv")

    assert report.status == "applied", report.summary()
    assert report.file_description == "CSV (UTF-8)"


#: Typical UK text that Excel's plain "CSV (Comma delimited)" writes in Windows-1252.
UK_NOTES = [
    "Burnley Café",
    "Cost £12 per child",
    "2012 – 2013",
    "The council’s “best” figure",
    "€5 per head",
    "5° ± 2 ½",
    "Ynys Môn; Brontë; naïve résumé — £5",
]


@pytest.mark.parametrize("note", UK_NOTES)
def test_a_windows_1252_file_with_uk_text_is_read_and_says_detected(site, note):
    data = HEADER + f"rate,E07000123,Preston,2012/13,12.5\nrate,E07000117,{note},2012/13,3\n"
    encoded = data.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        encoded.decode("utf-8")

    with reading.open_table(io.BytesIO(encoded)) as table:
        assert table.description == "CSV (Windows-1252, detected)"
        assert [cells[2] for _, cells in table.rows()] == ["Preston", note.split(",")[0]]


def test_rows_of_windows_1252_notes_are_imported_as_written(site):
    codes = list(Area.objects.values_list("code", flat=True))
    rows = "".join(
        f"rate,{code},,2012/13,{n}.5,Cost £{n} – “per child” at the café\n"
        for n, code in enumerate(codes)
    )
    data = (HEADER.rstrip("\n") + ",note\n" + rows).encode("cp1252")

    report = import_values(source=io.BytesIO(data), file_name="excel.csv")

    assert report.status == "applied", report.summary()
    assert report.file_description == "CSV (Windows-1252, detected)"
    assert Value.objects.filter(note__contains="“per child” at the café").count() == len(codes)


FOREIGN = [
    # (encoding, text, what the message must name)
    ("iso8859_2", "Zażółć gęślą jaźń; Łódź, Kraków, Gdańsk, Wrocław, Poznań", "Central European"),
    ("iso8859_2", "Příliš žluťoučký kůň úpěl ďábelské ódy; Plzeň", "Central European"),
    ("shift_jis", "東京都の人口の割合と年齢別の統計データ", "Japanese (Shift JIS)"),
    ("shift_jis", "東京", "Japanese (Shift JIS)"),
    ("mac_roman", "Burnley Café", "Mac Roman"),
    ("mac_roman", "The council’s “best” figure – naïve résumé", "Mac Roman"),
    ("cp1251", "Численность населения", "Cyrillic (Windows-1251)"),
]


@pytest.mark.parametrize(("encoding", "text", "named"), FOREIGN)
def test_a_csv_in_another_encoding_is_refused_naming_what_was_detected(site, encoding, text, named):
    data = (HEADER + f"rate,E07000123,Preston,2012/13,12.5,{text}\n").encode(encoding)
    assert data.decode("cp1252", errors="replace") != data.decode(encoding)

    report = import_values(source=io.BytesIO(data), file_name="foreign.csv")

    assert report.rejected
    (message,) = report.file_errors
    assert message.startswith("The text of “foreign.csv” is neither UTF-8 nor Windows-1252")
    assert f"it looks like {named}" in message or (named in message and "looks like" in message)
    assert "CSV UTF-8" in message
    assert not Value.objects.exists()
    assert not Area.objects.filter(code="E07000123").exclude(name="Preston").exists()


def test_a_csv_whose_encoding_cannot_be_detected_is_refused_saying_so(site, monkeypatch):
    monkeypatch.setattr(encodings, "_matches", lambda sample: [])
    data = HEADER.encode() + b"rate,E07000123,Pr\x81\x8d\x9dston,2012/13,12.5\n"

    report = import_values(source=io.BytesIO(data), file_name="odd.csv")

    assert report.rejected
    (message,) = report.file_errors
    assert "its encoding cannot be detected" in message
    assert "byte 0x81 at position" in message
    assert not Value.objects.exists()


def test_detection_reads_a_sample_of_a_large_file(site, tmp_path):
    """Only lines with bytes beyond ASCII are sampled, and no more than SAMPLE_BYTES of them,
    so detection takes the same time whatever the size of the file."""
    path = tmp_path / "big.csv"
    line = "rate,E07000123,Preston Café,2012/13,12.5,Cost £12 – per child\n".encode("cp1252")
    path.write_bytes(HEADER.encode() + line * 20_000 + b"rate,E07000123,Preston,2012/13,1\n")

    found = encodings._non_ascii(path)

    assert encodings.SAMPLE_BYTES <= len(found.sample) < encodings.SAMPLE_BYTES + len(line)
    assert found.sample.startswith(line)
    assert found.bytes_seen == {0xE9, 0xA3, 0x96}


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
