"""A topic's overview (pages/overview.py): the page's indicators × its area, comparators and
the county's districts, each cell with its value and a marker in symbol and words, not colour
alone; the same period across a row; withheld figures kept withheld; pinned queries."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from indicators.models import Area
from tests.factories import (
    AreaFactory,
    IndicatorFactory,
    PeriodFactory,
    SectionFactory,
    TopicFactory,
    ValueFactory,
)


@pytest.fixture
def site(db):
    england = AreaFactory(code="E92000001", name="England", area_type="country")
    region = AreaFactory(code="E12000002", name="North West", area_type="region", parent=england)
    county = AreaFactory(code="E10000017", name="Lancashire", area_type="county", parent=region)
    for code, name in [("E07000117", "Burnley"), ("E07000118", "Chorley"), ("E07000119", "Fylde")]:
        AreaFactory(code=code, name=name, parent=county)
    topic = TopicFactory(title="Child health", slug="child-health", area=county)
    period = PeriodFactory(code="2022/23")
    tested = IndicatorFactory(name="Tested", unit="percentage", polarity="high")
    untested = IndicatorFactory(name="Untested", unit="rate", polarity="low")
    SectionFactory(topic=topic, indicator=tested, anchor="tested")
    SectionFactory(topic=topic, indicator=untested, anchor="untested")
    areas = {a.name: a for a in Area.objects.all()}

    def figure(indicator, name, value, count=None, denominator=None, **extra):
        ValueFactory(
            indicator=indicator,
            area=areas[name],
            period=extra.pop("period", period),
            value=Decimal(value),
            count=count,
            denominator=denominator,
            **extra,
        )

    figure(tested, "England", "35.0")
    figure(tested, "North West", "36.0", 3600, 10000)
    figure(tested, "Lancashire", "20.0", 2000, 10000)  # far below: significantly worse
    figure(tested, "Burnley", "60.0", 600, 1000)  # far above: significantly better
    figure(tested, "Chorley", "36.0", 36, 100)  # 36 of 100: a wide interval, similar
    figure(tested, "Fylde", "50.0", 5, 10, withheld="primary")  # withheld: never shown
    figure(untested, "England", "100")
    figure(untested, "Lancashire", "120")
    figure(untested, "Burnley", "130")
    # A newer year for one district only: the row stays on the county's latest year.
    figure(untested, "Chorley", "999", period=PeriodFactory(code="2023/24"))
    return topic


def overview_of(client, topic, status=200):
    response = client.get(f"/{topic.path}/overview/")
    assert response.status_code == status
    return response.context["overview"] if status == 200 else None


def test_columns_are_the_area_its_comparators_then_the_districts(site, client):
    overview = overview_of(client, site)
    assert [(c.name, c.role) for c in overview.columns] == [
        ("Lancashire", "area"),
        ("North West", "comparator"),
        ("England", "comparator"),
        ("Burnley", "district"),
        ("Chorley", "district"),
        ("Fylde", "district"),
    ]
    assert [r.indicator.name for r in overview.rows] == ["Tested", "Untested"]  # page order
    assert overview.rows[0].section_url == f"/{site.path}/#tested"


def test_each_cell_is_marked_against_england_by_symbol_and_words(site, client):
    tested = overview_of(client, site).rows[0]
    marks = [(c.text, c.css, c.symbol, c.words) for c in tested.cells]
    assert marks == [
        ("20.0%", "worse", "▼", "Worse (significantly) than England"),
        # 36% of 10,000: its interval (35.1% to 36.9%) is clear of England's 35%.
        ("36.0%", "better", "▲", "Better (significantly) than England"),
        ("35.0%", "", "", ""),  # England itself: not compared with itself
        ("60.0%", "better", "▲", "Better (significantly) than England"),
        ("36.0%", "similar", "●", "Similar to England"),
        ("Suppressed (small numbers)", "", "", ""),  # its status says it all
    ]


def test_without_an_interval_a_figure_is_not_compared_and_the_row_keeps_its_year(site, client):
    untested = overview_of(client, site).rows[1]
    assert untested.period == "2022/23"
    assert [(c.text, c.css, c.words) for c in untested.cells] == [
        ("120.0", "", "Not compared with England"),
        ("–", "", "No figure"),
        ("100.0", "", ""),
        ("130.0", "", "Not compared with England"),
        ("–", "", "No figure"),  # Chorley's 999 is for 2023/24, not this row's year
        ("–", "", "No figure"),
    ]


def test_the_page_says_it_in_words_and_never_shows_a_withheld_figure(site, client):
    html = client.get(f"/{site.path}/overview/").content.decode()
    better = '<td class="num overview__cell overview--better" title="Better (significantly) than'
    assert better in html
    assert '<span class="visually-hidden">, Worse (significantly) than England</span>' in html
    assert "50.0" not in html and "999" not in html
    # The topic page links to its overview.
    topic_html = client.get(f"/{site.path}/").content.decode()
    assert f'href="/{site.path}/overview/"' in topic_html


def test_unpublished_pages_and_pages_without_an_area_have_no_overview(site, client):
    site.status = "draft"
    site.save()
    overview_of(client, site, status=404)
    no_area = TopicFactory(title="No area", slug="no-area")
    SectionFactory(topic=no_area, indicator=IndicatorFactory())
    overview_of(client, no_area, status=404)
    assert client.get("/no-such-page/overview/").status_code == 404


def test_a_page_whose_slug_is_overview_is_still_served(site, client):
    child = TopicFactory(title="Overview of services", slug="overview", parent=site)
    response = client.get(f"/{child.path}/")
    assert response.status_code == 200
    assert "Overview of services" in response.content.decode()


def test_queries_do_not_grow_tenfold(site, client, django_assert_num_queries):
    # the page cache's checks, the page's parts kept (then kept, once built), the page (is
    # there one called "overview"? the page with its sections, links and comparators), the
    # districts, the area's latest periods (two queries and the figures), every column's
    # figures in them
    with django_assert_num_queries(12) as first:
        client.get(f"/{site.path}/overview/")
    county = Area.objects.get(code="E10000017")
    for n in range(30):
        district = AreaFactory(code=f"E0700{n + 300:04d}", name=f"District {n}", parent=county)
        for section in site.sections.all():
            for year in range(5):
                ValueFactory(
                    indicator=section.indicator,
                    area=district,
                    period=PeriodFactory(code=f"{2015 + year}/{16 + year}"),
                    value=n,
                )
            ValueFactory(
                indicator=section.indicator,
                area=district,
                period=PeriodFactory(code="2022/23"),
                value=n,
            )
    for n in range(18):
        SectionFactory(topic=site, indicator=IndicatorFactory(name=f"More {n}"))
    cache.clear()  # as the first time: no cached page to check first
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(f"/{site.path}/overview/")
    assert len(response.context["overview"].columns) == 36


def test_each_row_links_to_its_figures(site, client):
    row = overview_of(client, site).rows[0]
    response = client.get(row.link.url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "60.0%" in page and "20.0%" in page
    assert "50.0" not in page  # Fylde's withheld figure stays withheld
