"""Importing a file of figures, and undoing an import.

`import_values` reads a file (our template, a Fingertips export or an EES data file) row by
row, validates every row, and writes the figures in batches inside one transaction:

- all or nothing: if any row is rejected, the transaction is rolled back and nothing changes,
  unless ``apply_valid_rows`` is set, when the valid rows are kept and the rest reported;
- ``dry_run`` does all the same work, then rolls back: a preview that cannot differ from
  the real thing;
- every figure is classified as new, changed (the old figure is kept for the preview and for
  undo), unchanged, a repeat of an earlier row (counted once), or rejected; rows that hold
  nothing for this site (blank rows, notes, areas or indicators we do not hold) are skipped and
  counted, never dropped silently;
- every applied import is an `ImportBatch`; every figure it set points at it, and an
  `ImportChange` keeps what each figure was before, so that `undo_import` can restore it.

Speed: figures are held as plain tuples, not model instances. Each is checked by
`Value.clean()` itself (one instance, refilled for each figure: see `_Rules`), and written in
batches with SQL of our own (`writing`: executemany on SQLite, COPY on PostgreSQL). Those
writes send no signals, so an applied import bumps the public pages' content version itself.

Memory does not grow with the size of the file: rows are read, checked and written a batch
at a time, and the figures already met (to spot the same figure twice in a file) are kept in a
temporary table, with a fixed-size filter in memory (`_FiguresMet`) that spares asking the table
about almost every figure met for the first time.

Undo: an import can be undone while every figure it set is still as it left it. If a later
import (or an edit in the admin) has changed one of them since, undo refuses and says which;
undo the later imports first, latest first, and each earlier one becomes undoable again, since
undo also restores which import last set each figure, and when.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.log import record
from audit.models import AuditEvent
from core.caching import bump_content_version
from indicators.disclosure import apply_disclosure_control
from indicators.importing.formats import Format, SourceFigure, SourceRow, detect_format
from indicators.importing.reading import FileRejected, Source, Table, open_table
from indicators.importing.report import (
    ERROR_LIMIT,
    NOTE_LIMIT,
    PREVIEW_LIMIT,
    Change,
    ImportReport,
    RowError,
    Tally,
)
from indicators.importing.validation import (
    COMPUTED_NOTE,
    CellError,
    can_compute,
    compute_figure,
    parse_bool,
    parse_number,
    parse_status,
    read_figure,
    read_period_code,
)
from indicators.importing.writing import (
    DATA_FIELDS,
    Data,
    Key,
    Stored,
    ValueWriter,
    writer_for,
)
from indicators.models import (
    GSS_CODE,
    Area,
    AreaType,
    Breakdown,
    ImportBatch,
    ImportChange,
    Indicator,
    Period,
    SourceMapping,
    Unit,
    Value,
    ValueStatus,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User: TypeAlias = AbstractBaseUser | AnonymousUser | None
else:
    User = Any

#: Figures classified and written at a time.
BATCH_SIZE = 5000
#: The smallest and largest filter of figures met, in bits: 1 MB, or 2 bits per byte of the
#: file, up to 8 MB (about 67 bits per figure of a million-row file).
FILTER_BITS = (1 << 23, 1 << 26)
#: `progress` is called after every this many rows.
PROGRESS_EVERY = 10_000
#: Areas whose names differ from ours that are named one by one in the warnings.
NAME_WARNINGS = 20

_DECIMAL_FIELDS = ("value", "count", "denominator", "lower_ci", "upper_ci")
_NUMBER_FIELDS = ("count", "denominator", "lower_ci", "upper_ci")  # read by parse_number
_NOTE_LENGTH = Value._meta.get_field("note").max_length
_NO_FIGURE_NOTE = "No figure was given in the file"
_STATUS_LABELS = dict(ValueStatus.choices)


class UndoRefused(Exception):
    """The import cannot be undone; the message says why and what to do instead."""


def import_values(
    *,
    source: Source,
    file_name: str = "",
    user: User = None,
    mappings: Mapping[str, Indicator | None] | None = None,
    remember: bool = True,
    add_areas: bool = False,
    apply_valid_rows: bool = False,
    dry_run: bool = False,
    area_aliases: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
    file_format: str = "auto",
    preview_limit: int = PREVIEW_LIMIT,
    allowed_indicators: Collection[int] | None = None,
) -> ImportReport:
    """Import the figures in a file. See the module's docstring for what happens.

    ``source`` is a path or a binary file object; ``file_name`` is the name to record (by
    default the path's). ``mappings`` maps a source's own indicators (a Fingertips Indicator ID,
    an EES measure column) to ours, ``None`` meaning “leave these figures out”; with
    ``remember`` they are saved for the next file from that source. ``add_areas`` creates the
    areas the site does not hold from the file's own codes, names and types. ``area_aliases``
    maps old area codes to current ones. ``progress`` is called with the number of rows read.
    ``allowed_indicators``, if given, are the indicators the user may import figures for; a
    row with figures for any other is rejected (see ``pages.permissions``).
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
            importer = _Importer(
                report=report,
                table_format=file_format_found,
                user=user,
                mappings=mappings or {},
                remember=remember,
                add_areas=add_areas,
                area_aliases=area_aliases or {},
                progress=progress,
                preview_limit=preview_limit,
                allowed=None if allowed_indicators is None else frozenset(allowed_indicators),
            )
            with transaction.atomic():
                importer.start(table)
                for row in file_format_found.read(table.rows()):
                    importer.add(row)
                importer.finish()
                if dry_run or report.rejected:
                    transaction.set_rollback(True)
                else:
                    importer.commit()
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
        report.batch = _record_rejection(report, user)
    return report


def _name_of(source: Source) -> str:
    name = getattr(source, "name", None) if not isinstance(source, str) else source
    return str(name or "upload").replace("\\", "/").rsplit("/", 1)[-1]


def _record_rejection(report: ImportReport, user: User) -> ImportBatch:
    """A rejected import changes no figures, but is kept in the record of imports."""
    notes = report.summary() + [str(error) for error in report.errors[:20]]
    batch = ImportBatch(
        file_name=report.file_name[:255],
        file_hash=report.file_hash,
        file_format=report.file_format,
        imported_by=user if _is_user(user) else None,
        status=ImportBatch.Status.REJECTED,
        rows_added=report.figures_new,
        rows_changed=report.figures_changed,
        rows_unchanged=report.figures_unchanged,
        rows_rejected=report.rows_rejected,
        rows_skipped=report.rows_skipped,
        notes="\n".join(notes),
    )
    batch.full_clean()
    batch.save()
    return batch


def _is_user(user: User) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and bool(user.pk)


# --- The import -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Candidate:
    row: int
    key: Key
    indicator: Indicator
    data: Data  # DATA_FIELDS, in that order
    digest: int  # a hash of data, the same for an exact repeat of the figure


class _FiguresMet:
    """Which figures (keys) the import has met: a Bloom filter, in memory, of a fixed size
    (`FILTER_BITS`, chosen from the file's size). It never says no for a figure it has met;
    it says "perhaps" for about one figure in 10,000 that it has not (fewer in small files),
    which then costs one look-up in the temporary table of figures met (`ValueWriter.recall`).
    """

    def __init__(self, file_size: int) -> None:
        bits = FILTER_BITS[0]
        while bits < FILTER_BITS[1] and bits < file_size * 2:
            bits *= 2
        self.mask = bits - 1
        self.bits = bytearray(bits // 8)

    def meet(self, key: Key) -> bool:
        """Note the figure; True if it has perhaps been met before."""
        digest, mask, bits = hash(key), self.mask, self.bits
        a, b, c = digest & mask, (digest >> 21) & mask, (digest >> 42) & mask
        perhaps = bool(
            bits[a >> 3] & (1 << (a & 7))
            and bits[b >> 3] & (1 << (b & 7))
            and bits[c >> 3] & (1 << (c & 7))
        )
        bits[a >> 3] |= 1 << (a & 7)
        bits[b >> 3] |= 1 << (b & 7)
        bits[c >> 3] |= 1 << (c & 7)
        return perhaps


class _Rules:
    """`Value.clean()` for figures held as tuples: one Value, refilled with each figure's
    indicator and data, so that a figure in a file is held to exactly the rules of the model
    (and of the admin's forms) without building a model instance for every row."""

    def __init__(self) -> None:
        self.value = Value()
        self.indicator: Indicator | None = None

    def check(self, indicator: Indicator, data: Data) -> None:
        """Raises ValidationError as `Value.clean()` does."""
        value = self.value
        if indicator is not self.indicator:
            value.indicator = self.indicator = indicator
        value.__dict__.update(zip(DATA_FIELDS, data, strict=True))
        value.clean()


@dataclass(slots=True)
class _AreaInfo:
    pk: int
    name: str
    short_name: str


@dataclass
class _Importer:
    report: ImportReport
    table_format: Format
    user: User
    mappings: Mapping[str, Indicator | None]
    remember: bool
    add_areas: bool
    area_aliases: Mapping[str, str]
    progress: Callable[[int], None] | None
    preview_limit: int
    allowed: frozenset[int] | None = None

    batch: ImportBatch = field(init=False)
    writer: ValueWriter = field(init=False)
    rules: _Rules = field(default_factory=_Rules)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    areas: dict[str, _AreaInfo] = field(init=False)
    area_names: dict[int, str] = field(init=False)
    indicators: dict[str, Indicator] = field(init=False)
    indicator_by_name: dict[str, Indicator] = field(init=False)
    resolved: dict[str, Indicator | None] = field(init=False)
    periods: dict[tuple[str, str], int | CellError] = field(default_factory=dict)
    period_labels: dict[int, str] = field(default_factory=dict)
    breakdowns: dict[tuple[str, str], int] = field(default_factory=dict)
    breakdown_labels: dict[int, str] = field(default_factory=dict)
    pending: dict[Key, _Candidate] = field(default_factory=dict)
    met: _FiguresMet = field(init=False)
    #: key → the first row that gave it, for figures given twice with different values.
    conflicts: dict[Key, int] = field(default_factory=dict)
    seen_names: dict[str, str] = field(default_factory=dict)
    name_checked: set[str] = field(default_factory=set)
    unaddable: dict[str, str] = field(default_factory=dict)
    parents_to_link: dict[str, str] = field(default_factory=dict)
    aliases_used: dict[tuple[str, str], int] = field(default_factory=dict)
    fallbacks_used: dict[tuple[str, str], int] = field(default_factory=dict)
    rejected_rows: set[int] = field(default_factory=set)
    names_differing: int = 0

    # --- Setting up -----------------------------------------------------------------------

    def start(self, table: Table) -> None:
        self.batch = ImportBatch(
            file_name=self.report.file_name[:255],
            file_hash=self.report.file_hash,
            file_format=self.table_format.name,
            imported_by=self.user if _is_user(self.user) else None,
        )
        self.batch.full_clean()
        self.batch.save()
        self.writer = writer_for(self.batch.pk)
        self.met = _FiguresMet(table.size)
        self.areas = {
            code: _AreaInfo(pk, name, short_name)
            for pk, code, name, short_name in Area.objects.values_list(
                "pk", "code", "name", "short_name"
            )
        }
        self.area_names = {info.pk: info.name for info in self.areas.values()}
        every = list(Indicator.objects.all())
        self.indicators = {indicator.slug: indicator for indicator in every}
        self.indicator_by_name = {indicator.name.casefold(): indicator for indicator in every}
        self.resolved = self._mapped_indicators(every)
        for number, text in table.above_header:
            self.report.rows_read += 1
            self._note(number, text)
        for column in self.table_format.duplicate_columns:
            self.report.warnings.append(
                f"The header has more than one “{column}” column: the first was used."
            )
        self.table_format.prepare(table, self.resolved.keys())
        self.report.warnings.extend(self.table_format.warnings)
        filters = getattr(self.table_format, "filters", [])
        if filters:
            self.report.warnings.append(
                "Read as breakdowns (filters) rather than figures: "
                + ", ".join(f"“{raw}”" for raw, _ in filters)
                + "."
            )

    def _mapped_indicators(self, every: list[Indicator]) -> dict[str, Indicator | None]:
        """Source key → indicator (or None: left out), for formats with mappings: a mapping
        given now wins over a remembered one, which wins over Indicator.fingertips_id."""
        source = self.table_format.mapping_source
        if source is None:
            if self.mappings:
                self.report.warnings.append(
                    "Mappings were given but this file names our indicators by slug, so they "
                    "were not needed."
                )
            return {}
        resolved: dict[str, Indicator | None] = {}
        if source == SourceMapping.Source.FINGERTIPS:
            for indicator in every:
                if indicator.fingertips_id is not None:
                    resolved[str(indicator.fingertips_id)] = indicator
        by_pk = {indicator.pk: indicator for indicator in every}
        for key, indicator_id in SourceMapping.objects.filter(source=source).values_list(
            "key", "indicator_id"
        ):
            resolved[key] = by_pk.get(indicator_id) if indicator_id else None
        for key, indicator in self.mappings.items():
            resolved[str(key).strip()] = indicator
        return resolved

    # --- Each row --------------------------------------------------------------------------

    def add(self, row: SourceRow) -> None:
        report = self.report
        report.rows_read += 1
        if self.progress is not None and report.rows_read % PROGRESS_EVERY == 0:
            self.progress(report.rows_read)
        if row.kind == "blank":
            report.rows_blank += 1
            return
        if row.kind == "note":
            self._note(row.number, row.text)
            return
        if row.skip:
            report.skipped_levels[row.skip] = report.skipped_levels.get(row.skip, 0) + 1
            report.rows_out_of_scope += 1
            return

        figures, figure_problems, unmapped = self._indicators_for(row)
        if unmapped:
            return  # counted as unmapped or left out: its other cells do not matter
        area_id, skipped = self._area_for(row)
        if skipped:
            return  # counted as a row for an area not on this site
        row.problems.extend(figure_problems)
        period_id = self._period_for(row)
        if row.problems or area_id is None or period_id is None:
            for column, message in row.problems:
                self._reject(row.number, column, message)
            self.report.figures_rejected += max(len(figures), 1)
            return
        for figure, indicator in figures:
            self._add_figure(row, figure, indicator, area_id, period_id)

    def _note(self, number: int, text: str) -> None:
        self.report.rows_notes += 1
        if len(self.report.notes) < NOTE_LIMIT:
            self.report.notes.append((number, text))

    def _reject(self, row: int, column: str, message: str) -> None:
        report = self.report
        if row not in self.rejected_rows:
            self.rejected_rows.add(row)
            report.rows_rejected += 1
        if len(report.errors) < ERROR_LIMIT:
            report.errors.append(RowError(row, column, message))

    def _indicators_for(
        self, row: SourceRow
    ) -> tuple[list[tuple[SourceFigure, Indicator]], list[tuple[str, str]], bool]:
        """The figures of the row that map to our indicators; problems (for the template, an
        unknown slug); and whether the row is skipped because nothing in it is mapped (or all
        of it is left out), which is counted here."""
        found: list[tuple[SourceFigure, Indicator]] = []
        problems: list[tuple[str, str]] = []
        unmapped = left_out = 0
        blank_key = False
        for figure in row.figures:
            if self.table_format.mapping_source is None:
                indicator = self.indicators.get(figure.key) or self.indicator_by_name.get(
                    figure.key.casefold()
                )
                if indicator is None:
                    if not figure.key:
                        message = (
                            "The indicator is empty: expected the slug of one of our indicators."
                        )
                    else:
                        message = (
                            f"There is no indicator “{figure.key}” on this site: expected the "
                            f"slug of one of our indicators, e.g. {self._example_slugs()}."
                        )
                    problems.append((self.table_format.column("indicator"), message))
                    continue
                if self._refused(indicator, problems, self.table_format.column("indicator")):
                    continue
                found.append((figure, indicator))
                continue
            if not figure.key:
                blank_key = True  # the format has already reported an empty Indicator ID
                continue
            self.seen_names.setdefault(figure.key, figure.name)
            if figure.key not in self.resolved:
                if figure.value or figure.count:
                    self._tally(self.report.unmapped, figure.key, figure.name)
                    unmapped += 1
                continue
            indicator = self.resolved[figure.key]
            if indicator is None:
                self._tally(self.report.left_out, figure.key, figure.name)
                left_out += 1
                continue
            if self._refused(indicator, problems, figure.key):
                continue
            found.append((figure, indicator))
        if found or problems or blank_key or self.table_format.mapping_source is None:
            return found, problems, False
        if left_out and not unmapped:
            self.report.rows_left_out += 1
        else:  # nothing in the row maps to one of our indicators
            self.report.rows_unmapped += 1
        return found, problems, True

    def _refused(self, indicator: Indicator, problems: list, column: str) -> bool:
        """Whether the user may not import figures for this indicator (noted as a problem)."""
        if self.allowed is None or indicator.pk in self.allowed:
            return False
        problems.append(
            (
                column,
                f"You may not import figures for “{indicator.name}”: it is not shown on a "
                "page you look after. Ask the officer who looks after its page, or a publisher.",
            )
        )
        return True

    def _example_slugs(self) -> str:
        slugs = sorted(self.indicators)[:3]
        return ", ".join(slugs) if slugs else "(no indicators yet: add them first)"

    @staticmethod
    def _tally(tallies: dict[str, Tally], key: str, name: str) -> None:
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = Tally(key, name)
        tally.rows += 1

    # --- Areas -------------------------------------------------------------------------------

    def _area_for(self, row: SourceRow) -> tuple[int | None, bool]:
        """(The area's pk, False), or (None, True) when the row is skipped for an area the
        site does not hold, or (None, False) with a problem added to the row."""
        code = row.area_code
        if not code and not row.alt_area_code:
            row.problems.append(
                (
                    row.area_column or "area_code",
                    "The area code is empty: expected an ONS GSS code such as E07000123.",
                )
            )
            return None, False
        for candidate in (code, row.alt_area_code):
            if not candidate:
                continue
            target = self.area_aliases.get(candidate, candidate)
            info = self.areas.get(target)
            if info is not None:
                if candidate != target:
                    pair = (candidate, target)
                    self.aliases_used[pair] = self.aliases_used.get(pair, 0) + 1
                elif candidate != code:
                    pair = (code, candidate)
                    self.fallbacks_used[pair] = self.fallbacks_used.get(pair, 0) + 1
                self._check_name(target, info, row.area_name)
                return info.pk, False
        if self.table_format.name == "template" and not _is_gss(code):
            row.problems.append(
                (
                    row.area_column,
                    f"“{code}” is not an area code: expected an ONS GSS code, a letter and "
                    f"eight digits such as E07000123.",
                )
            )
            return None, False
        if self.add_areas and code:
            area_id = self._add_area(row)
            if area_id is not None:
                return area_id, False
        self.report.rows_area_skipped += 1
        self._tally(self.report.skipped_areas, code or row.alt_area_code, row.area_name)
        return None, True

    def _check_name(self, code: str, info: _AreaInfo, name: str) -> None:
        if not name or code in self.name_checked:
            return
        self.name_checked.add(code)
        if _same_name(name, info.name) or _same_name(name, info.short_name):
            return
        self.names_differing += 1
        if self.names_differing > NAME_WARNINGS:
            return
        self.report.warnings.append(
            f"Area {code} is called “{name}” in the file and “{info.name}” on this site; it "
            f"was matched by its code."
        )

    def _add_area(self, row: SourceRow) -> int | None:
        code = row.area_code
        if code in self.unaddable:
            return None
        area = Area(code=code, name=row.area_name, area_type=row.area_type or AreaType.OTHER)
        parent = self.areas.get(row.parent_code) if row.parent_code else None
        if parent is not None and parent.pk:
            area.parent_id = parent.pk
        try:
            try:
                area.full_clean()
            except ValidationError as error:
                if not (area.parent_id and set(error.message_dict) == {"parent"}):
                    raise
                area.parent_id = None  # a parent that does not fit: leave it empty
                area.full_clean()
        except ValidationError as error:
            self.unaddable[code] = "; ".join(
                f"{field_name}: {' '.join(messages)}"
                for field_name, messages in error.message_dict.items()
            )
            return None
        area.save()
        if row.parent_code and area.parent_id is None:
            self.parents_to_link[code] = row.parent_code
        self.areas[code] = _AreaInfo(area.pk, area.name, area.short_name)
        self.area_names[area.pk] = area.name
        self.report.areas_added.append(code)
        return area.pk

    # --- Periods and breakdowns -----------------------------------------------------------

    def _period_for(self, row: SourceRow) -> int | None:
        cache_key = (row.period, row.time_identifier)
        found = self.periods.get(cache_key)
        if found is None:
            try:
                code = read_period_code(
                    row.period, source=self.table_format.name, time_identifier=row.time_identifier
                )
            except CellError as error:
                found = error
            else:
                period, created = Period.objects.get_or_create_from_code(code)
                if created:
                    self.report.periods_added.append(period.code)
                self.period_labels[period.pk] = period.label
                found = period.pk
            self.periods[cache_key] = found
        if isinstance(found, CellError):
            column = self.table_format.column("period")
            if self.table_format.name == "ees":
                column = self.table_format.column("time_period")
            row.problems.append((column, str(found)))
            return None
        return found

    def _breakdown_for(self, breakdown: tuple[str, str] | None) -> int | None:
        if breakdown is None:
            return None
        found = self.breakdowns.get(breakdown)
        if found is None:
            dimension, label = breakdown
            instance = Breakdown.objects.filter(dimension=dimension, label=label).first()
            if instance is None:
                instance = Breakdown(dimension=dimension, label=label)
                instance.full_clean(validate_unique=False)
                instance.save()
                self.report.breakdowns_added.append(f"{dimension}: {label}")
            found = self.breakdowns[breakdown] = instance.pk
            self.breakdown_labels[instance.pk] = label
        return found

    # --- Figures -----------------------------------------------------------------------------

    def _add_figure(
        self,
        row: SourceRow,
        figure: SourceFigure,
        indicator: Indicator,
        area_id: int,
        period_id: int,
    ) -> None:
        columns = self._columns_for(figure)
        problems: list[tuple[str, str]] = []
        data = self._build_value(figure, indicator, columns, problems)
        if data is not None and not problems:
            try:
                self.rules.check(indicator, data)
            except ValidationError as error:
                for field_name, messages in error.message_dict.items():
                    raw = _raw(figure, field_name)
                    for message in messages:
                        if raw and raw not in message:
                            message = f"{message} The file gives “{raw}”."
                        problems.append((columns.get(field_name, field_name), message))
        if problems or data is None:
            for column, message in problems:
                self._reject(row.number, column, message)
            self.report.figures_rejected += 1
            return
        breakdown_id = self._breakdown_for(figure.breakdown)
        key: Key = (indicator.pk, area_id, period_id, breakdown_id or 0)
        digest = hash(data) & 0x7FFFFFFF_FFFFFFFF
        if not self._first_time(key, row.number, digest, columns):
            return
        self.pending[key] = _Candidate(row.number, key, indicator, data, digest)
        if len(self.pending) >= BATCH_SIZE:
            self._flush()

    def _columns_for(self, figure: SourceFigure) -> dict[str, str]:
        """Each field's column as the file names it (the same for every row of a column)."""
        found = self.columns.get(figure.value_column)
        if found is None:
            found = self.columns[figure.value_column] = self._columns_named(figure)
        return found

    def _columns_named(self, figure: SourceFigure) -> dict[str, str]:
        column = self.table_format.column
        return {
            "value": figure.value_column,
            "status": column("status"),
            "count": column("count"),
            "denominator": column("denominator"),
            "lower_ci": column("lower_ci"),
            "upper_ci": column("upper_ci"),
            "note": column("note"),
            "is_illustrative": column("is_illustrative"),
        }

    def _build_value(
        self,
        figure: SourceFigure,
        indicator: Indicator,
        columns: dict[str, str],
        problems: list[tuple[str, str]],
    ) -> Data | None:
        """The figure's DATA_FIELDS, or None with the problems added."""
        parsed: list[Decimal | None] = []
        for name in _NUMBER_FIELDS:
            text = getattr(figure, name)
            if not text:
                parsed.append(None)
                continue
            try:
                parsed.append(parse_number(text))
            except CellError as error:
                problems.append((columns[name], str(error)))
        try:
            number, symbol_status, symbol_note = read_figure(figure.value)
        except CellError as error:
            problems.append((columns["value"], str(error)))
            number, symbol_status, symbol_note = None, "", ""
        status, status_note = "", ""
        if figure.status:
            try:
                status, status_note = parse_status(figure.status)
            except CellError as error:
                problems.append((columns["status"], str(error)))
        illustrative = False
        if figure.is_illustrative:
            try:
                illustrative = parse_bool(figure.is_illustrative)
            except CellError as error:
                problems.append((columns["is_illustrative"], str(error)))
        if problems:
            return None

        notes = [symbol_note, status_note]
        status = status or symbol_status
        count, denominator, lower, upper = parsed
        if number is None and not status:
            if self.table_format.name == "fingertips" and "suppress" in figure.note.lower():
                # Never computed from a count: the source withheld the figure on purpose.
                status = ValueStatus.SUPPRESSED
            elif (
                count is not None
                and can_compute(indicator)
                and (denominator is not None or indicator.unit == Unit.COUNT)
            ):
                computed = self._compute(indicator, count, denominator, columns, problems)
                if computed is None:
                    return None
                number = computed.value
                lower = lower if lower is not None else computed.lower_ci
                upper = upper if upper is not None else computed.upper_ci
                status = ValueStatus.AVAILABLE
                notes.append(COMPUTED_NOTE)
                self.report.figures_computed += 1
            else:
                status = ValueStatus.NOT_AVAILABLE
                if not figure.note:
                    notes.append(_NO_FIGURE_NOTE)
        elif number is not None and not status:
            status = ValueStatus.AVAILABLE
        if status == ValueStatus.AVAILABLE and number is None:
            problems.append(
                (
                    columns["value"],
                    "The status is available but there is no figure: expected a value, or "
                    "a count and denominator to compute it from, or another status.",
                )
            )
            return None
        notes.append(figure.note)
        return (
            number,
            status,
            count,
            denominator,
            lower,
            upper,
            _join_notes(notes),
            illustrative,
        )

    def _compute(
        self,
        indicator: Indicator,
        count: Decimal,
        denominator: Decimal | None,
        columns: dict[str, str],
        problems: list[tuple[str, str]],
    ):
        if count < 0:
            problems.append((columns["count"], "The count cannot be negative."))
        if denominator is not None and denominator <= 0:
            problems.append((columns["denominator"], "The denominator must be greater than zero."))
        if (
            indicator.unit == Unit.PERCENTAGE
            and denominator is not None
            and count > denominator
            and not problems
        ):
            problems.append(
                (
                    columns["count"],
                    f"For a percentage the count cannot exceed the denominator (the file "
                    f"gives {count.normalize():f} of {denominator.normalize():f}).",
                )
            )
        if problems:
            return None
        try:
            return compute_figure(indicator, count, denominator)
        except (CellError, ValueError, ArithmeticError) as error:
            problems.append((columns["value"], f"The value cannot be computed: {error}"))
            return None

    # --- The same figure twice ----------------------------------------------------------------

    def _first_time(self, key: Key, row: int, digest: int, columns: dict[str, str]) -> bool:
        """True for the first row that gives a figure. A later row with exactly the same
        figure is counted as a repeat; one with a different figure is rejected, and so is the
        earlier one, which is withdrawn if it was already written."""
        message = (
            "The same indicator, area, period and breakdown as row {other}, with a different "
            "figure: expected each figure once in a file."
        )
        first_row = self.conflicts.get(key)
        if first_row is not None:  # already rejected, with the row that first gave it
            self._reject(row, columns["value"], message.format(other=first_row))
            self.report.figures_rejected += 1
            return False
        pending = self.pending.get(key)
        if pending is not None:
            earlier: tuple[int, int] | None = (pending.row, pending.digest)
        elif self.met.meet(key):
            earlier = self.writer.recall(key)
        else:
            earlier = None
        if earlier is None:
            return True
        earlier_row, earlier_digest = earlier
        if earlier_digest == digest:
            self.report.figures_duplicate += 1
            return False
        self._reject(row, columns["value"], message.format(other=earlier_row))
        self.report.figures_rejected += 1
        self._withdraw(key, earlier_row)
        self._reject(earlier_row, columns["value"], message.format(other=row))
        self.report.figures_rejected += 1
        self.conflicts[key] = earlier_row
        return False

    def _withdraw(self, key: Key, row: int) -> None:
        """Take back the figure an earlier row gave, written or not."""
        if self.pending.pop(key, None) is not None:
            return
        self.report.changes = [change for change in self.report.changes if change.row != row]
        indicator_id, area_id, period_id, breakdown_id = key
        change = ImportChange.objects.filter(
            batch=self.batch,
            indicator_id=indicator_id,
            area_id=area_id,
            period_id=period_id,
            breakdown_id=breakdown_id or None,
        ).first()
        if change is None:
            self.report.figures_unchanged -= 1
            return
        if change.action == ImportChange.Action.CREATED:
            Value.objects.filter(pk=change.value_id).delete()
            self.report.figures_new -= 1
        else:
            value = Value.objects.get(pk=change.value_id)
            _restore(value, change.previous)
            _save_restored([value])  # not save(): that would stamp updated_at with now
            self.report.figures_changed -= 1
        change.delete()

    # --- Writing ---------------------------------------------------------------------------

    def _flush(self) -> None:
        """Classify the pending figures against the values held, and write a batch: new
        values, changed ones, and an ImportChange for each, with the previous state."""
        if not self.pending:
            return
        candidates = list(self.pending.values())
        self.pending = {}
        self.writer.remember(
            [(candidate.key, candidate.row, candidate.digest) for candidate in candidates]
        )
        existing = self.writer.existing([candidate.key for candidate in candidates])
        to_create: list[_Candidate] = []
        to_update: list[tuple[_Candidate, Stored, dict[str, Any]]] = []
        for candidate in candidates:
            old = existing.get(candidate.key)
            if old is None:
                to_create.append(candidate)
            elif old.data == candidate.data:
                self.report.figures_unchanged += 1
            else:
                previous = self.writer.snapshot(old)
                self._preview(candidate, "changed", old)
                to_update.append((candidate, old, previous))
        for candidate in to_create:
            self._preview(candidate, "new", None)
        self.writer.write(
            created=[(candidate.key, candidate.row, candidate.data) for candidate in to_create],
            changed=[
                (candidate.key, candidate.row, candidate.data, old, previous)
                for candidate, old, previous in to_update
            ],
        )
        self.report.figures_new += len(to_create)
        self.report.figures_changed += len(to_update)

    def _preview(self, candidate: _Candidate, action: str, old: Stored | None) -> None:
        if len(self.report.changes) >= self.preview_limit:
            return
        indicator = candidate.indicator
        _, area_id, period_id, breakdown_id = candidate.key
        self.report.changes.append(
            Change(
                row=candidate.row,
                action=action,  # type: ignore[arg-type]
                indicator=indicator.name,
                area=self.area_names.get(area_id, ""),
                period=self.period_labels.get(period_id, ""),
                breakdown=self.breakdown_labels.get(breakdown_id, "") if breakdown_id else "",
                old=_shown(indicator, old.data) if old is not None else "",
                new=_shown(indicator, candidate.data),
            )
        )

    # --- Finishing --------------------------------------------------------------------------

    def finish(self) -> None:
        self._flush()
        self.writer.forget()
        report = self.report
        self._link_parents()
        for (old, new), rows in self.aliases_used.items():
            report.warnings.append(
                f"{_rows(rows)} used the code {old}, read as {new} ({self.areas[new].name})."
            )
        for (code, old), rows in self.fallbacks_used.items():
            report.warnings.append(
                f"{_rows(rows)} with the code {code or '(none)'}, which is not on this site, "
                f"{'was' if rows == 1 else 'were'} matched by the old code {old} "
                f"({self.areas[old].name})."
            )
        if self.unaddable:
            shown = [f"{code} ({reason})" for code, reason in list(self.unaddable.items())[:10]]
            more = len(self.unaddable) - len(shown)
            report.warnings.append(
                f"{len(self.unaddable):,} areas could not be added and their rows were "
                f"skipped: {', '.join(shown)}" + (f" and {more:,} more." if more else ".")
            )
        if self.names_differing > NAME_WARNINGS:
            report.warnings.append(
                f"… and {self.names_differing - NAME_WARNINGS:,} more areas whose names in the "
                f"file differ from ours; all were matched by their codes."
            )
        report.errors.sort(key=lambda error: error.row)
        if report.unmapped and not (
            report.figures_new
            or report.figures_changed
            or report.figures_unchanged
            or report.figures_rejected
            or report.figures_duplicate
        ):
            listed = ", ".join(str(tally) for tally in list(report.unmapped.values())[:10])
            more = len(report.unmapped) - 10
            report.file_errors.append(
                f"None of the indicators in this file is mapped to an indicator on this site "
                f"({listed}{f' and {more:,} more' if more > 0 else ''}): choose one of ours for "
                f"each, or leave it out, and import the file again."
            )
        if self.remember:
            self._remember_mappings()
        report.previous_import = (
            ImportBatch.objects.filter(
                file_hash=report.file_hash, status=ImportBatch.Status.APPLIED
            )
            .exclude(pk=self.batch.pk)
            .order_by("-imported_at")
            .first()
        )

    def _link_parents(self) -> None:
        for code, parent_code in self.parents_to_link.items():
            parent = self.areas.get(parent_code)
            if parent is None:
                continue
            area = Area.objects.get(code=code)
            area.parent_id = parent.pk
            try:
                area.full_clean()
            except ValidationError:
                continue
            area.save(update_fields=["parent"])

    def _remember_mappings(self) -> None:
        source = self.table_format.mapping_source
        if source is None:
            return
        for raw_key, indicator in self.mappings.items():
            key = str(raw_key).strip()
            if key not in self.seen_names:
                continue
            mapping = SourceMapping.objects.filter(source=source, key=key).first()
            if mapping is None:
                mapping = SourceMapping(source=source, key=key)
            elif mapping.indicator_id == (indicator.pk if indicator else None):
                continue
            mapping.indicator = indicator
            mapping.name = self.seen_names[key][:300]
            mapping.created_by = self.user if _is_user(self.user) else None
            mapping.full_clean(validate_unique=False)
            mapping.save()
            target = indicator.slug if indicator else "left out"
            self.report.mappings_saved.append(f"{key} → {target}")

    def commit(self) -> None:
        """Keep what was written: finish the batch's record."""
        report = self.report
        batch = self.batch
        batch.status = ImportBatch.Status.APPLIED
        batch.rows_added = report.figures_new
        batch.rows_changed = report.figures_changed
        batch.rows_unchanged = report.figures_unchanged
        batch.rows_rejected = report.rows_rejected
        batch.rows_skipped = report.rows_skipped
        batch.applied_at = timezone.now()
        report.applied = True
        report.batch = batch
        batch.notes = "\n".join(report.summary())
        batch.full_clean()
        batch.save()
        if report.areas_added:
            batch.areas_added.set(
                Area.objects.filter(code__in=report.areas_added).values_list("pk", flat=True)
            )
        # Small numbers: withhold what the indicators' rules say, now that the figures changed.
        apply_disclosure_control(_indicators_changed_by(batch))
        # The figures were written without save(), so without the signal that does this.
        bump_content_version()
        # One event for the whole import, in its transaction: logged only if it is kept.
        record(
            AuditEvent.Action.IMPORT,
            user=batch.imported_by,
            target=batch,
            detail=(
                f"File “{batch.file_name}”: {batch.rows_added:,} new, "
                f"{batch.rows_changed:,} changed, {batch.rows_unchanged:,} unchanged, "
                f"{batch.rows_rejected:,} rejected."
            ),
        )


# --- Helpers ----------------------------------------------------------------------------------


#: Ids per query when undoing: within SQLite's oldest supported limit of 999 variables.
_MAX_PARAMS = 900


def _restore(value: Value, snapshot: Mapping[str, Any]) -> None:
    for name in DATA_FIELDS:
        stored = snapshot.get(name)
        if name in _DECIMAL_FIELDS:
            stored = Decimal(stored) if stored is not None else None
        setattr(value, name, stored)
    value.import_batch_id = snapshot.get("import_batch")
    stamp = snapshot.get("updated_at")
    value.updated_at = _parse_datetime(stamp) if stamp else timezone.now()


def _parse_datetime(text: str) -> datetime.datetime:
    parsed = parse_datetime(text)
    return parsed if parsed is not None else timezone.now()


def _shown(indicator: Indicator, data: Data) -> str:
    number, status = data[0], data[1]
    if number is None:
        return str(_STATUS_LABELS.get(status, status)).lower()
    figure = indicator.format_value(number)
    unit = indicator.short_unit
    return f"{figure}{unit}" if unit == "%" else f"{figure} {unit}".strip()


def _join_notes(notes: list[str]) -> str:
    if not any(notes):
        return ""
    parts: list[str] = []
    for note in notes:
        note = note.strip().rstrip(".")
        if note and note not in parts:
            parts.append(note)
    joined = "; ".join(parts)
    if joined:
        joined += "."
    if len(joined) > _NOTE_LENGTH:
        joined = joined[: _NOTE_LENGTH - 1] + "…"
    return joined


def _raw(figure: SourceFigure, field_name: str) -> str:
    return getattr(figure, field_name, "") if field_name != "status" else figure.status


def _is_gss(code: str) -> bool:
    try:
        GSS_CODE(code)
    except ValidationError:
        return False
    return True


def _same_name(a: str, b: str) -> bool:
    def simple(name: str) -> str:
        name = name.casefold().replace("&", " and ")
        return re.sub(r"[^a-z0-9]+", "", name)

    return bool(b) and simple(a) == simple(b)


def _rows(number: int) -> str:
    return f"{number:,} row{'' if number == 1 else 's'}"


# --- Undo -------------------------------------------------------------------------------------


@dataclass
class UndoResult:
    batch: ImportBatch
    restored: int = 0
    deleted: int = 0
    areas_removed: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        lines = [
            f"Undid the import of “{self.batch.file_name}”: {self.deleted:,} figures it added "
            f"were deleted and {self.restored:,} it changed were restored."
        ]
        if self.areas_removed:
            lines.append(f"Areas it had added were removed: {', '.join(self.areas_removed)}.")
        return lines


def undo_import(batch: ImportBatch, *, user: User = None) -> UndoResult:
    """Restore every figure an import set to what it was before, in one transaction: delete the
    figures it created, put back the ones it changed (and which import last set them). Refuses,
    with `UndoRefused`, unless every figure it set is still as it left it."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == ImportBatch.Status.UNDONE:
            raise UndoRefused(f"The import of “{batch.file_name}” has already been undone.")
        if batch.status != ImportBatch.Status.APPLIED:
            raise UndoRefused(
                f"The import of “{batch.file_name}” was rejected: it changed nothing, so there "
                f"is nothing to undo."
            )
        if batch.applied_at is None:
            raise UndoRefused(
                f"The import of “{batch.file_name}” was not recorded with the history needed "
                f"to undo it."
            )
        _check_undoable(batch)
        result = UndoResult(batch=batch)
        created: list[int] = []
        for change in batch.changes.filter(action=ImportChange.Action.CREATED).iterator(
            chunk_size=BATCH_SIZE
        ):
            if change.value_id is not None:
                created.append(change.value_id)
            if len(created) >= BATCH_SIZE:
                result.deleted += _delete_values(created)
                created = []
        result.deleted += _delete_values(created)
        updated = batch.changes.filter(action=ImportChange.Action.UPDATED).select_related("value")
        existing_batches = set(ImportBatch.objects.values_list("pk", flat=True))
        to_save: list[Value] = []
        for change in updated.iterator(chunk_size=BATCH_SIZE):
            value = change.value
            _restore(value, change.previous)
            if value.import_batch_id not in existing_batches:
                value.import_batch_id = None
            to_save.append(value)
            if len(to_save) >= BATCH_SIZE:
                result.restored += _save_restored(to_save)
                to_save = []
        result.restored += _save_restored(to_save)
        result.areas_removed = _remove_added_areas(batch)
        batch.status = ImportBatch.Status.UNDONE
        batch.undone_at = timezone.now()
        batch.undone_by = user if _is_user(user) else None
        batch.save(update_fields=["status", "undone_at", "undone_by"])
        apply_disclosure_control(_indicators_changed_by(batch))
        record(
            AuditEvent.Action.IMPORT_UNDONE,
            user=batch.undone_by,
            target=batch,
            detail=(
                f"File “{batch.file_name}”: {result.deleted:,} figures it added deleted, "
                f"{result.restored:,} it changed restored."
            ),
        )
    return result


def _indicators_changed_by(batch: ImportBatch) -> set[int]:
    """The indicators whose figures an import set: one row each, not one per figure."""
    changes = ImportChange.objects.filter(batch=batch).order_by()
    return set(changes.values_list("indicator_id", flat=True).distinct())


def _check_undoable(batch: ImportBatch) -> None:
    """Every figure the batch set must still be as it left it: set by it, not saved since it
    finished, and (if it changed an older figure) not deleted."""
    changed_since = Value.objects.filter(import_changes__batch=batch).filter(
        ~Q(import_batch=batch) | Q(updated_at__gt=batch.applied_at)
    )
    count = changed_since.count()
    deleted = batch.changes.filter(action=ImportChange.Action.UPDATED, value__isnull=True).count()
    if not count and not deleted:
        return
    later = list(
        ImportBatch.objects.filter(
            pk__in=changed_since.exclude(import_batch=None).values("import_batch")
        )
        .exclude(pk=batch.pk)
        .order_by("-imported_at")[:5]
    )
    examples = [str(value) for value in changed_since.with_related()[:3]]
    parts = [
        f"The import of “{batch.file_name}” cannot be undone: "
        f"{count + deleted:,} of the figures it set have been changed since."
    ]
    if later:
        names = ", ".join(
            f"“{other.file_name}” ({timezone.localtime(other.imported_at):%d/%m/%Y %H:%M})"
            for other in later
        )
        parts.append(f"Later imports changed them: {names}. Undo those first, latest first.")
    else:
        parts.append("They were edited or deleted by hand after the import.")
    if examples:
        parts.append(f"For example: {'; '.join(examples)}.")
    raise UndoRefused(" ".join(parts))


def _delete_values(ids: list[int]) -> int:
    deleted = 0
    for start in range(0, len(ids), _MAX_PARAMS):
        count, _ = Value.objects.filter(pk__in=ids[start : start + _MAX_PARAMS]).delete()
        deleted += count
    return deleted


def _save_restored(values: list[Value]) -> int:
    if values:
        Value.objects.bulk_update(
            values, [*DATA_FIELDS, "import_batch", "updated_at"], batch_size=500
        )
    return len(values)


def _remove_added_areas(batch: ImportBatch) -> list[str]:
    """Areas the import added go with it, unless something else now uses them."""
    removed: list[str] = []
    for area in batch.areas_added.all():
        if area.values.exists() or area.children.exists():
            continue
        try:
            with transaction.atomic():
                area.delete()
        except (IntegrityError, ProtectedError, RestrictedError):
            continue  # something else (a topic page, a comparator group) refers to it
        removed.append(area.code)
    return removed


__all__ = ["UndoRefused", "UndoResult", "import_values", "undo_import"]
