"""The record of an import, its `ImportBatch`: opened as the import starts, so that every
figure it writes can point at it (`open_batch`), and running while the figures are written in
short transactions of their own, staged, so that nobody sees them yet (`beat` notes each);
closed as applied when the import is kept
(`close_applied`), with the areas, periods and breakdowns it added, so that undoing it can
remove them; closed as unchanged when every figure in the file was already on the site
(`close_unchanged`); or written as rejected when it is not kept: a rejected import changes no
figures but stays in the record of imports (`record_rejection`).

An unchanged import stays in the record rather than vanishing: the officer did import the file,
and the record says when the site was last checked against it. It has nothing to undo, and is
marked so (`ImportBatch.Status.UNCHANGED`), so that the record of imports never offers an undo
that would do nothing, nor one that would seem to undo an earlier import of the same file.

An import that is not kept (a preview, a rejected file, an error) takes back what it wrote, a
chunk at a time, with the areas, periods and breakdowns it added that nothing else uses
(`discard_unfinished`). One whose process ended without a word (killed, the machine stopped)
stays running with no heartbeat: `sweep_abandoned` takes it back the same way, and keeps it in
the record as rejected, saying why; the officer's run of it is marked failed
(`indicators.tasks.sweep_stopped`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard

from django.db import transaction
from django.utils import timezone

from indicators.importing.report import ImportReport
from indicators.importing.writing import delete_written
from indicators.models import Area, Breakdown, ImportBatch, Period

#: A running import writes a batch of figures every few seconds; one that has not written for
#: this long has stopped.
ABANDONED_AFTER = datetime.timedelta(minutes=15)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.contrib.auth.models import User as SavedUser

    #: Whoever runs an import or an undo: a request's user (perhaps not logged in), or nobody
    #: (the management command without --user).
    AnyUser: TypeAlias = AbstractBaseUser | AnonymousUser | None
else:
    AnyUser = Any


def is_saved_user(user: AnyUser) -> TypeGuard[SavedUser]:
    """Whether the user is one the records can point at: logged in and saved."""
    return user is not None and getattr(user, "is_authenticated", False) and bool(user.pk)


def open_batch(report: ImportReport, user: AnyUser) -> ImportBatch:
    """The record of an import that has started: running, its figures staged."""
    batch = ImportBatch(
        file_name=report.file_name[:255],
        file_hash=report.file_hash,
        file_format=report.file_format,
        imported_by=user if is_saved_user(user) else None,
        status=ImportBatch.Status.RUNNING,
        release=ImportBatch.Release.STAGED,
        heartbeat_at=timezone.now(),
    )
    batch.full_clean()
    batch.save()
    return batch


def beat(
    batch: ImportBatch,
    *,
    periods: Iterable[int] = (),
    breakdowns: Iterable[int] = (),
    area_codes: Iterable[str] = (),
) -> None:
    """Note that a running import is alive, with what it has added so far, so that the
    import can be taken back if its process ends (`sweep_abandoned`)."""
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now())
    if periods:
        batch.periods_added.add(*periods)
    if breakdowns:
        batch.breakdowns_added.add(*breakdowns)
    area_codes = list(area_codes)
    if area_codes:
        added = Area.objects.filter(code__in=area_codes).values_list("pk", flat=True)
        batch.areas_added.add(*added)


def discard_unfinished(
    batch: ImportBatch,
    *,
    periods: Iterable[int] = (),
    breakdowns: Iterable[int] = (),
    area_codes: Iterable[str] = (),
    keep_record: str = "",
    alive: Callable[[], None] | None = None,
) -> None:
    """Take back what an import that is not kept wrote: its staged figures and its record of
    them (a chunk at a time, so that nobody waits long for the database), then the areas,
    periods and breakdowns it added that nothing else uses. Its own record goes too, unless
    `keep_record` says why it is kept (as rejected)."""
    from indicators.importing.undo import remove_unused

    delete_written(batch.pk, alive=alive)
    periods = {*periods, *batch.periods_added.values_list("pk", flat=True)}
    breakdowns = {*breakdowns, *batch.breakdowns_added.values_list("pk", flat=True)}
    codes = [*area_codes, *batch.areas_added.values_list("code", flat=True)]
    remove_unused(Period.objects.filter(pk__in=periods), batch)
    remove_unused(Breakdown.objects.filter(pk__in=breakdowns), batch)
    # An area added within another added area goes first.
    areas = {area.code: area for area in Area.objects.filter(code__in=codes)}
    for _ in range(4):  # a county, its districts: a few levels at most
        if not areas or not remove_unused(sorted(areas.values(), key=_depth, reverse=True), batch):
            break
        areas = {area.code: area for area in Area.objects.filter(code__in=areas)}
    if keep_record:
        batch.status = ImportBatch.Status.REJECTED
        batch.notes = keep_record
        batch.heartbeat_at = None
        batch.save(update_fields=["status", "notes", "heartbeat_at"])
    else:
        with transaction.atomic():
            batch.areas_added.clear()
            batch.periods_added.clear()
            batch.breakdowns_added.clear()
            batch.delete()


def _depth(area: Any) -> int:
    depth, parent = 0, area.parent_id
    seen = {area.pk}
    while parent is not None and parent not in seen:
        seen.add(parent)
        depth += 1
        parent = Area.objects.filter(pk=parent).values_list("parent_id", flat=True).first()
    return depth


def sweep_abandoned(now: datetime.datetime | None = None) -> list[ImportBatch]:
    """Take back the imports that stopped while running (no heartbeat for `ABANDONED_AFTER`):
    nothing they wrote was ever seen; each stays in the record as rejected, saying so. The
    officers' runs of them that the task worker stopped running are marked failed first
    (`indicators.tasks.sweep_stopped`)."""
    from indicators.tasks import sweep_stopped

    sweep_stopped(now)
    cutoff = (now or timezone.now()) - ABANDONED_AFTER
    swept = []
    for batch in ImportBatch.objects.filter(
        status=ImportBatch.Status.RUNNING, heartbeat_at__lt=cutoff
    ):
        discard_unfinished(
            batch,
            keep_record="The import stopped before it finished (its process ended): nothing "
            "it wrote was kept. Import the file again.",
        )
        swept.append(batch)
    return swept


def close_applied(
    batch: ImportBatch,
    report: ImportReport,
    *,
    periods: Iterable[int] = (),
    breakdowns: Iterable[int] = (),
) -> None:
    """Finish the record of an import that is kept: its counts, its summary, the areas,
    periods and breakdowns it added. The report then points at it."""
    batch.status = ImportBatch.Status.APPLIED
    _count(batch, report)
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
    batch.periods_added.set(list(periods))
    batch.breakdowns_added.set(list(breakdowns))


def close_unchanged(batch: ImportBatch, report: ImportReport) -> None:
    """Finish the record of an import that changed nothing: kept in the record, with its
    counts and summary, and nothing to undo. The report then points at it."""
    batch.status = ImportBatch.Status.UNCHANGED
    _count(batch, report)
    report.applied = False
    report.batch = batch
    batch.notes = "\n".join(report.summary())
    batch.full_clean()
    batch.save()


def record_rejection(report: ImportReport, user: AnyUser) -> ImportBatch:
    """A rejected import changes no figures, but is kept in the record of imports."""
    notes = report.summary() + [str(error) for error in report.errors[:20]]
    batch = ImportBatch(
        file_name=report.file_name[:255],
        file_hash=report.file_hash,
        file_format=report.file_format,
        imported_by=user if is_saved_user(user) else None,
        status=ImportBatch.Status.REJECTED,
        notes="\n".join(notes),
    )
    _count(batch, report)
    batch.full_clean()
    batch.save()
    return batch


def previous_import(report: ImportReport, batch: ImportBatch) -> ImportBatch | None:
    """An earlier import of the very same file that was kept (applied, or unchanged), if
    any."""
    return (
        ImportBatch.objects.filter(
            file_hash=report.file_hash,
            status__in=[ImportBatch.Status.APPLIED, ImportBatch.Status.UNCHANGED],
        )
        .exclude(pk=batch.pk)
        .order_by("-imported_at")
        .first()
    )


def _count(batch: ImportBatch, report: ImportReport) -> None:
    batch.rows_added = report.figures_new
    batch.rows_changed = report.figures_changed
    batch.rows_unchanged = report.figures_unchanged
    batch.rows_rejected = report.rows_rejected
    batch.rows_skipped = report.rows_skipped
