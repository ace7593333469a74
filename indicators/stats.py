"""Confidence intervals and significance tests for public-health indicators.

The methods are the ones OHID Fingertips publishes with its figures, as described in the
PHE/OHID "Technical Guide: Confidence Intervals" and implemented in the PHEindicatormethods
R package:

- proportions: Wilson's score interval (`wilson_interval`);
- counts: Byar's approximation (`byar_interval`) and the exact Poisson interval
  (`exact_poisson_interval`), combined for crude rates by `rate_interval`;
- comparison with a benchmark by whether the benchmark lies outside the interval
  (`compare_to_benchmark`);
- the chi-squared test for linear trend in proportions (`chi_squared_trend`).

Only the standard library is used (`math`, `statistics.NormalDist`), so the exact Poisson
interval comes from the regularised incomplete gamma function implemented here
(`regularised_gamma_p` and its inverse). Inputs may be ints, floats or Decimals; results are
floats, left unrounded for callers to format. Nothing here touches Django, so the module can
be used by imports, commands and views alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from numbers import Real
from statistics import NormalDist
from typing import Literal, NamedTuple

Number = int | float | Decimal
Significance = Literal["better", "similar", "worse", "higher", "lower", "not tested"]
TrendDirection = Literal["increasing", "decreasing", "no significant change", "not tested"]

#: Fingertips's rule for rates: exact Poisson limits below this count, Byar's from it up.
EXACT_POISSON_BELOW = 10
#: Fingertips marks a recent trend only when at least this many points are available.
TREND_MIN_POINTS = 5

_STANDARD_NORMAL = NormalDist()
_EPSILON = 1e-15  # relative accuracy sought in the incomplete gamma series and fraction
_TINY = 1e-300  # guard against division by zero in the continued fraction


class Interval(NamedTuple):
    """A confidence interval; unpacks as ``lower, upper``."""

    lower: float
    upper: float


class TrendResult(NamedTuple):
    """The outcome of `chi_squared_trend`; unpacks as ``statistic, p_value, direction``.

    ``statistic`` and ``p_value`` are None when the trend was not tested."""

    statistic: float | None
    p_value: float | None
    direction: TrendDirection


# --- Input checking ---------------------------------------------------------------------------


def _as_float(value: Number, name: str) -> float:
    """``value`` as a finite float, or a ValueError (TypeError for a non-number) naming it."""
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise TypeError(f"{name} must be an int, float or Decimal, not {type(value).__name__}.")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"{name} must be a finite number, not {value!r}.")
    return result


def _count(value: Number, name: str = "count") -> float:
    result = _as_float(value, name)
    if result < 0:
        raise ValueError(f"{name} cannot be negative (got {value!r}).")
    return result


def _denominator(value: Number, name: str = "denominator") -> float:
    result = _as_float(value, name)
    if result <= 0:
        raise ValueError(f"{name} must be greater than zero (got {value!r}).")
    return result


def _proportion_parts(count: Number, denominator: Number) -> tuple[float, float]:
    r = _count(count)
    n = _denominator(denominator)
    if r > n:
        raise ValueError(
            f"count ({count!r}) cannot be greater than denominator ({denominator!r}) "
            "for a proportion."
        )
    return r, n


def _confidence(confidence: float) -> float:
    level = _as_float(confidence, "confidence")
    if not 0 < level < 1:
        raise ValueError(
            f"confidence must be strictly between 0 and 1, e.g. 0.95 (got {confidence!r})."
        )
    return level


def _z(confidence: float) -> float:
    """The two-sided standard normal quantile: 1.959964 for 0.95, 3.090232 for 0.998."""
    return _STANDARD_NORMAL.inv_cdf(0.5 + _confidence(confidence) / 2)


# --- Proportions ------------------------------------------------------------------------------


def wilson_interval(
    count: Number,
    denominator: Number,
    *,
    confidence: float = 0.95,
    multiplier: Number = 100,
) -> Interval:
    """Wilson's score interval for the proportion ``count / denominator``.

    With ``r = count``, ``n = denominator``, ``p = r / n`` and ``z`` the two-sided normal
    quantile, the limits are (PHE Technical Guide; Newcombe 1998, method 3)::

        (2r + z² ∓ z·√(z² + 4r(1 − p))) / (2(n + z²))

    They stay inside [0, 1]: for ``count == 0`` the lower limit is exactly 0 and for
    ``count == denominator`` the upper limit is exactly 1, which the formula gives in exact
    arithmetic and is set here so that floating point cannot miss it. The limits are returned
    on the indicator's scale, times ``multiplier`` (100 for a percentage, 1 for a fraction).
    """
    r, n = _proportion_parts(count, denominator)
    scale = _denominator(multiplier, "multiplier")
    z = _z(confidence)
    centre = 2 * r + z * z
    spread = z * math.sqrt(z * z + 4 * r * (1 - r / n))
    divisor = 2 * (n + z * z)
    lower = 0.0 if r == 0 else (centre - spread) / divisor
    upper = 1.0 if r == n else (centre + spread) / divisor
    return Interval(lower * scale, upper * scale)


# --- Counts -----------------------------------------------------------------------------------


def byar_interval(count: Number, *, confidence: float = 0.95) -> Interval:
    """Byar's approximation to the exact Poisson interval for an observed count ``O``::

        lower = O · (1 − 1/(9O) − z/(3√O))³
        upper = (O + 1) · (1 − 1/(9(O + 1)) + z/(3√(O + 1)))³

    (Breslow & Day 1987, Statistical Methods in Cancer Research vol. II; PHE Technical Guide;
    PHEindicatormethods ``byars_lower``/``byars_upper``). It is close to the exact interval
    from a count of about 10 up. For a count of 0 the lower limit is 0; for very small counts
    at high confidence the formula can fall below zero, and the lower limit is then clamped
    to 0 (PHEindicatormethods stops with an error instead; use the exact interval there,
    as `rate_interval` does).
    """
    observed = _count(count)
    z = _z(confidence)
    if observed == 0:
        lower = 0.0
    else:
        lower = observed * (1 - 1 / (9 * observed) - z / (3 * math.sqrt(observed))) ** 3
    following = observed + 1
    upper = following * (1 - 1 / (9 * following) + z / (3 * math.sqrt(following))) ** 3
    return Interval(max(lower, 0.0), upper)


def exact_poisson_interval(count: Number, *, confidence: float = 0.95) -> Interval:
    """The exact (Garwood 1936) interval for the mean of a Poisson count ``k``.

    The limits are the means at which the observed count is just significant in each tail,
    ``P(X ≥ k; lower) = α/2`` and ``P(X ≤ k; upper) = α/2``. Through the Poisson–gamma
    relationship these are gamma quantiles, or half the chi-squared quantiles that the PHE
    Technical Guide and PHEindicatormethods use (``qchisq(α/2, 2k) / 2`` and
    ``qchisq(1 − α/2, 2k + 2) / 2``)::

        lower = P⁻¹(k, α/2)          (0 when k = 0)
        upper = P⁻¹(k + 1, 1 − α/2)

    where ``P`` is the regularised lower incomplete gamma function (`regularised_gamma_p`).
    """
    observed = _count(count)
    alpha = 1 - _confidence(confidence)
    lower = 0.0 if observed == 0 else inverse_regularised_gamma_p(observed, alpha / 2)
    upper = inverse_regularised_gamma_p(observed + 1, 1 - alpha / 2)
    return Interval(lower, upper)


def rate_interval(
    count: Number,
    denominator: Number,
    *,
    multiplier: Number,
    confidence: float = 0.95,
) -> Interval:
    """The interval for the crude rate ``count / denominator × multiplier``.

    The interval for the count is scaled by ``multiplier / denominator``. Following the
    Fingertips convention (PHE Technical Guide; PHEindicatormethods ``phe_rate``), the count's
    interval is the exact Poisson one for counts under 10 and Byar's approximation from 10 up.
    """
    observed = _count(count)
    population = _denominator(denominator)
    scale = _denominator(multiplier, "multiplier") / population
    if observed < EXACT_POISSON_BELOW:
        lower, upper = exact_poisson_interval(observed, confidence=confidence)
    else:
        lower, upper = byar_interval(observed, confidence=confidence)
    return Interval(lower * scale, upper * scale)


# --- The regularised incomplete gamma function ------------------------------------------------


def _gamma_log_prefactor(a: float, x: float) -> float:
    """log(xᵃ e⁻ˣ / Γ(a)), the factor common to the series and the continued fraction."""
    return a * math.log(x) - x - math.lgamma(a)


def _gamma_p_series(a: float, x: float) -> float:
    """P(a, x) by its power series, which converges quickly for x < a + 1::

    P(a, x) = xᵃ e⁻ˣ / Γ(a) · Σₙ xⁿ / (a (a + 1) … (a + n))
    """
    term = total = 1 / a
    denominator = a
    for _ in range(_max_iterations(a)):
        denominator += 1
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * _EPSILON:
            return total * math.exp(_gamma_log_prefactor(a, x))
    raise ArithmeticError(f"incomplete gamma series did not converge for a={a}, x={x}")


def _gamma_q_continued_fraction(a: float, x: float) -> float:
    """Q(a, x) = 1 − P(a, x) by its continued fraction, for x ≥ a + 1::

    Q(a, x) = xᵃ e⁻ˣ / Γ(a) · 1/(x + 1 − a − 1·(1 − a)/(x + 3 − a − 2·(2 − a)/(x + 5 − a − …)))

    evaluated from the top down with the modified Lentz method.
    """
    b = x + 1 - a
    c = 1 / _TINY
    d = 1 / b
    fraction = d
    for i in range(1, _max_iterations(a)):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        step = d * c
        fraction *= step
        if abs(step - 1) < _EPSILON:
            return fraction * math.exp(_gamma_log_prefactor(a, x))
    raise ArithmeticError(f"incomplete gamma continued fraction did not converge for a={a}, x={x}")


def _max_iterations(a: float) -> int:
    # Both expansions need O(√a) terms near x ≈ a; this bound is generous.
    return 1000 + int(50 * math.sqrt(a))


def regularised_gamma_p(a: Number, x: Number) -> float:
    """The regularised lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a).

    P(a, ·) is the distribution function of a gamma variable with shape ``a`` and scale 1; for
    a whole number ``a`` it equals P(X ≥ a) for X ~ Poisson(x), and P(k/2, x/2) is the
    chi-squared distribution function with k degrees of freedom. Evaluated by the power series
    below x = a + 1 and by the continued fraction for Q = 1 − P above it, the standard split
    (Press et al., Numerical Recipes, §6.2), which keeps both expansions fast and accurate to
    about 1e-15.
    """
    shape = _as_float(a, "a")
    point = _as_float(x, "x")
    if shape <= 0:
        raise ValueError(f"a must be greater than zero (got {a!r}).")
    if point < 0:
        raise ValueError(f"x cannot be negative (got {x!r}).")
    if point == 0:
        return 0.0
    if point < shape + 1:
        return min(_gamma_p_series(shape, point), 1.0)
    return max(1.0 - _gamma_q_continued_fraction(shape, point), 0.0)


def inverse_regularised_gamma_p(a: Number, p: float) -> float:
    """The x at which P(a, x) = p: the p-quantile of the gamma distribution with shape ``a``.

    P(a, ·) rises continuously from 0 to 1, so the root is found by bisection: the upper end of
    the bracket is doubled from max(a, 1) until P exceeds p, then the bracket is halved until
    it is narrower than 1e-12 of x (about 40 halvings; bisection cannot
    diverge, which Newton's method near x = 0 can).
    """
    shape = _as_float(a, "a")
    if shape <= 0:
        raise ValueError(f"a must be greater than zero (got {a!r}).")
    if not 0 < p < 1:
        raise ValueError(f"p must be strictly between 0 and 1 (got {p!r}).")
    low, high = 0.0, max(shape, 1.0)
    while regularised_gamma_p(shape, high) < p:
        low, high = high, high * 2
    while high - low > 1e-12 * high:
        middle = (low + high) / 2
        if not low < middle < high:  # no float left between them
            break
        if regularised_gamma_p(shape, middle) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


# --- Comparison with a benchmark --------------------------------------------------------------


def compare_to_benchmark(
    value: Number | None,
    lower: Number | None,
    upper: Number | None,
    benchmark: Number | None,
    *,
    polarity: str,
) -> Significance:
    """How a value compares with a benchmark (England, the region), as Fingertips colours it.

    The value differs significantly when the benchmark lies outside its confidence interval;
    a benchmark equal to a limit counts as inside ("similar"). With ``polarity`` "low" (a low
    value is better) or "high" (a high value is better) the answer is "better", "similar" or
    "worse"; with "none" it is "higher", "similar" or "lower". "not tested" when the value,
    either limit or the benchmark is missing. ``polarity`` may be a plain string or the
    `indicators.models.Polarity` choice.
    """
    key = str(polarity)  # Django's TextChoices print as their value
    if key not in ("low", "high", "none"):
        raise ValueError(f'polarity must be "low", "high" or "none" (got {polarity!r}).')
    if value is None or lower is None or upper is None or benchmark is None:
        return "not tested"
    _as_float(value, "value")
    low = _as_float(lower, "lower")
    high = _as_float(upper, "upper")
    reference = _as_float(benchmark, "benchmark")
    if low > high:
        raise ValueError(f"lower ({lower!r}) cannot be greater than upper ({upper!r}).")
    if low <= reference <= high:
        return "similar"
    is_higher = reference < low
    if key == "none":
        return "higher" if is_higher else "lower"
    if key == "high":
        return "better" if is_higher else "worse"
    return "worse" if is_higher else "better"


# --- Trend ------------------------------------------------------------------------------------


def chi_squared_trend(
    counts: Sequence[Number],
    denominators: Sequence[Number],
    *,
    significance_level: float = 0.05,
) -> TrendResult:
    """The chi-squared test for linear trend in proportions (Cochran–Armitage).

    ``counts`` and ``denominators`` are the numerators and denominators of a proportion at
    equally spaced time points, oldest first; all the points given are tested, scored
    1, 2, …, k. With ``N = Σnᵢ``, ``R = Σrᵢ`` (Armitage's form, as in Altman 1991 and in
    Fingertips's ``TrendMarkerCalculator``)::

        X² = N (N·Σrᵢtᵢ − R·Σnᵢtᵢ)² / (R (N − R) (N·Σnᵢtᵢ² − (Σnᵢtᵢ)²))

    on 1 degree of freedom, so the p-value is P(χ²₁ > X²) = 2(1 − Φ(√X²)). The direction is
    "increasing" or "decreasing" (the sign of the slope) when the p-value is below
    ``significance_level``, otherwise "no significant change"; if every proportion is 0 or
    every one is 1 there is no variation to test and the statistic is 0.

    Fingertips's recent-trend marker passes the five most recent points (pass ``[-5:]``) and
    returns "not tested" (its "cannot be calculated") with fewer than five, as this does.
    Note that Fingertips itself tests at the 99.8% level (χ² > 9.5495, i.e.
    ``significance_level=0.002``) and also requires the slope to keep its sign when each point
    is left out in turn; the default here is the conventional 5% level and no such check.
    """
    if len(counts) != len(denominators):
        raise ValueError(
            f"counts and denominators must have the same length "
            f"(got {len(counts)} and {len(denominators)})."
        )
    if not 0 < significance_level < 1:
        raise ValueError(
            f"significance_level must be strictly between 0 and 1 (got {significance_level!r})."
        )
    points = [_proportion_parts(r, n) for r, n in zip(counts, denominators, strict=True)]
    if len(points) < TREND_MIN_POINTS:
        return TrendResult(None, None, "not tested")

    total_n = sum(n for _, n in points)
    total_r = sum(r for r, _ in points)
    sum_rt = sum(r * t for t, (r, _) in enumerate(points, start=1))
    sum_nt = sum(n * t for t, (_, n) in enumerate(points, start=1))
    sum_ntt = sum(n * t * t for t, (_, n) in enumerate(points, start=1))

    slope = total_n * sum_rt - total_r * sum_nt
    variance = total_r * (total_n - total_r) * (total_n * sum_ntt - sum_nt * sum_nt)
    if variance <= 0:  # every proportion 0, or every one 1
        return TrendResult(0.0, 1.0, "no significant change")
    statistic = total_n * slope * slope / variance
    # P(χ²₁ > s) = 2(1 − Φ(√s)) = erfc(√(s/2)); erfc keeps its accuracy for tiny p-values.
    p_value = math.erfc(math.sqrt(statistic / 2))
    if p_value >= significance_level or slope == 0:
        return TrendResult(statistic, p_value, "no significant change")
    return TrendResult(statistic, p_value, "increasing" if slope > 0 else "decreasing")
