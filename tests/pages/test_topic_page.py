import csv
import json
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from core.models import Prebuilt
from indicators.models import Area, Indicator, Period, Value
from pages.demo import content
from pages.demo.loader import PUBLISHED_CSV
from pages.models import Topic
from tests.factories import CHILD_PROTECTION_URL as URL
from tests.factories import SECTIONS, AreaFactory, build_child_protection

pytestmark = pytest.mark.django_db


@pytest.fixture
def child_protection(db):
    """The Child protection page with every kind of section, in the small Lancashire."""
    return build_child_protection()


def published_rows():
    with PUBLISHED_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def chart_numbers(html: str) -> dict[str, set[float]]:
    """Every number in each section's chart data, by json_script id."""
    found = {}
    for match in re.finditer(
        r'<script id="([^"]+)" type="application/json">(.*?)</script>', html, re.S
    ):
        spec = json.loads(match.group(2))
        numbers = {x for ds in spec["datasets"] for x in ds["data"] if x is not None}
        if spec.get("reference"):
            numbers.add(spec["reference"]["value"])
        found[match.group(1)] = numbers
    return found


def table_numbers(html: str, anchor: str) -> set[float]:
    section = html.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]
    table = section.split("<table", 1)[1].split("</table>", 1)[0]
    cells = re.findall(r'<td class="num">\s*([\d,.]+)', table)
    return {float(c.replace(",", "")) for c in cells}


def test_reached_from_home_and_shows_breadcrumbs(client, child_protection):
    home = client.get(reverse("pages:home")).content.decode()
    assert 'href="/children-and-young-people/"' in home
    html = client.get(URL).content.decode()
    crumbs = html.split('aria-label="Breadcrumb"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r">([^<]+)</a>", crumbs) == [
        "JSNA Home",
        "Children and young people",
        "Children&#x27;s social care",
    ]
    assert 'aria-current="page">Child protection</li>' in crumbs


def test_every_published_figure_is_on_the_page(client, demo):
    html = client.get(URL).content.decode()
    for row in published_rows():
        indicator = Indicator.objects.get(name=row["indicator"])
        shown = indicator.format_value(Decimal(row["value"]))
        assert re.search(rf"(?<![\d.]){re.escape(shown)}(?![\d])", html), row


def test_each_chart_and_its_table_carry_the_same_numbers(client, child_protection):
    html = client.get(URL).content.decode()
    charts = chart_numbers(html)
    page = Topic.objects.get(path=content.CHILD_PROTECTION)
    sections = [s for s in page.sections.all() if s.indicator_id]
    assert len(charts) == len(sections) == sum(1 for s in SECTIONS if s[2]) == 7
    for section in sections:
        in_chart = charts[f"{section.anchor}-data"]
        assert in_chart, section.anchor
        assert in_chart == table_numbers(html, section.anchor), section.anchor


def test_sections_show_unit_polarity_comparisons_and_illustrative_marks(client, child_protection):
    html = client.get(URL).content.decode()
    referrals = html.split('id="referrals"', 1)[1].split("</section>", 1)[0]
    assert "Unit: rate per 10,000 population aged under 18" in referrals
    assert "A low rate is better." in referrals
    assert "▲</span> Higher</span> than England (520.7): worse (not tested)" in referrals
    assert (
        "▼</span> Lower</span> than Blackpool (954.7, illustrative): better (not tested)"
        in referrals
    )
    assert html.count("Not tested: these figures have no confidence intervals") == 1
    assert "Recent trend: not tested" in referrals
    assert "badge--illustrative" in referrals
    re_referrals = html.split('id="re-referrals"', 1)[1].split("</section>", 1)[0]
    assert "than the North West (26.4%): worse (not tested)" in re_referrals


def test_published_figures_are_not_marked_illustrative_in_the_table(client, child_protection):
    html = client.get(URL).content.decode()
    district = html.split('id="district-rates"', 1)[1].split("</section>", 1)[0]
    preston_row = district.split(">Preston</a>", 1)[1].split("</tr>", 1)[0]
    assert "73.3" in preston_row and "illustrative" not in preston_row
    burnley_row = district.split(">Burnley</a>", 1)[1].split("</tr>", 1)[0]
    assert "illustrative" in burnley_row


def test_district_chart_is_ordered_highest_first_with_the_county_average(client, child_protection):
    html = client.get(URL).content.decode()
    spec = json.loads(
        html.split('<script id="district-rates-data" type="application/json">', 1)[1].split(
            "</script>", 1
        )[0]
    )
    assert spec["labels"][0] == "Preston" and spec["labels"][-1] == "Ribble Valley"
    data = spec["datasets"][0]["data"]
    assert data == sorted(data, reverse=True)
    assert spec["reference"]["label"].startswith("Lancashire-12")


def test_author_block_and_last_updated(client, child_protection):
    html = client.get(URL).content.decode()
    assert "This page was last updated on 19 March 2014 by:" in html
    assert (
        "Afzal Patel" in html and "afzal.patel@lancashire.gov.uk" in html and "01772 536104" in html
    )


def test_narrative_is_sanitised(client, child_protection):
    page = Topic.objects.get(path=content.CHILD_PROTECTION)
    section = page.sections.get(anchor="about")
    section.body = "<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>"
    section.save()
    html = client.get(URL).content.decode()
    about = html.split('id="about"', 1)[1].split("</section>", 1)[0]
    assert "<script>alert" not in about and "<img" not in about
    assert 'href="javascript' not in about


def test_draft_topic_is_not_found(client, child_protection):
    Topic.objects.filter(path=content.CHILD_PROTECTION).update(status="draft")
    assert client.get(URL).status_code == 404


def test_query_count_does_not_grow_with_the_data(
    client, child_protection, django_assert_max_num_queries
):
    def built_from_the_figures(queries: int) -> str:
        cache.clear()
        Prebuilt.objects.all().delete()
        with django_assert_max_num_queries(queries):
            return client.get(URL).content.decode()

    def from_its_blocks(queries: int) -> str:
        cache.clear()  # the page cache, and the page's parts: the sections' blocks are kept
        Prebuilt.objects.filter(key__startswith="page:").delete()
        with django_assert_max_num_queries(queries):
            return client.get(URL).content.decode()

    def from_its_parts(queries: int) -> str:
        cache.clear()  # the page cache only: the page's parts are kept
        with django_assert_max_num_queries(queries):
            return client.get(URL).content.decode()

    # content version, topic, sections, links, comparators, children, breadcrumb ancestors,
    # the releases of the page's figures; the sections' blocks and the changes since they
    # were built; to build them, the values; for the live figures in the narrative:
    # indicators, areas, their values, periods, breakdowns, and the siblings of a ranked area
    # in the period ranked; then the blocks kept, and the page's parts
    built_from_the_figures(19)
    # the same, without building: the page's own queries, and its blocks with what changed
    from_its_blocks(11)
    # from its parts: the one query that finds them up to date
    assert from_its_parts(1) == from_its_blocks(11)
    # Add a national-scale slice: 150 more authorities with values for every indicator/period.
    england = Area.objects.get(code="E92000001")
    periods = list(Period.objects.all())
    for n in range(150):
        area = AreaFactory(
            code=f"E08{n:06d}", name=f"Authority {n}", area_type="unitary", parent=england
        )
        Value.objects.bulk_create(
            Value(indicator=indicator, area=area, period=period, value=Decimal("10"))
            for indicator in Indicator.objects.all()
            for period in periods
        )
    assert "Authority 7" not in built_from_the_figures(19)
    assert "Authority 7" not in from_its_blocks(11)
    assert "Authority 7" not in from_its_parts(1)


def test_each_section_downloads_exactly_its_figures(client, child_protection):
    html = client.get(URL).content.decode()
    section = html.split('id="referrals"', 1)[1].split("</section>", 1)[0]
    links = re.findall(r'href="(/data/download\.(csv|xlsx)\?[^"]+)"', section)
    assert {fmt for _, fmt in links} == {"csv", "xlsx"}
    csv_url = next(url for url, fmt in links if fmt == "csv").replace("&amp;", "&")
    response = client.get(csv_url)
    assert response.status_code == 200
    rows = list(csv.DictReader(response.content.decode("utf-8-sig").splitlines()))
    assert {(r["area_code"], r["period"], r["value"]) for r in rows} >= {
        ("E10000017", "2012/13", "638.6"),
        ("E92000001", "2012/13", "520.7"),
    }
    table = section.split("<table", 1)[1].split("</table>", 1)[0]
    assert len(rows) == len(re.findall(r'<td class="num">\s*[\d,.]+', table))
    assert {r["illustrative"] for r in rows} == {"yes", "no"}


def test_a_page_under_a_draft_is_not_found(client, child_protection):
    Topic.objects.filter(slug="childrens-social-care").update(status="draft")
    assert client.get(URL).status_code == 404


def test_last_updated_follows_real_edits_and_imports(client, child_protection):
    from django.utils import timezone

    from core.formatting import long_date

    assert "last updated on 19 March 2014" in client.get(URL).content.decode()
    value = Value.objects.get(
        area__code="E92000001", indicator__slug="referrals-rate", period__code="2012/13"
    )
    value.value = Decimal("521.0")
    value.save()
    today = long_date(timezone.localdate())  # “2 December 2026”
    assert f"last updated on {today}" in client.get(URL).content.decode()
