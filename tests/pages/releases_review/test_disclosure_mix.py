"""Disclosure control runs over staged and released figures together: a staged figure of
the same group takes the place of the released secondary suppression, and the public can
work out a withheld small number by subtraction."""

import csv
import io

import pytest
from django.urls import reverse

from indicators.disclosure import apply_disclosure_control
from indicators.releases import publish_release
from tests.factories import build_child_protection
from tests.pages.releases_review.helpers import small_numbers, stage

pytestmark = pytest.mark.django_db
BURNLEY, CHORLEY = "E07000117", "E07000118"


@pytest.fixture
def setup(db):
    build_child_protection(["about", "children-with-a-plan", "age"])
    return small_numbers()


def public_rows(client, indicator):
    body = client.get(
        reverse("indicators:indicator_download", args=[indicator.slug, "csv"])
    ).content.decode("utf-8-sig")
    return [
        r
        for r in csv.DictReader(io.StringIO(body))
        if r["period"] == "31 March 2013" and r["breakdown"] == ""
    ]


def test_a_staged_twin_unmasks_the_secondary_suppression(setup, client):
    indicator, counts = setup
    before = {r["area_code"]: r["count"] for r in public_rows(client, indicator)}
    assert before[BURNLEY] == "" and before[CHORLEY] == ""  # primary and secondary
    # An officer stages a revision of Chorley to 2 (under the rule) ...
    stage(b"indicator,area_code,period,value,count\ncpp-count,E07000118,2013-03-31,2,2\n")
    # ... and another import of the same indicator, for another year, is released.
    other = stage(
        b"indicator,area_code,period,value,count\ncpp-count,E10000017,2012-03-31,810,810\n",
        name="other.csv",
    )
    publish_release(other)
    after = {r["area_code"]: r["count"] for r in public_rows(client, indicator)}
    shown = [c for code, c in after.items() if c and code not in ("E10000017",)]
    # The public must not be able to derive Burnley's 3 from the county total.
    assert after[CHORLEY] == "", (
        f"Chorley published as {after[CHORLEY]}: Burnley = {after['E10000017']} - "
        f"{' - '.join(shown)}"
    )


def test_an_admin_edit_elsewhere_in_the_indicator_does_the_same(setup, client):
    indicator, counts = setup
    stage(b"indicator,area_code,period,value,count\ncpp-count,E07000118,2013-03-31,2,2\n")
    apply_disclosure_control(
        [indicator.pk]
    )  # what any edit of a cpp-count figure in the admin runs
    after = {r["area_code"]: r["count"] for r in public_rows(client, indicator)}
    assert after[CHORLEY] == "", after
