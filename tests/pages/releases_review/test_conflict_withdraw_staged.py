"""A staged import kept with apply_valid_rows, where a figure it changes is given twice with
different numbers in rows that fall in different write batches: the earlier row's staged twin
is "restored" instead of deleted, and is left behind as a staged value that belongs to no
pending import (its import_batch is that of the released figure, here none). From then on
every staged import of that figure is refused as "already staged by import #None"."""

import io

import pytest

from indicators.importing import import_values, services
from indicators.models import Value
from tests.factories import build_child_protection

pytestmark = pytest.mark.django_db


def test_withdrawn_staged_twin_is_left_behind(db, monkeypatch):
    build_child_protection(["about", "referrals"])
    monkeypatch.setattr(services, "BATCH_SIZE", 1)
    import_values(
        source=io.BytesIO(
            b"indicator,area_code,period,value\n"
            b"referrals-rate,E10000017,2012/13,500.0\n"
            b"referrals-rate,E92000001,2012/13,521.0\n"
            b"referrals-rate,E10000017,2012/13,510.0\n"
        ),
        file_name="conflict.csv",
        stage=True,
        apply_valid_rows=True,
    )
    leftovers = list(
        Value.objects.staged()
        .filter(import_batch__isnull=True)
        .values("area__code", "value", "import_batch_id")
    )
    import_values(
        source=io.BytesIO(
            b"indicator,area_code,period,value\nreferrals-rate,E10000017,2012/13,490.0\n"
        ),
        file_name="later.csv",
        stage=True,
    )
    assert not leftovers, f"orphan staged twin left behind: {leftovers}"
