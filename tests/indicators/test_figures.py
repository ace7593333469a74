from decimal import Decimal

import pytest

from indicators.figures import FigureBuilder, compare, figure_text, when
from indicators.models import Period, Value
from tests.factories import AreaFactory, IndicatorFactory, PeriodFactory, ValueFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("polarity", "main", "limits", "other", "direction", "verdict"),
    [
        ("low", "27.6", ("26.0", "29.3"), "24.9", "higher", "significantly worse"),
        ("low", "2.4", ("1.6", "3.6"), "5.2", "lower", "significantly better"),
        ("high", "46.0", ("44.1", "48.0"), "38.7", "higher", "significantly better"),
        ("high", "46.0", ("44.1", "48.0"), "48.2", "lower", "significantly worse"),
        ("none", "73.3", ("70.0", "76.7"), "14.1", "higher", "significantly higher"),
        ("low", "27.6", ("26.0", "29.3"), "26.4", "higher", "similar (no significant difference)"),
        ("low", "27.6", (None, None), "20.0", "higher", "worse (not tested)"),
        ("low", "20.0", (None, None), "20.0", "same", "no difference"),
    ],
)
def test_comparison_wording_follows_significance_and_polarity(
    polarity, main, limits, other, direction, verdict
):
    indicator = IndicatorFactory(polarity=polarity)
    period = PeriodFactory()
    lower, upper = (Decimal(x) if x else None for x in limits)
    a = ValueFactory(
        indicator=indicator, period=period, value=Decimal(main), lower_ci=lower, upper_ci=upper
    )
    b = ValueFactory(indicator=indicator, period=period, value=Decimal(other))
    result = compare(a, b)
    assert (result.direction, result.verdict) == (direction, verdict)
    assert result.judgement in ("", "better", "worse")


def test_interval_is_computed_from_count_and_denominator_when_not_given():
    from indicators.figures import interval
    from indicators.stats import wilson_interval

    value = ValueFactory(
        indicator=IndicatorFactory(),
        value=Decimal("2.4"),
        count=Decimal("21"),
        denominator=Decimal("875"),
    )
    assert interval(value) == pytest.approx(tuple(wilson_interval(21, 875, multiplier=100)))


def test_recent_trend_marker():
    from indicators.figures import recent_trend

    indicator = IndicatorFactory(polarity="low")
    area = AreaFactory()
    rising, flat = [], []
    for n, code in enumerate(["2008/09", "2009/10", "2010/11", "2011/12", "2012/13"]):
        period = Period.objects.get_or_create_from_code(code)[0]
        count = 100 + 60 * n
        rising.append(
            ValueFactory(
                indicator=indicator,
                area=area,
                period=period,
                value=Decimal(count) / 10,
                count=count,
                denominator=1000,
            )
        )
        flat.append(
            Value(
                indicator=indicator,
                area=area,
                period=period,
                value=Decimal("10"),
                count=100,
                denominator=1000,
            )
        )
    assert recent_trend(rising) == "Recent trend: increasing and getting worse."
    assert recent_trend(flat) == "Recent trend: no significant change."
    assert "not tested" in recent_trend(rising[:3])


def test_figure_text_by_unit_and_illustrative():
    rate = IndicatorFactory(unit="rate", multiplier=10_000, population="population aged under 18")
    value = ValueFactory(indicator=rate, value=Decimal("638.6"))
    assert figure_text(value) == "638.6 per 10,000"
    value.is_illustrative = True
    assert figure_text(value) == "638.6 per 10,000 (illustrative)"
    assert figure_text(value, in_brackets=True) == "638.6 per 10,000, illustrative"
    percentage = ValueFactory(indicator=IndicatorFactory(), value=Decimal("27.6"))
    assert figure_text(percentage) == "27.6%"


def test_when_says_in_for_years_and_on_for_dates():
    assert when(Period.from_code("2012/13")) == "in 2012/13"
    assert when(Period.from_code("2013-03-31"), start=True) == "On 31 March 2013"


def test_trend_statement_with_region_and_missing_comparator():
    indicator = IndicatorFactory(polarity="low", decimal_places=1)
    england = AreaFactory(code="E92000001", name="England", area_type="country")
    region = AreaFactory(code="E12000002", name="North West", area_type="region", parent=england)
    county = AreaFactory(code="E10000017", name="Lancashire", area_type="county", parent=region)
    old, new = (Period.objects.get_or_create_from_code(c)[0] for c in ("2011/12", "2012/13"))
    for area, period, figure in [
        (county, old, "30.0"),
        (county, new, "27.6"),
        (region, new, "26.4"),
        (england, new, "28.0"),
    ]:
        ValueFactory(indicator=indicator, area=area, period=period, value=Decimal(figure))
    builder = FigureBuilder(Value.objects.with_related(), county, county.ancestors())
    figures = builder.build(indicator)
    assert figures.kind == "trend"
    assert figures.statement == (
        "In 2012/13 the percentage for Lancashire was 27.6%, down from 30.0% in 2011/12. "
        "This is higher than the North West (26.4%); lower than England (28.0%). "
        "A low percentage is better."
    )
    assert [row.label for row in figures.rows] == ["Lancashire", "North West", "England"]
    assert figures.chart["datasets"][0]["data"] == [30.0, 27.6]
    assert figures.chart["datasets"][1]["data"] == [None, 26.4]


def test_suppressed_values_are_gaps_not_zeros():
    indicator = IndicatorFactory()
    county = AreaFactory(code="E10000017", name="Lancashire", area_type="county")
    ValueFactory(indicator=indicator, area=county, value=None, status="suppressed")
    figures = FigureBuilder(Value.objects.with_related(), county, []).build(indicator)
    assert figures.chart["datasets"][0]["data"] == [None]
    assert figures.statement == ""


def test_captions_give_the_message_and_the_subtitle_the_statistics():
    indicator = IndicatorFactory(name="Smokers", polarity="low")
    england = AreaFactory(code="E92000001", name="England", area_type="country")
    county = AreaFactory(code="E10000017", name="Lancashire", area_type="county", parent=england)
    old, new = (Period.objects.get_or_create_from_code(c)[0] for c in ("2011/12", "2012/13"))
    for area, period, figure in [
        (county, old, "20.0"),
        (county, new, "20.0"),
        (england, new, "18"),
    ]:
        ValueFactory(indicator=indicator, area=area, period=period, value=Decimal(figure))
    figures = FigureBuilder(Value.objects.with_related(), county, [england]).build(indicator)
    assert figures.caption == "The percentage for Lancashire was the same in 2012/13 as in 2011/12"
    assert figures.subtitle == "Smokers, percentage, Lancashire and England, 2011/12 to 2012/13"
    assert figures.heading == "Percentage over time"
    districts = [
        AreaFactory(code=f"E0700000{n}", name=name, area_type="district", parent=county)
        for n, name in enumerate(["Preston", "Chorley", "Wyre"])
    ]
    for district, figure in zip(districts, ["30.0", "30.0", "10.0"], strict=True):
        ValueFactory(indicator=indicator, area=district, period=new, value=Decimal(figure))
    figures = FigureBuilder(Value.objects.with_related(), county, [england]).build(indicator)
    assert figures.caption == "Chorley and Preston have the highest percentage of the 3 districts"
    assert figures.subtitle == "Smokers, percentage, districts in Lancashire, 2012/13"
    assert figures.heading == "Percentage by district"


def test_a_breakdown_caption_names_its_dimension_once():
    from tests.factories import BreakdownFactory

    county = AreaFactory(code="E10000017", name="Lancashire", area_type="county")
    period = Period.objects.get_or_create_from_code("2012/13")[0]
    by_age = IndicatorFactory(
        name="Children with a plan", unit="count", multiplier=1, decimal_places=0
    )
    by_ethnicity = IndicatorFactory(name="Children with a plan by ethnicity", slug="by-ethnicity")
    for indicator, dimension, labels in [
        (by_age, "age", ["1-4", "5-9"]),
        (by_ethnicity, "ethnicity", ["White British", "Asian"]),
    ]:
        for order, (label, figure) in enumerate(zip(labels, ["60", "40"], strict=True)):
            ValueFactory(
                indicator=indicator,
                area=county,
                period=period,
                value=Decimal(figure),
                breakdown=BreakdownFactory(dimension=dimension, label=label, sort_order=order),
            )
    builder = FigureBuilder(Value.objects.with_related(), county, [])
    age = builder.build(by_age, "age")
    dimension = age.rows[0].cells[0].breakdown.get_dimension_display().lower()
    assert age.caption == f"In Lancashire the number is highest for {dimension} 1-4"
    assert age.subtitle == f"Children with a plan by {dimension}, number, Lancashire, 2012/13"
    ethnicity = builder.build(by_ethnicity, "ethnicity")
    assert ethnicity.caption == "In Lancashire the percentage is highest for White British"
    assert ethnicity.subtitle == (
        "Children with a plan by ethnicity, percentage, Lancashire, 2012/13"
    )


def test_regions_named_by_the_compass_take_the():
    from indicators.figures import area_name

    names = ["North West", "East of England", "London", "Yorkshire and The Humber"]
    regions = [AreaFactory(name=name, area_type="region") for name in names]
    assert [area_name(r) for r in regions] == [
        "the North West",
        "the East of England",
        "London",
        "Yorkshire and The Humber",
    ]
