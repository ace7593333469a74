"""Figures reach the public only through a release.

On the Child protection page (built as in the demo), an import from the admin or
`import_values` stages Lancashire-12's 2012/13 referrals rate as 500.0 (published: 638.6),
which turns “higher than England (520.7)” into “lower”: the page, its charts, tables, downloads
and the indicator and area pages keep the released figure for the public, while officers
preview the staged one. A publisher releases it now, on schedule or with a page's draft, after
confirming the change of meaning the release report flags; the released figure is then marked
revised, and the release listed under “Changes to these figures”. Undoing a released import is
a correction release."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from indicators.importing import import_values, undo_import
from indicators.models import ImportBatch, Indicator, Value
from indicators.releases import (
    ReleaseRefused,
    discard_release,
    publish_due,
    publish_release,
    schedule_release,
)
from pages.models import Topic
from pages.release_report import release_report
from pages.services import create_officer
from pages.workflow import publish, start_draft
from tests.factories import LANCASHIRE, TEAM, build_child_protection

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
STAGED = b"indicator,area_code,period,value\nreferrals-rate,E10000017,2012/13,500.0\n"
NEW_YEAR = b"indicator,area_code,period,value\nreferrals-rate,E10000017,2013/14,602.5\n"


@pytest.fixture
def page(db):
    return build_child_protection(["about", "referrals"])


@pytest.fixture
def officer(page):
    return create_officer(username="officer", password=PASSWORD, team=TEAM)[0]


@pytest.fixture
def publisher(page):
    return create_officer(username="publisher", password=PASSWORD, role="Publisher")[0]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stage(data: bytes = STAGED, name: str = "referrals.csv", user=None) -> ImportBatch:
    report = import_values(source=io.BytesIO(data), file_name=name, user=user, stage=True)
    assert report.status == "applied", report.summary()
    batch = report.batch
    assert batch is not None and batch.is_pending
    return batch


def url(page) -> str:
    return page.page.get_absolute_url()


def lancashire_rate() -> Decimal:
    return (
        Value.objects.public()
        .get(indicator__slug="referrals-rate", area__code=LANCASHIRE, period__code="2012/13")
        .value
    )


# --- staged: invisible to the public, visible in officers' previews ----------------------------


def test_a_staged_import_is_invisible_to_the_public_everywhere(page, client, officer):
    indicator = Indicator.objects.get(slug="referrals-rate")
    lancashire = page.areas[LANCASHIRE]
    addresses = [
        url(page),
        indicator.get_absolute_url(),
        lancashire.get_absolute_url(),
        reverse("indicators:indicator_download", args=[indicator.slug, "csv"]),
        reverse("indicators:area_download", args=[lancashire.slug, "csv"]),
        reverse("indicators:values_download", args=["csv"])
        + f"?indicator={indicator.slug}&area={LANCASHIRE}",
        reverse("pages:search") + "?q=referrals",
    ]
    before = {address: client.get(address).content for address in addresses}
    assert b"638.6" in before[url(page)]

    batch = stage()

    for address in addresses:
        assert client.get(address).content == before[address], address
        assert (
            b"500.0"
            not in client.get(address + ("&" if "?" in address else "?") + "release=all").content
        )
    # Nor by asking for the preview without being an officer of the page.
    assert b"500.0" not in client.get(f"{url(page)}?release={batch.pk}").content
    assert lancashire_rate() == Decimal("638.6")

    # The officer who looks after the page is told, and previews it.
    officer_view = logged_in(officer).get(url(page)).content.decode()
    assert "Staged figures waiting for release would change this page" in officer_view
    assert f"?release={batch.pk}" in officer_view
    assert "500.0" not in officer_view
    preview = logged_in(officer).get(f"{url(page)}?release={batch.pk}")
    html = preview.content.decode()
    assert "Staged figures: not released." in html
    assert "500.0" in html and "638.6" not in html.split("Referrals to children", 1)[1]
    assert "no-store" in preview["Cache-Control"]


def test_the_command_stages_unless_told_to_publish(page, tmp_path):
    path = tmp_path / "referrals.csv"
    path.write_bytes(STAGED)
    out = StringIO()

    call_command("import_values", str(path), stdout=out)

    batch = ImportBatch.objects.latest("imported_at")
    assert batch.is_pending
    assert f"Staged as import #{batch.pk}" in out.getvalue()
    assert lancashire_rate() == Decimal("638.6")

    out = StringIO()
    call_command("publish_import", str(batch.pk), "--note", "Late returns.", stdout=out)
    assert "1 revised" in out.getvalue()
    assert lancashire_rate() == Decimal("500.0")

    path.write_bytes(NEW_YEAR)
    call_command("import_values", str(path), "--publish", stdout=StringIO())
    assert Value.objects.public().filter(period__code="2013/14").count() == 1
    assert ImportBatch.objects.latest("imported_at").release == "published"


def test_a_figure_already_staged_by_another_import_is_refused_same_or_not(page):
    first = stage()

    same = import_values(source=io.BytesIO(STAGED), file_name="again.csv", stage=True)
    different = import_values(
        source=io.BytesIO(STAGED.replace(b"500.0", b"501.0")), file_name="other.csv", stage=True
    )

    # Counted as unchanged, the second file's figure would be lost if the first were discarded.
    assert same.rejected and different.rejected
    assert f"Import #{first.pk} has already staged the same figure" in same.errors[0].message
    assert f"Import #{first.pk} has already staged a different figure" in (
        different.errors[0].message
    )
    assert Value.objects.staged().count() == 1


# --- releasing ------------------------------------------------------------------------------


def test_release_now_makes_the_figure_public_marked_revised_and_listed(page, client, publisher):
    batch = stage()

    publish_release(batch, user=publisher, note="Revised after late returns.")

    assert lancashire_rate() == Decimal("500.0")
    assert not Value.objects.staged().exists()
    value = Value.objects.get(
        indicator__slug="referrals-rate", area__code=LANCASHIRE, period__code="2012/13"
    )
    assert (value.revised_on, value.previous_value) == (timezone.localdate(), Decimal("638.6"))
    assert value.import_batch == batch
    html = client.get(url(page)).content.decode()
    assert "500.0" in html
    assert "Revised on" in html and "previously 638.6 per 10,000" in html
    changes = html.split("Changes to these figures", 1)[1]
    assert "Rate of referrals" in changes or "referrals" in changes.lower()
    assert "1 figure revised" in changes and "Revised after late returns." in changes
    download = client.get(
        reverse("indicators:indicator_download", args=["referrals-rate", "csv"])
    ).content.decode()
    row = next(line for line in download.splitlines() if LANCASHIRE in line and "2012/13" in line)
    assert row.endswith(f"{timezone.localdate().isoformat()},638.6")
    with pytest.raises(ReleaseRefused, match="not waiting for release"):
        publish_release(batch)


def test_a_new_period_is_listed_as_added(page, client):
    publish_release(stage(NEW_YEAR))

    changes = client.get(url(page)).content.decode().split("Changes to these figures", 1)[1]
    assert "figures for 2013/14 added" in changes


def test_a_scheduled_release_goes_out_when_its_time_comes(page, client, publisher):
    batch = stage()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    when = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(9, 30)))

    schedule_release(batch, when, user=publisher)

    assert publish_due() == []  # not yet
    assert lancashire_rate() == Decimal("638.6")
    assert publish_due(now=when + datetime.timedelta(minutes=1)) == [batch]
    assert lancashire_rate() == Decimal("500.0")
    with pytest.raises(ReleaseRefused):
        schedule_release(stage(NEW_YEAR), timezone.now() - datetime.timedelta(hours=1))


def test_publish_scheduled_releases_imports_due(page):
    batch = stage()
    schedule_release(batch, timezone.now() + datetime.timedelta(hours=1))
    ImportBatch.objects.filter(pk=batch.pk).update(
        publish_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    out = StringIO()

    call_command("publish_scheduled", stdout=out)

    assert f"Released import #{batch.pk}" in out.getvalue()
    assert lancashire_rate() == Decimal("500.0")


def test_figures_released_with_a_page_draft_go_out_when_it_is_published(page, officer, publisher):
    batch = stage()
    draft = start_draft(page.page, officer)
    draft.release_with.add(batch)

    assert lancashire_rate() == Decimal("638.6")
    publish(Topic.objects.get(pk=draft.pk), publisher)

    assert lancashire_rate() == Decimal("500.0")
    batch.refresh_from_db()
    assert batch.release == "published" and batch.published_by == publisher


def test_discarding_a_staged_import_leaves_the_public_figures(page, client):
    before = client.get(url(page)).content
    batch = stage()

    discard_release(batch)

    assert not Value.objects.staged().exists()
    assert client.get(url(page)).content == before
    batch.refresh_from_db()
    assert (batch.release, batch.status) == ("discarded", "undone")


def test_discarding_on_the_release_page_asks_first_saying_what_goes(page, publisher):
    batch = stage()
    here = reverse("admin:pages_topic_release", args=[batch.pk])
    browser = logged_in(publisher)

    asked = browser.post(here, {"action": "discard"})

    assert asked.status_code == 200  # the question, not the deed
    html = asked.content.decode()
    assert f"staged figure of import #{batch.pk}" in html and "will be deleted" in html
    assert 'name="confirm" value="yes"' in html and "No, keep them" in html
    batch.refresh_from_db()
    assert batch.is_pending and Value.objects.filter(import_batch=batch).exists()

    done = browser.post(here, {"action": "discard", "confirm": "yes"})

    assert done.status_code == 302
    batch.refresh_from_db()
    assert batch.release == ImportBatch.Release.DISCARDED
    assert not Value.objects.filter(import_batch=batch).exists()


def test_undoing_a_released_import_is_a_correction_release(page, client, publisher):
    batch = publish_release(stage(), user=publisher)

    result = undo_import(batch, user=publisher, notice="The 2012/13 figure was a typing error.")

    assert lancashire_rate() == Decimal("638.6")
    value = Value.objects.get(
        indicator__slug="referrals-rate", area__code=LANCASHIRE, period__code="2012/13"
    )
    assert value.previous_value == Decimal("500.0")  # the public saw 500.0: a revision
    correction = result.correction
    assert correction is not None and correction.corrects == batch
    html = client.get(url(page)).content.decode()
    changes = html.split("Changes to these figures", 1)[1]
    assert "Correction" in changes and "The 2012/13 figure was a typing error." in changes


# --- the release report, and the publisher's confirmation -------------------------------------


def test_the_release_report_lists_revisions_and_flags_a_flipped_comparison(page):
    batch = stage()

    report = release_report(batch)

    (page_report,) = report.pages
    (section,) = page_report.sections
    assert section.heading == "Referrals to children's social care"
    assert section.revised_count == 1
    assert section.revised[0][2:] == ("638.6 per 10,000", "500.0 per 10,000")
    england = next(c for c in section.comparisons if c[0] == "England")
    assert england[1].startswith("▲ Higher than England") and england[2].startswith("▼ Lower")
    assert any("Compared with England" in flag.text for flag in section.flags)
    assert any("now went down where it went up" in flag.text for flag in section.flags)
    assert ("638.6 per 10,000", "500.0 per 10,000") in section.live_figures


def test_a_flagged_release_needs_each_change_confirmed(page, publisher, officer):
    batch = stage()
    release_url = reverse("admin:pages_topic_release", args=[batch.pk])
    client = logged_in(publisher)
    flags = release_report(batch).flags
    assert flags

    refused = client.post(release_url, {"action": "publish"})

    assert refused.status_code == 200
    assert "Confirm each change of meaning" in refused.content.decode()
    assert lancashire_rate() == Decimal("638.6")
    # An officer may read the report but not release.
    assert logged_in(officer).get(release_url).status_code == 200
    assert logged_in(officer).post(release_url, {"action": "publish"}).status_code == 403

    done = client.post(
        release_url, {"action": "publish", "confirmed": [flag.key for flag in flags]}
    )

    assert done.status_code == 302
    assert lancashire_rate() == Decimal("500.0")
    batch.refresh_from_db()
    assert batch.confirmed_flags == [flag.key for flag in flags]


def test_a_flagged_page_can_go_back_to_its_officer_with_the_figures(page, publisher):
    batch = stage()
    client = logged_in(publisher)

    client.post(
        reverse("admin:pages_topic_release", args=[batch.pk]),
        {"action": "with_page", "topic": page.page.pk},
    )

    draft = Topic.objects.get(draft_of=page.page)
    assert list(draft.release_with.all()) == [batch]
    assert lancashire_rate() == Decimal("638.6")


def test_pre_release_access_is_granted_and_each_look_recorded(page, publisher):
    batch = stage()
    reader = create_officer(username="reader", password=PASSWORD)[0]  # not the page's team
    release_url = reverse("admin:pages_topic_release", args=[batch.pk])
    assert b"500.0" not in logged_in(reader).get(f"{url(page)}?release={batch.pk}").content

    logged_in(publisher).post(release_url, {"action": "grant", "person": reader.pk})

    assert list(batch.pre_release_access.all()) == [reader]
    seen = logged_in(reader).get(f"{url(page)}?release={batch.pk}").content.decode()
    assert "500.0" in seen and "Staged figures: not released." in seen
    events = AuditEvent.objects.filter(action="pre_release").order_by("at")
    assert [e.actor_name for e in events] == ["publisher", "reader"]
    assert events[1].detail.startswith("Viewed the staged figures")
    listed = logged_in(publisher).get(release_url).content.decode()
    assert "reader" in listed and "Viewed the staged figures" in listed


def test_the_indicator_page_previews_staged_figures_for_officers_only(page, client, officer):
    indicator = Indicator.objects.get(slug="referrals-rate")
    address = indicator.get_absolute_url() + "?period=2012/13"
    batch = stage()

    public = client.get(f"{address}&release={batch.pk}").content.decode()
    officer_view = logged_in(officer).get(address).content.decode()
    preview = logged_in(officer).get(f"{address}&release={batch.pk}")

    assert "638.6" in public and "500.0" not in public and "Staged figures" not in public
    assert "Staged figures waiting for release would change this page" in officer_view
    assert "500.0" not in officer_view
    html = preview.content.decode()
    assert "Staged figures: not released." in html and "500.0" in html
    assert "no-store" in preview["Cache-Control"]
