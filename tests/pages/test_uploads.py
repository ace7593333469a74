"""The checks on downloads attached to topic pages: each kind of file a JSNA publishes is
taken, and anything a browser could run, or that is not what its name says, is refused with a
message naming the file and what is allowed. Every file is made here, minimal but real."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from pages.models import TopicLink
from pages.uploads import (
    ALLOWED_DESCRIPTION,
    DEFAULT_DOWNLOAD_MAX_BYTES,
    download_max_bytes,
    validate_download,
)
from tests.factories import TopicFactory

# --- Minimal real files ---------------------------------------------------------------------

PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


def png() -> bytes:
    """A 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def xlsx() -> bytes:
    workbook = Workbook()
    workbook.active.append(["area_code", "value"])
    workbook.active.append(["E07000123", 21.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zipped(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            # OpenDocument's mimetype comes first and is stored, not compressed.
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
    return buffer.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="x"/>'


def docx(**extra: bytes) -> bytes:
    return zipped(
        {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>", **extra}
    )


def pptx() -> bytes:
    return zipped(
        {"[Content_Types].xml": CONTENT_TYPES, "ppt/presentation.xml": b"<p:presentation/>"}
    )


def odf(mimetype: str, **extra: bytes) -> bytes:
    return zipped(
        {
            "mimetype": f"application/vnd.oasis.opendocument.{mimetype}".encode(),
            "content.xml": b"<office:document-content/>",
            **extra,
        }
    )


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def refusal(name: str, content: bytes) -> str:
    """The message `validate_download` refuses the file with."""
    with pytest.raises(ValidationError) as caught:
        validate_download(upload(name, content))
    (message,) = caught.value.messages
    return message


CP1252_CSV = "area,value\r\nPreston,£21 – 5%\r\n".encode("cp1252")

# --- Accepted -------------------------------------------------------------------------------

ACCEPTED = [
    ("report.pdf", PDF),
    ("chart.png", png()),
    ("photo.jpg", JPEG),
    ("photo.JPEG", JPEG),
    ("figures.xlsx", xlsx()),
    ("briefing.docx", docx()),
    ("slides.pptx", pptx()),
    ("briefing.odt", odf("text")),
    ("figures.ods", odf("spreadsheet")),
    ("figures.csv", "area,value\r\nYnys Môn,21.5\r\n".encode()),
    ("figures-bom.csv", "\ufeffarea,value\r\nPreston,£21\r\n".encode()),
    ("figures-excel.csv", CP1252_CSV),
    ("notes.txt", b"Figures for 2012/13 are provisional; 5 < 10 is suppressed.\n"),
]


@pytest.mark.parametrize(("name", "content"), ACCEPTED, ids=[name for name, _ in ACCEPTED])
def test_each_allowed_kind_of_file_is_accepted_and_left_at_its_start(name, content):
    file = upload(name, content)
    file.read(3)  # wherever it was left, it is checked from the start

    assert validate_download(file) is None
    assert file.tell() == 0
    assert file.read() == content


def test_the_windows_1252_csv_is_not_also_valid_utf_8():
    """So that the case above really is the Windows-1252 path."""
    with pytest.raises(UnicodeDecodeError):
        CP1252_CSV.decode("utf-8")


# --- Refused by extension -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", HTML),
        ("page.htm", HTML),
        ("chart.svg", SVG),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("tracker.js", b"fetch('/admin/')"),
        ("macros.xlsm", xlsx()),
        ("macros.docm", docx()),
        ("archive.zip", docx()),
        ("README", b"plain words"),
    ],
)
def test_other_extensions_are_refused_naming_the_file_and_what_is_allowed(name, content):
    message = refusal(name, content)

    assert message.startswith(f"“{name}” cannot be published as a download: ")
    assert message.endswith(f"Downloads can be {ALLOWED_DESCRIPTION}.")


def test_an_extension_is_named_in_the_refusal_whatever_its_case():
    assert ".html files are not allowed" in refusal("Page.HTML", HTML)


@pytest.mark.parametrize(
    ("name", "what", "instead"),
    [
        ("figures.xls", "an Excel 97–2003 workbook", "open it in Excel, save it as an .xlsx"),
        ("briefing.doc", "a Word 97–2003 document", "open it in Word, save it as a .docx"),
    ],
)
def test_old_office_files_are_refused_with_how_to_save_them_anew(name, what, instead):
    old = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

    message = refusal(name, old)

    assert message.startswith(
        f"“{name}” is {what}, an old format that cannot be published as a download: {instead}"
    )
    assert message.endswith(f"Downloads can be {ALLOWED_DESCRIPTION}.")


# --- Refused by size ------------------------------------------------------------------------


def test_the_size_limit_is_25_mb_unless_set():
    assert download_max_bytes() == DEFAULT_DOWNLOAD_MAX_BYTES == 25 * 1024 * 1024


def test_a_file_over_the_size_limit_is_refused_giving_its_size_and_the_limit(settings):
    settings.DOWNLOAD_MAX_BYTES = 1024 * 1024
    content = PDF + b"%" * (1024 * 1024 + 512 * 1024)

    message = refusal("annual-report.pdf", content)

    assert message.startswith(
        "“annual-report.pdf” is 1.5\xa0MB, over the limit of 1.0\xa0MB for a download."
    )


def test_a_file_exactly_at_the_size_limit_is_accepted(settings):
    settings.DOWNLOAD_MAX_BYTES = len(PDF)

    assert validate_download(upload("report.pdf", PDF)) is None


def test_an_empty_file_is_refused():
    assert refusal("report.pdf", b"") == "“report.pdf” is empty."


# --- Refused by content ---------------------------------------------------------------------


def test_a_pdf_that_is_really_a_web_page_is_refused():
    message = refusal("report.pdf", b"  \n" + HTML)

    assert message == (
        "“report.pdf” is not a PDF document, though its name ends in .pdf. It looks like a "
        "web page or an SVG image. Save it again as a PDF document and upload that."
    )


def test_a_png_that_is_really_a_zip_archive_is_refused():
    message = refusal("chart.png", docx())

    assert "is not a PNG image, though its name ends in .png. It looks like a ZIP archive." in (
        message
    )


def test_a_jpeg_that_is_really_a_program_is_refused():
    assert "It looks like a Windows program." in refusal("photo.jpg", b"MZ\x90\x00")


@pytest.mark.parametrize(
    ("name", "content", "sign"),
    [
        ("figures.csv", b"area,value\r\nPreston,<script>alert(1)</script>\r\n", "<script"),
        ("figures.csv", b"area,value\r\n<SVG onload=alert(1)>,1\r\n", "<svg"),
        ("notes.txt", b"\xef\xbb\xbf  \n<b>bold</b>", "it begins with “<”"),
        ("notes.txt", b"Notes\n<!DOCTYPE html>", "<!doctype"),
    ],
)
def test_a_text_file_that_looks_like_a_web_page_or_script_is_refused(name, content, sign):
    message = refusal(name, content)

    assert message.startswith(f"“{name}” looks like a web page or a script (")
    assert sign in message
    assert "which a browser could run" in message


def test_markup_is_looked_for_only_near_the_start_of_a_text_file():
    content = b"area,value\r\n" + b"Preston,1\r\n" * 7000 + b"<script>,1\r\n"
    assert len(content) > 64 * 1024

    assert validate_download(upload("figures.csv", content)) is None


def test_a_csv_with_binary_data_is_refused():
    message = refusal("figures.csv", b"area,value\r\nPreston,\x00\x01\x02\r\n")

    assert message == (
        "“figures.csv” is not a CSV file: it contains binary data. Save it again as a CSV "
        "file (for a spreadsheet, “CSV UTF-8”)."
    )


def test_a_csv_in_utf_16_is_refused_as_binary_data():
    message = refusal("figures.csv", "area,value\r\n".encode("utf-16"))

    assert "it contains binary data" in message


def test_a_csv_that_is_neither_utf_8_nor_windows_1252_is_refused():
    # 0x81 and 0x8D are not characters in Windows-1252, and are not UTF-8 on their own.
    message = refusal("figures.csv", b"area,value\r\nPreston,\x81\x8d\r\n")

    assert "cannot be read as text: it is neither UTF-8 nor Windows-1252" in message


def test_an_xlsx_that_is_not_a_zip_archive_is_refused():
    message = refusal("figures.xlsx", b"area,value\r\nPreston,1\r\n")

    assert message.startswith("“figures.xlsx” is not an Excel workbook, though its name ends")


def test_an_xlsx_that_is_a_damaged_zip_archive_is_refused():
    message = refusal("figures.xlsx", xlsx()[:200])

    assert message == (
        "“figures.xlsx” is damaged, or is not an Excel workbook: it cannot be read as one. "
        "Save it again."
    )


def test_an_xlsx_that_is_really_a_word_document_is_refused():
    message = refusal("figures.xlsx", docx())

    assert "is not an Excel workbook, though its name ends in .xlsx" in message


def test_a_zip_archive_without_content_types_is_not_a_word_document():
    message = refusal("briefing.docx", zipped({"word/document.xml": b"<w:document/>"}))

    assert "is not a Word document" in message


def test_an_odt_that_is_really_a_spreadsheet_is_refused():
    assert "is not an OpenDocument text document" in refusal("briefing.odt", odf("spreadsheet"))


def test_an_office_file_with_macros_is_refused():
    message = refusal("briefing.docx", docx(**{"word/vbaProject.bin": b"\x00macro"}))

    assert message == (
        "“briefing.docx” contains macros (programs that run when it is opened), which cannot "
        "be published. Save a copy without macros, as a Word document, and upload that."
    )


def test_an_opendocument_file_with_macros_is_refused():
    content = odf("spreadsheet", **{"Basic/Standard/Module1.xml": b"<script:module/>"})

    assert "contains macros" in refusal("figures.ods", content)


def test_a_refused_file_is_left_at_its_start():
    file = upload("report.pdf", HTML)

    with pytest.raises(ValidationError):
        validate_download(file)

    assert file.tell() == 0


# --- Through a form and a model -------------------------------------------------------------


class TopicLinkForm(forms.ModelForm):
    file = forms.FileField(required=False, validators=[validate_download])

    class Meta:
        model = TopicLink
        fields = ["title", "file"]


@pytest.mark.django_db
def test_a_form_refuses_a_web_page_as_a_download():
    link = TopicLink(topic=TopicFactory())
    form = TopicLinkForm({"title": "Data"}, {"file": upload("data.pdf", HTML)}, instance=link)

    assert not form.is_valid()
    (error,) = form.errors["file"]
    assert error.startswith("“data.pdf” is not a PDF document")


@pytest.mark.django_db
def test_a_form_takes_a_real_download():
    link = TopicLink(topic=TopicFactory())
    form = TopicLinkForm({"title": "Data"}, {"file": upload("figures.xlsx", xlsx())}, instance=link)

    assert form.is_valid(), form.errors
    assert form.instance.file.name == "figures.xlsx"


@pytest.mark.django_db
def test_a_topic_link_refuses_a_bad_download_when_the_field_checks_it():
    field = TopicLink._meta.get_field("file")
    if validate_download not in field.validators:
        pytest.skip("TopicLink.file does not have validators=[validate_download] yet")
    link = TopicLink(topic=TopicFactory(), title="Chart", file=upload("chart.svg", SVG))

    with pytest.raises(ValidationError) as caught:
        link.full_clean()

    (error,) = caught.value.message_dict["file"]
    assert error.startswith("“chart.svg” cannot be published as a download")


def test_a_download_already_saved_is_not_read_back_from_storage():
    """Editing a link's title must not re-read (or fail on) the file it already has."""
    link = TopicLink(file="downloads/2024/not-in-storage.pdf")

    assert link.file._committed
    assert validate_download(link.file) is None
