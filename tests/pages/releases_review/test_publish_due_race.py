"""Two runs of publish_scheduled at once (cron overlapping a slow run, two app servers):
both list the same due imports; the second to reach one gets ReleaseRefused, which escapes
publish_due, so that run crashes; the imports after it in its list, and the pages
publish_due would have published next (pages.workflow.publish_due), are left for later."""

import datetime

import pytest
from django.utils import timezone

import indicators.releases as releases
from indicators.models import ImportBatch
from indicators.releases import schedule_release
from tests.factories import build_child_protection
from tests.pages.releases_review.helpers import stage

pytestmark = pytest.mark.django_db


def test_overlapping_runs(db, monkeypatch):
    build_child_protection(["about", "referrals"])
    a = stage(
        b"indicator,area_code,period,value\nreferrals-rate,E10000017,2012/13,500.0\n", name="a.csv"
    )
    b = stage(
        b"indicator,area_code,period,value\nreferrals-rate,E92000001,2012/13,521.0\n", name="b.csv"
    )
    soon = timezone.now() + datetime.timedelta(minutes=1)
    schedule_release(a, soon)
    schedule_release(b, soon + datetime.timedelta(seconds=1))
    original = releases.publish_release
    calls = []

    def other_run_got_there_first(batch, **kw):
        if not calls:
            original(ImportBatch.objects.get(pk=batch.pk))  # the other process releases a
        calls.append(batch.pk)
        return original(batch, **kw)

    monkeypatch.setattr(releases, "publish_release", other_run_got_there_first)
    later = soon + datetime.timedelta(minutes=5)
    try:
        releases.publish_due(later)
    except releases.ReleaseRefused as error:
        pytest.fail(
            f"publish_due crashed: {error}; import b left unreleased: "
            f"{ImportBatch.objects.get(pk=b.pk).release}"
        )
