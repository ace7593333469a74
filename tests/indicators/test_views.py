import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from indicators.models import Area, ComparatorGroup, Indicator, Period, Value
from tests.factories import (
    AreaFactory,
    BreakdownFactory,
    IndicatorFactory,
    PeriodFactory,
    ValueFactory,
    build_child_protection,
)

pytestmark = pytest.mark.django_db

BADGE = '<span class="badge badge--illustrative">illustrative</span>'
PRESTON, LANCASHIRE, NORTH_WEST, ENGLAND = "E07000123", "E10000017", "E12000002", "E92000001"


def indicator_url(slug: str, **params: str) -> str:
    url = reverse("indicators:indicator_detail", kwargs={"slug": slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def area_url(code: str) -> str:
    return Area.objects.get(code=code).get_absolute_url()


def table_rows(response) -> list[Value]:
    """The values on the current page of the indicator table, in the order shown."""
    return list(response.context["table"].page.object_list.data)


def body_rows(html: str, table: str = "") -> list[str]:
    """The `<tr>` elements of the first table body on the page (or in the table with the id
    `table`), as HTML."""
    if table:
        html = html.split(f'id="{table}"', 1)[1]
    tbody = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", tbody, flags=re.S)


@pytest.fixture
def child_protection(db):
    """The small Lancashire's figures, shown on the Child protection page."""
    return build_child_protection()


# --- Indicator page ---------------------------------------------------------------------------


def test_indicator_page_describes_the_indicator(child_protection, client):
    response = client.get(indicator_url("cpp-rate"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Children with a child protection plan (rate per 10,000 under 18s)</h1>" in html
    assert "rate per 10,000 population aged under 18" in html
    assert "A higher or lower rate is neither better nor worse in itself." in html
    assert "per 10,000 of the resident population aged under 18" in html  # the definition
    assert "mid-year estimate of the population aged 0 to 17" in html  # the methodology
    assert (
        '<a href="https://www.gov.uk/government/collections/statistics-children-in-need">'
        "Department for Education: Characteristics of children in need; ONS mid-year "
        "population estimates</a>" in html
    )
    assert '<nav aria-label="Breadcrumb" class="breadcrumbs">' in html
    assert f'<a href="{reverse("pages:home")}">JSNA Home</a>' in html


def test_indicator_page_shows_every_value_in_time_order_then_area(child_protection, client):
    response = client.get(indicator_url("cpp-rate"))
    table = response.context["table"]
    assert table.paginator.count == Value.objects.filter(indicator__slug="cpp-rate").count() == 17
    rows = table_rows(response)
    keys = [(v.period.end_date, v.area.name) for v in rows]
    assert keys == sorted(keys)
    assert rows[0].period.code == "2011-03-31"
    assert rows[0].area.code == ENGLAND


def test_indicator_table_has_the_columns_caption_and_header_scopes(child_protection, client):
    html = client.get(indicator_url("cpp-rate")).content.decode()
    html = html.split("<h2>All figures</h2>", 1)[1]  # after the trend chart and its table
    headers = re.findall(r'<th scope="col"[^>]*>\s*(?:<a[^>]*>)?([^<]+)', html)
    assert [h.strip() for h in headers] == [
        "Area",
        "Area code",
        "Area type",
        "Period",
        "Breakdown",
        "Value",
        "Count",
        "Denominator",
        "Lower CI",
        "Upper CI",
        "Note",
    ]
    assert "<caption" in html
    assert 'aria-sort="ascending"' in html  # the default order, by period
    assert '<div class="table-wrap"' in html


def test_filter_by_area_type_narrows_the_rows(child_protection, client):
    response = client.get(indicator_url("cpp-rate", area_type="district"))
    rows = table_rows(response)
    assert response.context["table"].paginator.count == 8
    assert {v.area.area_type for v in rows} == {"district"}


def test_filter_by_period_narrows_the_rows(child_protection, client):
    response = client.get(indicator_url("cpp-rate", period="2013-03-31"))
    assert response.context["table"].paginator.count == 7
    assert {v.period.code for v in table_rows(response)} == {"2013-03-31"}


def test_filters_combine_and_the_form_is_labelled(child_protection, client):
    response = client.get(indicator_url("cpp-rate", area_type="district", period="2013-03-31"))
    html = response.content.decode()
    assert response.context["table"].paginator.count == 4
    assert '<label for="id_area_type">Area type</label>' in html
    assert '<label for="id_period">Period</label>' in html
    assert '<option value="district" selected>District</option>' in html
    assert '<button type="submit">' in html
    # The download links carry the filters, so they give the rows on screen.
    assert "download.csv?area_type=district&amp;period=2013-03-31" in html


def test_an_invalid_filter_is_reported_and_ignored(child_protection, client):
    response = client.get(indicator_url("cpp-rate", area_type="district", period="1999"))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["table"].paginator.count == 8  # the area type still applies
    assert 'class="errorlist"' in html
    assert 'id="id_period_error"' in html  # the control's aria-describedby points at it


def test_period_choices_are_those_of_the_indicator_in_time_order(child_protection, client):
    form = client.get(indicator_url("re-referrals")).context["filter"]
    codes = [p.code for p in form.fields["period"].queryset]
    assert codes == sorted(codes, key=lambda c: Period.objects.get(code=c).end_date)
    assert "2013-03-31" not in codes  # a cpp-rate period, not a re-referrals one


def test_sort_by_value_both_ways_with_missing_figures_last(client):
    indicator = IndicatorFactory(decimal_places=1)
    period = PeriodFactory(code="2012/13")
    for number in ["12.5", "3.0", "40.1", "7.7"]:
        ValueFactory(indicator=indicator, period=period, value=Decimal(number))
    ValueFactory(indicator=indicator, period=period, value=None, status="suppressed")

    def figures(sort: str) -> list:
        response = client.get(indicator_url(indicator.slug, sort=sort))
        return [v.value for v in table_rows(response)]

    assert figures("value") == [
        Decimal("3.0"),
        Decimal("7.7"),
        Decimal("12.5"),
        Decimal("40.1"),
        None,
    ]
    assert figures("-value") == [
        Decimal("40.1"),
        Decimal("12.5"),
        Decimal("7.7"),
        Decimal("3.0"),
        None,
    ]


def test_sorted_header_says_so_and_links_to_the_other_direction(child_protection, client):
    child_protection.add_districts(10, "cpp-rate", "2013-03-31")  # a second page of rows
    html = client.get(indicator_url("cpp-rate", sort="value", page="2")).content.decode()
    value_header = re.search(
        r'<th scope="col"[^>]*aria-sort="ascending"[^>]*>(.*?)</th>', html, re.S
    )
    assert value_header and "Value" in value_header.group(1)
    assert "sort=-value" in value_header.group(1)
    assert "page=" not in value_header.group(1)  # a new order starts at the first page


def test_pagination_shows_25_rows_a_page(client):
    indicator = IndicatorFactory()
    period = PeriodFactory(code="2012/13")
    ValueFactory.create_batch(30, indicator=indicator, period=period)
    first = client.get(indicator_url(indicator.slug))
    second = client.get(indicator_url(indicator.slug, page="2"))
    assert len(table_rows(first)) == 25
    assert len(table_rows(second)) == 5
    assert {v.pk for v in table_rows(first)}.isdisjoint({v.pk for v in table_rows(second)})
    html = first.content.decode()
    assert '<nav class="pagination" aria-label=' in html
    assert 'aria-current="page"' in html
    assert "Rows 1 to 25 of 30." in html
    assert 'rel="next" href="?page=2"' in html


def test_page_size_from_the_address_is_bounded(client):
    indicator = IndicatorFactory()
    ValueFactory.create_batch(3, indicator=indicator, period=PeriodFactory(code="2012/13"))

    def per_page(asked: str) -> int:
        response = client.get(indicator_url(indicator.slug, per_page=asked))
        return response.context["table"].paginator.per_page

    assert per_page("-5") == 1
    assert per_page("0") == 25  # none asked for: the default
    assert per_page("100000") == 100


def test_illustrative_badge_only_on_illustrative_values(child_protection, client):
    html = client.get(indicator_url("cpp-rate", period="2013-03-31", sort="area")).content.decode()
    html = html.split("<h2>All figures</h2>", 1)[1]  # after the trend chart and its table
    rows = {re.search(r'<a href="[^"]+">([^<]+)</a>', row).group(1): row for row in body_rows(html)}
    assert "73.3" in rows["Preston"] and BADGE not in rows["Preston"]
    assert "14.1" in rows["Ribble Valley"] and BADGE not in rows["Ribble Valley"]
    assert "40.3" in rows["Lancashire-12"] and BADGE in rows["Lancashire-12"]
    assert "58.2" in rows["Burnley"] and BADGE in rows["Burnley"]


def test_missing_values_show_their_status_and_numbers_are_formatted(client):
    indicator = IndicatorFactory(unit="count", multiplier=1, decimal_places=0)
    period = PeriodFactory(code="2012/13")
    ValueFactory(
        indicator=indicator,
        period=period,
        value=None,
        status="suppressed",
        note="Fewer than 5 children",
    )
    ValueFactory(
        indicator=indicator,
        period=period,
        value=Decimal("1234"),
        count=Decimal("1234"),
        denominator=Decimal("250000"),
        lower_ci=Decimal("1160.4"),
        upper_ci=Decimal("1311.6"),
        breakdown=BreakdownFactory(dimension="sex", label="Female"),
    )
    html = client.get(indicator_url(indicator.slug)).content.decode()
    assert "Suppressed (small numbers)" in html
    assert "Fewer than 5 children" in html
    assert '<td class="num">1,234</td>' in html
    assert '<td class="num">250,000</td>' in html
    assert '<td class="num">1,160</td>' in html  # the indicator's decimal places
    assert "Sex: Female" in html


def test_unknown_indicator_is_404(db, client):
    assert client.get(indicator_url("no-such-indicator")).status_code == 404


# --- Area page --------------------------------------------------------------------------------


def test_area_page_shows_preston_beside_its_comparators(child_protection, client):
    response = client.get(area_url(PRESTON))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Preston</h1>" in html
    assert "District" in html and PRESTON in html
    table = response.context["table"]
    assert [c.header for c in table.columns][3:] == [
        "Preston",
        "Lancashire-12",
        "North West",
        "England",
    ]
    (row,) = body_rows(html, "area-comparison")
    assert "Children with a child protection plan (rate per 10,000 under 18s)" in row
    assert "31 March 2013" in row
    cells = re.findall(r'<td class="num">(.*?)</td>', row)
    assert cells == ["73.3", f"40.3 {BADGE}", f"43.9 {BADGE}", f"37.9 {BADGE}"]
    for code in (LANCASHIRE, NORTH_WEST, ENGLAND):  # the parent chain, as links
        assert f'href="{area_url(code)}"' in html
    assert "Download this data (CSV)" in html and "Download this data (XLSX)" in html


def test_area_page_lists_child_areas(child_protection, client):
    html = client.get(area_url(LANCASHIRE)).content.decode()
    assert "<h2>Areas in Lancashire-12</h2>" in html
    assert f'<a href="{area_url(PRESTON)}">Preston</a>' in html
    assert html.count('class="area-list"') == 1


def test_area_page_uses_each_indicators_latest_period_for_the_area(client):
    county = AreaFactory(code="E10000099", name="Shire", area_type="county")
    district = AreaFactory(code="E07000999", name="Town", area_type="district", parent=county)
    old, new, newest = (PeriodFactory(code=c) for c in ("2010/11", "2011/12", "2012/13"))
    rate = IndicatorFactory(name="A rate")
    ValueFactory(indicator=rate, area=district, period=old, value=Decimal("1.0"))
    ValueFactory(indicator=rate, area=district, period=new, value=Decimal("2.0"))
    ValueFactory(indicator=rate, area=county, period=new, value=Decimal("3.0"))
    # The county has a newer figure, but the district does not: the district's latest is shown.
    ValueFactory(indicator=rate, area=county, period=newest, value=Decimal("4.0"))
    # A breakdown is left out: the comparison is for the whole population.
    ValueFactory(
        indicator=rate,
        area=district,
        period=newest,
        value=Decimal("9.0"),
        breakdown=BreakdownFactory(),
    )
    other = IndicatorFactory(name="B other", decimal_places=2)
    ValueFactory(
        indicator=other, area=district, period=old, value=Decimal("5.5"), is_illustrative=True
    )
    html = client.get(district.get_absolute_url()).content.decode()
    first, second = body_rows(html, "area-comparison")
    assert "A rate" in first and "2011/12" in first
    assert re.findall(r'<td class="num">(.*?)</td>', first) == ["2.0%", "3.0%"]
    assert "B other" in second and "2010/11" in second
    assert re.findall(r'<td class="num">(.*?)</td>', second) == [f"5.50% {BADGE}", "No data"]


def test_area_page_includes_named_comparator_groups(child_protection, client):
    preston = Area.objects.get(code=PRESTON)
    group = ComparatorGroup.objects.create(name="Similar districts")
    group.areas.add(preston)
    group.members.add(Area.objects.get(code="E07000124"))
    response = client.get(preston.get_absolute_url())
    headers = [c.header for c in response.context["table"].columns][3:]
    assert headers == ["Preston", "Lancashire-12", "North West", "England", "Ribble Valley"]
    assert "14.1" in response.content.decode()


def test_unknown_area_is_404(db, client):
    assert client.get("/data/areas/nowhere-e07999999/").status_code == 404


# --- Index pages ------------------------------------------------------------------------------


def test_indicator_index_lists_every_indicator(child_protection, client):
    html = client.get(reverse("indicators:indicator_list")).content.decode()
    for indicator in Indicator.objects.all():
        assert f'<a href="{indicator.get_absolute_url()}">' in html
    assert "A low percentage is better." in html
    assert "<caption" in html


def test_area_index_groups_areas_by_type(child_protection, client):
    html = client.get(reverse("indicators:area_list")).content.decode()
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", html)
    assert headings == ["Countries", "Regions", "Counties", "Unitary authorities", "Districts"]
    assert f'<a href="{area_url(PRESTON)}">Preston</a>' in html


def test_data_index_links_to_indicators_and_areas(db, client):
    html = client.get(reverse("indicators:index")).content.decode()
    assert f'href="{reverse("indicators:indicator_list")}"' in html
    assert f'href="{reverse("indicators:area_list")}"' in html


# --- Queries stay constant as the data grows -------------------------------------------------


def grow(*, areas: int, periods: int) -> None:
    """Many more areas under Lancashire, each with figures for every indicator and period, some
    broken down, plus a comparator group for Preston."""
    lancashire = Area.objects.get(code=LANCASHIRE)
    new_areas = [
        AreaFactory(code=f"E07900{n:03d}", name=f"New district {n}", parent=lancashire)
        for n in range(areas)
    ]
    new_periods = [PeriodFactory(code=f"{1990 + n}/{(91 + n) % 100:02d}") for n in range(periods)]
    breakdown = BreakdownFactory(dimension="sex", label="Male")
    preston = Area.objects.get(code=PRESTON)
    values = []
    for indicator in Indicator.objects.all():
        for area in [*new_areas, preston]:
            for period in new_periods:
                values.append(Value(indicator=indicator, area=area, period=period, value=1))
                values.append(
                    Value(
                        indicator=indicator,
                        area=area,
                        period=period,
                        breakdown=breakdown,
                        value=2,
                        is_illustrative=True,
                    )
                )
    Value.objects.bulk_create(values)
    group = ComparatorGroup.objects.create(name="Neighbours")
    group.areas.add(preston)
    group.members.add(*new_areas[:5])


def test_indicator_page_queries_do_not_grow_with_the_data(
    child_protection, client, django_assert_num_queries
):
    url = indicator_url("cpp-rate", area_type="district", sort="-value")
    # content version (page cache), indicator, period choices, row count, one page of values
    # with their area, period, breakdown; the trend chart's block kept in the database and
    # the changes since it was built; to build it: the page section showing the indicator
    # with its topic's area, that topic's comparators, the chart's values; the releases of its
    # figures (“Changes to these figures”); the block kept
    with django_assert_num_queries(12):
        client.get(url)
    grow(areas=40, periods=5)
    with django_assert_num_queries(12):  # the figures changed: the block is built again
        response = client.get(url)
    assert response.context["table"].paginator.count > 200


def test_area_page_queries_do_not_grow_with_the_data(
    child_protection, client, django_assert_num_queries
):
    url = area_url(PRESTON)
    # content version, area with its parent chain, comparator groups, child areas, the block
    # of its latest figures kept in the database and the changes since; to build it: the
    # area's latest period per indicator, the candidate values, the values, the peers' figures
    # for the profile's ranges, the topics that show the indicators; the block kept, and the
    # page's parts (core/kept_pages.py)
    with django_assert_num_queries(13):
        client.get(url)
    grow(areas=40, periods=5)
    cache.clear()  # as the first time: no cached page to check first
    # ... and the members of the comparator group, now that Preston has one
    with django_assert_num_queries(14):
        response = client.get(url)
    assert len(response.context["comparators"]) == 8
    assert len(response.context["table"].rows) == Indicator.objects.count()


def test_index_pages_take_one_query_each(child_protection, client, django_assert_num_queries):
    # the content version (page cache) with the page's kept parts, the list; the parts kept
    with django_assert_num_queries(3):
        client.get(reverse("indicators:indicator_list"))
    with django_assert_num_queries(3):
        client.get(reverse("indicators:area_list"))


def test_the_caption_says_which_filters_apply(child_protection, client):
    response = client.get(indicator_url("cpp-rate", area_type="district", period="2013-03-31"))
    assert response.context["table"].caption == (
        "Children with a child protection plan (rate per 10,000 under 18s): figures by area and "
        "period (area type: District; period: 31 March 2013)"
    )
