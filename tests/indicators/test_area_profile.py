"""An area's profile (indicators/profile.py): spine charts checked against a worked example
computed by hand, the polarity flip, significance markers, what a range leaves out, grouping
by topic, and the area page's queries as data grows."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache

from indicators.models import Area
from indicators.profile import area_profile
from indicators.selectors import ANCESTORS, latest_comparison_values
from tests.factories import (
    AreaFactory,
    BreakdownFactory,
    IndicatorFactory,
    PeriodFactory,
    SectionFactory,
    TopicFactory,
    ValueFactory,
)

# The worked example. Six districts with 10, 20, 30, 40, 50 and 60; England 35.
# Percentiles, inclusive method: sorted positions 1..6, the p-th at 1 + p × 5.
#   25th: position 2.25, between 20 and 30: 20 + 0.25 × 10 = 22.5
#   75th: position 4.75, between 40 and 50: 40 + 0.75 × 10 = 47.5
# Scale: the furthest figure from England is 25 away (10 and 60 both), so D = 25 and a figure
# f is drawn at 100 + 92 × (f − 35) / 25 (negated where a low figure is better):
#   60 → 192, 10 → 8, 22.5 → 54, 47.5 → 146.
FIGURES = [10, 20, 30, 40, 50, 60]


@pytest.fixture
def place(db):
    england = AreaFactory(code="E92000001", name="England", area_type="country")
    region = AreaFactory(code="E12000002", name="North West", area_type="region", parent=england)
    county = AreaFactory(code="E10000017", name="Lancashire", area_type="county", parent=region)
    districts = [
        AreaFactory(code=f"E0700012{i}", name=f"District {i}", parent=county) for i in range(6)
    ]
    return england, region, county, districts


def build(place, *, polarity="high", unit="rate", counts=None):
    england, region, county, districts = place
    period = PeriodFactory(code="2022/23")
    indicator = IndicatorFactory(name="An indicator", unit=unit, polarity=polarity)
    for n, (district, figure) in enumerate(zip(districts, FIGURES, strict=True)):
        extra = {}
        if counts is not None and n == len(districts) - 1:
            extra = {"count": counts[0], "denominator": counts[1]}
        ValueFactory(
            indicator=indicator, area=district, period=period, value=Decimal(figure), **extra
        )
    ValueFactory(indicator=indicator, area=england, period=period, value=Decimal(35))
    ValueFactory(indicator=indicator, area=region, period=period, value=Decimal(33))
    return indicator, period


def profile_of(area):
    area = Area.objects.select_related(ANCESTORS).get(pk=area.pk)
    comparators = area.comparators()
    return area_profile(area, comparators, list(latest_comparison_values(area, comparators)))


def test_spine_matches_the_worked_example(place):
    build(place, polarity="high")
    (row,) = profile_of(place[3][-1]).rows  # District 5, whose figure is 60
    assert (row.lowest, row.q1, row.q3, row.highest) == (10, Decimal("22.5"), Decimal("47.5"), 60)
    assert row.peers == 6
    assert (row.worst, row.best) == (10, 60)
    assert (row.left_percentile, row.right_percentile) == (Decimal("22.5"), Decimal("47.5"))
    spine = row.spine
    assert (spine.left, spine.right, spine.box_left, spine.box_right) == (8, 192, 54, 146)
    assert spine.marker.x == 192  # the best figure, at the right
    assert row.england.value == 35 and row.region.value == 33


def test_where_a_low_figure_is_better_the_spine_is_flipped(place):
    build(place, polarity="low")
    profile = profile_of(place[3][-1])
    (row,) = profile.rows
    # 60 is now the worst figure: on the left; 10 the best, on the right.
    assert (row.worst, row.best) == (60, 10)
    assert (row.left_percentile, row.right_percentile) == (Decimal("47.5"), Decimal("22.5"))
    assert row.spine.marker.x == 8
    assert (row.spine.box_left, row.spine.box_right) == (54, 146)
    assert (row.worst_text, row.best_text) == ("60.0", "10.0")
    assert profile.peer_noun == "districts"


def test_a_figure_at_the_centre_sits_on_englands_line(place):
    england, region, county, districts = place
    build(place)
    ValueFactory(
        indicator=districts[0].values.first().indicator,
        area=AreaFactory(code="E07000130", name="Middling", parent=county),
        period=PeriodFactory(code="2022/23"),
        value=Decimal(35),
    )
    (row,) = profile_of(Area.objects.get(code="E07000130")).rows
    assert row.spine.marker.x == 100
    assert row.spine.marker.kind == "circle"  # the same figure as England's: no direction
    assert row.peers == 7


@pytest.mark.parametrize(
    ("polarity", "css", "label"),
    [
        ("high", "better", "Better (significantly) than England"),
        ("low", "worse", "Worse (significantly) than England"),
        ("none", "higher", "Higher (significantly) than England"),
    ],
)
def test_the_marker_says_how_the_area_compares_with_england(place, polarity, css, label):
    # 60% of 1,000: the 95% interval (Wilson) is about 56.9% to 63.0%, clear of England's 35%.
    build(place, polarity=polarity, unit="percentage", counts=(600, 1000))
    (row,) = profile_of(place[3][-1]).rows
    assert row.comparison.tested
    assert row.css == css
    assert row.verdict == label
    assert row.symbol == "▲" and row.spine.marker.kind == "up"


def test_without_an_interval_the_figure_is_not_compared(place):
    build(place, polarity="low")
    (row,) = profile_of(place[3][0]).rows  # District 0: 10, below England's 35
    assert row.css == "untested"
    assert row.verdict_label == "Not compared"
    assert row.verdict == "Not compared (lower than England; no confidence interval)"
    assert row.spine.marker.kind == "down"  # the direction still shown by its shape


def test_a_range_leaves_out_withheld_staged_and_former_areas_figures(place):
    england, region, county, districts = place
    indicator, period = build(place)
    withheld = AreaFactory(code="E07000131", name="Withheld", parent=county)
    ValueFactory(indicator=indicator, area=withheld, period=period, value=1000, withheld="primary")
    staged = AreaFactory(code="E07000132", name="Staged", parent=county)
    ValueFactory(indicator=indicator, area=staged, period=period, value=-500, is_staged=True)
    former = AreaFactory(code="E07000133", name="Former", parent=county, is_current=False)
    ValueFactory(indicator=indicator, area=former, period=period, value=999)
    # A breakdown's figure and another period's are not this row's either.
    older = PeriodFactory(code="2021/22")
    ValueFactory(indicator=indicator, area=districts[0], period=older, value=0)
    band = BreakdownFactory()
    ValueFactory(indicator=indicator, area=districts[0], period=period, value=-9, breakdown=band)
    (row,) = profile_of(districts[-1]).rows
    assert (row.peers, row.lowest, row.highest) == (6, 10, 60)


def test_a_withheld_figure_of_the_area_itself_is_not_placed(place):
    england, region, county, districts = place
    indicator, period = build(place)
    districts[-1].values.update(withheld="primary")  # District 5's own figure
    (row,) = profile_of(districts[-1]).rows
    assert row.value.value is None and row.area_text == "Suppressed (small numbers)"
    assert row.spine is None and row.comparison is None
    assert row.peers == 5  # and it takes no part in the range


def test_too_few_areas_make_no_range(place):
    england, region, county, districts = place
    indicator = IndicatorFactory()
    period = PeriodFactory(code="2022/23")
    ValueFactory(indicator=indicator, area=districts[0], period=period, value=5)
    (row,) = profile_of(districts[0]).rows
    assert row.peers == 1 and row.spine is None
    assert row.verdict == "Not compared (no figure for England)"


def test_indicators_are_grouped_under_the_pages_that_show_them(place):
    england, region, county, districts = place
    shown, period = build(place)
    hidden = IndicatorFactory(name="Only public on its own")
    ValueFactory(indicator=hidden, area=districts[0], period=period, value=1)
    topic = TopicFactory(title="Health of children", slug="children", area=county)
    SectionFactory(topic=topic, indicator=shown)
    draft = TopicFactory(title="A draft", slug="draft", status="draft")
    SectionFactory(topic=draft, indicator=hidden)
    profile = profile_of(districts[0])
    assert [(g.heading, g.url) for g in profile.groups] == [
        ("Health of children", topic.get_absolute_url()),
        ("Other indicators", ""),  # a draft page does not count
    ]
    assert [r.indicator.name for r in profile.groups[1].rows] == ["Only public on its own"]


def test_the_area_page_shows_the_profile(place, client):
    england, region, county, districts = place
    build(place)
    html = client.get(districts[-1].get_absolute_url()).content.decode()
    assert "How District 5 compares" in html
    assert html.count('<svg class="spine"') == 1
    assert 'aria-label="An indicator: 60.0; Worst 10.0, best 60.0 of 6 areas' in html
    assert '<rect class="spine__box" x="54.0" y="6" width="92.0"' in html


def grow(place, indicator, period, times):
    """More districts with figures, and more periods, for the query count to stay the same."""
    england, region, county, districts = place
    for n in range(times):
        area = AreaFactory(code=f"E0700{n + 200:04d}", name=f"More {n}", parent=county)
        ValueFactory(indicator=indicator, area=area, period=period, value=n)
        for year in range(5):
            older = PeriodFactory(code=f"{2010 + year}/{11 + year}")
            ValueFactory(indicator=indicator, area=area, period=older, value=n)


def test_the_area_pages_queries_do_not_grow_tenfold(place, client, django_assert_num_queries):
    england, region, county, districts = place
    indicator, period = build(place)
    url = districts[-1].get_absolute_url()
    with django_assert_num_queries(13) as first:
        client.get(url)
    grow(place, indicator, period, 60)
    for n in range(9):
        other = IndicatorFactory(name=f"More indicators {n}")
        for district in districts:
            ValueFactory(indicator=other, area=district, period=period, value=n)
    cache.clear()  # as the first time: no cached page to check first
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"].profile.rows) == 10


def test_a_page_published_with_the_indicator_regroups_the_cached_profile(place, client):
    england, region, county, districts = place
    indicator, period = build(place)
    url = districts[-1].get_absolute_url()
    assert "Other indicators" in client.get(url).content.decode()
    topic = TopicFactory(title="Health of children", slug="children", area=county)
    SectionFactory(topic=topic, indicator=indicator)
    html = client.get(url).content.decode()
    assert "Other indicators" not in html
    assert f'<a href="{topic.get_absolute_url()}">Health of children</a>' in html
    # A new figure for a peer moves the range at once.
    extra = AreaFactory(code="E07000140", name="Extra", parent=county)
    ValueFactory(indicator=indicator, area=extra, period=period, value=Decimal(100))
    assert "best 100.0 of 7 areas" in client.get(url).content.decode()


def test_each_row_links_to_its_figures(place, client):
    england, region, county, districts = place
    build(place)
    (row,) = profile_of(districts[-1]).rows
    link = row.link
    assert link is not None
    assert f"area={districts[-1].code}&area={region.code}&area={england.code}" in link.query
    html = client.get(districts[-1].get_absolute_url()).content.decode()
    assert f'<a class="row-link" href="{link.url.replace("&", "&amp;")}">Link to this' in html
    response = client.get(link.url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "60.0" in page and "35.0" in page and "33.0" in page


def test_the_latest_figures_table_links_each_row_to_its_figures(place, client):
    england, region, county, districts = place
    build(place)
    html = client.get(districts[-1].get_absolute_url()).content.decode()
    table = html.split('id="area-comparison"', 1)[1]
    (href,) = re.findall(r'<a class="row-link" href="([^"]+)">Link to this', table)
    response = client.get(href.replace("&amp;", "&"))
    assert response.status_code == 200
    page = response.content.decode()
    # District 5's figure, then its county, region and England (the comparators' order).
    assert "60.0" in page and "35.0" in page and "33.0" in page
