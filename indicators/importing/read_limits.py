"""How much one import file may hold and how long reading it may take (the IMPORT_MAX_*
settings), for CSV and XLSX alike: `bounded` wraps a reader's rows and refuses the file with
`FileRejected` where it passes a limit, saying which, where and what to do."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from django.conf import settings

from indicators.importing.file_errors import FileRejected


@dataclass(frozen=True)
class Limits:
    """The most one file may hold, and how long reading it may take, from the IMPORT_MAX_*
    settings. The time is the reader's own (the importer's work on each row is not counted),
    checked every `TIME_CHECK_ROWS` rows."""

    rows: int = 5_000_000
    columns: int = 1_000
    #: Rows times the widest row so far.
    cells: int = 100_000_000
    seconds: float = 300

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            rows=getattr(settings, "IMPORT_MAX_ROWS", cls.rows),
            columns=getattr(settings, "IMPORT_MAX_COLUMNS", cls.columns),
            cells=getattr(settings, "IMPORT_MAX_CELLS", cls.cells),
            seconds=getattr(settings, "IMPORT_MAX_SECONDS", cls.seconds),
        )


#: How often the time spent reading is checked, and how many rows are read between the
#: reader's clock readings (few enough that a batch of the widest rows is small).
TIME_CHECK_ROWS = 10_000
READ_AHEAD_ROWS = 100


def bounded(
    rows: Iterator[tuple[int, list[str]]], kind: str, limits: Limits
) -> Iterator[tuple[int, list[str]]]:
    """The rows, refused with `FileRejected` where the file passes one of ``limits``.

    Rows are read `READ_AHEAD_ROWS` at a time, and the clock is read around each such read, so
    that only the reader's time counts (never the importer's, between rows); the total is
    checked every `TIME_CHECK_ROWS` rows. The other limits are checked on each batch as a
    whole, and row by row only in a batch that passes one, to say where."""
    try:
        spent = 0.0
        widest = 0
        next_time_check = TIME_CHECK_ROWS
        while True:
            started = time.monotonic()
            batch = list(islice(rows, READ_AHEAD_ROWS))
            spent += time.monotonic() - started
            if not batch:
                return
            last = batch[-1][0]
            batch_widest = max([len(cells) for _, cells in batch])
            if (
                batch_widest > limits.columns
                or last > limits.rows
                or last * max(widest, batch_widest) > limits.cells
            ):
                _refuse_in(batch, widest, kind, limits)
            widest = max(widest, batch_widest)
            if last >= next_time_check:
                next_time_check = last + TIME_CHECK_ROWS
                if spent > limits.seconds:
                    raise FileRejected(_too_slow(kind, last, limits))
            yield from batch
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def _refuse_in(batch: list[tuple[int, list[str]]], widest: int, kind: str, limits: Limits) -> None:
    """Raise `FileRejected` at the first row of ``batch`` past a limit (``widest``: the widest
    row before it)."""
    for number, cells in batch:
        if number > limits.rows:
            raise FileRejected(_too_many_rows(kind, number, limits))
        if len(cells) > widest:
            widest = len(cells)
            if widest > limits.columns:
                raise FileRejected(_too_many_columns(kind, number, widest, limits))
        if number * widest > limits.cells:
            raise FileRejected(_too_many_cells(kind, number, widest, limits))


def _too_many_rows(kind: str, number: int, limits: Limits) -> str:
    what = "workbook" if kind == "xlsx" else "file"
    return (
        f"The {what} has more than {limits.rows:,} rows, the most one import may have "
        f"(IMPORT_MAX_ROWS): row {number:,} is past the limit. Split it into files of at most "
        f"{limits.rows:,} rows (for example one for each year) and import each."
    )


def _too_many_columns(kind: str, number: int, width: int, limits: Limits) -> str:
    if kind == "xlsx":
        return (
            f"Row {number:,} of the workbook has a cell in column {width:,}: an import file has "
            f"at most {limits.columns:,} columns (IMPORT_MAX_COLUMNS). Delete the cells to the "
            f"right of the table (or save the sheet as CSV) and import it again."
        )
    return (
        f"Row {number:,} of the file has {width:,} cells: an import file has at most "
        f"{limits.columns:,} columns (IMPORT_MAX_COLUMNS). Delete the cells to the right of "
        f"the table (a row of commas counts too) and import it again."
    )


def _too_many_cells(kind: str, number: int, widest: int, limits: Limits) -> str:
    what = "workbook" if kind == "xlsx" else "file"
    return (
        f"The {what} has more than {limits.cells:,} cells, the most one import may have "
        f"(IMPORT_MAX_CELLS, counted as rows times the widest row): by row {number:,} it has "
        f"{number:,} rows, and its widest row has {widest:,} cells. Delete the empty columns "
        f"to the right of the table, or split it into smaller files, and import each."
    )


def _too_slow(kind: str, number: int, limits: Limits) -> str:
    if kind == "xlsx":
        return (
            f"The workbook took more than {limits.seconds:,} seconds (IMPORT_MAX_SECONDS) to "
            f"read as far as row {number:,}: save it as CSV (which is read much faster) and "
            f"import that."
        )
    return (
        f"The file took more than {limits.seconds:,} seconds (IMPORT_MAX_SECONDS) to read as "
        f"far as row {number:,}: split it into smaller files and import each."
    )
