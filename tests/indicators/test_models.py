import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from indicators.models import Area, Indicator, Period, Value
from tests.factories import (
    AreaFactory,
    BreakdownFactory,
    IndicatorFactory,
    PeriodFactory,
    ValueFactory,
)

pytestmark = pytest.mark.django_db


def messages_for(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict.get(field, []))


def assert_db_rejects(instance) -> None:
    """Bypass clean(): the database itself must refuse the row."""
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


# --- values: each bad figure gives a clear message, and the database refuses it too ---------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"value": Decimal("5"), "lower_ci": Decimal("6")},
            "lower_ci",
            "cannot be above the value",
        ),
        (
            {"value": Decimal("5"), "upper_ci": Decimal("4")},
            "upper_ci",
            "cannot be below the value",
        ),
        ({"value": Decimal("5"), "count": Decimal("-1")}, "count", "cannot be negative"),
        ({"value": Decimal("5"), "denominator": Decimal("0")}, "denominator", "greater than zero"),
        ({"value": None, "status": "available"}, "value", "Enter the figure"),
        ({"value": Decimal("0"), "status": "suppressed"}, "value", "never stored as zero"),
    ],
)
def test_bad_value_is_explained_and_refused_by_the_database(fields, field, message):
    value = ValueFactory.build(
        indicator=IndicatorFactory(), area=AreaFactory(), period=PeriodFactory(), **fields
    )
    with pytest.raises(ValidationError) as caught:
        value.full_clean()
    assert message in messages_for(caught.value, field)
    assert_db_rejects(value)


def test_percentage_over_100_and_negative_rate_are_explained():
    area, period = AreaFactory(), PeriodFactory()
    percentage = ValueFactory.build(
        indicator=IndicatorFactory(), area=area, period=period, value=Decimal("100.5")
    )
    with pytest.raises(ValidationError) as caught:
        percentage.full_clean()
    assert "between 0 and 100" in messages_for(caught.value, "value")

    rate = IndicatorFactory(unit="rate", multiplier=10_000, population="population aged under 18")
    negative = ValueFactory.build(indicator=rate, area=area, period=period, value=Decimal("-3"))
    with pytest.raises(ValidationError) as caught:
        negative.full_clean()
    assert "cannot be negative" in messages_for(caught.value, "value")


def test_suppressed_value_is_stored_without_a_figure_not_as_zero():
    value = ValueFactory(value=None, status="suppressed", note="Fewer than 5 children")
    value.full_clean()
    stored = Value.objects.get(pk=value.pk)
    assert stored.value is None
    assert stored.display == "Suppressed (small numbers)"


def test_a_good_value_with_limits_passes_and_keeps_its_exact_decimal():
    value = ValueFactory(
        value=Decimal("73.3"),
        lower_ci=Decimal("70.1"),
        upper_ci=Decimal("76.6"),
        count=Decimal("21"),
        denominator=Decimal("875"),
    )
    value.full_clean()
    assert Value.objects.get(pk=value.pk).value == Decimal("73.3")


def test_one_value_per_indicator_area_period_and_breakdown():
    first = ValueFactory()
    duplicate = Value(
        indicator=first.indicator, area=first.area, period=first.period, value=Decimal("1")
    )
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert "already a value" in str(caught.value)
    assert_db_rejects(duplicate)


def test_breakdowns_make_separate_values_but_not_duplicates():
    first = ValueFactory()
    band = BreakdownFactory(label="1-4")
    by_band = ValueFactory(
        indicator=first.indicator, area=first.area, period=first.period, breakdown=band
    )
    by_band.full_clean()
    again = Value(
        indicator=first.indicator,
        area=first.area,
        period=first.period,
        breakdown=band,
        value=Decimal("2"),
    )
    with pytest.raises(ValidationError):
        again.full_clean()
    assert_db_rejects(again)


# --- indicators --------------------------------------------------------------------------


def test_indicator_unit_rules():
    bad_percentage = IndicatorFactory.build(unit="percentage", multiplier=1000)
    with pytest.raises(ValidationError) as caught:
        bad_percentage.full_clean()
    assert "per 100" in str(caught.value)
    assert_db_rejects(bad_percentage)

    rate_without_population = IndicatorFactory.build(unit="rate", multiplier=10_000, population="")
    with pytest.raises(ValidationError) as caught:
        rate_without_population.full_clean()
    assert "which population" in messages_for(caught.value, "population")


def test_unit_label_and_formatting():
    rate = IndicatorFactory(
        unit="rate",
        multiplier=10_000,
        population="population aged under 18",
        decimal_places=1,
        polarity="low",
    )
    assert rate.unit_label == "rate per 10,000 population aged under 18"
    assert rate.format_value(Decimal("638.6")) == "638.6"
    assert rate.format_value(Decimal("1234")) == "1,234.0"
    assert rate.polarity_sentence == "A low rate is better."
    percentage = IndicatorFactory(decimal_places=0, polarity="high")
    assert percentage.unit_label == "%"
    assert percentage.polarity_sentence == "A high percentage is better."


# --- periods -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "kind", "start", "end", "label"),
    [
        (
            "2012/13",
            "2012/13",
            "fy",
            datetime.date(2012, 4, 1),
            datetime.date(2013, 3, 31),
            "2012/13",
        ),
        (
            "2012-13",
            "2012/13",
            "fy",
            datetime.date(2012, 4, 1),
            datetime.date(2013, 3, 31),
            "2012/13",
        ),
        (
            "201213",
            "2012/13",
            "fy",
            datetime.date(2012, 4, 1),
            datetime.date(2013, 3, 31),
            "2012/13",
        ),
        (
            "1999/00",
            "1999/00",
            "fy",
            datetime.date(1999, 4, 1),
            datetime.date(2000, 3, 31),
            "1999/00",
        ),
        ("2013", "2013", "cy", datetime.date(2013, 1, 1), datetime.date(2013, 12, 31), "2013"),
        (
            "2013-03-31",
            "2013-03-31",
            "snapshot",
            datetime.date(2013, 3, 31),
            datetime.date(2013, 3, 31),
            "31 March 2013",
        ),
        (
            "31/03/2013",
            "2013-03-31",
            "snapshot",
            datetime.date(2013, 3, 31),
            datetime.date(2013, 3, 31),
            "31 March 2013",
        ),
    ],
)
def test_period_codes_are_read(text, code, kind, start, end, label):
    period = Period.from_code(text)
    assert (period.code, period.kind, period.start_date, period.end_date, period.label) == (
        code,
        kind,
        start,
        end,
        label,
    )


@pytest.mark.parametrize("text", ["2012/14", "13/14", "March", "", "2013-02-30"])
def test_unreadable_periods_say_what_was_expected(text):
    with pytest.raises(ValueError, match="2012/13"):
        Period.from_code(text)


def test_periods_sort_in_time_order_whatever_order_they_were_added():
    for code in ["2013-03-31", "2012/13", "2008/09", "2012", "2007/08", "2012-03-31"]:
        Period.objects.get_or_create_from_code(code)
    assert [p.code for p in Period.objects.all()] == [
        "2007/08",
        "2008/09",
        "2012-03-31",
        "2012",
        "2012/13",
        "2013-03-31",
    ]


def test_period_cannot_end_before_it_starts():
    period = Period(
        code="x",
        kind="cy",
        start_date=datetime.date(2013, 1, 1),
        end_date=datetime.date(2012, 1, 1),
        label="x",
    )
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        period.full_clean()
    assert_db_rejects(period)


# --- areas -------------------------------------------------------------------------------


def test_gss_code_is_validated():
    area = Area(code="PRESTON", name="Preston", area_type="district")
    with pytest.raises(ValidationError) as caught:
        area.full_clean()
    assert "GSS code" in messages_for(caught.value, "code")


def test_area_cannot_be_its_own_ancestor_or_roll_up_to_a_smaller_area():
    county = AreaFactory(code="E10000017", name="Lancashire", area_type="county")
    district = AreaFactory(code="E07000123", name="Preston", parent=county)
    county.parent = district
    with pytest.raises(ValidationError) as caught:
        county.full_clean()
    assert "own ancestor" in messages_for(caught.value, "parent")

    region = AreaFactory(code="E12000002", name="North West", area_type="region", parent=district)
    with pytest.raises(ValidationError) as caught:
        region.full_clean()
    assert "cannot roll up to a smaller district" in messages_for(caught.value, "parent")


def test_natural_keys():
    area = AreaFactory(code="E07000123", name="Preston")
    indicator = IndicatorFactory(slug="referrals")
    assert Area.objects.get_by_natural_key("E07000123") == area
    assert Indicator.objects.get_by_natural_key("referrals") == indicator
    assert area.natural_key() == ("E07000123",)
