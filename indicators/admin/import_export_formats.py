"""The formats django-import-export imports areas and indicators from.

django-import-export's own XLSX format reads a workbook with openpyxl by the size the sheet
declares: a 5 KB workbook declaring a cell at XFD1048576 has it walk 17 billion cells, and the
Import screen hangs. `BoundedXLSX` reads the workbook through `indicators.importing.reading`
instead, the reader of the figures' imports, which reads the cells that exist, refuses a table
too wide or too slow to read, and a workbook that would unpack to too much, each with a message.
A refusal is raised as `WorkbookRejected`, which `ReadableImportMixin` shows on the Import
screen as it is, instead of django-import-export's “… encountered while trying to read file”.
`BoundedCSV` does the same for CSV (tablib would read the whole file at once, with no limit
and no check of its encoding). The confirm step reads the file a second time, as
django-import-export does; a refusal there (the time limit, on a busy machine) is shown too,
with nothing changed.
"""

from __future__ import annotations

import io
from typing import Any

import tablib
from django.contrib import messages
from django.shortcuts import redirect
from import_export.formats.base_formats import CSV, XLSX

from indicators.importing import reading

#: The name the reader is given for the file (a format is not told the upload's name); the
#: Import screen puts the upload's own name in its place.
FILE_NAME = "the uploaded file"


class WorkbookRejected(ValueError):
    """The file (a workbook or a CSV file) cannot be imported; the message says why and what
    would work."""


class BoundedXLSX(XLSX):
    """XLSX, read by `reading.open_table` (the first sheet; every cell as text)."""

    def create_dataset(self, in_stream: Any) -> tablib.Dataset:
        return _read(
            in_stream,
            "xlsx",
            "This file is not an Excel workbook (.xlsx): if it is a CSV file, choose the "
            "format “csv”.",
        )


class BoundedCSV(CSV):
    """CSV, read by `reading.open_table` from its bytes (its encoding detected, its rows,
    columns, cells and reading time bounded)."""

    def is_binary(self) -> bool:
        return True  # the bytes: `reading` decides the encoding

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream: Any, **kwargs: Any) -> tablib.Dataset:
        if isinstance(in_stream, str):
            in_stream = in_stream.encode("utf-8")
        return _read(
            in_stream,
            "csv",
            "This file is an Excel workbook, not a CSV file: choose the format “xlsx”.",
        )


def _read(in_stream: Any, kind: str, other_kind: str) -> tablib.Dataset:
    """The file (bytes or a binary file object) as a dataset, if `reading` finds it is of
    `kind`; `WorkbookRejected` with `other_kind` if it is the other one, or with the reader's
    words if it cannot be read."""
    source = io.BytesIO(in_stream) if isinstance(in_stream, bytes | bytearray) else in_stream
    try:
        with reading.open_table(source, file_name=FILE_NAME) as table:
            if table.kind != kind:
                raise WorkbookRejected(other_kind)
            return _dataset(table)
    except reading.FileRejected as error:
        raise WorkbookRejected(str(error)) from error


def _dataset(table: reading.Table) -> tablib.Dataset:
    """The table's rows below its header, every row as wide as the widest (with empty cells,
    and columns with no name, which no resource reads). A blank row is left out, as an empty
    line of a CSV file is."""
    rows = [cells for _number, cells in table.rows() if any(cells)]
    width = max([len(table.header), *(len(cells) for cells in rows)])
    dataset = tablib.Dataset(headers=_padded(table.header, width))
    for cells in rows:
        dataset.append(_padded(cells, width))
    return dataset


def _padded(cells: list[str], width: int) -> list[str]:
    return [*cells, *([""] * (width - len(cells)))]


#: What the Areas and Indicators admins import from (export formats are those of the admin).
IMPORT_FORMATS = [BoundedCSV, BoundedXLSX]


class ReadableImportMixin:
    """For an admin that imports with django-import-export: XLSX read by `BoundedXLSX`, and
    a workbook it refuses shown on the Import screen with the reader's message."""

    import_formats = IMPORT_FORMATS

    def add_data_read_fail_error_to_form(self, form: Any, e: Exception) -> None:
        if isinstance(e, WorkbookRejected):
            upload = form.cleaned_data.get("import_file")
            name = getattr(upload, "name", "") or FILE_NAME
            form.add_error("import_file", str(e).replace(FILE_NAME, name))
            return
        super().add_data_read_fail_error_to_form(form, e)  # type: ignore[misc]

    def process_import(self, request: Any, **kwargs: Any) -> Any:
        """The confirm step, which reads the file again: a refusal then goes back to the
        Import screen with the reader's message (the file is read before anything is
        written, so nothing changed)."""
        try:
            return super().process_import(request, **kwargs)  # type: ignore[misc]
        except WorkbookRejected as error:
            messages.error(request, f"Nothing was imported: {error}")
            opts = self.model._meta  # type: ignore[attr-defined]
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_import")

    def import_action(self, request: Any, **kwargs: Any) -> Any:
        """django-import-export's import page, which lists the columns it reads even when the
        file could not be read (it lists none then)."""
        response = super().import_action(request, **kwargs)  # type: ignore[misc]
        context = getattr(response, "context_data", None)
        if context is not None and not context.get("fields_list"):
            resources = [
                resource_class(**self.get_import_resource_kwargs(request))  # type: ignore[attr-defined]
                for resource_class in self.get_import_resource_classes(request)  # type: ignore[attr-defined]
            ]
            context["fields_list"] = [
                (
                    resource.get_display_name(),
                    [field.column_name for field in resource.get_user_visible_fields()],
                )
                for resource in resources
            ]
        return response


__all__ = ["IMPORT_FORMATS", "BoundedCSV", "BoundedXLSX", "ReadableImportMixin", "WorkbookRejected"]
