"""Approving a change to an indicator's small-number rule applies it to the indicator but
not to its figures: counts now under the rule stay published."""

import csv
import io

import pytest
from django.urls import reverse

from indicators.definitions import approve, propose
from indicators.models import Indicator
from pages.services import create_officer
from tests.factories import build_child_protection
from tests.pages.releases_review.helpers import small_numbers

pytestmark = pytest.mark.django_db


def test_raising_the_rule_through_review_withholds_the_newly_small_counts(db, client):
    build_child_protection(["about", "children-with-a-plan", "age"])
    indicator, counts = small_numbers()
    publisher, _ = create_officer(username="pub", password="a-long-test-password", role="Publisher")
    officer, _ = create_officer(username="off", password="a-long-test-password")
    edited = Indicator.objects.get(pk=indicator.pk)
    edited.disclosure_threshold = 55  # Preston 54 is now a small number
    change = propose(indicator, edited, ["disclosure_threshold"], officer)
    approve(change, publisher)
    body = client.get(
        reverse("indicators:indicator_download", args=[indicator.slug, "csv"])
    ).content.decode("utf-8-sig")
    rows = {
        r["area_code"]: r["count"]
        for r in csv.DictReader(io.StringIO(body))
        if r["period"] == "31 March 2013" and not r["breakdown"]
    }
    assert rows["E07000123"] == "", f"Preston 54 <= 55 still published: {rows}"
