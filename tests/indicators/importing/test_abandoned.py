"""An import whose process ended while it ran (killed, the machine stopped) leaves staged
figures nobody sees under a running record with no heartbeat: the next import (or
`sweep_abandoned`) takes them back, with the periods it had added, and keeps the record as
rejected, saying why. A running import that is alive is left alone."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from indicators.importing.batches import ABANDONED_AFTER, sweep_abandoned
from indicators.models import ImportBatch, ImportChange, Period, Value
from tests.factories import AreaFactory, IndicatorFactory, PeriodFactory

pytestmark = pytest.mark.django_db


def running(minutes_ago: float) -> ImportBatch:
    batch = ImportBatch.objects.create(
        file_name="killed.csv",
        status=ImportBatch.Status.RUNNING,
        release=ImportBatch.Release.STAGED,
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
    )
    period = PeriodFactory(code=f"20{10 + int(minutes_ago) % 80}/{11 + int(minutes_ago) % 80}")
    batch.periods_added.add(period)
    value = Value.objects.create(
        indicator=IndicatorFactory(),
        area=AreaFactory(),
        period=period,
        value=5,
        is_staged=True,
        import_batch=batch,
    )
    ImportChange.objects.create(
        batch=batch,
        value=value,
        indicator=value.indicator,
        area=value.area,
        period=period,
        action=ImportChange.Action.CREATED,
        row_number=2,
    )
    return batch


def test_an_abandoned_import_is_taken_back_and_a_live_one_left():
    dead = running(ABANDONED_AFTER.total_seconds() / 60 + 5)
    alive = running(1)

    swept = sweep_abandoned()

    assert [batch.pk for batch in swept] == [dead.pk]
    dead.refresh_from_db()
    assert dead.status == ImportBatch.Status.REJECTED
    assert "stopped before it finished" in dead.notes
    assert not Value.objects.filter(import_batch=dead).exists()
    assert not ImportChange.objects.filter(batch=dead).exists()
    assert not Period.objects.filter(added_by_imports=dead).exists()  # its period went too
    assert Value.objects.filter(import_batch=alive, is_staged=True).count() == 1
    assert ImportBatch.objects.get(pk=alive.pk).status == ImportBatch.Status.RUNNING


def test_the_scheduled_task_sweeps_abandoned_imports_with_no_import_started():
    """The worker's minute-by-minute task takes them back too, so staged rows of a killed
    import do not wait for the next import to be cleaned up."""
    from pages.tasks import publish_scheduled

    dead = running(ABANDONED_AFTER.total_seconds() / 60 + 5)

    result = publish_scheduled.call()

    assert result["swept"] == 1
    assert ImportBatch.objects.get(pk=dead.pk).status == ImportBatch.Status.REJECTED
    assert not Value.objects.filter(import_batch=dead).exists()


def test_taking_back_a_large_import_keeps_saying_it_is_alive(monkeypatch):
    """Taking back millions of staged rows is work, not a stopped worker: the import's
    heartbeat is called after each chunk, so that neither its run nor its batch is taken for
    one that stopped (the pipeline passes the batch's and the run's heartbeat)."""
    from indicators.importing import writing
    from indicators.importing.batches import discard_unfinished

    batch = running(1)
    batch_id = batch.pk
    indicator, area = IndicatorFactory(), AreaFactory()
    for year in range(2001, 2006):
        Value.objects.create(
            indicator=indicator,
            area=area,
            period=PeriodFactory(code=f"{year}/{(year + 1) % 100:02d}"),
            value=1,
            is_staged=True,
            import_batch=batch,
        )
    monkeypatch.setattr(writing, "DELETE_CHUNK", 2)
    beats = []

    discard_unfinished(batch, alive=lambda: beats.append(1))

    assert not Value.objects.filter(import_batch_id=batch_id).exists()
    assert len(beats) >= 4  # 6 figures and 1 change, two at a time
