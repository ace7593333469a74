"""Undoing an import: every figure it set put back as it was before, in one transaction.

`undo_import` is the entry point. An import can be undone while every figure it set is still as
it left it. If a later import (or an edit in the admin) has changed one of them since, undo
refuses (`UndoRefused`) and says which; undo the later imports first, latest first, and each
earlier one becomes undoable again, since undo also restores which import last set each
figure, and when.

The areas, periods and breakdowns the import added go with it, unless something else uses
them: a figure, an area within it, another import's record of its changes, or anything that
refers to them and protects them (a topic page's area). `remove_unused` is also used for an
import that changed nothing, to leave nothing behind.

`restore` and `save_restored` put a value back as an `ImportChange` kept it; the importer uses
them too, to take back a figure it has already written (see `dedupe`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Model, ProtectedError, Q, RestrictedError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.log import record
from audit.models import AuditEvent
from core.caching import batched_changes, changed_figures
from core.formatting import day_and_time, long_date
from indicators.disclosure import apply_disclosure_control
from indicators.importing.batches import AnyUser, is_saved_user
from indicators.importing.writing import BATCH_SIZE, DATA_FIELDS
from indicators.models import Area, Breakdown, ImportBatch, ImportChange, Period, Value

#: Ids per query when undoing: within SQLite's oldest supported limit of 999 variables.
_MAX_PARAMS = 900
_DECIMAL_FIELDS = ("value", "count", "denominator", "lower_ci", "upper_ci")


class UndoRefused(Exception):
    """The import cannot be undone; the message says why and what to do instead."""


@dataclass
class UndoResult:
    batch: ImportBatch
    restored: int = 0
    deleted: int = 0
    areas_removed: list[str] = field(default_factory=list)
    periods_removed: list[str] = field(default_factory=list)
    breakdowns_removed: list[str] = field(default_factory=list)
    #: For an import that had been released: the correction release that records the undo.
    correction: ImportBatch | None = None

    def summary(self) -> list[str]:
        lines = [
            f"Undid the import of “{self.batch.file_name}”: {self.deleted:,} figures it added "
            f"were deleted and {self.restored:,} it changed were restored."
        ]
        if self.correction is not None:
            lines.append(
                "The figures had been released, so this is a correction: it is listed in public "
                "with the figures' changes, and the figures put back are marked as revised."
            )
        for removed, what in (
            (self.areas_removed, "Areas"),
            (self.periods_removed, "Periods"),
            (self.breakdowns_removed, "Breakdowns"),
        ):
            if removed:
                lines.append(f"{what} it had added were removed: {', '.join(removed)}.")
        return lines


def undo_import(batch: ImportBatch, *, user: AnyUser = None, notice: str = "") -> UndoResult:
    """Restore every figure an import set to what it was before, in one transaction: delete the
    figures it created, put back the ones it changed (and which import last set them). Refuses,
    with `UndoRefused`, unless every figure it set is still as it left it."""
    # The pages its figures are on are marked changed once, at the end, not row by row.
    with transaction.atomic(), batched_changes():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == ImportBatch.Status.UNDONE:
            raise UndoRefused(f"The import of “{batch.file_name}” has already been undone.")
        if batch.status == ImportBatch.Status.UNCHANGED:
            raise UndoRefused(
                f"The import of “{batch.file_name}” changed nothing: every figure in the file "
                f"was already on the site, so there is nothing to undo."
            )
        if batch.status != ImportBatch.Status.APPLIED:
            raise UndoRefused(
                f"The import of “{batch.file_name}” was rejected: it changed nothing, so there "
                f"is nothing to undo."
            )
        if batch.is_pending:  # staged: the public never saw it, so it simply goes
            from indicators.releases import discard_release

            staged = Value.objects.filter(import_batch=batch, is_staged=True).count()
            discard_release(batch, user=user)
            return UndoResult(batch=batch, deleted=staged)
        if batch.applied_at is None:
            raise UndoRefused(
                f"The import of “{batch.file_name}” was not recorded with the history needed "
                f"to undo it."
            )
        _check_undoable(batch)
        # Read before anything goes: removing a period the import added removes its change
        # records with it, and the withdrawal must still name every indicator it touched.
        indicator_ids = indicators_changed_by(batch)
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
        today = timezone.localdate()
        for change in updated.iterator(chunk_size=BATCH_SIZE):
            value = change.value
            assert value is not None  # _check_undoable refuses when one has been deleted
            before = (value.value, value.status, value.is_illustrative)
            restore(value, change)
            if before[:2] != (value.value, value.status) and not before[2]:
                # The public saw the import's figure: putting it back is a revision (and what
                # a withheld figure was is withheld too).
                shown: tuple[Decimal | None, str] = (
                    (None, "suppressed") if value.withheld else (before[0], before[1])
                )
                value.revised_on = today
                value.previous_value, value.previous_status = shown
            if value.import_batch_id is not None and value.import_batch_id not in existing_batches:
                value.import_batch_id = None
            to_save.append(value)
            if len(to_save) >= BATCH_SIZE:
                result.restored += save_restored(to_save)
                to_save = []
        result.restored += save_restored(to_save)
        result.periods_removed = remove_unused(batch.periods_added.all(), batch)
        result.breakdowns_removed = remove_unused(batch.breakdowns_added.all(), batch)
        result.areas_removed = remove_unused(batch.areas_added.all(), batch)
        batch.status = ImportBatch.Status.UNDONE
        batch.undone_at = timezone.now()
        batch.undone_by = user if is_saved_user(user) else None
        batch.save(update_fields=["status", "undone_at", "undone_by"])
        apply_disclosure_control(indicator_ids)
        # The figures put back were written in bulk, without signals: their pages are told.
        changed_figures(indicator_ids)
        if batch.release == ImportBatch.Release.PUBLISHED:
            result.correction = _correction(batch, result, notice, indicator_ids)
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


def _correction(
    batch: ImportBatch, result: UndoResult, notice: str, indicator_ids: set[int]
) -> ImportBatch:
    """Undoing a released import is a release of its own, a correction, listed in public with
    its notice: never a silent rewrite."""
    when = timezone.localtime(batch.published_at) if batch.published_at else None
    released = f" released on {long_date(when)}" if when else ""
    summary = {
        str(indicator_id): {"added": 0, "revised": 0, "periods": [], "corrected": True}
        for indicator_id in indicator_ids
    }
    correction = ImportBatch.objects.create(
        file_name=f"Correction: import #{batch.pk} withdrawn",
        file_format="correction",
        imported_by=batch.undone_by,
        status=ImportBatch.Status.UNCHANGED,
        release=ImportBatch.Release.PUBLISHED,
        published_at=timezone.now(),
        published_by=batch.undone_by,
        corrects=batch,
        correction_notice=notice
        or f"The figures from “{batch.file_name}”{released} were withdrawn: "
        f"{result.deleted:,} removed and {result.restored:,} put back as they were before.",
        release_summary=summary,
        notes=f"Undo of import #{batch.pk}.",
    )
    return correction


def indicators_changed_by(batch: ImportBatch) -> set[int]:
    """The indicators whose figures an import set: one row each, not one per figure."""
    changes = ImportChange.objects.filter(batch=batch).order_by()
    return set(changes.values_list("indicator_id", flat=True).distinct())


def restore(value: Value, change: ImportChange) -> None:
    """Put back the figure an import changed as it was before (not saved: see
    `save_restored`). ``change`` is the import's change of the value, an update."""
    snapshot = change.previous
    assert snapshot is not None  # an update keeps the value's state before it
    for name in DATA_FIELDS:
        stored = snapshot.get(name)
        if name in _DECIMAL_FIELDS:
            stored = Decimal(stored) if stored is not None else None
        setattr(value, name, stored)
    value.import_batch_id = snapshot.get("import_batch")
    stamp = snapshot.get("updated_at")
    value.updated_at = _parse_datetime(stamp) if stamp else timezone.now()


def save_restored(values: list[Value]) -> int:
    """Save values put back by `restore`, without save(), which would stamp updated_at with
    now; how many."""
    if values:
        Value.objects.bulk_update(
            values,
            [
                *DATA_FIELDS,
                "import_batch",
                "updated_at",
                "revised_on",
                "previous_value",
                "previous_status",
            ],
            batch_size=500,
        )
    return len(values)


def _parse_datetime(text: str) -> datetime.datetime:
    parsed = parse_datetime(text)
    return parsed if parsed is not None else timezone.now()


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
            f"“{other.file_name}” ({day_and_time(other.imported_at)})" for other in later
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


def remove_unused(added: Iterable[Area | Period | Breakdown], batch: ImportBatch) -> list[str]:
    """Delete the areas, periods or breakdowns an import added that nothing else uses now;
    how each was written (its code, or a breakdown's label). Only the import's own record of
    its changes may still refer to one (and goes with it)."""
    removed: list[str] = []
    for instance in added:
        if _in_use(instance, batch):
            continue
        try:
            with transaction.atomic():
                instance.delete()
        except (IntegrityError, ProtectedError, RestrictedError):
            continue  # something else (a topic page, a comparator group) refers to it
        removed.append(_written(instance))
    return removed


def _in_use(instance: Model, batch: ImportBatch) -> bool:
    """Whether a figure, an area within it, or another import's record uses it."""
    if isinstance(instance, Area):
        field_name = "area"
        if instance.children.exists():
            return True
    else:
        field_name = "period" if isinstance(instance, Period) else "breakdown"
    if Value.objects.filter(**{field_name: instance}).exists():
        return True
    return ImportChange.objects.filter(**{field_name: instance}).exclude(batch=batch).exists()


def _written(instance: Area | Period | Breakdown) -> str:
    if isinstance(instance, Breakdown):
        return f"{instance.dimension}: {instance.label}"
    return instance.code
