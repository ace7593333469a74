"""Limits on officers' import uploads: the size of the file (``IMPORT_MAX_BYTES``), and how
much an .xlsx workbook may unpack to before openpyxl is let near it (a zip bomb is refused
from its table of contents)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from indicators.admin.forms import UploadForm, import_max_bytes
from indicators.importing.reading import (
    DEFAULT_XLSX_MAX_UNPACKED_BYTES,
    FileRejected,
    open_table,
    xlsx_max_unpacked_bytes,
)
from indicators.models import ImportBatch
from pages.services import create_officer
from tests.indicators.importing.conftest import csv_bytes
from tests.indicators.runs import through_run

IMPORT_URL = reverse("admin:indicators_value_import")
ROWS = [
    ["indicator", "area_code", "area_name", "period", "value"],
    ["re-referrals", "E07000123", "Preston", "2012/13", "21.5"],
]


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path: Path) -> Path:
    settings.IMPORT_UPLOAD_ROOT = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def officer(db):
    user, _ = create_officer(username="analyst", password="a-long-test-password")
    return user


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def workbook_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bomb(unpacked: int = 20 * 1024 * 1024) -> bytes:
    """What looks like a workbook, with a sheet of `unpacked` bytes that compresses to almost
    nothing (about a thousandth of it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * unpacked)
    return buffer.getvalue()


def write(tmp_path: Path, content: bytes, name: str = "figures.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def file_errors(response) -> list[str]:
    assert response.status_code == 200
    return response.context["form"].errors["file"]


# --- The size of an upload ------------------------------------------------------------------


def test_the_admin_takes_files_up_to_200_mb_unless_set():
    """A national file of 1,000,000 rows (about 70 MB) fits: the worker reads it."""
    assert import_max_bytes() == 200 * 1024 * 1024


def test_the_upload_form_gives_the_limit_in_force(settings):
    settings.IMPORT_MAX_BYTES = 300 * 1024 * 1024

    assert UploadForm()["file"].help_text.startswith("CSV or Excel (.xlsx), up to 300.0\xa0MB:")


def test_an_upload_over_the_set_limit_is_refused_through_the_admin(
    settings, officer, officer_client, upload_root
):
    settings.IMPORT_MAX_BYTES = 50
    content = csv_bytes(ROWS)
    assert len(content) > 50

    response = through_run(
        officer_client,
        officer_client.post(
            IMPORT_URL,
            {"file": SimpleUploadedFile("figures.csv", content), "file_format": "auto"},
        ),
    )

    (error,) = file_errors(response)
    assert error == (
        f"“figures.csv” is {len(content)}\xa0bytes, over the limit of 50\xa0bytes for the "
        f"admin. Split it into smaller files, or ask an administrator to import it with "
        f"“python manage.py import_values”, which has no limit."
    )
    assert not upload_root.exists()  # refused before it was kept
    assert not ImportBatch.objects.exists()


def test_an_upload_at_the_set_limit_goes_on_to_the_preview(settings, officer_client):
    content = csv_bytes(ROWS)
    settings.IMPORT_MAX_BYTES = len(content)

    response = through_run(
        officer_client,
        officer_client.post(
            IMPORT_URL,
            {"file": SimpleUploadedFile("figures.csv", content), "file_format": "auto"},
        ),
    )

    assert response.status_code == 200
    assert "report" in response.context  # the preview, not the upload form again
    assert not response.context["form"].errors


# --- Zip bombs ------------------------------------------------------------------------------


def test_a_workbook_may_unpack_to_1000_mb_unless_set():
    assert xlsx_max_unpacked_bytes() == DEFAULT_XLSX_MAX_UNPACKED_BYTES == 1000 * 1024 * 1024


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(tmp_path, monkeypatch):
    def must_not_open(*args, **kwargs):
        raise AssertionError("openpyxl was given the zip bomb")

    monkeypatch.setattr("openpyxl.load_workbook", must_not_open)
    bomb = zip_bomb()

    with pytest.raises(FileRejected) as caught:
        with open_table(write(tmp_path, bomb)):
            pass

    message = str(caught.value)
    assert message.startswith("“figures.xlsx” cannot be imported: this ")
    assert "file would unpack to 20.0\xa0MB" in message
    assert "a workbook may unpack to at most 1000.0\xa0MB, or 200 times its size" in message
    assert message.endswith("Save it from Excel as “CSV UTF-8 (Comma delimited)” and import that.")


def test_a_workbook_over_the_set_unpacked_limit_is_refused(settings, tmp_path):
    settings.IMPORT_XLSX_MAX_UNPACKED_BYTES = 1024
    path = write(tmp_path, workbook_bytes(ROWS))

    with pytest.raises(FileRejected, match="may unpack to at most 1.0\xa0KB"):
        with open_table(path):
            pass


def test_a_real_workbook_is_read_under_the_default_limits(tmp_path):
    with open_table(write(tmp_path, workbook_bytes(ROWS))) as table:
        assert table.kind == "xlsx"
        assert table.header == ROWS[0]


def test_a_small_archive_is_not_refused_for_its_ratio_alone(tmp_path):
    """A file that unpacks to a few megabytes harms nothing, however well it compresses: it
    is refused only for not being a workbook openpyxl can open."""
    with pytest.raises(FileRejected) as caught:
        with open_table(write(tmp_path, zip_bomb(unpacked=1024 * 1024))):
            pass

    assert str(caught.value).startswith("The Excel workbook cannot be opened")


def test_a_zip_bomb_is_refused_through_the_admin_and_not_kept(officer, officer_client, upload_root):
    response = through_run(
        officer_client,
        officer_client.post(
            IMPORT_URL,
            {"file": SimpleUploadedFile("figures.xlsx", zip_bomb()), "file_format": "auto"},
        ),
    )

    (error,) = file_errors(response)
    assert error.startswith("“figures.xlsx” cannot be imported: this ")
    assert "would unpack to 20.0\xa0MB" in error
    assert not list((upload_root / str(officer.pk)).iterdir())
    assert not ImportBatch.objects.exists()
