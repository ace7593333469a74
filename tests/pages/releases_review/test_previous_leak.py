"""A withheld small number leaks through the “previously …” revision note once a release
(or an import released at once, or an undo) revises it to a figure that is not withheld."""

import csv
import io

import pytest
from django.urls import reverse

from indicators.models import Value
from indicators.releases import publish_release
from tests.factories import build_child_protection
from tests.pages.releases_review.helpers import small_numbers, stage

pytestmark = pytest.mark.django_db
BURNLEY = "E07000117"


@pytest.fixture
def setup(db):
    build_child_protection(["about", "children-with-a-plan", "age"])
    return small_numbers()


def test_withheld_figure_is_not_public(setup, client):
    indicator, counts = setup
    v = Value.objects.get(indicator=indicator, area__code=BURNLEY)
    assert v.withheld == "primary"
    body = client.get(
        reverse("indicators:indicator_download", args=[indicator.slug, "csv"])
    ).content.decode("utf-8-sig")
    rows = [r for r in csv.DictReader(io.StringIO(body)) if r["area_code"] == BURNLEY]
    assert rows[0]["value"] == "" and rows[0]["count"] == ""


def test_release_revising_a_withheld_figure_shows_it_as_previous(setup, client):
    indicator, counts = setup
    # The district's count is revised from 3 (withheld) to 12 (and the county total with it).
    batch = stage(
        b"indicator,area_code,period,value,count\n"
        b"cpp-count,E07000117,2013-03-31,12,12\n"
        b"cpp-count,E10000017,2013-03-31,174,174\n"
    )
    publish_release(batch)
    v = Value.objects.get(indicator=indicator, area__code=BURNLEY, is_staged=False)
    assert v.withheld == ""  # 12 is published
    body = client.get(
        reverse("indicators:indicator_download", args=[indicator.slug, "csv"])
    ).content.decode("utf-8-sig")
    rows = [r for r in csv.DictReader(io.StringIO(body)) if r["area_code"] == BURNLEY]
    page = client.get(indicator.get_absolute_url()).content.decode()
    assert "previously 3" not in page, "withheld 3 shown on the indicator page as 'previously 3'"
    assert rows[0]["previous_value"] in ("", "c", "[c]", "Suppressed (small numbers)"), rows[0]


def test_import_released_at_once_leaks_too(setup, client):
    indicator, counts = setup
    stage(
        b"indicator,area_code,period,value,count\ncpp-count,E07000117,2013-03-31,12,12\n"
        b"cpp-count,E10000017,2013-03-31,174,174\n",
        stage=False,
    )
    page = client.get(indicator.get_absolute_url()).content.decode()
    assert "previously 3" not in page
