"""Bounded reading of every upload, for the Areas and Indicators admins' Import screens
(django-import-export): its own XLSX format read a workbook by the size the sheet declares,
so a 5 KB workbook declaring a cell at XFD1048576 hung the screen. Their workbooks are now
read by the reader of the figures' imports (`indicators.admin.import_export_formats`), whose
refusal the importer sees as a message on the form, not a 500; a normal workbook imports as
before, and the exports are as they were."""

from __future__ import annotations

import io
import time

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from import_export.formats.base_formats import CSV, XLSX
from openpyxl import Workbook

from indicators.admin.import_export_formats import BoundedCSV, BoundedXLSX
from indicators.importing import reading
from indicators.models import Area, AreaType, Indicator
from pages.services import create_officer
from tests.factories import IndicatorFactory, lancashire_areas

pytestmark = pytest.mark.django_db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AREAS_HEADER = ["code", "name", "area_type", "parent_code"]


def workbook(*rows: list[object], cells: dict[str, object] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for where, value in (cells or {}).items():
        sheet[where] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refusal(data: bytes) -> str:
    """What the bounded reader says of the workbook, as the page shows it."""
    with pytest.raises(reading.FileRejected) as refused:
        with reading.open_table(io.BytesIO(data)) as table:
            for _ in table.rows():
                pass
    return escape(str(refused.value))


@pytest.fixture
def publisher_client(client: Client) -> Client:
    user, _ = create_officer(
        username="publisher", password="a-long-test-password", role="Publisher"
    )
    client.force_login(user)
    return client


def post_workbook(client: Client, url_name: str, data: bytes, name: str = "file.xlsx"):
    return client.post(
        reverse(url_name),
        {"format": "1", "import_file": SimpleUploadedFile(name, data, content_type=XLSX_TYPE)},
    )


def post_csv(client: Client, url_name: str, data: bytes, name: str = "file.csv"):
    return client.post(
        reverse(url_name),
        {"format": "0", "import_file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def areas_state() -> list[tuple]:
    return list(Area.objects.order_by("code").values_list("code", "name", "area_type"))


def test_the_admins_import_through_the_bounded_reader_and_export_as_before():
    for model in (Area, Indicator):
        model_admin = admin.site._registry[model]
        assert model_admin.get_import_formats() == [BoundedCSV, BoundedXLSX]
        assert model_admin.get_export_formats() == [CSV, XLSX]


def test_a_workbook_declaring_a_cell_at_xfd1048576_is_refused_in_words_not_read(
    publisher_client,
):
    lancashire_areas()
    before = areas_state()
    data = workbook(
        AREAS_HEADER,
        ["E07000122", "Pendle", "district", "E10000017"],
        cells={"XFD1048576": "x"},
    )
    assert len(data) < 10_000
    started = time.monotonic()

    response = post_workbook(publisher_client, "admin:indicators_area_import", data)

    assert time.monotonic() - started < 60
    assert response.status_code == 200
    html = response.content.decode()
    assert refusal(data) in html
    assert "column 16,384" in html
    for technical in ("Traceback", "encountered while", "could not be read as Excel"):
        assert technical not in html
    assert "confirm_form" not in response.context or not response.context["confirm_form"]
    assert areas_state() == before


def test_the_indicators_import_shows_the_readers_refusal(publisher_client):
    indicator = IndicatorFactory(slug="rate", name="A rate")
    # A cell in column 1,001 (ALM), past the widest table the reader reads.
    data = workbook(["slug", "name", "unit"], ["rate", "Renamed", "rate"], cells={"ALM2": "x"})

    response = post_workbook(publisher_client, "admin:indicators_indicator_import", data)

    assert response.status_code == 200
    html = response.content.decode()
    assert refusal(data) in html
    assert "encountered while" not in html
    indicator.refresh_from_db()
    assert indicator.name == "A rate"


def test_a_csv_file_sent_as_excel_is_refused_in_words(publisher_client):
    lancashire_areas()
    before = areas_state()
    content = b"code,name,area_type\nE07000122,Pendle,district\n"

    response = post_workbook(publisher_client, "admin:indicators_area_import", content, "a.xlsx")

    assert response.status_code == 200
    assert "This file is not an Excel workbook (.xlsx)" in response.content.decode()
    assert areas_state() == before


def test_a_normal_areas_workbook_imports(publisher_client):
    lancashire_areas()
    data = workbook(
        ["Code", "Name", "Area Type", "Parent Code"],
        ["E07000122", "Pendle", "District", "E10000017"],
        ["E13000001", "Inner London", "Statistical grouping"],  # a shorter row
        [],  # a blank row, left out as an empty line of a CSV file is
        ["E07000127", "West Lancashire", "district", "E10000017"],
    )

    preview = post_workbook(publisher_client, "admin:indicators_area_import", data)

    assert preview.status_code == 200
    assert "confirm_form" in preview.context, preview.content.decode()[:3000]
    confirm = preview.context["confirm_form"]
    done = publisher_client.post(
        reverse("admin:indicators_area_process_import"),
        {field.name: field.value() for field in confirm},
    )
    assert done.status_code == 302
    pendle = Area.objects.get(code="E07000122")
    assert (pendle.name, pendle.area_type, pendle.parent.code) == (
        "Pendle",
        AreaType.DISTRICT,
        "E10000017",
    )
    assert Area.objects.get(code="E13000001").area_type == AreaType.GROUPING
    assert Area.objects.get(code="E07000127").parent.code == "E10000017"


def test_a_csv_file_is_read_by_the_bounded_reader_too(publisher_client, settings):
    """CSV as well: its columns (and rows, cells, time) are limited and its encoding is
    detected, where tablib read any file whole."""
    lancashire_areas()
    before = areas_state()
    settings.IMPORT_MAX_COLUMNS = 5
    wide = b"code,name,area_type\nE07000122,Pendle,district" + b",x" * 6 + b"\n"

    response = post_csv(publisher_client, "admin:indicators_area_import", wide)

    assert response.status_code == 200
    assert "at most 5 columns (IMPORT_MAX_COLUMNS)" in response.content.decode()
    central_european = "code,name,area_type\nE07000122,Łódź Śródmieście żółć,district\n"
    response = post_csv(
        publisher_client, "admin:indicators_area_import", central_european.encode("cp1250")
    )
    assert "neither UTF-8 nor Windows-1252" in response.content.decode()
    assert areas_state() == before


def test_a_normal_areas_csv_imports(publisher_client):
    lancashire_areas()
    data = "code,name,area_type,parent_code\nE07000122,Pendle – East,district,E10000017\n"

    preview = post_csv(publisher_client, "admin:indicators_area_import", data.encode("cp1252"))

    assert "confirm_form" in preview.context, preview.content.decode()[:3000]
    confirm = preview.context["confirm_form"]
    done = publisher_client.post(
        reverse("admin:indicators_area_process_import"),
        {field.name: field.value() for field in confirm},
    )
    assert done.status_code == 302
    assert Area.objects.get(code="E07000122").name == "Pendle – East"


def test_a_refusal_when_the_confirm_step_reads_the_file_again_is_a_message(
    publisher_client, monkeypatch
):
    """The confirm step reads the file a second time; if the reader refuses it then (its time
    limit on a busy machine), the officer is told so and nothing is imported, never a 500."""
    lancashire_areas()
    before = areas_state()
    data = b"code,name,area_type,parent_code\nE07000122,Pendle,district,E10000017\n"
    preview = post_csv(publisher_client, "admin:indicators_area_import", data)
    confirm = preview.context["confirm_form"]

    def too_slow(*args, **kwargs):
        raise reading.FileRejected("The file took more than 300 seconds to read.")

    monkeypatch.setattr(reading, "open_table", too_slow)
    done = publisher_client.post(
        reverse("admin:indicators_area_process_import"),
        {field.name: field.value() for field in confirm},
        follow=True,
    )

    assert done.status_code == 200
    assert "Nothing was imported: The file took more than 300 seconds" in done.content.decode()
    assert areas_state() == before
