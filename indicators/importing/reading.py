"""Reading a spreadsheet file row by row, whatever shape it arrives in.

`open_table` looks at the bytes (never at the file name), decides whether the file is CSV or
XLSX, and returns a `Table` whose rows can be read as often as needed, one at a time: memory
does not grow with the size of the file. A file that cannot be read at all raises `FileRejected`
with a message an officer can act on.

CSV is read as UTF-8 (with or without a byte order mark). A file that is not valid UTF-8 is
looked at by charset-normalizer (`encodings.detect`, on a sample of its lines with characters beyond
ASCII) and read as Windows-1252, which is what Excel's plain "CSV (Comma delimited)" writes on
a UK PC, only when that reads it as well as the encoding detected; a file that looks like
another encoding (Central European, Mac Roman, Japanese…), or whose encoding cannot be told,
is refused with what was detected, never garbled. XLSX is read with openpyxl in read-only mode,
first sheet only. Cells come back as stripped strings.

Every read is bounded (`read_limits`, from the IMPORT_MAX_* settings): rows, columns, cells
(rows times the widest row) and the seconds spent reading, for CSV and XLSX alike, whether the
rows are read for the admin, its background task or `import_values`.

Memory: a CSV file is read a row at a time (and hashed and checked in 256 KB chunks), whatever
its size. For XLSX, openpyxl reads the workbook's table of distinct texts whole, and keeps an
emptied XML element for each row read (about 80 bytes); Excel's limit of 1,048,576 rows caps
that at under 100 MB. National-scale files are best given as CSV.

An .xlsx file is a ZIP archive, and a small one can unpack to gigabytes (a "zip bomb") that
openpyxl would spend minutes unpacking, holding the shared strings in memory. So before openpyxl
sees a workbook, its table of contents is read, and it is refused if it would unpack to more
than `xlsx_max_unpacked_bytes()` or to more than `XLSX_MAX_RATIO` times its own size. The sizes
it declares are enough: Python's zipfile, which openpyxl reads through, stops a part at its
declared size and rejects it there if it was meant to be longer.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Literal

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from indicators.importing import encodings
from indicators.importing.encodings import CHUNK_SIZE
from indicators.importing.file_errors import SAVE_AS as _SAVE_AS
from indicators.importing.file_errors import FileRejected as FileRejected  # re-exported
from indicators.importing.read_limits import Limits as Limits  # re-exported
from indicators.importing.read_limits import bounded

#: How far down the file to look for the header row, past title rows.
HEADER_SEARCH_ROWS = 10

Source = str | os.PathLike | IO[bytes]

#: How much an .xlsx file may unpack to, unless ``settings.IMPORT_XLSX_MAX_UNPACKED_BYTES``
#: says otherwise: 1,000 MB. A workbook of 100,000 rows of our
#: template unpacks to about 32 MB, so a sheet filled to Excel's 1,048,576 rows fits.
DEFAULT_XLSX_MAX_UNPACKED_BYTES = 20 * 50 * 1024 * 1024
#: Real workbooks unpack to 5 to 20 times their size (30 for the most repetitive figures);
#: a zip bomb to hundreds or thousands of times.
XLSX_MAX_RATIO = 200
#: Below this, a workbook is refused for its ratio only if it is also over the limit: a tiny
#: file that unpacks to a few megabytes harms nothing.
XLSX_RATIO_FROM_BYTES = 10 * 1024 * 1024


def xlsx_max_unpacked_bytes() -> int:
    return getattr(settings, "IMPORT_XLSX_MAX_UNPACKED_BYTES", DEFAULT_XLSX_MAX_UNPACKED_BYTES)


# What a file is, from its first bytes, when it is not something we read.
_NOT_A_TABLE = [
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"{\\rtf", "a Rich Text (RTF) document"),
]
_OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
#: A character beyond ASCII written as UTF-8 (two to four bytes, each continuation byte
#: 10xxxxxx): in a file that is otherwise Windows-1252, a sign that two encodings are mixed.
_UTF8_CHARACTER = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


@dataclass
class Table:
    """A readable file: its kind, how its text was decoded, its SHA-256, and its rows."""

    path: Path
    kind: Literal["csv", "xlsx"]
    sha256: str
    size: int
    encoding: str = ""
    sheet: str = ""
    #: The row number of the header (1 unless there were title rows above it).
    header_row: int = 1
    header: list[str] = field(default_factory=list)
    #: Rows above the header, as (row number, text), e.g. a title.
    above_header: list[tuple[int, str]] = field(default_factory=list)

    @property
    def description(self) -> str:
        """What the file was read as, for the preview: "CSV (UTF-8)", or "CSV (Windows-1252,
        detected)" when the encoding was detected rather than certain."""
        if self.kind == "xlsx":
            return f"Excel workbook, sheet “{self.sheet}”"
        names = {"utf-8-sig": "UTF-8", "cp1252": "Windows-1252, detected"}
        return f"CSV ({names.get(self.encoding, self.encoding)})"

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Every row below the header as (row number as a spreadsheet shows it, cells)."""
        for number, cells in self._all_rows():
            if number > self.header_row:
                yield number, cells

    def _all_rows(self) -> Iterator[tuple[int, list[str]]]:
        if self.kind == "xlsx":
            rows = _xlsx_rows(self.path)
        else:
            rows = _csv_rows(self.path, self.encoding)
        yield from bounded(rows, self.kind, Limits.from_settings())


@contextmanager
def open_table(source: Source, *, file_name: str = "") -> Iterator[Table]:
    """The file as a `Table`, with its header found. Raises `FileRejected`.

    ``source`` is a path or a binary file object (such as an uploaded file); an object that
    cannot seek is first copied to a temporary file, so that its rows can be read twice."""
    path, cleanup = _as_path(source)
    try:
        table = _inspect(path, file_name or path.name)
        if table.kind == "xlsx":
            table.sheet = _xlsx_sheet_name(path)
        _find_header(table)
        yield table
    finally:
        if cleanup is not None:
            cleanup.cleanup()


def _as_path(source: Source) -> tuple[Path, tempfile.TemporaryDirectory | None]:
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise FileRejected(f"There is no file at {path}.")
        return path, None
    # A file object: copy it (in chunks) to a temporary file we can reopen and read again.
    directory = tempfile.TemporaryDirectory(prefix="jsna-import-")
    path = Path(directory.name) / "upload"
    if hasattr(source, "seek"):
        try:
            source.seek(0)
        except (OSError, io.UnsupportedOperation):
            pass
    with path.open("wb") as target:
        if hasattr(source, "chunks"):  # Django's UploadedFile
            for chunk in source.chunks():
                target.write(chunk)
        else:
            shutil.copyfileobj(source, target, CHUNK_SIZE)
    return path, directory


def _inspect(path: Path, name: str) -> Table:
    """Hash the file and decide what it is, reading it once in chunks."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_error: UnicodeDecodeError | None = None
    has_nul = False
    lines_before = 0  # newlines in the chunks already read
    utf8_line = 0  # the line of the first character written as UTF-8 (beyond ASCII)
    bad_line = 0  # the line of the first byte that is not UTF-8
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            if not head:
                head = chunk[:8192]
                if head.startswith(_ZIP) or head.startswith(_OLD_EXCEL):
                    # Binary formats: only the hash is still needed.
                    size += len(chunk)
                    for rest in iter(lambda: handle.read(CHUNK_SIZE), b""):
                        digest.update(rest)
                        size += len(rest)
                    break
            has_nul = has_nul or b"\x00" in chunk
            if not utf8_line and (found := _UTF8_CHARACTER.search(chunk)):
                utf8_line = lines_before + chunk.count(b"\n", 0, found.start()) + 1
            if utf8_error is None:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError as error:
                    utf8_error = error
                    bad_line = lines_before + chunk.count(b"\n", 0, max(error.start, 0)) + 1
            lines_before += chunk.count(b"\n")
            size += len(chunk)
    if utf8_error is None:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError as error:  # the file ends in the middle of a character
            utf8_error = error
    sha256 = digest.hexdigest()

    if size == 0:
        raise FileRejected(f"“{name}” is empty: there is nothing in it to import.")
    if head.startswith(_ZIP):
        _check_xlsx(path, name, size)
        return Table(path=path, kind="xlsx", sha256=sha256, size=size)
    if head.startswith(_OLD_EXCEL):
        raise FileRejected(
            f"“{name}” is an old Excel 97–2003 workbook (.xls), which cannot be read here. "
            f"{_SAVE_AS}"
        )
    for magic, what in _NOT_A_TABLE:
        if head.startswith(magic):
            raise FileRejected(
                f"“{name}” is {what}, not a CSV file or an Excel workbook. Import the data as "
                f"CSV or .xlsx."
            )
    if head.startswith(_UTF16_BOMS):
        raise FileRejected(
            f"“{name}” is saved as UTF-16 (Excel's “Unicode Text”), which cannot be read here. "
            f"{_SAVE_AS}"
        )
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        raise FileRejected(
            f"“{name}” is a web page (HTML), not a CSV file or an Excel workbook. {_SAVE_AS}"
        )
    if has_nul:
        raise FileRejected(
            f"“{name}” is not a CSV file or an Excel workbook: it contains binary data. {_SAVE_AS}"
        )
    if utf8_error is None:
        encoding = "utf-8-sig"
    elif utf8_line:
        encodings.refuse_east_asian(path, name)
        raise FileRejected(
            f"The text of “{name}” mixes two encodings: line {utf8_line:,} is written as UTF-8 "
            f"and line {bad_line:,} is not, so either reading would garble some of its names "
            f"(“Café” read as “CafÃ©”). {_SAVE_AS}"
        )
    else:
        encoding = encodings.detect(path, name)
    return Table(path=path, kind="csv", sha256=sha256, size=size, encoding=encoding)


def _check_xlsx(path: Path, name: str, size: int) -> None:
    """Raise `FileRejected` unless the ZIP archive is an Excel workbook that unpacks to a size
    openpyxl can be trusted with. Only the archive's table of contents is read."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        infos = []
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise FileRejected(
            f"“{name}” is a ZIP archive, not an Excel workbook. Unzip it and import the CSV "
            f"or .xlsx file inside."
        )
    unpacked = sum(info.file_size for info in infos)
    limit = xlsx_max_unpacked_bytes()
    ratio = unpacked / max(size, 1)
    if unpacked > limit or (unpacked > XLSX_RATIO_FROM_BYTES and ratio > XLSX_MAX_RATIO):
        raise FileRejected(
            f"“{name}” cannot be imported: this {filesizeformat(size)} file would unpack to "
            f"{filesizeformat(unpacked)}, {ratio:,.0f} times its size, and a workbook may "
            f"unpack to at most {filesizeformat(limit)}, or {XLSX_MAX_RATIO} times its size. "
            f"Save it from Excel as “CSV UTF-8 (Comma delimited)” and import that."
        )


def _find_header(table: Table) -> None:
    """The header is the first non-blank row with at least two cells; title rows above it
    (one filled cell each) are kept to be reported."""
    seen = 0
    for number, cells in table._all_rows():
        if not any(cells):
            continue
        filled = [cell for cell in cells if cell]
        if len(filled) >= 2:
            table.header_row = number
            table.header = cells
            return
        table.above_header.append((number, filled[0]))
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    if table.above_header:
        raise FileRejected(
            "The file has no header row: a row of column names such as “indicator, area_code, "
            "period, value” was expected near the top, but the first rows have one cell each."
        )
    raise FileRejected(
        "The file has no header row: it holds only blank rows. A row of column names such as "
        "“indicator, area_code, period, value” was expected at the top."
    )


# --- CSV ----------------------------------------------------------------------------------


#: A quoted cell may hold line breaks, but one that runs over this many lines is a quotation
#: mark that was opened and never closed, swallowing the rows after it.
MAX_LINES_PER_ROW = 50


def _csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, strict=False)
        number = 0
        line = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise FileRejected(
                    f"Row {number + 1} cannot be read as CSV ({error}). Check for a quotation "
                    f"mark that is opened but never closed."
                ) from error
            number += 1
            if reader.line_num - line > MAX_LINES_PER_ROW:
                raise FileRejected(
                    f"Row {number} (line {line + 1} of the file) runs over "
                    f"{reader.line_num - line:,} lines: a quotation mark in it is opened but "
                    f"never closed, so the rows after it cannot be told apart. Close or remove "
                    f"the quotation mark."
                )
            line = reader.line_num
            yield number, list(map(str.strip, cells))


# --- XLSX ---------------------------------------------------------------------------------


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """The first sheet's rows, each cell as the workbook saved its value. A formula whose
    result the workbook did not save (a file written by a program that does not calculate)
    comes back as the formula itself (“=SUM(B2:B9)”), which no figure can be mistaken for,
    never as an empty cell."""
    from openpyxl import load_workbook

    handles = [path.open("rb")]  # a file object: openpyxl then never judges it by its name
    try:
        workbook = load_workbook(handles[0], read_only=True, data_only=True)
        formulas = None
        if _has_formulas(path):
            handles.append(path.open("rb"))
            formulas = load_workbook(handles[1], read_only=True, data_only=False)
    except Exception as error:
        for handle in handles:
            handle.close()
        raise FileRejected(f"The Excel workbook cannot be opened: {error}.") from error
    try:
        sheet = workbook.worksheets[0]
        # Read the cells that exist, never the sheet's declared size: a 5 KB workbook can
        # declare A1:XFD1048576, 17 billion cells, which openpyxl would otherwise walk.
        sheet.reset_dimensions()
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        written = None
        if formulas is not None:
            formulas.worksheets[0].reset_dimensions()
            written = formulas.worksheets[0].iter_rows(values_only=True)
        # The columns, cells, rows and time are `read_limits.bounded`'s to limit.
        while True:
            try:
                number, values = next(rows)
                as_written = next(written, ()) if written is not None else ()
            except StopIteration:
                return
            except Exception as error:  # a damaged sheet fails part-way through
                raise FileRejected(f"The Excel workbook cannot be read: {error}.") from error
            cells = [_cell_text(value) for value in values]
            for index, formula in enumerate(as_written):
                if (
                    isinstance(formula, str)
                    and formula.startswith("=")
                    and index < len(cells)
                    and not cells[index]
                ):
                    cells[index] = formula
            yield number, cells
    finally:
        workbook.close()
        if formulas is not None:
            formulas.close()
        for handle in handles:
            handle.close()


#: A formula in a worksheet's XML: <f>…</f>, <f t="shared" …/>, or with a namespace prefix.
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(path: Path) -> bool:
    """Whether any worksheet of the workbook holds a formula (read in chunks, unpacked)."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with archive.open(name) as part:
                tail = b""
                # Small chunks, so that the check's memory does not grow with the sheet.
                while chunk := part.read(CHUNK_SIZE // 4):
                    if _FORMULA_TAG.search(chunk) or _FORMULA_TAG.search(tail + chunk[:16]):
                        return True
                    tail = chunk[-16:]
    return False


def _xlsx_sheet_name(path: Path) -> str:
    from openpyxl import load_workbook

    with path.open("rb") as handle:
        try:
            workbook = load_workbook(handle, read_only=True)
        except Exception as error:  # openpyxl raises many kinds for a broken file
            raise FileRejected(f"The Excel workbook cannot be opened: {error}.") from error
        try:
            if not workbook.worksheets:
                raise FileRejected("The Excel workbook has no worksheets.")
            return workbook.worksheets[0].title
        finally:
            workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return str(Decimal(repr(value)))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()
