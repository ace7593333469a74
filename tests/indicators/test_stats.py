"""Tests for indicators.stats against published worked examples and independent computations.

Where a literature value is asserted, its source is named; every such value is also checked by
a calculation here that does not use the code under test (closed forms, the Poisson
probability function summed term by term, or the textbook formula written out again)."""

import math
from decimal import Decimal
from statistics import NormalDist

import pytest

from indicators.models import Polarity
from indicators.stats import (
    byar_interval,
    chi_squared_trend,
    compare_to_benchmark,
    exact_poisson_interval,
    inverse_regularised_gamma_p,
    rate_interval,
    regularised_gamma_p,
    wilson_interval,
)

Z95 = NormalDist().inv_cdf(0.975)


def poisson_pmf(i: int, mean: float) -> float:
    return mean**i * math.exp(-mean) / math.factorial(i)


def poisson_cdf(k: int, mean: float) -> float:
    """P(X <= k) for X ~ Poisson(mean), by summing the probability function directly."""
    return math.fsum(poisson_pmf(i, mean) for i in range(k + 1))


def log_poisson_cdf(k: int, mean: float) -> float:
    """The same for large k and mean, each term through logarithms to avoid overflow."""
    return math.fsum(math.exp(i * math.log(mean) - mean - math.lgamma(i + 1)) for i in range(k + 1))


# --- Wilson score interval -----------------------------------------------------------------------

# Newcombe RG (1998). Two-sided confidence intervals for the single proportion: comparison of
# seven methods. Statistics in Medicine 17:857-872, Table II, method 3 (score method without
# continuity correction), 95% limits to four decimal places.
NEWCOMBE_WILSON = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("count", "denominator", "lower", "upper"), NEWCOMBE_WILSON)
def test_wilson_matches_newcombe_1998(count, denominator, lower, upper):
    result = wilson_interval(count, denominator, multiplier=1)

    assert result.lower == pytest.approx(lower, abs=5e-5)
    assert result.upper == pytest.approx(upper, abs=5e-5)


@pytest.mark.parametrize(("count", "denominator"), [(81, 263), (15, 148), (1, 29), (7, 10)])
def test_wilson_limits_solve_the_score_equation(count, denominator):
    # Independently of the closed form: the Wilson limits are the proportions π at which the
    # observed proportion is exactly z standard errors away, (p - π)² = z² π(1 - π) / n.
    p = count / denominator
    for limit in wilson_interval(count, denominator, multiplier=1):
        assert (p - limit) ** 2 == pytest.approx(Z95**2 * limit * (1 - limit) / denominator)


def test_wilson_is_on_the_indicator_scale_and_brackets_the_value():
    lower, upper = wilson_interval(81, 263)  # default multiplier 100: a percentage

    assert lower == pytest.approx(25.53, abs=0.005)
    assert upper == pytest.approx(36.62, abs=0.005)
    assert lower < 100 * 81 / 263 < upper


@pytest.mark.parametrize("denominator", range(1, 61))
def test_wilson_at_zero_and_at_the_whole_denominator_stays_inside_0_and_1(denominator):
    # In floating point the closed form often lands a hair off 1 (from n = 15, for instance).
    assert wilson_interval(0, denominator, multiplier=1).lower == 0.0
    assert wilson_interval(denominator, denominator, multiplier=1).upper == 1.0
    assert wilson_interval(denominator, denominator).upper == 100.0


def test_wilson_for_all_successes_mirrors_no_successes():
    # 20/20 mirrors 0/20 (Newcombe: 0 to 0.1611).
    assert wilson_interval(20, 20, multiplier=1).lower == pytest.approx(1 - 0.1611, abs=5e-5)


def test_wilson_is_symmetric_between_successes_and_failures():
    lower, upper = wilson_interval(15, 148, multiplier=1)
    mirror_lower, mirror_upper = wilson_interval(133, 148, multiplier=1)

    assert mirror_lower == pytest.approx(1 - upper)
    assert mirror_upper == pytest.approx(1 - lower)


def test_wilson_accepts_decimals_and_floats_and_widens_with_confidence():
    as_ints = wilson_interval(81, 263)

    assert wilson_interval(Decimal("81"), Decimal("263")) == pytest.approx(as_ints)
    assert wilson_interval(81.0, 263.0, multiplier=Decimal("100")) == pytest.approx(as_ints)
    wider = wilson_interval(81, 263, confidence=0.998)
    assert wider.lower < as_ints.lower and wider.upper > as_ints.upper


@pytest.mark.parametrize(
    ("count", "denominator", "kwargs", "message"),
    [
        (-1, 10, {}, "count cannot be negative"),
        (11, 10, {}, "cannot be greater than denominator"),
        (0, 0, {}, "denominator must be greater than zero"),
        (1, -5, {}, "denominator must be greater than zero"),
        (1, 10, {"confidence": 95}, "confidence must be strictly between 0 and 1"),
        (1, 10, {"confidence": 1}, "confidence must be strictly between 0 and 1"),
        (1, 10, {"multiplier": 0}, "multiplier must be greater than zero"),
        (Decimal("NaN"), 10, {}, "count must be a finite number"),
        (float("inf"), 10, {}, "count must be a finite number"),
    ],
)
def test_wilson_rejects_impossible_inputs(count, denominator, kwargs, message):
    with pytest.raises(ValueError, match=message):
        wilson_interval(count, denominator, **kwargs)


def test_wilson_rejects_numbers_given_as_text():
    with pytest.raises(TypeError, match="count must be an int, float or Decimal"):
        wilson_interval("81", 263)


# --- The regularised incomplete gamma function ----------------------------------------------


@pytest.mark.parametrize("x", [0.01, 0.5, 1.9, 2.1, 10.0, 40.0])
def test_gamma_p_with_shape_1_is_the_exponential_distribution(x):
    # P(1, x) = 1 - e^-x; x = 0.5 uses the series, x >= 2 the continued fraction.
    assert regularised_gamma_p(1, x) == pytest.approx(-math.expm1(-x), rel=1e-13)


@pytest.mark.parametrize("x", [0.01, 0.3, 1.4, 1.6, 4.0, 20.0])
def test_gamma_p_with_shape_one_half_is_the_error_function(x):
    # P(1/2, x) = erf(√x), a non-integer shape; x = 1.92073 is the 5% point of χ² on 1 df.
    assert regularised_gamma_p(0.5, x) == pytest.approx(math.erf(math.sqrt(x)), rel=1e-13)
    assert regularised_gamma_p(0.5, 3.841458820694124 / 2) == pytest.approx(0.95, rel=1e-12)


@pytest.mark.parametrize(
    ("a", "x"), [(3, 1.0), (3, 3.5), (3, 9.0), (10, 4.0), (10, 11.5), (10, 25.0)]
)
def test_gamma_p_with_whole_shape_is_a_poisson_tail(a, x):
    # For whole a, P(a, x) = P(X >= a) for X ~ Poisson(x).
    assert regularised_gamma_p(a, x) == pytest.approx(1 - poisson_cdf(a - 1, x), rel=1e-12)


@pytest.mark.parametrize("x", [420.0, 499.0, 502.0, 580.0])
def test_gamma_p_for_a_large_shape_on_both_sides_of_the_switch(x):
    assert regularised_gamma_p(500, x) == pytest.approx(1 - log_poisson_cdf(499, x), rel=1e-9)


@pytest.mark.parametrize("a", [0.5, 1, 3, 10, 250.5, 10_000])
@pytest.mark.parametrize("p", [0.001, 0.025, 0.5, 0.975, 0.999])
def test_inverse_gamma_p_round_trips(a, p):
    x = inverse_regularised_gamma_p(a, p)

    assert regularised_gamma_p(a, x) == pytest.approx(p, rel=1e-9)


def test_gamma_p_edges_and_errors():
    assert regularised_gamma_p(4, 0) == 0.0
    assert regularised_gamma_p(4, 1e6) == 1.0
    with pytest.raises(ValueError, match="a must be greater than zero"):
        regularised_gamma_p(0, 1)
    with pytest.raises(ValueError, match="x cannot be negative"):
        regularised_gamma_p(1, -1)
    with pytest.raises(ValueError, match="p must be strictly between 0 and 1"):
        inverse_regularised_gamma_p(1, 1.0)
    with pytest.raises(ValueError, match="a must be greater than zero"):
        inverse_regularised_gamma_p(-2, 0.5)


# --- Exact Poisson interval -------------------------------------------------------------------

# 95% exact (Garwood 1936) limits for a Poisson count, as printed to three or four significant
# decimals in standard tables of exact Poisson limits; each is confirmed just below by summing
# the Poisson probability function, so the test does not rest on the table alone.
EXACT_POISSON_95 = [
    (0, 0.0, 3.689),
    (1, 0.0253, 5.572),
    (5, 1.623, 11.668),
    (10, 4.795, 18.390),
]


@pytest.mark.parametrize(("count", "lower", "upper"), EXACT_POISSON_95)
def test_exact_poisson_matches_the_standard_table(count, lower, upper):
    result = exact_poisson_interval(count)

    assert result.lower == pytest.approx(lower, abs=5e-4)
    assert result.upper == pytest.approx(upper, abs=5e-4)


@pytest.mark.parametrize("confidence", [0.95, 0.998])
@pytest.mark.parametrize("count", [1, 2, 5, 9, 10, 30])
def test_exact_poisson_limits_leave_alpha_over_2_in_each_tail(count, confidence):
    # P(X >= k; lower) = α/2 and P(X <= k; upper) = α/2, summing the pmf directly.
    tail = (1 - confidence) / 2
    lower, upper = exact_poisson_interval(count, confidence=confidence)

    assert 1 - poisson_cdf(count - 1, lower) == pytest.approx(tail, rel=1e-9)
    assert poisson_cdf(count, upper) == pytest.approx(tail, rel=1e-9)


def test_exact_poisson_closed_forms_for_counts_0_and_1():
    # k = 0: P(X = 0; U) = e^-U = α/2, so U = -ln(0.025). k = 1: 1 - e^-L = α/2.
    assert exact_poisson_interval(0) == pytest.approx((0.0, -math.log(0.025)), rel=1e-12)
    assert exact_poisson_interval(1).lower == pytest.approx(-math.log(0.975), rel=1e-12)


def test_exact_poisson_handles_large_counts_and_decimals():
    lower, upper = exact_poisson_interval(Decimal("1000000"))

    # Within a hair of the normal approximation 10⁶ ± 1.96 × 1000 at this size.
    assert lower == pytest.approx(1_000_000 - Z95 * 1000, rel=1e-5)
    assert upper == pytest.approx(1_000_000 + Z95 * 1000, rel=1e-5)


def test_exact_poisson_rejects_impossible_inputs():
    with pytest.raises(ValueError, match="count cannot be negative"):
        exact_poisson_interval(-1)
    with pytest.raises(ValueError, match="confidence must be strictly between 0 and 1"):
        exact_poisson_interval(5, confidence=95)


# --- Byar's method ------------------------------------------------------------------------------


def test_byar_for_100_by_hand():
    # 100 × (1 - 1/900 - 1.959964/30)³ = 100 × 0.9335568³ = 81.362
    # 101 × (1 - 1/909 + 1.959964/(3√101))³ = 101 × 1.0639092³ = 121.628
    lower, upper = byar_interval(100)

    assert lower == pytest.approx(81.362, abs=5e-4)
    assert upper == pytest.approx(121.628, abs=5e-4)


@pytest.mark.parametrize(("count", "tolerance"), [(10, 2e-3), (100, 1e-4), (1000, 1e-5)])
def test_byar_approaches_the_exact_interval_as_the_count_grows(count, tolerance):
    assert byar_interval(count) == pytest.approx(exact_poisson_interval(count), rel=tolerance)


def test_byar_at_small_counts():
    assert byar_interval(0) == pytest.approx((0.0, 3.668), abs=5e-4)
    # At 99.8% the cube for a count of 1 goes below zero; the lower limit is clamped to 0.
    assert byar_interval(1, confidence=0.998).lower == 0.0
    with pytest.raises(ValueError, match="count cannot be negative"):
        byar_interval(-3)


# --- Crude rates ------------------------------------------------------------------------------


def test_rate_interval_uses_exact_poisson_below_10():
    # 5 deaths in a population of 2,000, per 100,000: 250 (exact 1.623 to 11.668, × 50).
    lower, upper = rate_interval(5, 2000, multiplier=100_000)

    assert lower == pytest.approx(1.6235 * 50, abs=0.01)
    assert upper == pytest.approx(11.6683 * 50, abs=0.01)
    assert rate_interval(9, 2000, multiplier=100_000) == pytest.approx(
        [limit * 50 for limit in exact_poisson_interval(9)]
    )


def test_rate_interval_uses_byar_from_10_up():
    for count in (10, 250):
        assert rate_interval(count, 40_000, multiplier=1000) == pytest.approx(
            [limit / 40 for limit in byar_interval(count)]
        )
    assert rate_interval(10, 40_000, multiplier=1000) != pytest.approx(
        [limit / 40 for limit in exact_poisson_interval(10)], rel=1e-6
    )


def test_rate_interval_with_decimals_at_998_and_zero_count():
    lower, upper = rate_interval(Decimal("250"), Decimal("40000"), multiplier=Decimal("1000"))
    wide_lower, wide_upper = rate_interval(250, 40_000, multiplier=1000, confidence=0.998)

    assert lower < 6.25 < upper
    assert wide_lower < lower and wide_upper > upper
    assert rate_interval(0, 2000, multiplier=100_000) == pytest.approx((0.0, 3.689 * 50), abs=0.01)


@pytest.mark.parametrize(
    ("count", "denominator", "multiplier", "message"),
    [
        (-1, 100, 1000, "count cannot be negative"),
        (5, 0, 1000, "denominator must be greater than zero"),
        (5, 100, 0, "multiplier must be greater than zero"),
    ],
)
def test_rate_interval_rejects_impossible_inputs(count, denominator, multiplier, message):
    with pytest.raises(ValueError, match=message):
        rate_interval(count, denominator, multiplier=multiplier)


# --- Comparison with a benchmark ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lower", "upper", "benchmark", "polarity", "expected"),
    [
        (12.0, 14.0, 10.0, "low", "worse"),  # interval above the benchmark, low is good
        (12.0, 14.0, 10.0, "high", "better"),
        (12.0, 14.0, 10.0, "none", "higher"),
        (6.0, 8.0, 10.0, "low", "better"),
        (6.0, 8.0, 10.0, "high", "worse"),
        (6.0, 8.0, 10.0, "none", "lower"),
        (9.0, 11.0, 10.0, "low", "similar"),
        (9.0, 11.0, 10.0, "none", "similar"),
        (10.0, 11.0, 10.0, "high", "similar"),  # a benchmark on a limit is not outside it
        (9.0, 10.0, 10.0, "high", "similar"),
    ],
)
def test_compare_to_benchmark(lower, upper, benchmark, polarity, expected):
    value = (lower + upper) / 2

    assert compare_to_benchmark(value, lower, upper, benchmark, polarity=polarity) == expected


def test_compare_to_benchmark_takes_decimals_and_the_polarity_choice():
    result = compare_to_benchmark(
        Decimal("13.1"),
        Decimal("12.4"),
        Decimal("13.9"),
        Decimal("11.2"),
        polarity=Polarity.LOW_IS_GOOD,
    )

    assert result == "worse"
    assert compare_to_benchmark(13, 12, 14, 10, polarity=Polarity.NO_JUDGEMENT) == "higher"


@pytest.mark.parametrize(
    ("value", "lower", "upper", "benchmark"),
    [
        (13.0, None, 14.0, 10.0),
        (13.0, 12.0, None, 10.0),
        (None, None, None, 10.0),
        (13.0, 12.0, 14.0, None),
    ],
)
def test_compare_to_benchmark_without_an_interval_is_not_tested(value, lower, upper, benchmark):
    assert compare_to_benchmark(value, lower, upper, benchmark, polarity="low") == "not tested"


def test_compare_to_benchmark_rejects_impossible_inputs():
    with pytest.raises(ValueError, match="polarity must be"):
        compare_to_benchmark(13, 12, 14, 10, polarity="good")
    with pytest.raises(ValueError, match="lower .* cannot be greater than upper"):
        compare_to_benchmark(13, 14, 12, 10, polarity="low")


# --- Chi-squared test for trend ---------------------------------------------------------------


def textbook_trend_statistic(counts, denominators):
    """X² for trend as Altman (1991, pp. 261-265) writes it, with scores 1, 2, ..., k:

    X² = [Σ rᵢxᵢ - R x̄]² / (p̄ (1 - p̄) [Σ nᵢxᵢ² - N x̄²]),  p̄ = R/N, x̄ = Σ nᵢxᵢ / N."""
    scores = range(1, len(counts) + 1)
    big_n, big_r = sum(denominators), sum(counts)
    p_bar = big_r / big_n
    x_bar = sum(n * x for n, x in zip(denominators, scores, strict=True)) / big_n
    numerator = (sum(r * x for r, x in zip(counts, scores, strict=True)) - big_r * x_bar) ** 2
    spread = sum(n * x * x for n, x in zip(denominators, scores, strict=True)) - big_n * x_bar**2
    return numerator / (p_bar * (1 - p_bar) * spread)


def test_trend_matches_altmans_worked_example():
    # Altman DG (1991). Practical Statistics for Medical Research, pp. 261-265: caesarean
    # sections by mother's shoe size (<4, 4, 4½, 5, 5½, 6+), 43 of 351 women;
    # published χ²(trend) = 8.02 on 1 df, P = 0.005, the proportion falling with shoe size.
    counts = [5, 7, 6, 7, 8, 10]
    denominators = [22, 35, 42, 48, 54, 150]

    statistic, p_value, direction = chi_squared_trend(counts, denominators)

    assert statistic == pytest.approx(8.02, abs=0.005)
    assert statistic == pytest.approx(textbook_trend_statistic(counts, denominators), rel=1e-12)
    assert p_value == pytest.approx(0.005, abs=0.0005)
    assert p_value == pytest.approx(2 * (1 - NormalDist().cdf(math.sqrt(statistic))), rel=1e-9)
    assert direction == "decreasing"
    # Fingertips's recent-trend marker needs χ² > 9.5495 (99.8%); this one would not pass.
    assert chi_squared_trend(counts, denominators, significance_level=0.002).direction == (
        "no significant change"
    )


def test_trend_for_a_clearly_increasing_series():
    counts = [100, 120, 140, 160, 180]  # 10% rising to 18%
    denominators = [1000] * 5

    statistic, p_value, direction = chi_squared_trend(counts, denominators)

    assert direction == "increasing"
    assert p_value < 1e-6
    assert statistic == pytest.approx(textbook_trend_statistic(counts, denominators), rel=1e-12)


def test_trend_for_a_falling_series_given_as_decimals():
    counts = [Decimal(c) for c in (180, 160, 140, 120, 100)]

    result = chi_squared_trend(counts, [Decimal(1000)] * 5)

    assert result.direction == "decreasing"
    assert result.statistic == pytest.approx(
        textbook_trend_statistic([180, 160, 140, 120, 100], [1000] * 5), rel=1e-12
    )


def test_trend_for_a_flat_series():
    counts = [50, 100, 75, 50, 100]  # 10% every time, on different denominators
    denominators = [500, 1000, 750, 500, 1000]

    statistic, p_value, direction = chi_squared_trend(counts, denominators)

    assert statistic == pytest.approx(0.0, abs=1e-12)
    assert p_value == pytest.approx(1.0)
    assert direction == "no significant change"


def test_trend_for_a_noisy_series_without_a_real_trend():
    counts = [52, 47, 55, 49, 51]
    denominators = [500] * 5

    statistic, p_value, direction = chi_squared_trend(counts, denominators)

    assert direction == "no significant change"
    assert p_value > 0.05
    assert statistic == pytest.approx(textbook_trend_statistic(counts, denominators), rel=1e-12)


def test_trend_with_no_events_at_all_has_nothing_to_test():
    assert chi_squared_trend([0] * 5, [100] * 5) == (0.0, 1.0, "no significant change")
    assert chi_squared_trend([100] * 5, [100] * 5) == (0.0, 1.0, "no significant change")


def test_trend_with_fewer_than_five_points_is_not_tested():
    assert chi_squared_trend([10, 20, 30, 40], [100] * 4) == (None, None, "not tested")
    assert chi_squared_trend([], []) == (None, None, "not tested")


@pytest.mark.parametrize(
    ("counts", "denominators", "kwargs", "message"),
    [
        ([1, 2, 3, 4, 5], [10] * 4, {}, "same length"),
        ([1, 2, 30, 4, 5], [10] * 5, {}, "cannot be greater than denominator"),
        ([1, 2, 3, 4, 5], [10, 10, 0, 10, 10], {}, "denominator must be greater than zero"),
        ([1, -2, 3, 4, 5], [10] * 5, {}, "count cannot be negative"),
        ([1, 2], [10, 0], {}, "denominator must be greater than zero"),  # checked however few
        ([1, 2, 3, 4, 5], [10] * 5, {"significance_level": 5}, "significance_level"),
    ],
)
def test_trend_rejects_impossible_inputs(counts, denominators, kwargs, message):
    with pytest.raises(ValueError, match=message):
        chi_squared_trend(counts, denominators, **kwargs)
