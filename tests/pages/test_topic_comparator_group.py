"""A topic page names the comparator group its figures are compared with: “Figures for
Lancashire-12 are compared with … and its 10 statistical neighbours (…)”."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Prebuilt
from indicators.models import Area, ComparatorGroup, Period
from pages.models import Topic
from pages.selectors import Link, page_topics, topic_page
from tests.factories import (
    BLACKPOOL,
    CHILD_PROTECTION_URL,
    CHORLEY,
    LANCASHIRE,
    NORTH_WEST,
    AreaFactory,
    ValueFactory,
    build_child_protection,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def child_protection():
    return build_child_protection()


def neighbours(count: int) -> list[Area]:
    north_west = Area.objects.get(code=NORTH_WEST)
    return [
        AreaFactory(
            code=f"E10000{900 + n}", name=f"Shire {n}", area_type="county", parent=north_west
        )
        for n in range(count)
    ]


def give_group(topic: Topic, members: list[Area], **fields) -> ComparatorGroup:
    fields = {
        "name": "CIPFA nearest neighbours",
        "members_called": "statistical neighbours",
    } | fields
    group = ComparatorGroup.objects.create(**fields)
    group.members.set(members)
    topic.comparator_group = group
    topic.save()
    return group


def html_of(client) -> str:
    response = client.get(CHILD_PROTECTION_URL)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_names_the_group_near_the_top(client, child_protection):
    lancashire = Area.objects.get(code=LANCASHIRE)
    # The page's own area in its group is not one of its neighbours.
    give_group(
        child_protection.page,
        [*neighbours(10), lancashire],
        description="Chartered Institute of Public Finance and Accountancy, 2023.",
    )
    html = html_of(client)
    sentence = (
        "<p>Figures for Lancashire-12 are compared with the North West, England, Blackburn with "
        "Darwen, Blackpool and its 10 statistical neighbours (CIPFA nearest neighbours).</p>"
    )
    assert sentence in html
    assert html.index(sentence) < html.index("Indicators on this page") < html.index('id="about"')
    details = html.split('<details class="details">', 1)[1].split("</details>", 1)[0]
    assert "<summary>The 10 statistical neighbours</summary>" in details
    assert "<p>Chartered Institute of Public Finance and Accountancy, 2023.</p>" in details
    for n in range(10):
        url = Area.objects.get(code=f"E10000{900 + n}").get_absolute_url()
        assert f'<li><a href="{url}">Shire {n}</a></li>' in details
    assert "Lancashire-12</a>" not in details


def test_the_groups_areas_are_compared_with_in_the_figures(client, child_protection):
    shire, other = neighbours(2)
    give_group(child_protection.page, [shire, other])
    period = Period.objects.get(code="2012/13")
    indicator = child_protection.indicators["referrals-rate"]
    ValueFactory(indicator=indicator, area=shire, period=period, value=Decimal("432.1"))
    page = topic_page(page_topics().get(pk=child_protection.page.pk))
    referrals = next(s for s in page.sections if s.anchor == "referrals")
    assert referrals.figures is not None
    assert "Shire 0" in [c.area for c in referrals.figures.comparisons]
    assert page.comparison_group is not None
    assert page.comparison_group.members == (
        Link("Shire 0", shire.get_absolute_url()),
        Link("Shire 1", other.get_absolute_url()),
    )


def test_without_a_group_the_page_says_nothing_new(client, child_protection):
    html = html_of(client)
    assert "are compared with" not in html
    assert "comparison-group" not in html and "<details" not in html
    assert topic_page(page_topics().get(pk=child_protection.page.pk)).comparison_group is None


def test_a_group_with_no_other_area_says_nothing(client, child_protection):
    give_group(child_protection.page, [Area.objects.get(code=LANCASHIRE)])
    assert "are compared with" not in html_of(client)


def test_a_page_without_an_area_says_nothing(client, child_protection):
    page = child_protection.page
    give_group(page, neighbours(3))
    Topic.objects.filter(pk=page.pk).update(area=None)
    assert topic_page(page_topics().get(pk=page.pk)).comparison_group is None


def test_unnamed_members_are_comparator_areas(client, child_protection):
    give_group(child_protection.page, neighbours(2), name="Similar councils", members_called="")
    html = html_of(client)
    assert "Blackpool and its 2 comparator areas (Similar councils).</p>" in html
    assert "<summary>The 2 comparator areas</summary>" in html


def test_a_group_of_one_names_its_area(client, child_protection):
    give_group(child_protection.page, [Area.objects.get(code=CHORLEY)], name="Similar districts")
    html = html_of(client)
    assert (
        "<p>Figures for Lancashire-12 are compared with the North West, England, Blackburn with "
        "Darwen, Blackpool and Chorley (Similar districts).</p>"
    ) in html
    assert "<details" not in html  # one area needs no list


def test_a_chosen_comparator_in_the_group_is_counted_in_the_group(client, child_protection):
    give_group(child_protection.page, [Area.objects.get(code=BLACKPOOL), *neighbours(2)])
    html = html_of(client)
    assert (
        "<p>Figures for Lancashire-12 are compared with the North West, England, Blackburn with "
        "Darwen and its 3 statistical neighbours (CIPFA nearest neighbours).</p>"
    ) in html


def queries(client) -> int:
    """The queries of building the page, with no cached page or kept parts to check first."""
    cache.clear()
    Prebuilt.objects.filter(key__startswith="page:").delete()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(CHILD_PROTECTION_URL).status_code == 200
    return len(captured)


def test_the_group_costs_one_query_however_many_areas_it_has(client, child_protection):
    without = queries(client)
    group = give_group(child_protection.page, neighbours(2))
    assert queries(client) == without + 1  # the group's members, with the topic's comparators
    group.members.add(*neighbours(12)[2:])
    assert queries(client) == without + 1
    assert "its 12 statistical neighbours" in html_of(client)
