"""Figures computed from a count and a denominator, by the indicator's unit, with the
methods of indicators.stats, checked against worked values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators import stats
from indicators.importing import import_values
from indicators.importing.validation import compute_figure
from indicators.models import Value

pytestmark = pytest.mark.django_db

HEADER = ["indicator", "area_code", "period", "value", "count", "denominator", "note"]


def test_21_of_875_as_a_percentage_is_2_4_with_wilson_limits(site, write_csv):
    path = write_csv([HEADER, ["re-referrals", "E07000123", "2012/13", "", "21", "875", ""]])

    report = import_values(source=path)

    assert report.figures_computed == 1
    value = Value.objects.get()
    assert value.value == Decimal("2.4")
    lower, upper = stats.wilson_interval(21, 875)
    assert float(value.lower_ci) == pytest.approx(lower, abs=1e-6)
    assert float(value.upper_ci) == pytest.approx(upper, abs=1e-6)
    # Worked by hand: (2r + z² ∓ z√(z² + 4r(1 − p))) / 2(n + z²), z = 1.959964.
    assert (round(value.lower_ci, 2), round(value.upper_ci, 2)) == (
        Decimal("1.58"),
        Decimal("3.64"),
    )
    assert value.display == "2.4"
    assert value.note == "Computed from count and denominator."
    assert value.status == "available"
    assert (value.count, value.denominator) == (Decimal("21"), Decimal("875"))
    assert any("1 value and its 95% confidence limits were computed" in s for s in report.summary())


def test_a_rate_uses_byar_from_10_and_exact_poisson_below(site, write_csv):
    path = write_csv(
        [
            HEADER,
            ["cpp-rate", "E07000123", "2012/13", "", "120", "30000", "Local count"],
            ["cpp-rate", "E07000117", "2012/13", "", "4", "20000", ""],
        ]
    )

    import_values(source=path)

    preston = Value.objects.get(area=site["preston"])
    assert preston.value == Decimal("40")
    byar = stats.rate_interval(120, 30000, multiplier=10_000)
    assert (float(preston.lower_ci), float(preston.upper_ci)) == pytest.approx(byar, abs=1e-6)
    assert preston.note == "Computed from count and denominator; Local count."
    burnley = Value.objects.get(area=site["burnley"])
    assert burnley.value == Decimal("2")
    # Exact Poisson limits for 4 events: 1.0899 to 10.2416 (Garwood), per 20,000 × 10,000.
    assert float(burnley.lower_ci) == pytest.approx(1.0899 / 2, abs=1e-4)
    assert float(burnley.upper_ci) == pytest.approx(10.2416 / 2, abs=1e-4)


def test_a_count_is_its_own_value_with_a_poisson_interval(site, write_csv):
    path = write_csv([HEADER, ["cpp-count", "E07000123", "2012/13", "", "5", "", ""]])
    import_values(source=path)
    value = Value.objects.get()
    assert value.value == Decimal("5")
    # Exact Poisson 95% limits for 5: 1.6235 to 11.6683.
    assert float(value.lower_ci) == pytest.approx(1.6235, abs=1e-4)
    assert float(value.upper_ci) == pytest.approx(11.6683, abs=1e-4)


def test_a_given_value_is_never_replaced_by_a_computed_one(site, write_csv):
    path = write_csv([HEADER, ["re-referrals", "E07000123", "2012/13", "2.5", "21", "875", ""]])
    report = import_values(source=path)
    assert report.figures_computed == 0
    assert Value.objects.get().value == Decimal("2.5")


@pytest.mark.parametrize(
    ("count", "denominator", "column", "words"),
    [
        ("-1", "875", "count", "The count cannot be negative."),
        ("21", "0", "denominator", "The denominator must be greater than zero."),
    ],
)
def test_impossible_counts_are_rejected(site, write_csv, count, denominator, column, words):
    path = write_csv([HEADER, ["re-referrals", "E07000123", "2012/13", "", count, denominator, ""]])
    report = import_values(source=path)
    (error,) = report.errors
    assert (error.row, error.column) == (2, column)
    assert words in error.message


def test_compute_figure_matches_stats_for_each_unit(site):
    percentage = compute_figure(site["percentage"], Decimal(0), Decimal(50))
    assert (percentage.value, percentage.lower_ci) == (Decimal("0.000000"), Decimal("0.000000"))
    assert float(percentage.upper_ci) == pytest.approx(stats.wilson_interval(0, 50)[1], abs=1e-6)
    count = compute_figure(site["count"], Decimal(25), None)
    assert (float(count.lower_ci), float(count.upper_ci)) == pytest.approx(
        stats.byar_interval(25), abs=1e-6
    )
