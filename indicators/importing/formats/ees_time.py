"""DfE Explore Education Statistics periods: a time_period read with its time_identifier.

EES writes a period as a time_period (four digits, 2013, or six for two years in a row, 201213)
and a time_identifier that says what kind of period it is. Every identifier EES has is read
here into one of our periods (`Period.from_code`'s codes):

- Academic year 201213 → AY2012/13; Financial year → 2012/13; Tax year → TY2012/13 (6 April to
  5 April); Calendar year 2013 → 2013;
- their quarters: Financial year Q1 201213 → 2012/13 Q1 (April to June 2012), Calendar year Q1
  2013 → 2013 Q1, Academic year Q1 → AY2012/13 Q1 (September to November), Tax year Q1 →
  TY2012/13 Q1;
- Part 1 (April to September) and Part 2 (October to March) 201213 → 2012/13 H1 and H2;
- Autumn term, Spring term, Summer term, Autumn and spring term 201213 → AY2012/13 Autumn,
  Spring, Summer, Aut+Spr (a term's time_period is its academic year);
- Week 1 to Week 52 2013 → 2013 W01 to W52 (ISO 8601 weeks); January to December 2013 → 2013
  M01 to M12;
- Reporting year 2013: a single year whose meaning depends on the collection (see
  `indicators.importing.periods`), so it is not read here (`reporting_year`).

An identifier EES does not have is refused by name, with the list of those it does.
"""

from __future__ import annotations

import re

from indicators.importing.validation import CellError

_SIX = re.compile(r"^(\d{4})\s*[/-]?\s*(\d{2})$")
_FOUR = re.compile(r"^\d{4}$")
_QUARTERS = range(1, 5)
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
REPORTING_YEAR = "reporting year"


#: Identifiers whose time_period is two years in a row (201213), by name in lower case → our
#: code for the period, with {years} for the two years (2012/13).
_TWO_YEARS: dict[str, str] = {
    "academic year": "AY{years}",
    "financial year": "{years}",
    "tax year": "TY{years}",
    "part 1 (april to september)": "{years} H1",
    "part 2 (october to march)": "{years} H2",
    "autumn term": "AY{years} Autumn",
    "spring term": "AY{years} Spring",
    "summer term": "AY{years} Summer",
    "autumn and spring term": "AY{years} Aut+Spr",
    **{f"academic year q{number}": f"AY{{years}} Q{number}" for number in _QUARTERS},
    **{f"financial year q{number}": f"{{years}} Q{number}" for number in _QUARTERS},
    **{f"tax year q{number}": f"TY{{years}} Q{number}" for number in _QUARTERS},
}
#: Identifiers whose time_period is one year (2013), by name in lower case → our code, with
#: {year} for the year.
_ONE_YEAR: dict[str, str] = {
    "calendar year": "{year}",
    **{f"calendar year q{number}": f"{{year}} Q{number}" for number in _QUARTERS},
    **{f"week {number}": f"{{year}} W{number:02d}" for number in range(1, 53)},
    **{name.lower(): f"{{year}} M{number:02d}" for number, name in enumerate(_MONTHS, 1)},
}

#: Every time_identifier EES has, as the officer is told them.
ACCEPTED = (
    "Academic year, Calendar year, Financial year and Tax year (each also as Q1 to Q4, such "
    "as “Financial year Q1”), Reporting year, Part 1 (April to September), Part 2 (October to "
    "March), Autumn term, Spring term, Summer term, Autumn and spring term, Week 1 to Week 52, "
    "or a month, January to December"
)
#: What officers (and other sources) call some of EES's identifiers.
_CALLED_ELSEWHERE = {
    "fiscal year": "Financial year",
    "financial quarter": "Financial year Q1 to Q4",
    "quarter": "Financial year Q1 to Q4 or Calendar year Q1 to Q4",
    "school year": "Academic year",
    "year": "Calendar year or Reporting year",
}


def _identifier(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


class TimeIdentifierError(CellError):
    """A time_identifier EES does not have (or none): a problem of that column, not of the
    time_period."""


def is_reporting_year(time_identifier: str) -> bool:
    return _identifier(time_identifier) == REPORTING_YEAR


def reporting_year(text: str) -> int:
    """A Reporting year's time_period as a year; CellError unless it is four digits."""
    if not _FOUR.match(text):
        raise CellError(
            f"“{text}” is not a time_period for “Reporting year”: expected a four-digit "
            f"year such as 2013."
        )
    return int(text)


def ees_period_code(text: str, time_identifier: str) -> str:
    """Our code for an EES time_period with its time_identifier (any but Reporting year);
    CellError, naming the identifier, when EES has no such identifier or the time_period does
    not fit it."""
    identifier = _identifier(time_identifier)
    two_years = _TWO_YEARS.get(identifier)
    if two_years is not None:
        match = _SIX.match(text)
        if not match:
            raise CellError(
                f"“{text}” is not a time_period for “{time_identifier.strip()}”: expected six "
                f"digits such as 201213 (two years in a row)."
            )
        first, second = int(match.group(1)), int(match.group(2))
        if (first + 1) % 100 != second:
            raise CellError(
                f"“{text}” is not a time_period for “{time_identifier.strip()}”: the second "
                f"year must follow the first (e.g. 201213)."
            )
        return two_years.format(years=f"{first}/{second:02d}")
    one_year = _ONE_YEAR.get(identifier)
    if one_year is not None:
        if not _FOUR.match(text):
            raise CellError(
                f"“{text}” is not a time_period for “{time_identifier.strip()}”: expected a "
                f"four-digit year such as 2013."
            )
        return one_year.format(year=text)
    if not identifier:
        raise TimeIdentifierError(f"The time_identifier is empty: expected {ACCEPTED}.")
    called = _CALLED_ELSEWHERE.get(identifier)
    hint = f" EES writes it as {called}." if called else ""
    raise TimeIdentifierError(
        f"“{time_identifier.strip()}” is not a time_identifier EES uses, so this site cannot "
        f"tell what period it is: expected {ACCEPTED}.{hint}"
    )
