"""Releases: an import's figures reach the public only when a publisher releases them.

An import from the admin or `import_values` is *staged*: its new figures are written as staged
values, and a figure it changes gets a staged value beside the released one, which the public
keep seeing. Officers see staged figures in previews (`Value.objects.releasing()`); the public
never do (`PublishedValue` holds released values only).

`publish_release` makes a staged import public in one transaction of a few statements: each
released value it changes takes the staged figure (and is marked revised, with what it was,
where its value or status changed), the staged twins go, the new figures are flipped to
released, disclosure control runs on the indicators touched, and the release's summary (what
each indicator gained: figures added and revised, new periods) is kept for the public
“Changes to these figures” lists. `discard_release` removes a staged import without trace on
the public site. `publish_due` releases what was scheduled (run by `publish_scheduled`).
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from audit.log import record
from audit.models import AuditEvent
from core.caching import changed_figures
from core.formatting import day_and_time
from indicators.disclosure import apply_disclosure_control
from indicators.importing.writing import DATA_FIELDS, delete_written
from indicators.models import ImportBatch, ImportChange, Period, Value

#: Staged values moved at a time.
CHUNK = 5000
#: The default time of day of a scheduled release: 9:30, as the Code of Practice expects.
RELEASE_TIME = datetime.time(9, 30)


class ReleaseRefused(Exception):
    """Why a release (or discarding one) cannot happen, in words for the person who tried."""


def default_release_time(day: datetime.date) -> datetime.datetime:
    """9:30 on `day`, in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, RELEASE_TIME))


def _pending(batch_id: int) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
    if batch.status != ImportBatch.Status.APPLIED:
        raise ReleaseRefused(
            f"Import #{batch.pk} was {batch.get_status_display().lower()}: there is nothing to "
            "release."
        )
    if not batch.is_pending:
        raise ReleaseRefused(
            f"Import #{batch.pk} is not waiting for release: it is "
            f"{batch.get_release_display().lower()}."
        )
    return batch


@transaction.atomic
def publish_release(
    batch: ImportBatch,
    *,
    user: Any = None,
    note: str = "",
    correction_notice: str = "",
    confirmed_flags: list[str] | None = None,
) -> ImportBatch:
    """Make the staged import `batch` public now."""
    batch = _pending(batch.pk)
    now = timezone.now()
    today = timezone.localdate(now)
    indicator_ids = _promote(batch.pk, today)
    batch.release = ImportBatch.Release.PUBLISHED
    batch.published_at = now
    batch.published_by = user if getattr(user, "pk", None) else None
    batch.publish_at = None
    # The released values were stamped as _promote wrote them: undo compares with this.
    batch.applied_at = timezone.now()
    if note:
        batch.release_note = note
    if correction_notice:
        batch.correction_notice = correction_notice
    if confirmed_flags is not None:
        batch.confirmed_flags = confirmed_flags
    batch.release_summary = summarise(batch)
    batch.save()
    apply_disclosure_control(indicator_ids)
    changed_figures(indicator_ids, Value.objects.filter(import_batch_id=batch.pk))
    record(
        AuditEvent.Action.PUBLISH,
        user=user,
        target=batch,
        detail=f"Released the figures of import #{batch.pk} (“{batch.file_name}”).",
    )
    return batch


def _promote(batch_id: int, today: datetime.date) -> set[int]:
    """Move a batch's staged values into the released ones; the indicators touched."""
    quote = connection.ops.quote_name
    table = quote(Value._meta.db_table)
    data = DATA_FIELDS
    columns = ", ".join(f"s.{quote(name)}" for name in data)
    # Each staged value with its released twin, if any: those with a breakdown and those
    # without apart, so that each twin is one probe of its unique index (a join on "same
    # breakdown or both none" scanned every value of the indicator and period instead).
    pair_sql = (
        f"SELECT s.id, v.id, {columns}, v.value, v.status, v.is_illustrative, v.withheld "
        f"FROM {table} s JOIN {table} v ON v.indicator_id = s.indicator_id "
        f"AND v.area_id = s.area_id AND v.period_id = s.period_id AND {{twin}} "
        f"AND v.is_staged = %s WHERE s.import_batch_id = %s AND s.is_staged = %s AND {{own}}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            pair_sql.format(
                twin="v.breakdown_id = s.breakdown_id", own="s.breakdown_id IS NOT NULL"
            )
            + " UNION ALL "
            + pair_sql.format(twin="v.breakdown_id IS NULL", own="s.breakdown_id IS NULL"),
            [False, batch_id, True, False, batch_id, True],
        )
        pairs = cursor.fetchall()
        cursor.execute(
            f"SELECT DISTINCT indicator_id FROM {table} WHERE import_batch_id = %s "
            f"AND is_staged = %s",
            [batch_id, True],
        )
        indicator_ids = {row[0] for row in cursor.fetchall()}
    stamp = Value._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    revised_on = Value._meta.get_field("revised_on").get_db_prep_save(today, connection)
    assignments = ", ".join(f"{quote(name)} = %s" for name in data)
    update = (
        f"UPDATE {table} SET {assignments}, import_batch_id = %s, updated_at = %s, "
        f"revised_on = CASE WHEN %s THEN %s ELSE revised_on END, "
        f"previous_value = CASE WHEN %s THEN %s ELSE previous_value END, "
        f"previous_status = CASE WHEN %s THEN %s ELSE previous_status END WHERE id = %s"
    )
    change_table = quote(ImportChange._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), CHUNK):
            chunk = pairs[start : start + CHUNK]
            rows = []
            for _staged_id, public_id, *rest in chunk:
                new, (old_value, old_status, old_illustrative, old_withheld) = rest[:8], rest[8:]
                if old_withheld:  # what a withheld figure was is withheld too: “previously c”
                    old_value, old_status = None, "suppressed"
                revised = (new[0], new[1]) != (old_value, old_status) and not old_illustrative
                rows.append(
                    (
                        *new,
                        batch_id,
                        stamp,
                        revised,
                        revised_on,
                        revised,
                        old_value,
                        revised,
                        old_status,
                        public_id,
                    )
                )
            # What each released figure is now, before it changes: the record undo restores.
            # Taken now, not when the import was staged: another release or an edit may have
            # changed it since, and a figure new when staged may have been released since.
            before = _snapshots([public_id for _, public_id, *_ in chunk])
            cursor.executemany(update, rows)
            cursor.executemany(
                f"UPDATE {change_table} SET value_id = %s, action = %s, previous = %s "
                f"WHERE batch_id = %s AND value_id = %s",
                [
                    (public_id, UPDATED, json.dumps(before[public_id]), batch_id, staged_id)
                    for staged_id, public_id, *_ in chunk
                ],
            )
            ids = [staged_id for staged_id, *_ in chunk]
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({marks})", ids)
        # A staged figure whose released one has gone since is new now: undo deletes it.
        # (Only those staged as changes: the rest are recorded as new already.)
        cursor.execute(
            f"UPDATE {change_table} SET action = %s, previous = NULL WHERE batch_id = %s "
            f"AND action = %s AND value_id IN (SELECT id FROM {table} WHERE "
            f"import_batch_id = %s AND is_staged = %s)",
            [CREATED, batch_id, UPDATED, batch_id, True],
        )
        cursor.execute(
            f"UPDATE {table} SET is_staged = %s, updated_at = %s WHERE import_batch_id = %s "
            f"AND is_staged = %s",
            [False, stamp, batch_id, True],
        )
    return indicator_ids


CREATED, UPDATED = str(ImportChange.Action.CREATED), str(ImportChange.Action.UPDATED)


def _snapshots(ids: list[int]) -> dict[int, dict[str, Any]]:
    """Released values as `ImportChange.previous` keeps them (as the importer writes it)."""
    found = {}
    for row in Value.objects.filter(pk__in=ids).values(
        "pk", *DATA_FIELDS, "import_batch_id", "updated_at"
    ):
        state = {
            name: str(row[name]) if isinstance(row[name], Decimal) else row[name]
            for name in DATA_FIELDS
        }
        state["import_batch"] = row["import_batch_id"]
        state["updated_at"] = row["updated_at"].isoformat() if row["updated_at"] else None
        found[row["pk"]] = state
    return found


def summarise(batch: ImportBatch) -> dict[str, dict[str, Any]]:
    """Per indicator (by id, as text): figures added and revised, and the periods the release
    gave the indicator for the first time (labels, in order)."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"added": 0, "revised": 0})
    tallies = batch.changes.order_by().values_list("indicator_id", "action").annotate(n=Count("id"))
    for indicator_id, action, n in tallies:
        counts[indicator_id]["added" if action == ImportChange.Action.CREATED else "revised"] += n
    new_periods: dict[int, set[int]] = defaultdict(set)
    created = batch.changes.filter(action=ImportChange.Action.CREATED)
    pairs = created.order_by().values_list("indicator_id", "period_id").distinct()
    for indicator_id, period_id in pairs:
        new_periods[indicator_id].add(period_id)
    # A period is new to an indicator if no figure of it is older than this release.
    for indicator_id, periods in new_periods.items():
        held_before = set(
            Value.objects.public()
            .filter(indicator_id=indicator_id, period_id__in=periods)
            .exclude(import_batch=batch)
            .values_list("period_id", flat=True)
        )
        periods -= held_before
    labels = dict(Period.objects.values_list("pk", "label"))
    ordered = {
        pk: i
        for i, pk in enumerate(
            Period.objects.order_by("end_date", "start_date").values_list("pk", flat=True)
        )
    }
    return {
        str(indicator_id): {
            **count,
            "periods": [
                labels[pk] for pk in sorted(new_periods.get(indicator_id, ()), key=ordered.get)
            ],
        }
        for indicator_id, count in counts.items()
    }


def discard_release(batch: ImportBatch, *, user: Any = None) -> ImportBatch:
    """Throw away a staged import: its staged values go; the public never saw them. The
    import is marked discarded at once (so that nothing offers its figures again), then its
    figures are deleted a chunk at a time, so that a large one holds nobody up."""
    with transaction.atomic():
        batch = _pending(batch.pk)
        batch.release = ImportBatch.Release.DISCARDED
        batch.status = ImportBatch.Status.UNDONE
        batch.undone_at = timezone.now()
        batch.undone_by = user if getattr(user, "pk", None) else None
        batch.publish_at = None
        batch.save()
        record(
            AuditEvent.Action.IMPORT_UNDONE,
            user=user,
            target=batch,
            detail=f"Discarded the staged figures of import #{batch.pk} before release.",
        )
    delete_written(batch.pk)
    from indicators.importing.undo import remove_unused

    remove_unused(batch.areas_added.all(), batch)
    remove_unused(batch.periods_added.all(), batch)
    remove_unused(batch.breakdowns_added.all(), batch)
    return batch


@transaction.atomic
def schedule_release(
    batch: ImportBatch, when: datetime.datetime, *, user: Any = None, note: str = ""
) -> ImportBatch:
    batch = _pending(batch.pk)
    if when <= timezone.now():
        raise ReleaseRefused("Choose a time in the future, or release the figures now.")
    batch.release = ImportBatch.Release.SCHEDULED
    batch.publish_at = when
    if note:
        batch.release_note = note
    batch.save()
    record(
        AuditEvent.Action.SCHEDULE,
        user=user,
        target=batch,
        detail=f"Scheduled the release of import #{batch.pk} for {day_and_time(when)}.",
    )
    return batch


def publish_due(now: datetime.datetime | None = None) -> list[ImportBatch]:
    """Release every scheduled import whose time has come."""
    now = now or timezone.now()
    due = ImportBatch.objects.filter(
        status=ImportBatch.Status.APPLIED,
        release=ImportBatch.Release.SCHEDULED,
        publish_at__lte=now,
    ).order_by("publish_at", "pk")
    released = []
    for batch in due:
        try:
            released.append(publish_release(batch))
        except ReleaseRefused:
            continue  # released (or discarded) meanwhile, e.g. by another run: the rest go on
    return released


def pending_releases():
    return ImportBatch.objects.filter(
        status=ImportBatch.Status.APPLIED,
        release__in=[ImportBatch.Release.STAGED, ImportBatch.Release.SCHEDULED],
    )


def visible_releases(user: Any, indicator_ids: list[int], *, officer: bool) -> list[ImportBatch]:
    """The staged imports with figures for these indicators that `user` may preview: every
    one for an `officer` (as the caller judges: one who may see the page's drafts, or the
    imports themselves), otherwise those they were given pre-release access to."""
    if not getattr(user, "is_authenticated", False) or not indicator_ids:
        return []
    waiting = pending_releases().filter(
        pk__in=Value.objects.staged()
        .filter(indicator_id__in=indicator_ids)
        .values("import_batch_id")
    )
    if not officer:
        waiting = waiting.filter(pre_release_access=user)
    return list(waiting.order_by("imported_at"))


def chosen_releases(
    user: Any, waiting: list[ImportBatch], asked: str, where: str
) -> list[ImportBatch]:
    """Of the imports `waiting`, those asked for (``?release=ID`` or ``all``); each look by
    someone given pre-release access is recorded, saying `where`."""
    if not asked:
        return []
    chosen = [batch for batch in waiting if asked == "all" or str(batch.pk) == asked]
    for batch in chosen:
        if batch.pre_release_access.filter(pk=user.pk).exists():
            record(
                AuditEvent.Action.PRE_RELEASE,
                user=user,
                target=batch,
                detail=f"Viewed the staged figures on {where} before release.",
            )
    return chosen
