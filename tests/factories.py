import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from indicators.models import Area, Breakdown, Indicator, Period, Value
from pages.demo import content as demo_content
from pages.models import PageAuthor, Section, Team, Topic


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"E07{n:06d}")
    name = factory.Sequence(lambda n: f"District {n}")
    area_type = "district"


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    name = factory.Sequence(lambda n: f"Indicator {n}")
    slug = factory.Sequence(lambda n: f"indicator-{n}")
    unit = "percentage"
    multiplier = 100
    decimal_places = 1
    polarity = "low"
    # Public on its own, as most tests' indicators are shown without a published page; the
    # tests of that rule make indicators that are not (tests/hardening/test_unreleased_*).
    is_public = True


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{2000 + n}/{(1 + n) % 100:02d}")
    kind = "fy"
    start_date = factory.LazyAttribute(lambda o: datetime.date(int(o.code[:4]), 4, 1))
    end_date = factory.LazyAttribute(lambda o: datetime.date(int(o.code[:4]) + 1, 3, 31))
    label = factory.LazyAttribute(lambda o: o.code)


class BreakdownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Breakdown

    dimension = "age"
    label = factory.Sequence(lambda n: f"Band {n}")


class ValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Value

    indicator = factory.SubFactory(IndicatorFactory)
    area = factory.SubFactory(AreaFactory)
    period = factory.SubFactory(PeriodFactory)
    value = Decimal("12.5")


class PageAuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PageAuthor

    name = factory.Sequence(lambda n: f"Analyst {n}")
    email = factory.LazyAttribute(lambda o: f"{o.name.lower().replace(' ', '.')}@example.org")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    title = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    status = "published"


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    topic = factory.SubFactory(TopicFactory)
    heading = factory.Sequence(lambda n: f"Section {n}")
    anchor = factory.Sequence(lambda n: f"section-{n}")
    body = "Some narrative."


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a-long-test-password")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Team {n}")


# --- A small Lancashire ------------------------------------------------------------------------
# The shape of the demo in a few rows: its area hierarchy with four of the twelve districts, its
# indicators (their definitions from the demo content) and a few of its figures, published and
# illustrative, so that tests about pages, downloads and references need not load the demo.

ENGLAND, NORTH_WEST, LANCASHIRE = "E92000001", "E12000002", "E10000017"
BLACKBURN, BLACKPOOL = "E06000008", "E06000009"
BURNLEY, CHORLEY, PRESTON, RIBBLE_VALLEY = "E07000117", "E07000118", "E07000123", "E07000124"
DISTRICTS = [BURNLEY, CHORLEY, PRESTON, RIBBLE_VALLEY]

LANCASHIRE_NAME = "Lancashire-12 (Lancashire County Council)"
# (code, name, area type, parent's code, short name), parents first.
AREAS = [
    (ENGLAND, "England", "country", None, ""),
    (NORTH_WEST, "North West", "region", ENGLAND, ""),
    (LANCASHIRE, LANCASHIRE_NAME, "county", NORTH_WEST, "Lancashire-12"),
    (BLACKBURN, "Blackburn with Darwen", "unitary", NORTH_WEST, ""),
    (BLACKPOOL, "Blackpool", "unitary", NORTH_WEST, ""),
    (BURNLEY, "Burnley", "district", LANCASHIRE, ""),
    (CHORLEY, "Chorley", "district", LANCASHIRE, ""),
    (PRESTON, "Preston", "district", LANCASHIRE, ""),
    (RIBBLE_VALLEY, "Ribble Valley", "district", LANCASHIRE, ""),
]

# (indicator, area, period, breakdown, value, count): demo figures. A value ending in "*" is
# illustrative (synthetic); the others are the published figures the demo stores exactly.
FIGURES = [
    ("cpp-rate", LANCASHIRE, "2011-03-31", "", "34.6*", ""),
    ("cpp-rate", NORTH_WEST, "2011-03-31", "", "41.2*", ""),
    ("cpp-rate", ENGLAND, "2011-03-31", "", "38.7*", ""),
    ("cpp-rate", LANCASHIRE, "2012-03-31", "", "37.2*", ""),
    ("cpp-rate", NORTH_WEST, "2012-03-31", "", "42.0*", ""),
    ("cpp-rate", ENGLAND, "2012-03-31", "", "37.8*", ""),
    ("cpp-rate", BURNLEY, "2012-03-31", "", "44.0*", ""),
    ("cpp-rate", CHORLEY, "2012-03-31", "", "30.1*", ""),
    ("cpp-rate", PRESTON, "2012-03-31", "", "61.0*", ""),
    ("cpp-rate", RIBBLE_VALLEY, "2012-03-31", "", "8.6*", ""),
    ("cpp-rate", LANCASHIRE, "2013-03-31", "", "40.3*", ""),
    ("cpp-rate", NORTH_WEST, "2013-03-31", "", "43.9*", ""),
    ("cpp-rate", ENGLAND, "2013-03-31", "", "37.9*", ""),
    ("cpp-rate", BURNLEY, "2013-03-31", "", "58.2*", ""),
    ("cpp-rate", CHORLEY, "2013-03-31", "", "41.6*", ""),
    ("cpp-rate", PRESTON, "2013-03-31", "", "73.3", ""),
    ("cpp-rate", RIBBLE_VALLEY, "2013-03-31", "", "14.1", ""),
    ("referrals-rate", LANCASHIRE, "2011/12", "", "557.0*", ""),
    ("referrals-rate", BLACKBURN, "2011/12", "", "510.6*", ""),
    ("referrals-rate", BLACKPOOL, "2011/12", "", "986.2*", ""),
    ("referrals-rate", NORTH_WEST, "2011/12", "", "611.5*", ""),
    ("referrals-rate", ENGLAND, "2011/12", "", "533.5*", ""),
    ("referrals-rate", LANCASHIRE, "2012/13", "", "638.6", ""),
    ("referrals-rate", BLACKBURN, "2012/13", "", "492.9", ""),
    ("referrals-rate", BLACKPOOL, "2012/13", "", "954.7*", ""),
    ("referrals-rate", NORTH_WEST, "2012/13", "", "619.7", ""),
    ("referrals-rate", ENGLAND, "2012/13", "", "520.7", ""),
    ("re-referrals", LANCASHIRE, "2011/12", "", "26.2*", ""),
    ("re-referrals", NORTH_WEST, "2011/12", "", "25.9*", ""),
    ("re-referrals", ENGLAND, "2011/12", "", "26.4*", ""),
    ("re-referrals", LANCASHIRE, "2012/13", "", "27.6", ""),
    ("re-referrals", NORTH_WEST, "2012/13", "", "26.4", ""),
    ("re-referrals", ENGLAND, "2012/13", "", "24.9", ""),
    ("cpp-count", LANCASHIRE, "2012-03-31", "", "809*", "809"),
    ("cpp-count", LANCASHIRE, "2013-03-31", "", "878", "878"),
    ("cpp-count", LANCASHIRE, "2013-03-31", "age: Under 1", "95*", "95"),
    ("cpp-count", LANCASHIRE, "2013-03-31", "age: 1-4", "265*", "265"),
    ("cpp-count", LANCASHIRE, "2013-03-31", "age: 5-9", "240*", "240"),
    ("cpp-count", LANCASHIRE, "2013-03-31", "age: 10-15", "232*", "232"),
    ("cpp-count", LANCASHIRE, "2013-03-31", "age: 16 and over", "46*", "46"),
    ("cpp-two-years", LANCASHIRE, "2011/12", "", "3.0*", ""),
    ("cpp-two-years", LANCASHIRE, "2012/13", "", "2.4", "21"),
    ("cpp-ethnicity", LANCASHIRE, "2013-03-31", "ethnicity: White British", "87", ""),
    ("cpp-ethnicity", LANCASHIRE, "2013-03-31", "ethnicity: Mixed", "5*", ""),
]

TEAM = demo_content.TEAM
CHILD_PROTECTION_URL = "/children-and-young-people/childrens-social-care/child-protection/"


def child_protection_pages() -> dict[str, str]:
    """The addresses of the pages `build_child_protection()` makes that show its figures: the
    topic page, its first indicator's page and Preston's area page."""
    return {
        "topic": CHILD_PROTECTION_URL,
        "indicator": "/data/indicators/cpp-rate/",
        "area": Area.objects.get(code=PRESTON).get_absolute_url(),
    }


# The Child protection page's sections: (anchor, heading, indicator, breakdown dimension, body).
SECTIONS = [
    (
        "about",
        "About this page",
        None,
        "",
        "The main measures of child protection for Lancashire-12 and its districts, compared "
        "with the North West, England and two neighbouring unitary authorities.\n\n"
        "Figures labelled *illustrative* are synthetic examples.",
    ),
    (
        "children-with-a-plan",
        "Number of children with a child protection plan",
        "cpp-count",
        "",
        "On 31 March 2013 there were {{cpp-count | period=2013-03-31}} children in "
        "Lancashire-12 with a child protection plan.",
    ),
    (
        "district-rates",
        "Children with a plan in each district",
        "cpp-rate",
        "",
        "On 31 March 2013 Preston's rate, {{cpp-rate | area=Preston | period=2013-03-31}} "
        "children aged under 18, was {{rank cpp-rate | area=Preston | period=2013-03-31}}, and "
        "Ribble Valley's, {{cpp-rate | area=Ribble Valley | period=2013-03-31}}, "
        "{{rank cpp-rate | area=Ribble Valley | period=2013-03-31}}.",
    ),
    (
        "referrals",
        "Referrals to children's social care",
        "referrals-rate",
        "",
        "Referrals in Lancashire-12 rose again in 2012/13 to "
        "{{referrals-rate | period=2012/13}} children, above England "
        "({{referrals-rate | area=England | period=2012/13}}).",
    ),
    (
        "re-referrals",
        "Re-referrals within 12 months",
        "re-referrals",
        "",
        "A re-referral is a referral about a child whose previous referral came within the last "
        "12 months: a first referral about domestic abuse followed by a second about neglect "
        "still counts.\n\nIn 2012/13, {{re-referrals | period=2012/13}} of Lancashire-12's "
        "referrals were re-referrals, above the North West "
        "({{re-referrals | area=North West | period=2012/13}}).",
    ),
    (
        "plans-two-years",
        "Plans lasting two years or more",
        "cpp-two-years",
        "",
        "In 2012/13 only {{cpp-two-years | period=2012/13}} of the plans that ended had lasted "
        "two years or more: {{cpp-two-years | period=2012/13 | show=count}} plans.",
    ),
    (
        "age",
        "Age of children with a plan",
        "cpp-count",
        "age",
        "On 31 March 2013 the largest group of children with a plan were aged 1 to 4.",
    ),
    (
        "ethnicity",
        "Ethnicity of children with a plan",
        "cpp-ethnicity",
        "ethnicity",
        "On 31 March 2013, {{cpp-ethnicity | breakdown=ethnicity: White British | "
        "period=2013-03-31}} of the children with a plan were White British.",
    ),
]


def demo_indicator(slug: str) -> Indicator:
    """One of the demo's indicators, as the demo defines it (with its small-number rule)."""
    spec = next(spec for spec in demo_content.INDICATORS if spec["slug"] == slug)
    return IndicatorFactory(**spec, disclosure_threshold=demo_content.DISCLOSURE_THRESHOLD)


def lancashire_areas() -> dict[str, Area]:
    """England, the North West, Lancashire-12 with four districts, and two unitary authorities,
    by code."""
    areas: dict[str, Area] = {}
    for code, name, area_type, parent, short_name in AREAS:
        areas[code] = AreaFactory(
            code=code,
            name=name,
            area_type=area_type,
            short_name=short_name,
            parent=areas[parent] if parent else None,
        )
    return areas


def breakdown(text: str) -> Breakdown:
    """A breakdown written as in an import file ("age: Under 1"), in the demo's sort order."""
    dimension, _, label = (part.strip() for part in text.partition(":"))
    order = {(d, name): n for d, name, n in demo_content.BREAKDOWNS}
    return Breakdown.objects.get_or_create(
        dimension=dimension, label=label, defaults={"sort_order": order.get((dimension, label), 0)}
    )[0]


@dataclass
class Lancashire:
    """What `build_lancashire` made: areas by code, indicators by slug and their figures."""

    areas: dict[str, Area]
    indicators: dict[str, Indicator]
    values: list[Value] = field(default_factory=list)

    def add_districts(self, count: int, slug: str, period: str) -> list[Value]:
        """`count` more districts in Lancashire-12, each with a figure for the indicator."""
        return [
            ValueFactory(
                indicator=self.indicators[slug],
                area=AreaFactory(
                    code=f"E07800{n:03d}", name=f"Extra district {n}", parent=self.areas[LANCASHIRE]
                ),
                period=Period.objects.get(code=period),
                value=Decimal(n),
            )
            for n in range(count)
        ]


def build_lancashire(*slugs: str) -> Lancashire:
    """The small Lancashire's areas, and the named indicators (all in FIGURES if none is
    named) with their figures, saved as an officer's edits would be."""
    slugs = slugs or tuple(dict.fromkeys(row[0] for row in FIGURES))
    built = Lancashire(lancashire_areas(), {slug: demo_indicator(slug) for slug in slugs})
    periods: dict[str, Period] = {}
    for slug, code, period, broken_down, value, count in FIGURES:
        if slug not in built.indicators:
            continue
        if period not in periods:
            periods[period] = Period.objects.get_or_create_from_code(period)[0]
        built.values.append(
            ValueFactory(
                indicator=built.indicators[slug],
                area=built.areas[code],
                period=periods[period],
                breakdown=breakdown(broken_down) if broken_down else None,
                value=Decimal(value.rstrip("*")),
                count=Decimal(count) if count else None,
                is_illustrative=value.endswith("*"),
            )
        )
    return built


@dataclass
class ChildProtection(Lancashire):
    """The small Lancashire with the demo's topic tree around the Child protection page."""

    page: Topic | None = None
    topics: dict[str, Topic] = field(default_factory=dict)  # the others, by path


def build_child_protection(anchors: list[str] | None = None) -> ChildProtection:
    """The Child protection page (published, about Lancashire-12, compared with Blackburn with
    Darwen and Blackpool, by the demo's author, looked after by its team) with the sections
    named (all of SECTIONS by default) and the figures of their indicators, under "Children and
    young people" > "Children's social care" beside its two sibling topics there, all as in the
    demo. Like the demo's, its narrative and figures date from its last update, 19 March 2014."""
    sections = [s for s in SECTIONS if anchors is None or s[0] in anchors]
    slugs = dict.fromkeys(slug for _, _, slug, _, _ in sections if slug)
    lancashire = build_lancashire(*slugs) if slugs else Lancashire(lancashire_areas(), {})
    built = ChildProtection(**vars(lancashire))
    team = TeamFactory(name=TEAM)
    siblings_under = demo_content.CHILD_PROTECTION.rpartition("/")[0]
    for parent_path, slug, title, summary, keywords, order in demo_content.TOPICS:
        path = f"{parent_path}/{slug}" if parent_path else slug
        if parent_path != siblings_under and not f"{demo_content.CHILD_PROTECTION}/".startswith(
            f"{path}/"
        ):
            continue  # only the page, its ancestors and its siblings
        built.topics[path] = TopicFactory(
            parent=built.topics[parent_path] if parent_path else None,
            slug=slug,
            title=title,
            summary=summary,
            keywords=keywords,
            sort_order=order,
            team=team,
        )
    page = built.page = built.topics.pop(demo_content.CHILD_PROTECTION)
    page.author = PageAuthorFactory(**demo_content.AUTHOR)
    page.area = built.areas[LANCASHIRE]
    page.last_updated, page.review_due = demo_content.LAST_UPDATED, demo_content.REVIEW_DUE
    page.save()
    page.comparators.set([built.areas[BLACKBURN], built.areas[BLACKPOOL]])
    for order, (anchor, heading, slug, dimension, body) in enumerate(sections, start=1):
        SectionFactory(
            topic=page,
            anchor=anchor,
            heading=heading,
            indicator=built.indicators[slug] if slug else None,
            breakdown_dimension=dimension,
            body=body,
            sort_order=order,
        )
    title, description, url = demo_content.LINKS[0]
    page.links.create(title=title, description=description, url=url)
    when = timezone.make_aware(
        datetime.datetime.combine(demo_content.LAST_UPDATED, datetime.time(12, 0))
    )
    Section.objects.filter(topic=page).update(updated_at=when)
    Value.objects.filter(pk__in=[v.pk for v in built.values]).update(updated_at=when)
    return built


def child_protection_and_an_unrelated_indicator() -> ChildProtection:
    """The Child protection page with its "about" and "district-rates" sections, and an
    indicator on no page ("unrelated") with one figure, for Blackpool, in 2013: what the
    cache tests change to see which pages are emptied."""
    built = build_child_protection(["about", "district-rates"])
    other = IndicatorFactory(name="Unrelated indicator", slug="unrelated")
    period = PeriodFactory(code="2013-03-31", label="2013")
    ValueFactory(indicator=other, area=built.areas[BLACKPOOL], period=period, value=Decimal("10"))
    return built
