"""The records an import keeps of the figures it set (`ImportChange`): their references are
kept by Django rather than by the database's own checks, and they are indexed for what reads
them, not for every column. (That deleting an indicator, area, period or breakdown deletes
its records is tested in test_bulk.)"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from indicators.importing import import_values
from indicators.models import Breakdown, ImportBatch, ImportChange, Value
from indicators.permalinks import changes_released_since
from tests.factories import PeriodFactory
from tests.indicators.importing.test_bulk import HEADER, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(site, write_csv):
    """An applied import of four figures, one of them with a breakdown."""
    PeriodFactory(code="2012/13")
    path = write_csv(
        [
            HEADER,
            row(value="11"),
            row(area="E07000117", value="12"),
            row(indicator="cpp-count", value="40"),
            row(area="E12000002", value="4", breakdown="sex: Female"),
        ]
    )
    report = import_values(source=path)
    assert report.figures_new == 4
    return report.batch


def test_deleting_a_value_clears_its_record_and_keeps_the_rest(imported):
    value = Value.objects.get(area__code="E07000117")
    change = ImportChange.objects.get(value=value)
    value.delete()
    change.refresh_from_db()
    assert change.value_id is None
    assert (change.area.code, change.indicator.slug) == ("E07000117", "re-referrals")
    assert ImportChange.objects.filter(batch=imported, value__isnull=False).count() == 3


def test_deleting_an_import_deletes_its_records(imported):
    assert ImportChange.objects.filter(batch=imported).count() == 4
    imported.delete()
    assert not ImportChange.objects.exists()


def _copy(change: ImportChange, **changes) -> ImportChange:
    fields = {
        "batch_id": change.batch_id,
        "indicator_id": change.indicator_id,
        "area_id": change.area_id,
        "period_id": change.period_id,
        "breakdown_id": change.breakdown_id,
        "action": ImportChange.Action.CREATED,
        "row_number": 99,
        **changes,
    }
    return ImportChange(**fields)


@pytest.mark.parametrize("with_breakdown", [False, True], ids=["no breakdown", "breakdown"])
def test_an_import_keeps_one_record_of_a_figure(imported, with_breakdown):
    changes = ImportChange.objects.filter(batch=imported, breakdown__isnull=not with_breakdown)
    change = changes.order_by("pk").first()
    assert change is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(change).save()
    # The same key in another import, or with another breakdown, is another figure.
    other = ImportBatch.objects.create(file_name="later.csv")
    _copy(change, batch_id=other.pk).save()
    if with_breakdown:
        _copy(change, breakdown_id=None).save()
    else:
        male = Breakdown.objects.create(dimension="sex", label="Male")
        _copy(change, breakdown_id=male.pk).save()


def _plan(queryset: QuerySet) -> str:
    """The database's plan for `queryset`, with PostgreSQL told to avoid a sequential scan
    wherever an index could serve (with a handful of rows it would rightly prefer one)."""
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(" ".join(str(cell) for cell in line) for line in cursor.fetchall())


def _scans_the_records(plan: str) -> bool:
    table = ImportChange._meta.db_table
    if connection.vendor == "postgresql":
        return f"Seq Scan on {table}" in plan
    return f"SCAN {table}" in plan and f"SCAN {table} USING" not in plan


def test_what_reads_the_records_finds_them_through_an_index(imported, site):
    records = ImportChange.objects.all()
    change = records.get(batch=imported, area__code="E07000117")
    breakdown = Breakdown.objects.get(label="Female")
    reads = {
        "an import's records (undo, release, report)": imported.changes.filter(
            action=ImportChange.Action.CREATED
        ),
        "deleting an import": records.filter(batch_id__in=[imported.pk]),
        "a figure's record in an import (a repeated row)": records.filter(
            batch_id=imported.pk,
            indicator_id=change.indicator_id,
            area_id=change.area_id,
            period_id=change.period_id,
            breakdown__isnull=True,
        ),
        "a value's record in an import (release)": records.filter(
            batch_id=imported.pk, value_id=change.value_id
        ),
        "a deleted value's records": records.filter(value_id__in=[change.value_id]),
        "an area another import uses": records.filter(area=site["preston"]).exclude(batch=imported),
        "a period another import uses": records.filter(period=change.period).exclude(
            batch=imported
        ),
        "a breakdown another import uses": records.filter(breakdown=breakdown).exclude(
            batch=imported
        ),
        "an indicator's records in the imports released since (permalinks)": (
            changes_released_since(site["percentage"], timezone.now() - timedelta(days=1))
        ),
    }
    scans = {
        what: plan for what, query in reads.items() if _scans_the_records(plan := _plan(query))
    }
    assert not scans, "\n\n".join(f"{what}:\n{plan}" for what, plan in scans.items())


def test_each_new_figure_has_a_record_of_its_own_key_and_row(site, write_csv, monkeypatch):
    """Each record of an import names its own value's key and the row that gave it, in
    batches that mix new figures with changed ones and across rows that give none (the
    records of a batch are written in bulk, beside the values, from the same lists)."""
    from indicators.importing import services

    PeriodFactory(code="2012/13")
    PeriodFactory(code="2013/14")
    assert import_values(source=write_csv([HEADER, row(value="1")])).figures_new == 1
    monkeypatch.setattr(services, "BATCH_SIZE", 3)
    rows = [
        row(value="2"),  # changed (row 2)
        [""] * len(HEADER),  # blank (row 3)
        row(area="E07000117", value="3"),  # new (row 4)
        row(area="E12000002", value="4", breakdown="sex: Female"),  # new (row 5)
        row(area="E07000117", period="2013/14", value="5"),  # new (row 6)
        [""] * len(HEADER),  # blank (row 7)
        row(indicator="cpp-count", value="6"),  # new (row 8)
        row(indicator="cpp-count", area="E07000117", value="7", breakdown="sex: Male"),  # 9
    ]
    report = import_values(source=write_csv([HEADER, *rows]))
    assert (report.figures_new, report.figures_changed) == (5, 1)
    records = ImportChange.objects.filter(batch=report.batch).select_related("value")
    made = {
        record.row_number: (
            record.action,
            record.previous,
            record.value.value,
            (record.indicator_id, record.area_id, record.period_id, record.breakdown_id),
            (
                record.value.indicator_id,
                record.value.area_id,
                record.value.period_id,
                record.value.breakdown_id,
            ),
        )
        for record in records
    }
    assert sorted(made) == [2, 4, 5, 6, 8, 9]
    assert [made[number][0] for number in (4, 5, 6, 8, 9)] == ["created"] * 5
    assert made[2][0] == "updated" and Decimal(made[2][1]["value"]) == 1
    assert all(made[number][1] is None for number in (4, 5, 6, 8, 9))
    assert [made[number][2] for number in (2, 4, 5, 6, 8, 9)] == [2, 3, 4, 5, 6, 7]
    assert all(kept == own for _, _, _, kept, own in made.values())  # each its own value's key
    assert made[5][3][3] is not None and made[9][3][3] is not None  # the breakdowns kept
    assert made[4][3][3] is None
