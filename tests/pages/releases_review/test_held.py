"""What held up (these pass)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from indicators.importing import UndoRefused, undo_import
from indicators.models import Area, Period
from indicators.releases import discard_release, publish_due, publish_release, schedule_release
from pages.services import create_officer
from tests.factories import LANCASHIRE, TEAM, build_child_protection
from tests.pages.releases_review.helpers import stage

pytestmark = pytest.mark.django_db
STAGED = b"indicator,area_code,period,value\nreferrals-rate,E10000017,2012/13,500.0\n"


@pytest.fixture
def page(db):
    return build_child_protection(["about", "referrals"])


def test_cache_serves_the_new_figure_after_release_and_due(page, client):
    url = page.page.get_absolute_url()
    assert b"638.6" in client.get(url).content
    batch = stage(STAGED)
    assert b"500.0" not in client.get(url).content
    schedule_release(batch, timezone.now() + datetime.timedelta(minutes=1))
    publish_due(timezone.now() + datetime.timedelta(minutes=2))
    assert b"500.0" in client.get(url).content


def test_officer_preview_is_never_cached_for_the_public(page, client):
    officer = create_officer(username="o", password="a-long-test-password", team=TEAM)[0]
    batch = stage(STAGED)
    c = Client()
    c.force_login(officer)
    url = page.page.get_absolute_url()
    assert b"500.0" in c.get(f"{url}?release={batch.pk}").content
    assert b"500.0" not in client.get(f"{url}?release={batch.pk}").content
    assert b"500.0" not in client.get(url).content


def test_other_teams_officer_and_garbage(page):
    other = create_officer(username="x", password="a-long-test-password", team="Another team")[0]
    batch = stage(STAGED)
    c = Client()
    c.force_login(other)
    url = page.page.get_absolute_url()
    for q in [
        f"?release={batch.pk}",
        "?release=all",
        "?release=1%20OR%201=1",
        "?release=-1",
        "?release=" + "9" * 40,
    ]:
        assert b"500.0" not in c.get(url + q).content, q


def test_discard_removes_the_areas_and_periods_it_added(page):
    batch = stage(
        b"indicator,area_code,area_name,area_type,parent_code,period,value\n"
        b"referrals-rate,E07000999,Newtown,district,E10000017,2013/14,480.0\n",
        add_areas=True,
    )
    discard_release(batch)
    assert not Area.objects.filter(code="E07000999").exists()
    assert not Period.objects.filter(code="2013/14").exists()


def test_undo_twice_and_correction(page):
    batch = stage(STAGED)
    publish_release(batch)
    result = undo_import(batch)
    assert result.correction is not None
    with pytest.raises(UndoRefused):
        undo_import(batch)
    with pytest.raises(UndoRefused):
        undo_import(result.correction)


def test_released_twice_refused(page):
    from indicators.releases import ReleaseRefused

    batch = stage(STAGED)
    publish_release(batch)
    with pytest.raises(ReleaseRefused):
        publish_release(batch)
    with pytest.raises(ReleaseRefused):
        discard_release(batch)


def test_new_period_staged_is_not_on_public_pages(page, client):
    from indicators.models import Indicator

    indicator = Indicator.objects.get(slug="referrals-rate")
    lancs = Area.objects.get(code=LANCASHIRE)
    addresses = [
        page.page.get_absolute_url(),
        indicator.get_absolute_url(),
        lancs.get_absolute_url(),
        reverse("indicators:indicator_download", args=[indicator.slug, "csv"]),
        reverse("indicators:area_download", args=[lancs.slug, "csv"]),
    ]
    before = {a: client.get(a).content for a in addresses}
    stage(b"indicator,area_code,period,value\nreferrals-rate,E10000017,2013/14,602.5\n")
    for a in addresses:
        after = client.get(a).content
        assert after == before[a] and b"2013/14" not in after and b"602.5" not in after, a
