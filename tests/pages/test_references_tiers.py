"""Live figures rank an area among its peers only, and name a category exactly."""

from decimal import Decimal

import pytest

from indicators.models import AreaType
from pages.markdown import render_markdown
from pages.references import ReferenceError, Resolver, find
from tests.factories import (
    AreaFactory,
    BreakdownFactory,
    IndicatorFactory,
    PeriodFactory,
    ValueFactory,
)

pytestmark = pytest.mark.django_db


def render(text: str, area=None) -> str:
    return render_markdown(text, resolver=Resolver.for_references(find(text), area))


@pytest.fixture
def london():
    """London with three boroughs, and Inner London: a statistical grouping, which must never
    be ranked among the boroughs even if a file hung it under London."""
    region = AreaFactory(code="E12000007", name="London", area_type=AreaType.REGION)
    boroughs = [
        AreaFactory(code=code, name=name, area_type=AreaType.DISTRICT, parent=region)
        for code, name in [
            ("E09000007", "Camden"),
            ("E09000019", "Islington"),
            ("E09000008", "Croydon"),
        ]
    ]
    inner = AreaFactory(code="E13000001", name="Inner London", area_type=AreaType.GROUPING)
    indicator = IndicatorFactory(slug="rate")
    period = PeriodFactory(code="2012/13")
    for area, figure in zip([*boroughs, inner], ["30", "20", "10", "99"], strict=True):
        ValueFactory(indicator=indicator, area=area, period=period, value=Decimal(figure))
    return boroughs, inner


def test_a_rank_counts_only_areas_of_the_same_tier(london):
    boroughs, inner = london
    # Even placed under London (which the model and importer refuse), the grouping is no peer.
    type(inner).objects.filter(pk=inner.pk).update(parent=boroughs[0].parent)
    text = render("{{rank rate | area=Islington}}")
    assert "2nd highest of the 3 districts" in text
    assert "4" not in text


def test_a_category_of_two_sets_must_be_named_with_its_set():
    county = BreakdownFactory(
        dimension="deprivation", label="Most deprived decile", scheme="County"
    )
    BreakdownFactory(dimension="deprivation", label="Most deprived decile", scheme="District")
    england = AreaFactory(code="E92000001", name="England", area_type=AreaType.COUNTRY)
    indicator = IndicatorFactory(slug="rate")
    ValueFactory(
        indicator=indicator, area=england, breakdown=county, period=PeriodFactory(code="2012/13")
    )
    resolver = Resolver.for_references(
        find("{{rate | area=England | breakdown=deprivation: Most deprived decile}}"), None
    )
    with pytest.raises(ReferenceError, match=r"more than one set.*\(County\)"):
        resolver.check(
            find("{{rate | area=England | breakdown=deprivation: Most deprived decile}}")[0]
        )
    named = "{{rate | area=England | breakdown=deprivation: Most deprived decile (County)}}"
    assert "12.5" in render(named)
