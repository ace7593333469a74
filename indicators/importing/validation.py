"""Reading one cell at a time: numbers, suppression symbols, statuses, periods (read by each
format: see `indicators.importing.periods`), breakdowns, and figures computed from a count and a
denominator.

Each reader returns the parsed value or raises `CellError` with a message that says what was
found and what was expected; the import service adds the row number and the column.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import NamedTuple

from indicators import stats
from indicators.models import BreakdownType, Indicator, Unit, ValueStatus

#: Values are stored with six decimal places (Value's DecimalFields).
PLACES = Decimal("0.000001")
#: Value's DecimalFields hold 20 digits, 6 of them after the point.
LARGEST = Decimal("1e14")

COMPUTED_NOTE = "Computed from count and denominator"


class CellError(ValueError):
    """A cell that cannot be read; the message says what was expected."""


# --- Numbers --------------------------------------------------------------------------------

_NUMBER = re.compile(
    r"""^[+-]?
    (?=\.?\d)                     # a digit first, after the sign (and point)
    (?:\d{1,3}(?:,\d{3})+|\d+)?   # whole part, with or without thousands separators
    (?:\.\d*)?                    # fraction
    (?:[eE][+-]?\d+)?$            # exponent, as Excel writes very small or large numbers
    """,
    re.VERBOSE | re.ASCII,  # the digits 0 to 9 only: never full-width or Arabic-Indic ones
)


#: A number written plainly (“12”, “-0.5”, “12.50”): most cells, read without the checks
#: for spaces, separators, percent signs and exponents.
_PLAIN = re.compile(r"[+-]?\d+(?:\.(\d*))?", re.ASCII)


def parse_number(text: str) -> Decimal | None:
    """“1,234.5”, “ 12 ”, “12%”, “-0.5” → a Decimal (rounded to the six decimal places a
    value is stored with); “” → None.

    Rejects “12..3”, “abc”, “1,23” and anything not finite, saying what was expected."""
    plain = _PLAIN.fullmatch(text)
    if plain is not None:
        return _plain_number(text, plain)
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        return None
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    if not _NUMBER.match(cleaned):
        if any(c.isdigit() and not c.isascii() for c in cleaned):
            raise CellError(
                f"“{text.strip()}” is written with digits other than 0 to 9 (full-width or "
                f"Arabic-Indic digits, for example): type it again with 0 to 9."
            )
        raise CellError(
            f"“{text.strip()}” is not a number: expected a figure such as 12, 12.5 or 1,234.5."
        )
    number = Decimal(cleaned.replace(",", ""))
    if abs(number) >= LARGEST:
        raise CellError(f"“{text.strip()}” is too large: expected under 100,000,000,000,000.")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -6:
        return number  # kept as written (“12.50” stays 12.50), which messages then quote
    try:
        return number.quantize(PLACES, rounding=ROUND_HALF_EVEN)
    except InvalidOperation as error:  # pragma: no cover - guarded by LARGEST
        raise CellError(f"“{text.strip()}” cannot be stored.") from error


def _plain_number(text: str, plain: re.Match[str]) -> Decimal:
    """`parse_number` for text that `_PLAIN` matches, with the same results."""
    number = Decimal(text)
    if not -LARGEST < number < LARGEST:
        raise CellError(f"“{text}” is too large: expected under 100,000,000,000,000.")
    fraction = plain.group(1)
    if fraction is None or len(fraction) <= 6:
        return number  # kept as written, as below
    return number.quantize(PLACES, rounding=ROUND_HALF_EVEN)


# --- Suppression and missing-value symbols ---------------------------------------------------


class Symbol(NamedTuple):
    status: str
    note: str


#: The symbols of the GSS guidance on symbols in tables, as used by DfE (EES), ONS and others,
#: and the ones local systems commonly use. A symbol is never a zero.
SYMBOLS: dict[str, Symbol] = {
    "c": Symbol(ValueStatus.SUPPRESSED, "Suppressed to protect confidentiality (c)"),
    "low": Symbol(ValueStatus.SUPPRESSED, "Rounds to zero but is not zero (low)"),
    "~": Symbol(ValueStatus.SUPPRESSED, "Rounds to zero but is not zero (~)"),
    "*": Symbol(ValueStatus.SUPPRESSED, "Suppressed (*)"),
    "x": Symbol(ValueStatus.NOT_AVAILABLE, "Not available (x)"),
    ":": Symbol(ValueStatus.NOT_AVAILABLE, "Not available (:)"),
    "..": Symbol(ValueStatus.NOT_AVAILABLE, "Not available (..)"),
    "z": Symbol(ValueStatus.NOT_APPLICABLE, "Not applicable (z)"),
    "u": Symbol(ValueStatus.NOT_AVAILABLE, "Low reliability (u): no figure was given"),
}
LOW_RELIABILITY_NOTE = "Low reliability (u)"
_FLAGGED_NUMBER = re.compile(r"^(?P<number>.*?\d)\s*\[?u\]?$", re.IGNORECASE)


def read_symbol(text: str) -> Symbol | None:
    """The status a symbol stands for (“c”, “[c]”, “x”, “:”, …), or None if it is not one."""
    key = text.strip().lower()
    if key.startswith("[") and key.endswith("]"):
        key = key[1:-1].strip()
    return SYMBOLS.get(key)


class Figure(NamedTuple):
    value: Decimal | None
    status: str
    note: str


def read_figure(text: str) -> Figure:
    """A value cell: a number, a symbol, a number flagged “u” (low reliability), or empty.

    Empty gives status "" (the caller decides); a symbol gives its status and note, no value."""
    plain = _PLAIN.fullmatch(text)
    if plain is not None:  # neither a symbol nor flagged: the usual case
        return Figure(_plain_number(text, plain), ValueStatus.AVAILABLE, "")
    stripped = text.strip()
    if not stripped:
        return Figure(None, "", "")
    symbol = read_symbol(stripped)
    if symbol is not None:
        return Figure(None, symbol.status, symbol.note)
    flagged = _FLAGGED_NUMBER.match(stripped)
    if flagged:
        number = parse_number(flagged.group("number"))
        return Figure(number, ValueStatus.AVAILABLE, LOW_RELIABILITY_NOTE)
    try:
        number = parse_number(stripped)
    except CellError as error:
        raise CellError(
            f"{error} A missing figure may be written as a symbol such as c (suppressed), "
            f"x (not available) or z (not applicable), or left empty."
        ) from None
    return Figure(number, ValueStatus.AVAILABLE, "")


# --- Status and flags ------------------------------------------------------------------------

_STATUS_WORDS = {
    **{choice.value: choice.value for choice in ValueStatus},
    **{choice.label.lower(): choice.value for choice in ValueStatus},
    "suppressed": ValueStatus.SUPPRESSED,
    "not available": ValueStatus.NOT_AVAILABLE,
    "not applicable": ValueStatus.NOT_APPLICABLE,
    "missing": ValueStatus.NOT_AVAILABLE,
}


def parse_status(text: str) -> tuple[str, str]:
    """A status cell → (status, note from a symbol); ("", "") when empty."""
    stripped = text.strip()
    if not stripped:
        return "", ""
    found = _STATUS_WORDS.get(stripped.lower())
    if found:
        return str(found), ""
    symbol = read_symbol(stripped)
    if symbol is not None:
        return str(symbol.status), symbol.note
    raise CellError(
        f"“{stripped}” is not a status: expected available, suppressed, not_available or "
        f"not_applicable (or a symbol such as c, x or z)."
    )


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0", ""}


def parse_bool(text: str) -> bool:
    key = text.strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError(f"“{text.strip()}” is not yes or no: expected true or false (or empty).")


# --- Periods -----------------------------------------------------------------------------------


def read_period_code(
    text: str, *, source: str = "template", time_identifier: str = "", reading: str = ""
) -> str:
    """The code of the period a file means, checked by `Period.from_code`; CellError if the
    period is not one this site can store.

    ``source`` is the name of the file's format, which says how its source writes periods
    (`Format.read_period`): Fingertips's pooled years (“2010 - 12”) are refused, EES's
    time_period 201213 is read with its time_identifier, such as “Financial year”. A single
    year whose meaning the source does not say (EES's “Reporting year”) is read as ``reading``
    says (a `PeriodReading`; the calendar year when it is empty)."""
    # The formats read their cells with this module, so they are imported when first needed.
    from indicators.importing.formats import FORMAT_NAMES

    return FORMAT_NAMES[source].read_period(text, time_identifier=time_identifier, reading=reading)


# --- Breakdowns --------------------------------------------------------------------------------

_DIMENSION_WORDS = {
    **{choice.value: choice.value for choice in BreakdownType},
    **{choice.label.lower(): choice.value for choice in BreakdownType},
    "age group": BreakdownType.AGE,
    "gender": BreakdownType.SEX,
    "ethnic group": BreakdownType.ETHNICITY,
}


def parse_breakdown(text: str) -> tuple[str, str] | None:
    """“age: 1-4” → ("age", "1-4"); “”, “All” or “Total” → None (the whole population)."""
    stripped = text.strip()
    if stripped.lower() in ("", "all", "total", "persons"):
        return None
    dimension, colon, label = stripped.partition(":")
    key = _DIMENSION_WORDS.get(dimension.strip().lower())
    if not colon or not label.strip():
        raise CellError(
            f"“{stripped}” is not a breakdown: write it as “dimension: category”, e.g. "
            f"“age: 1-4” or “sex: Female”, or leave it empty for the whole population."
        )
    if key is None:
        choices = ", ".join(choice.value for choice in BreakdownType)
        raise CellError(f"“{dimension.strip()}” is not a breakdown dimension: expected {choices}.")
    return check_breakdown_label(str(key), label.strip())


def check_breakdown_label(dimension: str, label: str) -> tuple[str, str]:
    if len(label) > 100:
        raise CellError(f"The breakdown “{label[:40]}…” is too long: at most 100 characters.")
    return dimension, label


def dimension_for(words: str) -> str:
    """The breakdown dimension a source's own words suggest (a Fingertips Category Type or an
    EES filter column): “Ethnic groups” → ethnicity, “IMD deciles” → deprivation."""
    lowered = words.lower()
    if "ethnic" in lowered:
        return BreakdownType.ETHNICITY
    if re.search(r"depriv|\bimd|idaci", lowered):
        return BreakdownType.DEPRIVATION
    if re.search(r"\bsex\b|\bgender", lowered):
        return BreakdownType.SEX
    if re.search(r"\bage\b|\bages\b|\bage_|_age\b", lowered):
        return BreakdownType.AGE
    return BreakdownType.OTHER


# --- Figures computed from a count and a denominator ----------------------------------------


class Computed(NamedTuple):
    value: Decimal
    lower_ci: Decimal
    upper_ci: Decimal


def can_compute(indicator: Indicator) -> bool:
    return indicator.unit in (Unit.PERCENTAGE, Unit.RATE, Unit.COUNT)


def compute_figure(indicator: Indicator, count: Decimal, denominator: Decimal | None) -> Computed:
    """The value and its 95% confidence limits from a count (and denominator), by the
    indicator's unit, with the methods Fingertips uses (`indicators.stats`): Wilson's score
    interval for a percentage; for a rate, exact Poisson limits for counts under 10 and
    Byar's method from 10 up; the same for a count on its own. Kept to six decimal places;
    the indicator's decimal places apply only when the figure is shown."""
    if indicator.unit == Unit.COUNT:
        if count < stats.EXACT_POISSON_BELOW:
            lower, upper = stats.exact_poisson_interval(count)
        else:
            lower, upper = stats.byar_interval(count)
        return _rounded(count, lower, upper)
    if denominator is None:
        raise CellError("A denominator is needed to compute the value from the count.")
    if indicator.unit == Unit.PERCENTAGE:
        lower, upper = stats.wilson_interval(count, denominator, multiplier=indicator.multiplier)
        value = count / denominator * indicator.multiplier
        return _rounded(value, lower, upper)
    if indicator.unit == Unit.RATE:
        lower, upper = stats.rate_interval(count, denominator, multiplier=indicator.multiplier)
        value = count / denominator * indicator.multiplier
        return _rounded(value, lower, upper)
    raise CellError(  # pragma: no cover - callers check can_compute first
        f"A {indicator.get_unit_display().lower()} cannot be computed from a count."
    )


def _rounded(value: Decimal, lower: float, upper: float) -> Computed:
    quantised = value.quantize(PLACES, rounding=ROUND_HALF_EVEN)
    low = Decimal(repr(lower)).quantize(PLACES, rounding=ROUND_HALF_EVEN)
    high = Decimal(repr(upper)).quantize(PLACES, rounding=ROUND_HALF_EVEN)
    # Rounding cannot move a limit past the value, except when they are equal to six places.
    return Computed(quantised, min(low, quantised), max(high, quantised))
