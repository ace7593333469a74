"""A release of new figures: the page's “last updated” date is the day they were staged,
not the day the public first saw them (the flipped values keep the import's updated_at)."""

import datetime

import pytest
from django.utils import timezone

from core.formatting import long_date
from indicators.models import Value
from indicators.releases import publish_release
from tests.factories import build_child_protection
from tests.pages.releases_review.helpers import stage

pytestmark = pytest.mark.django_db


def test_last_updated_is_the_release_day(db, client):
    built = build_child_protection(["about", "referrals"])
    batch = stage(b"indicator,area_code,period,value\nreferrals-rate,E10000017,2013/14,602.5\n")
    staged_on = timezone.now() - datetime.timedelta(days=20)  # staged three weeks before release
    Value.objects.filter(import_batch=batch).update(updated_at=staged_on)
    batch.applied_at = staged_on
    batch.save()
    publish_release(batch)
    html = client.get(built.page.get_absolute_url()).content.decode()
    today = long_date(timezone.localdate())
    stale = long_date(timezone.localdate(staged_on))
    assert f"last updated on {today}" in html, (
        f"page says last updated on {stale}" if stale in html else html[-3000:]
    )
