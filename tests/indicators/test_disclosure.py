"""Disclosure control: no public page or download lets a withheld figure be read or derived."""

import csv
import io
import re
from decimal import Decimal

import pytest

from indicators.disclosure import apply_disclosure_control
from indicators.models import Area, Breakdown, Indicator, Period, PublishedValue, Value
from pages.models import Topic
from tests.factories import CHILD_PROTECTION_URL as URL
from tests.factories import TEAM, build_child_protection

pytestmark = pytest.mark.django_db

PERIOD = "2013-03-31"


@pytest.fixture
def child_protection(db):
    """The Child protection page with its age bands, in the small Lancashire."""
    return build_child_protection(["about", "children-with-a-plan", "age"])


@pytest.fixture
def small_numbers(child_protection):
    """District counts of children with a plan, one of them 3 (under the rule), with the
    county's total published; and age bands of the county, one of them 2."""
    indicator = Indicator.objects.get(slug="cpp-count")
    period = Period.objects.get(code=PERIOD)
    county = Area.objects.get(code="E10000017")
    counts = {}
    for n, district in enumerate(Area.objects.filter(parent=county).order_by("code")):
        counts[district.code] = 3 if n == 0 else 40 + 7 * n
        Value.objects.create(
            indicator=indicator,
            area=district,
            period=period,
            value=counts[district.code],
            count=counts[district.code],
            is_illustrative=True,
        )
    county_total = Value.objects.get(
        indicator=indicator, area=county, period=period, breakdown__isnull=True
    )
    county_total.value = county_total.count = sum(counts.values())
    county_total.save()
    under_one = Value.objects.get(
        indicator=indicator, area=county, period=period, breakdown__label="Under 1"
    )
    under_one.value = under_one.count = 2
    under_one.save()
    apply_disclosure_control([indicator.pk])
    return indicator, counts


def test_small_counts_are_withheld_with_a_second_figure(small_numbers):
    indicator, counts = small_numbers
    withheld = dict(
        Value.objects.filter(indicator=indicator)
        .exclude(withheld="")
        .values_list("area__code", "withheld")
    )
    smallest_other = min((c for code, c in counts.items() if c > 4))
    smallest_code = next(code for code, c in counts.items() if c == smallest_other)
    first = min(counts)  # the district with 3
    assert withheld[first] == "primary"
    assert withheld[smallest_code] == "secondary"
    bands = dict(
        Value.objects.filter(indicator=indicator, breakdown__isnull=False).values_list(
            "breakdown__label", "withheld"
        )
    )
    assert bands["Under 1"] == "primary"
    assert list(bands.values()).count("secondary") == 1
    # Stored for officers, never zero.
    assert Value.objects.get(indicator=indicator, area__code=first).value == Decimal("3")


def test_published_values_are_masked(small_numbers):
    indicator, counts = small_numbers
    first = min(counts)
    masked = PublishedValue.objects.get(indicator=indicator, area__code=first)
    assert (masked.value, masked.count, masked.status) == (None, None, "suppressed")
    assert masked.note.startswith("c")


def test_no_page_or_download_reveals_or_lets_one_derive_a_withheld_figure(client, small_numbers):
    indicator, counts = small_numbers
    withheld = set(
        Value.objects.filter(indicator=indicator).exclude(withheld="").values_list("pk", flat=True)
    )
    assert len(withheld) == 4
    # Downloads of everything the public can get for this indicator.
    response = client.get(f"/data/indicators/{indicator.slug}/download.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    published = {(r["area_code"], r["period"], r["breakdown"]): r for r in rows}
    label = "31 March 2013"
    county = published[("E10000017", label, "")]
    districts = [
        r
        for (code, period, b), r in published.items()
        if code.startswith("E07") and period == label
    ]
    hidden = [r for r in districts if r["value"] == ""]
    assert len(hidden) == 2  # never exactly one: the total cannot be used to recover it
    known = sum(Decimal(r["value"]) for r in districts if r["value"])
    assert Decimal(county["value"]) - known == 3 + min(c for c in counts.values() if c > 4)
    bands = [
        r
        for (code, period, b), r in published.items()
        if code == "E10000017" and period == label and b
    ]
    assert sum(1 for r in bands if r["value"] == "") == 2
    for r in districts + bands:
        if r["value"] == "":
            assert r["count"] == "" and r["status"].startswith("Suppressed")
    # Pages: the topic page, the indicator page sorted by value, the area page.
    html = client.get(URL).content.decode()
    age = html.split('id="age"', 1)[1].split("</section>", 1)[0]
    assert not re.search(r'<td class="num">\s*2\b', age)
    first_area = Area.objects.get(code=min(counts))
    page = client.get(first_area.get_absolute_url()).content.decode()
    assert "Children with a child protection plan" in page
    assert not re.search(r">\s*3\s*<", page.split("<table", 1)[1])
    ranked = client.get(f"/data/indicators/{indicator.slug}/?period={PERIOD}&sort=value")
    assert ">3<" not in ranked.content.decode().replace(" ", "")


def test_a_count_raised_above_the_rule_is_published_again(small_numbers):
    indicator, counts = small_numbers
    first = Value.objects.get(indicator=indicator, area__code=min(counts))
    first.value = first.count = 12
    first.save()
    apply_disclosure_control([indicator.pk])
    assert (
        not Value.objects.filter(indicator=indicator, breakdown__isnull=True)
        .exclude(withheld="")
        .exists()
    )


def test_demo_seed_figures_are_not_withheld(demo):
    assert not Value.objects.exclude(withheld="").exists()
    assert Breakdown.objects.exists() and Topic.objects.exists()


def test_an_officer_edit_in_the_admin_applies_the_rule(client, child_protection):
    from django.urls import reverse

    from pages.services import create_officer

    user, _ = create_officer(username="analyst", password="a-long-test-password", team=TEAM)
    client.force_login(user)
    value = Value.objects.get(
        area__code="E10000017",
        indicator__slug="cpp-count",
        period__code=PERIOD,
        breakdown__label="16 and over",
    )
    response = client.post(
        reverse("admin:indicators_value_change", args=[value.pk]),
        {
            "indicator": value.indicator_id,
            "area": value.area_id,
            "period": value.period_id,
            "breakdown": value.breakdown_id,
            "value": "3",
            "status": "available",
            "note": "",
            "count": "3",
            "denominator": "",
            "lower_ci": "",
            "upper_ci": "",
            "is_illustrative": "on",
        },
    )
    assert response.status_code == 302
    value.refresh_from_db()
    assert value.withheld == "primary"


def test_an_import_applies_the_rule_and_undo_reapplies_it(child_protection):
    import io

    from indicators.importing.services import import_values, undo_import

    csv_file = io.BytesIO(
        b"indicator,area_code,period,breakdown,value,count\n"
        b"cpp-count,E10000017,2013-03-31,age: Under 1,2,2\n"
    )
    report = import_values(source=csv_file, file_name="small.csv")
    assert not report.rejected
    bands = dict(
        Value.objects.filter(
            indicator__slug="cpp-count", breakdown__isnull=False, period__code=PERIOD
        ).values_list("breakdown__label", "withheld")
    )
    assert bands["Under 1"] == "primary"
    assert list(bands.values()).count("secondary") == 1
    undo_import(report.batch)
    assert not Value.objects.exclude(withheld="").exists()
