"""The data pages' selectors: what `indicator_page` and `area_page` read, in how many queries."""

from decimal import Decimal

import pytest
from django.http import QueryDict

from indicators.models import Area, ComparatorGroup, ValueStatus
from indicators.selectors import (
    ANCESTORS,
    AreaFacts,
    Download,
    IndicatorFacts,
    area_page,
    indicator_page,
)
from tests.factories import AreaFactory, IndicatorFactory, PeriodFactory, ValueFactory

pytestmark = pytest.mark.django_db

# What the indicator's page says about it, as the officer wrote it.
ABOUT = {
    "name": "Smokers",
    "definition": "Adults who smoke.",
    "source": "Survey",
    "source_url": "https://example.org/survey",
    "methodology": "Asked.",
}


@pytest.fixture
def areas():
    """England, a county in it, and two districts in the county."""
    england = AreaFactory(code="E92000001", name="England", area_type="country")
    county = AreaFactory(
        code="E10000017", name="Lancashire", short_name="Lancs", area_type="county", parent=england
    )
    districts = [
        AreaFactory(code=f"E0700012{n}", name=name, parent=county)
        for n, name in enumerate(["Preston", "Chorley"])
    ]
    return england, county, districts


@pytest.fixture
def indicator(areas):
    """A percentage with figures for England and each district in two years, and for the county
    in the later year."""
    england, county, districts = areas
    indicator = IndicatorFactory(slug="smokers", **ABOUT)
    for code, national, local in (("2011/12", "20.0", "21.0"), ("2012/13", "18.0", "19.5")):
        period = PeriodFactory(code=code)
        ValueFactory(indicator=indicator, area=england, period=period, value=Decimal(national))
        for district in districts:
            ValueFactory(indicator=indicator, area=district, period=period, value=Decimal(local))
    ValueFactory(indicator=indicator, area=county, period=period, value=Decimal("19.0"))
    return indicator


def test_indicator_page_describes_the_indicator_and_charts_the_country(
    indicator, django_assert_num_queries
):
    # the page that shows the indicator (none), the country, the chart's values; the releases
    # of its figures
    with django_assert_num_queries(4):
        page = indicator_page(indicator, QueryDict())
    assert page.indicator == IndicatorFacts(
        url="/data/indicators/smokers/",
        unit_label="%",
        polarity_sentence="A low percentage is better.",
        **ABOUT,
    )
    figures = page.figures
    assert figures is not None
    assert figures.chart_id == "trend-data"
    assert figures.caption == "The percentage for England was lower in 2012/13 than in 2011/12"
    assert figures.subtitle == "Smokers, percentage, England, 2011/12 to 2012/13"
    assert figures.heading == "Percentage over time"
    assert figures.statement.startswith("In 2012/13 the percentage for England was 18.0%")
    assert figures.comparisons == () and figures.unit == "%" and not figures.has_illustrative
    assert figures.chart["type"] == "line"
    assert page.table_caption == "Smokers: figures by area and period"
    assert page.filter_query == ""
    assert page.downloads == (
        Download("CSV", "/data/indicators/smokers/download.csv"),
        Download("XLSX", "/data/indicators/smokers/download.xlsx"),
    )
    assert page.values.count() == 7


def test_indicator_page_filters_the_table(indicator, django_assert_num_queries):
    with django_assert_num_queries(5):  # ... and the period chosen
        page = indicator_page(indicator, QueryDict("area_type=district&period=2012/13"))
    assert page.table_caption == (
        "Smokers: figures by area and period (area type: District; period: 2012/13)"
    )
    assert page.filter_query == "area_type=district&period=2012%2F13"
    assert page.downloads[0] == Download(
        "CSV", "/data/indicators/smokers/download.csv?area_type=district&period=2012%2F13"
    )
    assert sorted(v.area.name for v in page.values) == ["Chorley", "Preston"]


def test_indicator_page_hides_withheld_figures(indicator):
    indicator.values.filter(area__name="Preston").update(withheld="primary")
    page = indicator_page(indicator, QueryDict("area_type=district"))
    withheld = [v for v in page.values if v.area.name == "Preston"]
    assert withheld and all(v.value is None for v in withheld)
    assert {v.status for v in withheld} == {ValueStatus.SUPPRESSED}


def test_indicator_page_without_a_country_has_no_chart(db):
    page = indicator_page(IndicatorFactory(), QueryDict())
    assert page.figures is None


def test_area_page_names_where_the_area_sits_and_its_latest_figures(
    areas, indicator, django_assert_num_queries
):
    england, county, (preston, chorley) = areas
    area = Area.objects.select_related(ANCESTORS).get(pk=county.pk)
    # comparator groups, child areas, latest period per indicator, candidates, the values, the
    # peers' figures (the profile's ranges), the topics that show the indicators
    with django_assert_num_queries(7):
        page = area_page(area)
    assert page.area == AreaFacts(
        name="Lancashire",
        display_name="Lancs",
        code="E10000017",
        type_label="County",
        url="/data/areas/lancs-e10000017/",
    )
    assert [a.display_name for a in page.ancestors] == ["England"]
    assert [a.display_name for a in page.children] == ["Chorley", "Preston"]
    assert page.comparators == page.ancestors
    (row,) = page.table.rows
    assert [str(cell) for _, cell in row.items()][1:] == ["2012/13", "%", "19.0%", "18.0%"]
    assert page.downloads[1] == Download("XLSX", "/data/areas/lancs-e10000017/download.xlsx")


def test_area_page_compares_with_its_groups(areas, indicator, django_assert_num_queries):
    england, county, (preston, chorley) = areas
    group = ComparatorGroup.objects.create(name="Neighbours")
    group.areas.add(preston)
    group.members.add(chorley)
    area = Area.objects.select_related(ANCESTORS).get(pk=preston.pk)
    with django_assert_num_queries(8):  # ... and the group's members
        page = area_page(area)
    assert [a.display_name for a in page.ancestors] == ["Lancs", "England"]
    assert [a.display_name for a in page.comparators] == ["Lancs", "England", "Chorley"]
    assert page.children == ()
    assert [c.header for c in page.table.columns][3:] == ["Preston", "Lancs", "England", "Chorley"]
