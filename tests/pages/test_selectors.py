"""The topic page's selector: what `topic_page` reads, and in how many queries."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from indicators.models import Value
from pages.models import Section, Topic, TopicLink
from pages.selectors import (
    Author,
    DraftNotice,
    Link,
    page_topics,
    topic_page,
    unique,
)
from tests.factories import (
    AreaFactory,
    IndicatorFactory,
    PageAuthorFactory,
    PeriodFactory,
    SectionFactory,
    TopicFactory,
    ValueFactory,
)

pytestmark = pytest.mark.django_db


def fetch(topic: Topic) -> Topic:
    """The topic as the view fetches it, with what the selector reads."""
    return page_topics().get(pk=topic.pk)


@pytest.fixture
def tree():
    """A theme with a page under it, written by an analyst, with a link and a child page."""
    theme = TopicFactory(title="Health", slug="health")
    author = PageAuthorFactory(name="Ann Lyst", job_title="Analyst", phone="01772 000000")
    page = TopicFactory(
        parent=theme,
        title="Smoking",
        slug="smoking",
        summary="Who smokes.",
        author=author,
        last_updated=datetime.date(2014, 3, 19),
    )
    SectionFactory(topic=page, heading="About", anchor="about", body="Some **words**.")
    TopicLink.objects.create(
        topic=page, title="Strategy", url="https://example.org/s", description="The plan"
    )
    TopicFactory(parent=page, title="Vaping", slug="vaping", summary="E-cigarettes.")
    TopicFactory(parent=page, title="Hidden", slug="hidden", status="draft")
    return page


@pytest.fixture
def district():
    """A county with three districts and a percentage indicator with two years of figures."""
    england = AreaFactory(code="E92000001", name="England", area_type="country")
    county = AreaFactory(code="E10000017", name="Lancashire", area_type="county", parent=england)
    indicator = IndicatorFactory(name="Smokers", slug="smokers")
    first, second = PeriodFactory(code="2011/12"), PeriodFactory(code="2012/13")
    for period, figure in ((first, "20.0"), (second, "18.5")):
        ValueFactory(indicator=indicator, area=county, period=period, value=Decimal(figure))
    ValueFactory(indicator=indicator, area=england, period=second, value=Decimal("17.0"))
    return county, indicator


def test_a_page_without_figures(tree, django_assert_num_queries):
    topic = fetch(tree)
    # the pages above it, the pages under it; the narrative has no live figures to look up
    with django_assert_num_queries(2):
        page = topic_page(topic)
    assert page.title == "Smoking" and page.summary == "Who smokes."
    assert page.breadcrumbs == (Link("Health", "/health/"),)
    assert page.child_pages == (Link("Vaping", "/health/smoking/vaping/", "E-cigarettes."),)
    assert page.links == (Link("Strategy", "https://example.org/s", "The plan"),)
    assert page.author == Author("Ann Lyst", "Analyst", "ann.lyst@example.org", "01772 000000")
    (section,) = page.sections
    assert (section.anchor, section.heading) == ("about", "About")
    assert section.html == "<p>Some <strong>words</strong>.</p>\n"
    assert section.indicator is None and section.figures is None and section.downloads == ()
    assert page.indicator_sections == ()
    assert page.draft is None and page.pending_draft is None


def test_last_updated_is_the_latest_of_the_date_the_narrative_and_the_figures(tree, district):
    county, indicator = district
    Topic.objects.filter(pk=tree.pk).update(area=county)
    SectionFactory(topic=tree, heading="Smokers", anchor="smokers", indicator=indicator)
    long_ago = timezone.make_aware(datetime.datetime(2010, 1, 1))
    Section.objects.update(updated_at=long_ago)
    Value.objects.update(updated_at=long_ago)
    assert topic_page(fetch(tree)).last_updated == datetime.date(2014, 3, 19)
    Value.objects.filter(area=county).update(
        updated_at=timezone.make_aware(datetime.datetime(2015, 6, 1, 12))
    )
    assert topic_page(fetch(tree)).last_updated == datetime.date(2015, 6, 1)


def test_a_section_about_an_indicator_has_its_figures_and_downloads(tree, district):
    county, indicator = district
    Topic.objects.filter(pk=tree.pk).update(area=county)
    SectionFactory(
        topic=tree, heading="Smokers", anchor="smokers", indicator=indicator, body="{{smokers}}"
    )
    page = topic_page(fetch(tree))
    about, smokers = page.sections
    assert page.indicator_sections == (smokers,)
    assert about.figures is None and about.indicator is None
    assert "18.5%" in smokers.html  # the live figure
    assert smokers.indicator is not None and smokers.indicator.name == "Smokers"
    assert smokers.indicator.url == "/data/indicators/smokers/"
    figures = smokers.figures
    assert figures is not None
    assert figures.chart_id == "smokers-data"
    assert figures.caption == "The percentage for Lancashire was lower in 2012/13 than in 2011/12"
    assert figures.subtitle == "Smokers, percentage, Lancashire and England, 2011/12 to 2012/13"
    assert figures.statement.startswith("In 2012/13 the percentage for Lancashire was 18.5%")
    assert figures.period == "2012/13" and figures.unit == "%"
    (comparison,) = figures.comparisons
    assert (comparison.marker, comparison.area, comparison.figure) == (
        "▲ Higher",
        "England",
        "17.0%",
    )
    assert comparison.verdict == "worse (not tested)" and not comparison.illustrative
    assert [row.label for row in figures.table.figures.rows] == ["Lancashire", "England"]
    assert [d.label for d in smokers.downloads] == ["CSV", "XLSX"]
    csv = smokers.downloads[0].url
    assert csv.startswith("/data/download.csv?indicator=smokers&area=E10000017&area=E92000001")
    assert csv.endswith("&breakdown=none")


def test_figures_take_the_same_queries_however_many_there_are(
    tree, district, django_assert_num_queries
):
    county, indicator = district
    Topic.objects.filter(pk=tree.pk).update(area=county)
    SectionFactory(topic=tree, heading="Smokers", anchor="smokers", indicator=indicator)
    other = IndicatorFactory(name="Quitters", slug="quitters")
    SectionFactory(topic=tree, heading="Quitters", anchor="quitters", indicator=other)
    topic = fetch(tree)
    # the values, the pages above it, the pages under it, the releases of its figures
    with django_assert_num_queries(4):
        topic_page(topic)
    for _ in range(5):
        area = AreaFactory(parent=county)
        for period in ("2011/12", "2012/13"):
            ValueFactory(indicator=other, area=area, period=PeriodFactory(code=period))
    topic = fetch(tree)
    with django_assert_num_queries(4):
        page = topic_page(topic)
    figures = page.sections[2].figures
    assert figures is not None
    assert figures.caption == "The 5 districts have the same percentage"
    assert figures.subtitle == "Quitters, percentage, districts in Lancashire, 2012/13"


def test_an_officer_previewing_a_draft_of_a_published_page(tree):
    draft = Topic.objects.create(
        draft_of=tree, parent=tree.parent, title="Smoking", slug="smoking", status="review"
    )
    page = topic_page(fetch(draft), preview=True)
    assert page.draft == DraftNotice(
        status="In review",
        edit_url=f"/admin/pages/topic/{draft.pk}/change/",
        published_url="/health/smoking/",
    )
    # The pages under the published page, which the draft will replace.
    assert [link.title for link in page.child_pages] == ["Vaping"]


def test_an_unpublished_page_and_a_pending_draft(tree):
    page = topic_page(fetch(tree), preview=True)
    assert page.draft is not None and page.draft.published_url == ""
    draft = Topic.objects.create(
        draft_of=tree, parent=tree.parent, title="Smoking", slug="smoking", status="draft"
    )
    page = topic_page(fetch(tree), pending_draft=draft)
    assert page.draft is None
    assert page.pending_draft is not None and page.pending_draft.status == "Draft"


def test_unique_keeps_the_first_of_each():
    assert unique([3, 1, 3, 2, 1]) == [3, 1, 2]
