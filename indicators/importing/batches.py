"""The record of an import, its `ImportBatch`: opened as the import starts, so that every
figure it writes can point at it (`open_batch`); closed as applied when the import is kept
(`close_applied`), with the areas, periods and breakdowns it added, so that undoing it can
remove them; closed as unchanged when every figure in the file was already on the site
(`close_unchanged`); or written as rejected when it is not kept: a rejected import changes no
figures but stays in the record of imports (`record_rejection`).

An unchanged import stays in the record rather than vanishing: the officer did import the file,
and the record says when the site was last checked against it. It has nothing to undo, and is
marked so (`ImportBatch.Status.UNCHANGED`), so that the record of imports never offers an undo
that would do nothing, nor one that would seem to undo an earlier import of the same file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard

from django.utils import timezone

from indicators.importing.report import ImportReport
from indicators.models import Area, ImportBatch

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
    """The record of an import that has started (in its transaction)."""
    batch = ImportBatch(
        file_name=report.file_name[:255],
        file_hash=report.file_hash,
        file_format=report.file_format,
        imported_by=user if is_saved_user(user) else None,
    )
    batch.full_clean()
    batch.save()
    return batch


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
