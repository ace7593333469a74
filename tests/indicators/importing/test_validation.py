"""Reading single cells: numbers, symbols, statuses, periods, breakdowns and ages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.importing.formats import age_band, default_age, detect_format
from indicators.importing.reading import FileRejected
from indicators.importing.validation import (
    CellError,
    dimension_for,
    parse_bool,
    parse_breakdown,
    parse_number,
    parse_status,
    read_figure,
    read_period_code,
)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1,234.5", Decimal("1234.5")),
        (" 12 ", Decimal("12")),
        ("12.50", Decimal("12.50")),
        ("-0.5", Decimal("-0.5")),
        (".5", Decimal("0.5")),
        ("12%", Decimal("12")),
        ("1,234,567", Decimal("1234567")),
        ("1.5E-3", Decimal("0.0015")),
        ("0.1234567", Decimal("0.123457")),
        ("", None),
    ],
)
def test_numbers_are_read(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize(
    "text", ["12..3", "abc", "1,23", "1.2.3", "e5", "+", "NaN", "Infinity", "12-3"]
)
def test_things_that_are_not_numbers_say_what_was_expected(text):
    with pytest.raises(CellError, match="expected a figure such as 12, 12.5 or 1,234.5"):
        parse_number(text)


def test_a_number_too_large_to_store_is_rejected():
    with pytest.raises(CellError, match="too large"):
        parse_number("1e15")


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("c", "suppressed"),
        ("[c]", "suppressed"),
        ("C", "suppressed"),
        ("low", "suppressed"),
        ("~", "suppressed"),
        ("x", "not_available"),
        (":", "not_available"),
        ("..", "not_available"),
        ("z", "not_applicable"),
        ("u", "not_available"),
    ],
)
def test_symbols_are_statuses_without_a_figure(text, status):
    figure = read_figure(text)
    assert (figure.value, figure.status) == (None, status)
    assert figure.note


def test_a_bad_value_suggests_the_symbols():
    with pytest.raises(CellError, match="c \\(suppressed\\), x \\(not available\\)"):
        read_figure("n/a")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Suppressed", ("suppressed", "")),
        ("not_available", ("not_available", "")),
        ("Not applicable", ("not_applicable", "")),
        ("c", ("suppressed", "Suppressed to protect confidentiality (c)")),
        ("", ("", "")),
    ],
)
def test_statuses_are_read_by_value_label_or_symbol(text, expected):
    assert parse_status(text) == expected


def test_an_unknown_status_lists_the_choices():
    with pytest.raises(CellError, match="expected available, suppressed, not_available"):
        parse_status("maybe")


@pytest.mark.parametrize(
    ("text", "value"), [("yes", True), ("TRUE", True), ("0", False), ("", False)]
)
def test_booleans(text, value):
    assert parse_bool(text) is value


def test_a_bad_boolean_says_what_was_expected():
    with pytest.raises(CellError, match="expected true or false"):
        parse_bool("perhaps")


@pytest.mark.parametrize(
    ("text", "source", "identifier", "code"),
    [
        ("2012/13", "template", "", "2012/13"),
        ("201213", "template", "", "2012/13"),
        ("2013-03-31", "template", "", "2013-03-31"),
        ("2012/13", "fingertips", "", "2012/13"),
        ("2013", "fingertips", "", "2013"),
        ("201213", "ees", "Financial year", "2012/13"),
        ("201213", "ees", "Academic year", "AY2012/13"),
        ("2013", "ees", "Calendar year", "2013"),
        ("201213", "ees", "Financial year Q1", "2012/13 Q1"),
        ("201213", "ees", "Tax year", "TY2012/13"),
        ("AY 2012/13", "template", "", "AY2012/13"),
    ],
)
def test_periods_are_read_by_source(text, source, identifier, code):
    assert read_period_code(text, source=source, time_identifier=identifier) == code


@pytest.mark.parametrize(
    ("text", "source", "identifier", "words"),
    [
        ("2010 - 12", "fingertips", "", "several years pooled together"),
        ("2012/13 - 14/15", "fingertips", "", "several years pooled together"),
        ("", "template", "", "The period is empty"),
        ("2012/14", "template", "", "the second year must follow the first"),
        ("2013", "ees", "Academic year", "expected six digits such as 201213"),
        ("201213", "ees", "Q1", "“Q1” is not a time_identifier EES uses"),
        ("201214", "ees", "Financial year", "the second year must follow the first"),
        ("201213", "ees", "Reporting year", "expected a four-digit year such as 2013"),
    ],
)
def test_periods_we_cannot_store_are_explained(text, source, identifier, words):
    with pytest.raises(CellError, match=words):
        read_period_code(text, source=source, time_identifier=identifier)


@pytest.mark.parametrize(
    ("reading", "code"),
    [
        ("", "2013"),
        ("calendar-year", "2013"),
        ("financial-year-ending", "2012/13"),
        ("snapshot-31-march", "2013-03-31"),
    ],
)
def test_a_reporting_year_is_read_as_the_reading_says(reading, code):
    assert (
        read_period_code("2013", source="ees", time_identifier="Reporting year", reading=reading)
        == code
    )


def test_academic_years_run_september_to_august():
    from indicators.models import Period

    period = Period.from_code("AY2012/13")
    assert (period.kind, str(period.start_date), str(period.end_date), period.label) == (
        "ay",
        "2012-09-01",
        "2013-08-31",
        "AY 2012/13",
    )


@pytest.mark.parametrize(
    ("text", "breakdown"),
    [
        ("", None),
        ("All", None),
        ("age: 1-4", ("age", "1-4")),
        ("Age band: 1-4", ("age", "1-4")),
        ("gender: Female", ("sex", "Female")),
    ],
)
def test_breakdowns_are_read(text, breakdown):
    assert parse_breakdown(text) == breakdown


def test_an_unknown_breakdown_dimension_lists_the_choices():
    with pytest.raises(CellError, match="expected age, sex, ethnicity, deprivation, other"):
        parse_breakdown("colour: blue")


@pytest.mark.parametrize(
    ("words", "dimension"),
    [
        ("Ethnic groups", "ethnicity"),
        ("County & UA deprivation deciles in England (IMD2019, 4/21 geography)", "deprivation"),
        ("age_group", "age"),
        ("Age", "age"),
        ("Gender", "sex"),
        ("language", "other"),
        ("School type", "other"),
    ],
)
def test_dimensions_from_a_source_s_words(words, dimension):
    assert dimension_for(words) == dimension


def test_age_bands_and_the_default_age():
    assert age_band("<18 yrs") == (0, 17)
    assert age_band("65+ yrs") == (65, 999)
    assert age_band("10-24 yrs") == (10, 24)
    assert age_band("All ages") == (0, 999)
    assert age_band("Not applicable") is None
    assert default_age({"<18 yrs"}) == "<18 yrs"
    assert default_age({"65+ yrs", "65-79 yrs", "80+ yrs"}) == "65+ yrs"
    assert default_age({"0-4 yrs", "5-9 yrs"}) is None
    assert default_age({"Not applicable", "0-4 yrs"}) is None


def test_format_detection_and_the_format_asked_for():
    assert detect_format(["indicator", "area_code", "period", "value"]).name == "template"
    assert detect_format(["Indicator ID", "Area Code", "Time period", "Value"]).name == "fingertips"
    assert detect_format(["time_period", "time_identifier", "geographic_level"]).name == "ees"
    with pytest.raises(FileRejected) as rejected:
        detect_format(["indicator", "area_code", "period", "value"], "fingertips")
    assert str(rejected.value) == (
        "An OHID Fingertips data export needs the columns “Indicator ID”, “Area Code”, "
        "“Time period” and “Value” in its header row; this file has no “Indicator ID” and "
        "“Time period”."
    )
