"""How figures are written (`core.formatting`): the texts themselves, and that they are the
texts the pages, tables and downloads show."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from core import formatting
from indicators.figures import compare
from indicators.models import (
    WITHHELD_NOTE,
    Indicator,
    PublishedValue,
    Unit,
    Value,
    ValueStatus,
)


@dataclass
class Measure:
    """An indicator as formatting sees it: no database, no model."""

    unit: str = "percentage"
    multiplier: int = 100
    decimal_places: int = 1
    population: str = ""
    name: str = ""

    def get_unit_display(self) -> str:
        return self.name


PERCENTAGE = Measure()
RATE = Measure(unit="rate", multiplier=10_000, population="population aged under 18", name="Rate")
COUNT = Measure(unit="count", multiplier=1, decimal_places=0, name="Count")
RATIO = Measure(unit="ratio", multiplier=1, decimal_places=2, name="Ratio")
MEAN = Measure(unit="mean", multiplier=1, decimal_places=1, name="Mean or score")


# --- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "places", "text"),
    [
        ("24.94", 1, "24.9"),
        ("1234", 0, "1,234"),
        ("1234", 1, "1,234.0"),
        ("1234567.891", 2, "1,234,567.89"),
        ("0.25", 3, "0.250"),
        ("638.600000", 1, "638.6"),
    ],
)
def test_a_number_has_its_decimal_places_and_thousands_separators(number, places, text):
    assert formatting.number_text(Decimal(number), places) == text


def test_a_figure_number_uses_the_indicators_decimal_places_and_is_empty_for_none():
    assert formatting.figure_number(PERCENTAGE, Decimal("27.64")) == "27.6"
    assert formatting.figure_number(COUNT, Decimal("878.000000")) == "878"
    assert formatting.figure_number(RATIO, Decimal("1.5")) == "1.50"
    assert formatting.figure_number(PERCENTAGE, None) == ""


def test_confidence_limits_are_written_like_the_value():
    lower, upper = Decimal("26.04"), Decimal("29.250001")
    assert formatting.figure_number(PERCENTAGE, lower) == "26.0"
    assert formatting.figure_number(PERCENTAGE, upper) == "29.3"
    assert formatting.figure_number(RATE, Decimal("12000.1")) == "12,000.1"
    # Downloads keep them as numbers, rounded the same way.
    assert formatting.rounded(PERCENTAGE, lower) == Decimal("26.0")
    assert str(formatting.rounded(PERCENTAGE, Decimal("27"))) == "27.0"
    assert formatting.rounded(PERCENTAGE, None) is None


@pytest.mark.parametrize(
    ("number", "text", "trimmed"),
    [
        ("1234", "1,234", "1234"),
        ("878.000000", "878", "878"),
        ("12.500000", "12.5", "12.5"),
        ("1234.25", "1,234.25", "1234.25"),
        ("0", "0", "0"),
    ],
)
def test_counts_lose_the_storages_trailing_zeros(number, text, trimmed):
    assert formatting.count_text(Decimal(number)) == text
    assert str(formatting.trimmed(Decimal(number))) == trimmed


def test_no_count_is_no_number():
    assert formatting.trimmed(None) is None


# --- units --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "number", "text"),
    [
        (PERCENTAGE, "24.9", "24.9%"),
        (RATE, "12.5", "12.5 per 10,000"),
        (Measure(unit="rate", multiplier=100_000), "7", "7.0 per 100,000"),
        (Measure(unit="rate", multiplier=1_000, decimal_places=2), "3.1", "3.10 per 1,000"),
        (COUNT, "1234", "1,234"),
        (RATIO, "1.234", "1.23"),
        (MEAN, "23.45", "23.4"),
    ],
)
def test_a_figure_with_its_unit(measure, number, text):
    assert formatting.with_unit(measure, Decimal(number)) == text
    assert formatting.figure_text(measure, Decimal(number), "available") == text


def test_unit_suffixes():
    assert formatting.unit_suffix(PERCENTAGE) == "%"
    assert formatting.unit_suffix(RATE) == "per 10,000"
    assert [formatting.unit_suffix(m) for m in (COUNT, RATIO, MEAN)] == ["", "", ""]


def test_units_in_words():
    assert formatting.unit_label(RATE) == "rate per 10,000 population aged under 18"
    assert formatting.unit_label(Measure(unit="rate", multiplier=1_000)) == "rate per 1,000"
    assert formatting.unit_label(PERCENTAGE) == "%"
    assert formatting.unit_label(COUNT) == "number"
    assert formatting.unit_label(RATIO) == "ratio"
    assert formatting.unit_label(MEAN) == "mean or score"


def test_what_a_figure_is_called():
    assert [formatting.unit_noun(u) for u in Unit.values] == [
        "number",
        "percentage",
        "rate",
        "value",
        "value",
    ]


# --- statuses and illustrative figures ----------------------------------------------------


@pytest.mark.parametrize(
    ("status", "label", "words"),
    [
        ("suppressed", "Suppressed (small numbers)", "suppressed (small numbers)"),
        ("not_available", "Not available", "not available"),
        ("not_applicable", "Not applicable", "not applicable"),
        ("something_else", "something_else", "something_else"),
    ],
)
def test_a_missing_figure_is_its_status(status, label, words):
    assert formatting.status_label(status) == label
    assert formatting.status_words(status) == words
    assert formatting.plain_figure(PERCENTAGE, None, status) == label
    assert formatting.table_figure(PERCENTAGE, None, status) == label
    assert formatting.figure_text(PERCENTAGE, None, status) == words
    # A missing figure is never called illustrative: there is no figure to be made up.
    assert formatting.figure_text(RATE, None, status, illustrative=True) == words


def test_an_illustrative_figure_says_so_inside_brackets_or_out():
    number = Decimal("638.6")
    assert formatting.figure_text(RATE, number, "available", illustrative=True) == (
        "638.6 per 10,000 (illustrative)"
    )
    assert formatting.figure_text(
        RATE, number, "available", illustrative=True, in_brackets=True
    ) == ("638.6 per 10,000, illustrative")
    assert formatting.figure_text(RATE, number, "available", in_brackets=True) == (
        "638.6 per 10,000"
    )


def test_the_table_beside_a_chart_writes_the_percent_sign_only():
    assert formatting.table_figure(PERCENTAGE, Decimal("27.6"), "available") == "27.6%"
    assert formatting.table_figure(RATE, Decimal("73.3"), "available") == "73.3"
    assert formatting.table_figure(COUNT, Decimal("1234"), "available") == "1,234"
    assert formatting.plain_figure(PERCENTAGE, Decimal("27.6"), "available") == "27.6"


def test_the_models_take_their_words_and_codes_from_formatting():
    assert dict(ValueStatus.choices) == formatting.STATUS_LABELS
    assert (Unit.COUNT, Unit.PERCENTAGE, Unit.RATE) == (
        formatting.COUNT,
        formatting.PERCENTAGE,
        formatting.RATE,
    )
    assert WITHHELD_NOTE == formatting.WITHHELD_NOTE == "c: withheld to protect confidentiality"


def test_a_withheld_figure_reads_as_suppressed_with_the_note():
    indicator = Indicator(unit="count", multiplier=1, decimal_places=0)
    figure = PublishedValue(indicator=indicator, value=Decimal("3"), count=Decimal("3"))
    figure.mask()
    assert formatting.figure_text(indicator, figure.value, figure.status) == (
        "suppressed (small numbers)"
    )
    assert figure.display == "Suppressed (small numbers)"
    assert figure.note == "c: withheld to protect confidentiality"


# --- the models delegate ------------------------------------------------------------------


def test_the_indicators_unit_properties_are_the_formatting_functions():
    indicator = Indicator(
        unit="rate", multiplier=10_000, population="population aged under 18", decimal_places=1
    )
    assert indicator.unit_label == formatting.unit_label(indicator)
    assert indicator.short_unit == formatting.unit_suffix(indicator) == "per 10,000"
    assert indicator.format_value(Decimal("1234")) == "1,234.0"
    assert indicator.format_value(None) == ""
    value = Value(indicator=indicator, value=Decimal("73.25"), status="available")
    assert value.display == "73.2"  # half to even, as Python formats a Decimal
    assert Value(indicator=indicator, status="not_available").display == "Not available"


# --- what the pages show ------------------------------------------------------------------


CHILD_PROTECTION = "/children-and-young-people/childrens-social-care/child-protection/"


@pytest.mark.django_db
def test_the_topic_page_shows_these_texts(client, demo):
    html = client.get(CHILD_PROTECTION).content.decode()
    referrals = html.split('id="referrals"', 1)[1].split("</section>", 1)[0]
    values = Value.objects.filter(indicator__slug="referrals-rate", period__code="2012/13")
    by_area = {v.area.code: v for v in values.select_related("indicator", "area")}
    lancashire, england, blackpool = (
        by_area[code] for code in ("E10000017", "E92000001", "E06000009")
    )
    indicator = lancashire.indicator
    assert f"Unit: {formatting.unit_label(indicator)}" in referrals
    assert formatting.unit_label(indicator) == "rate per 10,000 population aged under 18"
    main = formatting.figure_text(indicator, lancashire.value, lancashire.status)
    assert main == "638.6 per 10,000"
    # The narrative gives the figure, so the sentence that would repeat it is left out.
    assert main in referrals
    assert f"the rate for Lancashire-12 was {main}, up from" not in referrals
    assert formatting.figure_text(
        indicator, blackpool.value, blackpool.status, illustrative=True, in_brackets=True
    ) == ("954.7 per 10,000, illustrative")
    # The list of comparisons, whose heading gives the unit, writes the figure without it.
    shown = formatting.table_figure(indicator, england.value, england.status)
    assert shown == "520.7"
    assert f"than England ({shown}): worse (not tested)" in referrals
    # As `Comparison.figure` gives it for the list of comparisons, which marks an
    # illustrative figure itself.
    assert compare(lancashire, england).figure == shown
    assert compare(lancashire, blackpool).figure == "954.7"
    assert "than Blackpool (954.7, illustrative): better (not tested)" in referrals


@pytest.mark.parametrize(
    ("items", "text"),
    [([], ""), (["a"], "a"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c")],
)
def test_joined_writes_a_list_as_a_sentence_does(items, text):
    assert formatting.joined(items) == text


# --- comparisons, and what a chart measures ------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "significance", "judgement", "polarity", "words"),
    [
        ("higher", "significant", "worse", "low", ("▲", "Worse (significantly)", "than", "")),
        ("lower", "significant", "better", "low", ("▼", "Better (significantly)", "than", "")),
        ("higher", "significant", "", "none", ("▲", "Higher (significantly)", "than", "")),
        ("lower", "similar", "", "high", ("●", "Similar", "to", "")),
        ("higher", "not tested", "", "low", ("▲", "Higher", "than", "worse (not tested)")),
        ("higher", "not tested", "", "high", ("▲", "Higher", "than", "better (not tested)")),
        ("lower", "not tested", "", "none", ("▼", "Lower", "than", "not tested")),
        ("same", "not tested", "", "low", ("●", "Same", "as", "")),
    ],
)
def test_a_comparison_in_words(direction, significance, judgement, polarity, words):
    symbol, label, connector, untested = words
    assert formatting.comparison_symbol(direction, significance) == symbol
    assert formatting.comparison_label(direction, significance, judgement) == label
    assert formatting.comparison_connector(direction, significance) == connector
    if significance == "not tested":
        assert formatting.untested_words(direction, polarity) == untested


def test_not_tested_is_explained_in_plain_words():
    assert formatting.NOT_TESTED_NOTE == (
        "Not tested: these figures have no confidence intervals, so we cannot say whether the "
        "difference is more than chance."
    )


def test_what_a_chart_measures():
    assert formatting.measure_words(RATE) == "rate per 10,000 population aged under 18"
    assert formatting.measure_words(PERCENTAGE) == "percentage"
    assert formatting.measure_words(COUNT) == "number"
    assert formatting.measure_words(MEAN) == "mean or score"


@pytest.mark.parametrize(
    ("text", "unit", "places", "figure", "stated"),
    [
        ("rose to 638.6 per 10,000 children", "rate", 1, "638.6", True),
        ("rose to 638.6", "rate", 1, "638.6", True),
        ("about 639 per 10,000", "rate", 1, "638.6", True),
        ("about 639 children", "rate", 1, "638.6", False),
        ("878 children", "count", 0, "878", True),
        ("1,234 children", "count", 0, "1234", True),
        ("1234 children", "count", 0, "1234", True),
        ("87% were White British", "percentage", 1, "87.0", True),
        ("87 per cent", "percentage", 1, "87.0", True),
        ("87 children", "percentage", 1, "87.0", False),
        ("in 2012/13", "count", 0, "2012", False),
        ("1638.6 and 638.65", "rate", 1, "638.6", False),
        ("14.10", "rate", 1, "14.1", False),
    ],
)
def test_whether_a_text_states_a_figure(text, unit, places, figure, stated):
    multiplier = {"rate": 10_000, "percentage": 100}.get(unit, 1)
    measure = Measure(unit=unit, decimal_places=places, multiplier=multiplier)
    assert formatting.states_figure(text, measure, Decimal(figure)) is stated


def test_plain_text_is_the_narrative_as_read():
    html = "<p>Rose to <strong>638.6&nbsp;per\n 10,000</strong> &amp; more</p>"
    assert formatting.plain_text(html) == "Rose to 638.6 per 10,000 & more"


# --- Dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (datetime.date(2014, 3, 19), "19 March 2014"),
        (datetime.date(2023, 4, 1), "1 April 2023"),  # no leading zero, no ordinal
        (datetime.datetime(2026, 12, 3, 9, 30), "3 December 2026"),  # a moment's day
    ],
)
def test_a_day_is_written_as_gov_uk_writes_it(day, written):
    assert formatting.long_date(day) == written


@pytest.mark.parametrize(
    ("utc", "written"),
    [
        # Greenwich Mean Time in winter, British Summer Time (an hour ahead) in summer.
        (datetime.datetime(2026, 12, 3, 9, 30, tzinfo=datetime.UTC), "3 December 2026, 09:30"),
        (datetime.datetime(2014, 6, 9, 8, 5, tzinfo=datetime.UTC), "9 June 2014, 09:05"),
        # Late on the evening of 31 March in UTC is already 1 April in London.
        (datetime.datetime(2023, 3, 31, 23, 30, tzinfo=datetime.UTC), "1 April 2023, 00:30"),
    ],
)
def test_a_moment_is_its_day_then_its_time_in_the_sites_time_zone(utc, written):
    assert formatting.day_and_time(utc) == written
