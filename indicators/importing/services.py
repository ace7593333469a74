"""Importing a file of figures: `import_values`, which wires the importer's parts together.

`import_values` reads a file (our template, a Fingertips export or an EES data file) row by
row, validates every row, and writes the figures in batches, each in a short transaction of
its own, as staged figures that nobody sees (so that no one else waits long to write, however
long the file):

- all or nothing: if any row is rejected, what was written is taken back and nothing changes,
  unless ``apply_valid_rows`` is set, when the valid rows are kept and the rest reported; an
  error, or the process ending, takes it back too (`batches.discard_unfinished`,
  `batches.sweep_abandoned`);
- a kept import is closed in one short transaction: staged, for a publisher to release
  (`indicators.releases`), or released at once with ``stage=False``, by the release's own few
  statements;
- ``dry_run`` does all the same work, then takes it back: a preview that cannot differ from
  the real thing;
- every figure is classified as new, changed (the old figure is kept for the preview and for
  undo; a real figure where an illustrative one stood is a change, even when the number is the
  same), unchanged, a repeat of an earlier row (counted once), or rejected; rows that hold
  nothing for this site (blank rows, notes, areas or indicators we do not hold) are skipped and
  counted, never dropped silently. Each measure's rows are accounted for one by one
  (`ImportReport.measure_rows`): every row of the file is imported, unchanged, skipped with
  the reason, or rejected;
- every applied import is an `ImportBatch`; every figure it set points at it, and an
  `ImportChange` keeps what each figure was before, so that `undo_import` can restore it (and
  remove the areas, periods and breakdowns it added, if nothing else uses them). An import that
  changes nothing is kept in the record as unchanged, with nothing to undo.

Each step is a module of its own, and `pipeline.Import` passes every row through them in turn:

- `reading`: the file's bytes as a table of text;
- `formats`: the table's rows as `SourceRow`s, by the rules of the file's format;
- `mappings`: which of our indicators each figure is for;
- `areas`, `periods`, `breakdowns`: which area, period and breakdown (`periods` also decides
  how a source's single years, such as DfE's “Reporting year”, are read for each measure);
- `checking` (with `validation`, one cell at a time): the figure's data, held to the rules of
  `Value`;
- `dedupe`: the same figure twice in a file;
- `writing`: figures classified against those held, and written, a batch at a time;
- `batches`: the import's record; `report`: what it found and did.

Speed: figures are held as plain tuples, not model instances. Each is checked by
`Value.clean()` itself (one instance, refilled for each figure), and written in batches with
SQL of our own (`writing`: executemany on SQLite, COPY on PostgreSQL). Those writes send no
signals, so an applied import bumps the public pages' content version itself.

Memory does not grow with the size of the file: rows are read, checked and written a batch
at a time, and the figures already met are kept in a temporary table (`dedupe`).

The batch size, the size of the filter of figures met and how often progress is reported are
this module's, read at each import, so that a test or a benchmark can change them.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager

from django.db import IntegrityError

from indicators.importing.batches import (
    AnyUser,
    record_rejection,
    sweep_abandoned,
)
from indicators.importing.dedupe import FILTER_BITS
from indicators.importing.formats import detect_format
from indicators.importing.pipeline import Import
from indicators.importing.reading import FileRejected, Source, open_table
from indicators.importing.report import (
    PREVIEW_LIMIT,
    ImportReport,
)
from indicators.importing.undo import (
    UndoRefused,
    UndoResult,
    undo_import,
)
from indicators.importing.writing import (
    BATCH_SIZE,
)
from indicators.models import Indicator

#: `progress` is called after every this many rows.
PROGRESS_EVERY = 10_000


def import_values(
    *,
    source: Source,
    file_name: str = "",
    user: AnyUser = None,
    mappings: Mapping[str, Indicator | None] | None = None,
    remember: bool = True,
    add_areas: bool = False,
    apply_valid_rows: bool = False,
    dry_run: bool = False,
    area_aliases: Mapping[str, str] | None = None,
    confirmed_aliases: Mapping[str, str] | None = None,
    column_roles: Mapping[str, str] | None = None,
    progress: Callable[[ImportReport], None] | None = None,
    alive: Callable[[], None] | None = None,
    file_format: str = "auto",
    preview_limit: int = PREVIEW_LIMIT,
    allowed_indicators: Collection[int] | None = None,
    period: str = "",
    period_readings: Mapping[str, str] | None = None,
    stage: bool = False,
) -> ImportReport:
    """Import the figures in a file. See the module's docstring for what happens.

    ``source`` is a path or a binary file object; ``file_name`` is the name to record (by
    default the path's). ``mappings`` maps a source's own indicators (a Fingertips Indicator ID,
    an EES measure column) to ours, ``None`` meaning “leave these figures out”; with
    ``remember`` they are saved for the next file from that source. ``add_areas`` creates the
    areas the site does not hold from the file's own codes, names and types. ``area_aliases``
    maps old area codes to current ones; ``confirmed_aliases`` are those the officer confirmed
    where the file's names do not show them right (see `areas`). ``column_roles`` says what
    columns of the file are (see `mappings`), remembered as the mappings are. ``progress`` is
    called with the report so far, every `PROGRESS_EVERY` rows read; ``alive`` while an
    import that is not kept is taken back, a chunk at a time (a heartbeat, as progress is).
    ``allowed_indicators``, if given, are the indicators the user may import figures for; a
    row with figures for any other is rejected (see ``pages.permissions``).

    ``period`` is the period of every figure, for a file that does not say (an older DfE
    release); a file that gives its own periods does not use it. ``period_readings`` says how
    a source's single years (DfE's “Reporting year”) are read, for each of its indicators (an
    EES measure column; ``"*"`` for all): a `PeriodReading` value, "" to decide from our
    indicator's figures; with ``remember`` they are saved with the source's mappings.

    ``stage`` keeps the figures from the public until a publisher releases them
    (`indicators.releases`): the admin's import and `import_values` stage; without it (an
    administrator's scripted load, `--publish`) the import is released as it is applied.
    """
    if not file_name:
        file_name = _name_of(source)
    report = ImportReport(file_name=file_name, dry_run=dry_run, apply_valid_rows=apply_valid_rows)
    try:
        with open_table(source, file_name=file_name) as table:
            report.file_hash = table.sha256
            report.file_description = table.description
            file_format_found = detect_format(table.header, file_format)
            report.file_format = file_format_found.name
            report.format_label = file_format_found.label
            importer = Import(
                report=report,
                table_format=file_format_found,
                user=user,
                mappings=mappings or {},
                remember=remember,
                add_areas=add_areas,
                area_aliases=area_aliases or {},
                confirmed_aliases=confirmed_aliases or {},
                column_roles=column_roles or {},
                progress=progress,
                alive=alive,
                progress_every=PROGRESS_EVERY,
                preview_limit=preview_limit,
                allowed=None if allowed_indicators is None else frozenset(allowed_indicators),
                period=period,
                period_readings=period_readings or {},
                stage=stage,
                batch_size=BATCH_SIZE,
                filter_bits=FILTER_BITS,
            )
            sweep_abandoned()
            try:
                importer.start(table)
                with _collector_spared():
                    for row in file_format_found.read(table.rows()):
                        importer.add(row)
                importer.finish()
                if dry_run or report.rejected:
                    importer.abandon()
                else:
                    importer.commit()
            except BaseException:
                importer.abandon()
                raise
    except FileRejected as error:
        report.file_errors.append(str(error))
    except IntegrityError as error:
        report.file_errors.append(
            "The figures could not be saved because the same figures were changed by someone "
            f"else at the same time ({error}). Import the file again."
        )
    if report.rejected or dry_run:
        report.applied = False
        report.batch = None
    if report.rejected and not dry_run:
        report.batch = record_rejection(report, user)
    return report


@contextmanager
def _collector_spared() -> Iterator[None]:
    """While the rows stream through, leave the objects that were alive before (Django, the
    models, the importer's look-ups) out of the garbage collector's passes: otherwise each
    full pass walks them all again, many times over a large file. Process-wide, and undone
    at once after the rows, so it changes nothing but the time."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _name_of(source: Source) -> str:
    name = getattr(source, "name", None) if not isinstance(source, str) else source
    return str(name or "upload").replace("\\", "/").rsplit("/", 1)[-1]


# Undoing is `undo`'s; its names are importable from here too, as they were before it had a
# module of its own.
__all__ = ["UndoRefused", "UndoResult", "import_values", "undo_import"]
