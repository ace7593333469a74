"""The same figure twice in a file: the first row that gives a figure counts; a later row with
exactly the same figure is a repeat, counted once; one with a different figure is rejected, and
so is the earlier row, whose figure is taken back even if it was already written.

`Repeats` keeps every figure met so far without holding them all in memory: those not yet
written are held as `Candidate`s until the importer writes them a batch at a time (`take`);
those written are in the writer's temporary table (`ValueWriter.remember`), with a fixed-size
filter in memory (`FiguresMet`) that spares asking the table about almost every figure met for
the first time. `Repeats.add` is the entry point for each figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from indicators.importing.report import CHANGED, NEW, REJECTED, REPEATED, UNCHANGED, ImportReport
from indicators.importing.writing import Data, Key, ValueWriter
from indicators.models import ImportChange, Indicator, Value

#: The smallest and largest filter of figures met, in bits: 1 MB, or 2 bits per byte of the
#: file, up to 8 MB (about 67 bits per figure of a million-row file).
FILTER_BITS = (1 << 23, 1 << 26)

_CONFLICT = (
    "The same indicator, area, period and breakdown as row {other}, with a different "
    "figure: expected each figure once in a file."
)


@dataclass(slots=True)
class Candidate:
    """A figure checked and met for the first time, to be written."""

    row: int
    key: Key
    indicator: Indicator
    data: Data  # DATA_FIELDS, in that order
    digest: int  # a hash of data, the same for an exact repeat of the figure
    source_key: str = ""  # the measure of the file that gave it (`SourceFigure.key`)


class FiguresMet:
    """Which figures (keys) the import has met: a Bloom filter, in memory, of a fixed size
    (between ``bits``, chosen from the file's size). It never says no for a figure it has met;
    it says "perhaps" for about one figure in 10,000 that it has not (fewer in small files),
    which then costs one look-up in the temporary table of figures met (`ValueWriter.recall`).
    """

    def __init__(self, file_size: int, bits: tuple[int, int] = FILTER_BITS) -> None:
        size, largest = bits
        while size < largest and size < file_size * 2:
            size *= 2
        self.mask = size - 1
        self.bits = bytearray(size // 8)

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


class Repeats:
    """Every figure one import has met, and the row that first gave it."""

    def __init__(
        self,
        writer: ValueWriter,
        report: ImportReport,
        *,
        file_size: int,
        filter_bits: tuple[int, int] = FILTER_BITS,
    ) -> None:
        self.writer = writer
        self.report = report
        self.met = FiguresMet(file_size, filter_bits)
        #: Figures met for the first time and not yet written, by key.
        self.pending: dict[Key, Candidate] = {}
        #: key → the first row that gave it, for figures given twice with different values.
        self.conflicts: dict[Key, int] = {}
        #: The file's measures, numbered for the writer's table of figures met.
        self.source_keys: list[str] = []
        self.source_numbers: dict[str, int] = {}

    def add(self, candidate: Candidate, column: str) -> bool:
        """Hold the figure to be written if it is the first row to give it (True); otherwise
        count it as a repeat, or reject it (named by ``column``) with the row it conflicts
        with."""
        if not self._first_time(candidate, column):
            return False
        self.pending[candidate.key] = candidate
        return True

    def take(self) -> list[Candidate]:
        """The figures held, to be written now; from here on they are recalled from the
        writer's table of figures met."""
        candidates = list(self.pending.values())
        self.pending = {}
        self.writer.remember(
            [
                (candidate.key, candidate.row, candidate.digest, self._number(candidate))
                for candidate in candidates
            ]
        )
        return candidates

    def _number(self, candidate: Candidate) -> int:
        number = self.source_numbers.get(candidate.source_key)
        if number is None:
            number = self.source_numbers[candidate.source_key] = len(self.source_keys)
            self.source_keys.append(candidate.source_key)
        return number

    def _first_time(self, candidate: Candidate, column: str) -> bool:
        """True for the first row that gives a figure. A later row with exactly the same
        figure is counted as a repeat; one with a different figure is rejected, and so is the
        earlier one, which is withdrawn if it was already written."""
        key, row, report = candidate.key, candidate.row, self.report
        first_row = self.conflicts.get(key)
        if first_row is not None:  # already rejected, with the row that first gave it
            report.reject(row, column, _CONFLICT.format(other=first_row))
            report.figures_rejected += 1
            report.measure(candidate.source_key).add(REJECTED)
            return False
        pending = self.pending.get(key)
        if pending is not None:
            earlier: tuple[int, int, str] | None = (pending.row, pending.digest, pending.source_key)
        elif self.met.meet(key):
            recalled = self.writer.recall(key)
            earlier = recalled and (recalled[0], recalled[1], self.source_keys[recalled[2]])
        else:
            earlier = None
        if earlier is None:
            return True
        measure = report.measure(candidate.source_key)
        earlier_row, earlier_digest, earlier_source = earlier
        if earlier_digest == candidate.digest:
            report.figures_duplicate += 1
            measure.add(REPEATED)
            return False
        report.reject(row, column, _CONFLICT.format(other=earlier_row))
        report.figures_rejected += 1
        measure.add(REJECTED)
        counted = self._withdraw(key, earlier_row)
        report.reject(earlier_row, column, _CONFLICT.format(other=row))
        report.figures_rejected += 1
        earlier_measure = report.measure(earlier_source)
        if counted:
            earlier_measure.add(counted, -1)
        earlier_measure.add(REJECTED)
        self.conflicts[key] = earlier_row
        return False

    def _withdraw(self, key: Key, row: int) -> str:
        """Take back the figure an earlier row gave, written or not; what it had been counted
        as (new, changed or unchanged), or "" if it was not yet counted."""
        if self.pending.pop(key, None) is not None:
            return ""
        report = self.report
        report.changes = [change for change in report.changes if change.row != row]
        indicator_id, area_id, period_id, breakdown_id = key
        changes = ImportChange.objects.filter(
            batch_id=self.writer.batch_id,
            indicator_id=indicator_id,
            area_id=area_id,
            period_id=period_id,
        )
        change = (
            changes.filter(breakdown_id=breakdown_id)
            if breakdown_id
            else changes.filter(breakdown__isnull=True)
        ).first()
        if change is None:
            report.figures_unchanged -= 1
            return UNCHANGED
        value_id = change.value_id
        assert value_id is not None  # written by this import, as a staged value
        if change.action == ImportChange.Action.CREATED:
            report.figures_new -= 1
            counted = NEW
        else:  # a staged twin beside the released figure
            if change.previous and change.previous.get("is_illustrative"):
                staged = Value.objects.filter(pk=value_id).values_list("is_illustrative")
                if staged.first() == (False,):  # counted as made real: no longer
                    report.figures_made_real -= 1
            report.figures_changed -= 1
            counted = CHANGED
        with transaction.atomic():  # the staged figure simply goes, with its record
            Value.objects.filter(pk=value_id, is_staged=True).delete()
            change.delete()
        return counted
