"""How the site writes a figure: to the indicator's decimal places, with thousands separators
and its unit (“27.6%”, “73.3 per 10,000”, “1,234”), or the words of its status when there is
no figure (“suppressed (small numbers)”, “not available”), with a note when it is
illustrative. Pages, tables, downloads and the admin write figures through these functions,
so that a figure reads the same wherever it is shown.

The functions take plain values, and the indicator as anything with the few attributes they
read (`FigureUnit`, `LabelledUnit`): `indicators.models.Indicator` is one, but this module
does not import it, so that every app may use it.
"""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Final, Protocol

from django.utils import timezone
from django.utils.html import strip_tags

# The units that change how a figure is written (the values of `indicators.models.Unit`).
COUNT: Final = "count"
PERCENTAGE: Final = "percentage"
RATE: Final = "rate"

#: What each status of a figure is called; `indicators.models.ValueStatus` takes its labels
#: from here, so that a status reads the same in the admin's choices and on the pages.
STATUS_LABELS: Final[Mapping[str, str]] = {
    "available": "Available",
    "suppressed": "Suppressed (small numbers)",
    "not_available": "Not available",
    "not_applicable": "Not applicable",
}

#: The note a figure withheld by disclosure control carries where the public sees it.
WITHHELD_NOTE: Final = "c: withheld to protect confidentiality"


class FigureUnit(Protocol):
    """What writing a figure needs to know of its indicator."""

    @property
    def unit(self) -> str:
        """One of the units: "count", "percentage", "rate", "ratio" or "mean"."""
        ...

    @property
    def multiplier(self) -> int:
        """For a rate, the population it is per: 1,000, 10,000 or 100,000."""
        ...

    @property
    def decimal_places(self) -> int: ...


class LabelledUnit(FigureUnit, Protocol):
    """What naming an indicator's unit in words needs besides."""

    @property
    def population(self) -> str:
        """For a rate, who it is per, e.g. “population aged under 18”."""
        ...

    def get_unit_display(self) -> str:
        """The unit's name, e.g. “Mean or score”."""
        ...


# --- Numbers ------------------------------------------------------------------------------


def number_text(number: Decimal, places: int) -> str:
    """A number to `places` decimal places with thousands separators: 1,234.0 or 27.6."""
    return f"{number:,.{places}f}"


def figure_number(indicator: FigureUnit, number: Decimal | None) -> str:
    """A value or a confidence limit to the indicator's decimal places, without its unit:
    “638.6”, “1,234.0”; empty when there is none."""
    if number is None:
        return ""
    return number_text(number, indicator.decimal_places)


def count_text(number: Decimal) -> str:
    """A count or denominator without the storage's trailing zeros: 1,234 or 12.5."""
    return f"{_without_trailing_zeros(number):,f}"


def rounded(indicator: FigureUnit, number: Decimal | None) -> Decimal | None:
    """A value or confidence limit to the indicator's decimal places, still a number, as the
    downloads give it: 638.6, 27.0."""
    if number is None:
        return None
    return number.quantize(Decimal(1).scaleb(-indicator.decimal_places))


def trimmed(number: Decimal | None) -> Decimal | None:
    """A count or denominator as a number without the storage's trailing zeros: 878, not
    878.000000."""
    if number is None:
        return None
    return _without_trailing_zeros(number)


def _without_trailing_zeros(number: Decimal) -> Decimal:
    # normalize() alone would write a round number such as 1000 as 1E+3.
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


# --- Units --------------------------------------------------------------------------------


def unit_suffix(indicator: FigureUnit) -> str:
    """What follows a figure: “%”, “per 10,000”, or nothing (counts, ratios, means)."""
    if indicator.unit == PERCENTAGE:
        return "%"
    if indicator.unit == RATE:
        return f"per {indicator.multiplier:,}"
    return ""


def unit_label(indicator: LabelledUnit) -> str:
    """The unit in words: “rate per 10,000 population aged under 18”, “%”, “number”."""
    if indicator.unit == PERCENTAGE:
        return "%"
    if indicator.unit == RATE:
        return f"rate per {indicator.multiplier:,} {indicator.population}".strip()
    if indicator.unit == COUNT:
        return "number"
    return indicator.get_unit_display().lower()


def unit_noun(unit: str) -> str:
    """What a figure of this unit is called in a sentence: “percentage”, “rate”, “number”,
    or “value” for the others."""
    return {PERCENTAGE: "percentage", RATE: "rate", COUNT: "number"}.get(unit, "value")


def with_unit(indicator: FigureUnit, number: Decimal) -> str:
    """A figure with its unit: “27.6%”, “73.3 per 10,000”, “1,234”."""
    shown = figure_number(indicator, number)
    suffix = unit_suffix(indicator)
    if not suffix:
        return shown
    return f"{shown}{suffix}" if suffix == "%" else f"{shown} {suffix}"


# --- Statuses -----------------------------------------------------------------------------


def status_label(status: str) -> str:
    """A status as a table or download names it: “Suppressed (small numbers)”. A status the
    site does not know is given as it is."""
    return STATUS_LABELS.get(status, status)


def status_words(status: str) -> str:
    """A status as a sentence says it: “suppressed (small numbers)”, “not available”."""
    return status_label(status).lower()


# --- Figures ------------------------------------------------------------------------------


def plain_figure(indicator: FigureUnit, number: Decimal | None, status: str) -> str:
    """A figure as the values tables and the admin list it: “638.6”, without its unit, or its
    status when there is none (“Not available”)."""
    if number is None:
        return status_label(status)
    return figure_number(indicator, number)


def table_figure(indicator: FigureUnit, number: Decimal | None, status: str) -> str:
    """A figure in the table beside a chart, whose caption gives the unit: “27.6%” with its
    sign for a percentage, “73.3” for a rate, or its status (“Suppressed (small numbers)”)."""
    text = plain_figure(indicator, number, status)
    if number is not None and indicator.unit == PERCENTAGE:
        text += "%"
    return text


def illustrative_note(*, in_brackets: bool = False) -> str:
    """What marks an illustrative figure in a sentence: “ (illustrative)”, or
    “, illustrative” when the figure is already inside brackets."""
    return ", illustrative" if in_brackets else " (illustrative)"


def figure_text(
    indicator: FigureUnit,
    number: Decimal | None,
    status: str,
    *,
    illustrative: bool = False,
    in_brackets: bool = False,
) -> str:
    """A figure as written in a sentence: “638.6 per 10,000”, “27.6%”, “1,234”, with
    “ (illustrative)” after an illustrative one (“, illustrative” when `in_brackets`); its
    status in words when there is no figure (“suppressed (small numbers)”)."""
    if number is None:
        return status_words(status)
    text = with_unit(indicator, number)
    if illustrative:
        text += illustrative_note(in_brackets=in_brackets)
    return text


# --- Comparisons --------------------------------------------------------------------------
# One area's figure against another's, as Fingertips words it: "Better (significantly)",
# "Similar", "Worse (significantly)" where a low (or a high) figure is better and a 95%
# confidence interval allows a test; "Higher (significantly)", "Similar", "Lower
# (significantly)" where neither is better; and where nothing can be tested (Fingertips' "Not
# compared") the direction of the figures, with what it means where the polarity says.

#: What “not tested” means, said once on a page whose comparisons use it.
NOT_TESTED_NOTE: Final = (
    "Not tested: these figures have no confidence intervals, so we cannot say whether the "
    "difference is more than chance."
)

#: The polarities of an indicator (the values of `indicators.models.Polarity`).
LOW_IS_GOOD: Final = "low"
HIGH_IS_GOOD: Final = "high"


def comparison_symbol(direction: str, significance: str) -> str:
    """The marker's symbol, so that colour is never the only signal: “▲” for a higher figure,
    “▼” for a lower one, “●” for the same figure or no significant difference."""
    if significance == "similar" or direction == "same":
        return "●"
    return "▲" if direction == "higher" else "▼"


def comparison_label(direction: str, significance: str, judgement: str = "") -> str:
    """The marker's words: “Better (significantly)”, “Worse (significantly)”, “Higher
    (significantly)”, “Similar”; untested, “Higher”, “Lower” or “Same”."""
    if significance == "significant":
        return f"{(judgement or direction).capitalize()} (significantly)"
    if significance == "similar":
        return "Similar"
    return {"higher": "Higher", "lower": "Lower", "same": "Same"}[direction]


def comparison_connector(direction: str, significance: str) -> str:
    """The word between the marker and the area: “than”, “to” after “Similar”, “as” after
    “Same”."""
    if significance == "similar":
        return "to"
    return "as" if direction == "same" else "than"


def untested_words(direction: str, polarity: str) -> str:
    """What an untested comparison says after the figure: “worse (not tested)” for a higher
    figure where a low one is better, “better (not tested)”, or “not tested” where neither is
    better; nothing for the same figure."""
    if direction == "same":
        return ""
    if str(polarity) in (LOW_IS_GOOD, HIGH_IS_GOOD):
        better = (direction == "lower") == (str(polarity) == LOW_IS_GOOD)
        return f"{'better' if better else 'worse'} (not tested)"
    return "not tested"


def comparison_verdict(direction: str, significance: str, judgement: str, polarity: str) -> str:
    """A comparison in words after its direction (as the release report quotes it):
    “significantly worse”, “similar (no significant difference)”, “worse (not tested)”,
    “not tested”, “no difference”."""
    if significance == "significant":
        return f"significantly {judgement or direction}"
    if significance == "similar":
        return "similar (no significant difference)"
    return untested_words(direction, polarity) or "no difference"


def measure_words(indicator: LabelledUnit) -> str:
    """What a figure measures, as a chart's subtitle names it: “rate per 10,000 population
    aged under 18”, “percentage”, “number”."""
    if indicator.unit == PERCENTAGE:
        return "percentage"
    return unit_label(indicator)


# --- A figure in a text ---------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\d])")
_YEAR_SPAN = re.compile(r"[/\u2013-]\d")  # “2012/13”, “2012-13”: a year, not a figure
_UNIT_AFTER = {PERCENTAGE: re.compile(r"\s?(%|per ?cent\b)"), RATE: re.compile(r"\s?per\b")}


def plain_text(markup: str) -> str:
    """HTML as a reader reads it: no tags, entities decoded, each run of whitespace (no-break
    spaces too) one space."""
    return " ".join(html.unescape(strip_tags(markup)).split())


def states_figure(text: str, indicator: FigureUnit, number: Decimal) -> bool:
    """Whether plain text states a figure: the number as the site writes it to the
    indicator's decimal places (“73.3”, “1,234”, with or without the thousands separator), or
    rounded to fewer places with its unit right after it (“87%” for 87.0%, “73 per 10,000”).
    A year span (“2012/13”) is not a figure, and a number inside a longer one never counts."""
    places = indicator.decimal_places
    unit_after = _UNIT_AFTER.get(indicator.unit)
    for match in _NUMBER.finditer(text):
        whole, fraction = match.group(1).replace(",", ""), match.group(2) or ""
        after = text[match.end() :]
        if len(fraction) > places or (not fraction and _YEAR_SPAN.match(after)):
            continue
        written = number_text(number, len(fraction)).replace(",", "").lstrip("-")
        if written != (f"{whole}.{fraction}" if fraction else whole):
            continue
        if len(fraction) == places or (unit_after is not None and unit_after.match(after)):
            return True
    return False


# --- Dates ----------------------------------------------------------------------------------
# The site writes a day one way, as GOV.UK does (“19 March 2014”: the day without a leading
# zero, the month in full, no ordinal), and a moment one way, the day then the time on the
# 24-hour clock in the site's time zone (“19 March 2014, 09:30”). These are Django's
# DATE_FORMAT and DATETIME_FORMAT in `jsna.formats.en_GB.formats`, which the templates use
# (`{{ day|date }}`, `{{ moment|date:"DATETIME_FORMAT" }}`); Python code writes them with these
# functions. tests/core/test_one_date_style.py holds the code and the templates to them.


def long_date(day: datetime.date) -> str:
    """A day as a sentence writes it: “1 April 2023”."""
    return f"{day.day} {day:%B %Y}"


def day_and_time(moment: datetime.datetime, *, seconds: bool = False) -> str:
    """A moment in the site's time zone: “3 December 2026, 09:30” (“…, 09:30:15” with
    `seconds`, where two versions saved in the same minute must be told apart)."""
    local = timezone.localtime(moment)
    return (
        f"{long_date(local)}, {local:%H:%M:%S}" if seconds else f"{long_date(local)}, {local:%H:%M}"
    )


def joined(items: Sequence[str]) -> str:
    """Items in a sentence: “a”, “a and b”, “a, b and c”."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
