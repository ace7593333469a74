"""Periods: the financial, academic, calendar and tax years, the snapshot dates, and the parts
of years (quarters, halves of a financial year, school terms, months, weeks) figures are for,
read from how officers and sources write them (`Period.from_code`).

Codes are readable and sort within their kind as their periods do: 2012/13, AY2012/13,
TY2012/13, 2013, 2013-03-31; 2012/13 Q1 (April to June 2012), 2013 Q1, AY2012/13 Q1,
TY2012/13 Q1; 2012/13 H1 and H2; AY2012/13 Autumn, Spring, Summer and Aut+Spr; 2013 M01 to
M12; 2013 W01 to W53 (ISO 8601 weeks)."""

from __future__ import annotations

import datetime
import re

from django.db import models
from django.db.models import F, Q

#: The years a period may fall in: anything else is a typing error (“0001/02”, “31/12/9999”).
FIRST_YEAR, LAST_YEAR = 1900, 2100


class PeriodKind(models.TextChoices):
    FINANCIAL_YEAR = "fy", "Financial year"
    ACADEMIC_YEAR = "ay", "Academic year"
    CALENDAR_YEAR = "cy", "Calendar year"
    SNAPSHOT = "snapshot", "Snapshot date"
    QUARTER = "quarter", "Quarter"
    MONTH = "month", "Month"
    TERM = "term", "School term"
    WEEK = "week", "Week"
    HALF = "half", "Half of a financial year"
    TAX_YEAR = "ty", "Tax year"


class PeriodReading(models.TextChoices):
    """How a source's single years are meant. DfE's "Reporting year" 2013 is, for counts over a
    year such as referrals, the year to 31 March 2013 (financial year 2012/13), and for counts
    on a day such as children on a plan, 31 March 2013. Blank: decided by the figures the
    indicator already holds (financial years, snapshots at 31 March, or calendar years)."""

    AUTOMATIC = "", "Decide from the indicator's existing figures"
    CALENDAR_YEAR = "calendar-year", "A year is that calendar year (2013)"
    FINANCIAL_YEAR_ENDING = (
        "financial-year-ending",
        "A year is the financial year ending 31 March of it (2013 → 2012/13)",
    )
    SNAPSHOT_31_MARCH = (
        "snapshot-31-march",
        "A year is the count on 31 March of it (2013 → 31 March 2013)",
    )


FINANCIAL_YEAR_RE = re.compile(r"^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$")
COMPACT_YEAR_RE = re.compile(r"^(\d{4})(\d{2})$")
# An academic year is written with “AY” in front, so that its code never collides with the
# financial year of the same years: AY2012/13 (also “AY 2012/13”, “AY201213”); a tax year
# (6 April to 5 April) likewise with “TY”.
ACADEMIC_YEAR_RE = re.compile(r"^AY\s*(\d{4})\s*[/-]?\s*(\d{2}|\d{4})$", re.IGNORECASE)
_YEARS = r"(\d{4})\s*[/-]?\s*(\d{2}|\d{4})"
TAX_YEAR_RE = re.compile(rf"^TY\s*{_YEARS}$", re.IGNORECASE)
# Parts of years: a quarter (“2012/13 Q1”, “2013 Q1”, “AY2012/13 Q1”, “TY2012/13 Q1”), a half
# of a financial year (“2012/13 H1”), a school term (“AY2012/13 Autumn”), a month (“2013 M01”)
# and an ISO 8601 week (“2013 W01”).
QUARTER_RE = re.compile(rf"^(AY|TY)?\s*(?:{_YEARS}|(\d{{4}}))\s*Q([1-4])$", re.IGNORECASE)
HALF_RE = re.compile(rf"^{_YEARS}\s*H([12])$", re.IGNORECASE)
TERM_RE = re.compile(rf"^AY\s*{_YEARS}\s*(Autumn|Spring|Summer|Aut\s*\+\s*Spr)$", re.IGNORECASE)
MONTH_RE = re.compile(r"^(\d{4})\s*[- ]?\s*M(\d{1,2})$", re.IGNORECASE)
WEEK_RE = re.compile(r"^(\d{4})\s*[- ]?\s*W(\d{1,2})$", re.IGNORECASE)

# A month is written as a code (2013 M03), never by its name: “March 2013” in a period column
# as often means 31 March 2013 as the month, so it is refused rather than guessed.
_MONTHS = [datetime.date(2000, number, 1).strftime("%B") for number in range(1, 13)]
#: A school term as a code writes it → (its label, first month, months from 1 September to
#: its end). Terms have no fixed dates (every school's differ, and spring ends at Easter), so a
#: term is taken to run over whole months: autumn September to December, spring January to
#: March, summer April to July.
TERMS = {
    "autumn": ("Autumn", "Autumn term", 0, 4),
    "spring": ("Spring", "Spring term", 4, 3),
    "summer": ("Summer", "Summer term", 7, 4),
    "aut+spr": ("Aut+Spr", "Autumn and spring terms", 0, 7),
}
#: The first months of a financial, calendar and academic year, by the prefix of its code.
_QUARTER_YEAR_STARTS = {"": 4, "cy": 1, "ay": 9}


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month, ``months`` later (day 1 or 6: every month has them)."""
    index = day.month - 1 + months
    return day.replace(year=day.year + index // 12, month=index % 12 + 1)


def _months(start: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """A span of whole months from ``start``: its first and its last day."""
    return start, _add_months(start, months) - datetime.timedelta(days=1)


class PeriodQuerySet(models.QuerySet["Period"]):
    def get_by_natural_key(self, code: str) -> Period:
        return self.get(code=code)

    def get_or_create_from_code(self, code: str) -> tuple[Period, bool]:
        period = Period.from_code(code)
        return self.get_or_create(
            code=period.code,
            defaults={
                "kind": period.kind,
                "start_date": period.start_date,
                "end_date": period.end_date,
                "label": period.label,
            },
        )


class Period(models.Model):
    """A time period a value refers to. Sorted by when it ends, then when it starts."""

    code = models.CharField(
        max_length=20,
        unique=True,
        help_text="2012/13 for a financial year, 2012 for a calendar year, "
        "2013-03-31 for a snapshot date.",
    )
    kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    start_date = models.DateField()
    end_date = models.DateField()
    label = models.CharField(max_length=40, help_text="How the period is shown, e.g. “2012/13”.")

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["end_date", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=F("end_date")),
                name="period_starts_before_it_ends",
                violation_error_message="A period cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="snapshot") | Q(start_date=F("end_date")),
                name="period_snapshot_is_one_day",
                violation_error_message="A snapshot is a single date: start and end must match.",
            ),
        ]
        indexes = [models.Index(fields=["end_date", "start_date"], name="period_time_order")]

    def __str__(self) -> str:
        return self.label

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    @classmethod
    def from_code(cls, code: str) -> Period:
        """Read a period from how it is written: 2012/13, 2012-13, 201213, 2012, 2013-03-31,
        31/03/2013, AY2012/13, TY2012/13, and parts of years: 2012/13 Q1 (April to June 2012),
        2013 Q1, AY2012/13 Q1, TY2012/13 Q1, 2012/13 H1 (April to September), AY2012/13 Autumn
        (a school term), 2013 M01 (a month), 2013 W01 (an ISO 8601 week).
        Raises ValueError with a message that says what was expected."""
        text = str(code).strip()
        if any(c.isdigit() and not c.isascii() for c in text):
            raise ValueError(
                f"“{text}” is written with digits other than 0 to 9 (full-width or "
                f"Arabic-Indic digits, for example): type it again with 0 to 9."
            )
        for reader in (
            cls._read_part_of_year,
            cls._read_year,
            cls._read_month_or_week,
            cls._read_date,
        ):
            period = reader(text)
            if period is not None:
                if not FIRST_YEAR <= period.start_date.year <= period.end_date.year <= LAST_YEAR:
                    raise ValueError(
                        f"“{text}” would be a period from {period.start_date.year} to "
                        f"{period.end_date.year}: periods are read from {FIRST_YEAR} to "
                        f"{LAST_YEAR}. Check the year."
                    )
                return period
        raise ValueError(
            f"“{text}” is not a period we can read: use 2012/13 for a financial year, 2012 for "
            f"a calendar year, AY2012/13 for an academic year, TY2012/13 for a tax year or "
            f"2013-03-31 for a snapshot date (or a part of a year: 2012/13 Q1, 2012/13 H1, "
            f"AY2012/13 Autumn, 2013 M01 or 2013 W01)."
        )

    @classmethod
    def _read_year(cls, text: str) -> Period | None:
        academic = ACADEMIC_YEAR_RE.match(text)
        if academic:
            return cls.academic_year(_first_year(text, *academic.groups()))
        tax = TAX_YEAR_RE.match(text)
        if tax:
            return cls.tax_year(_first_year(text, *tax.groups()))
        match = FINANCIAL_YEAR_RE.match(text) or COMPACT_YEAR_RE.match(text)
        if match:
            return cls.financial_year(_first_year(text, *match.groups(), kind="financial year"))
        if re.fullmatch(r"\d{4}", text):
            return cls.calendar_year(int(text))
        return None

    @classmethod
    def _read_part_of_year(cls, text: str) -> Period | None:
        quarter = QUARTER_RE.match(text)
        if quarter:
            prefix, first, second, calendar, number = quarter.groups()
            if calendar:
                if prefix:  # “AY2013 Q1”: an academic or tax year is two years
                    return None
                return cls.quarter(int(calendar), int(number), year_kind="cy")
            return cls.quarter(
                _first_year(text, first, second), int(number), year_kind=(prefix or "").lower()
            )
        half = HALF_RE.match(text)
        if half:
            first, second, number = half.groups()
            return cls.half(_first_year(text, first, second), int(number))
        term = TERM_RE.match(text)
        if term:
            first, second, name = term.groups()
            return cls.term(_first_year(text, first, second), re.sub(r"\s", "", name.lower()))
        return None

    @classmethod
    def _read_month_or_week(cls, text: str) -> Period | None:
        month = MONTH_RE.match(text)
        if month:
            return cls.month(int(month.group(1)), int(month.group(2)))
        week = WEEK_RE.match(text)
        if week:
            return cls.week(int(week.group(1)), int(week.group(2)))
        return None

    @classmethod
    def _read_date(cls, text: str) -> Period | None:
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d %B %Y"):
            try:
                day = datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            return cls.snapshot(day)
        return None

    # --- Each kind of period, from its first year ------------------------------------------

    @classmethod
    def financial_year(cls, start_year: int) -> Period:
        """The financial year from 1 April ``start_year`` to 31 March of the next year."""
        return cls._year(start_year, PeriodKind.FINANCIAL_YEAR, datetime.date(start_year, 4, 1))

    @classmethod
    def calendar_year(cls, year: int) -> Period:
        return cls(
            code=f"{year:04d}",
            kind=PeriodKind.CALENDAR_YEAR,
            start_date=datetime.date(year, 1, 1),
            end_date=datetime.date(year, 12, 31),
            label=f"{year:04d}",
        )

    @classmethod
    def academic_year(cls, start_year: int) -> Period:
        """The academic year from 1 September ``start_year`` to 31 August of the next year."""
        return cls._year(
            start_year, PeriodKind.ACADEMIC_YEAR, datetime.date(start_year, 9, 1), "AY", "AY "
        )

    @classmethod
    def tax_year(cls, start_year: int) -> Period:
        """The tax year from 6 April ``start_year`` to 5 April of the next year."""
        return cls._year(
            start_year, PeriodKind.TAX_YEAR, datetime.date(start_year, 4, 6), "TY", "Tax year "
        )

    @classmethod
    def _year(
        cls, start_year: int, kind: str, start: datetime.date, prefix: str = "", words: str = ""
    ) -> Period:
        """A year across two calendar years, from ``start`` to the day before it a year on,
        written “2012/13” after its code's ``prefix`` and its label's ``words``."""
        short = _short(start_year)
        return cls(
            code=f"{prefix}{short}",
            kind=kind,
            start_date=start,
            end_date=start.replace(year=start.year + 1) - datetime.timedelta(days=1),
            label=f"{words}{short}",
        )

    @classmethod
    def snapshot(cls, day: datetime.date) -> Period:
        return cls(
            code=day.isoformat(),
            kind=PeriodKind.SNAPSHOT,
            start_date=day,
            end_date=day,
            label=f"{day.day} {day:%B %Y}",
        )

    @classmethod
    def quarter(cls, start_year: int, number: int, *, year_kind: str = "") -> Period:
        """Quarter ``number`` (1 to 4) of a year: a financial year (``year_kind`` "", so
        2012/13 Q1 is April to June 2012), a calendar year ("cy"), an academic year ("ay",
        three months from September) or a tax year ("ty", from 6 April)."""
        if year_kind == "ty":
            year = cls.tax_year(start_year)
            first = _add_months(year.start_date, 3 * (number - 1))
            start, end = first, _add_months(first, 3) - datetime.timedelta(days=1)
            code, label = f"{year.code} Q{number}", f"{year.label} Q{number}"
        else:
            month = _QUARTER_YEAR_STARTS[year_kind]
            start, end = _months(
                _add_months(datetime.date(start_year, month, 1), 3 * (number - 1)), 3
            )
            if year_kind == "cy":
                code = label = f"{start_year:04d} Q{number}"
            elif year_kind == "ay":
                code, label = (
                    f"AY{_short(start_year)} Q{number}",
                    f"AY {_short(start_year)} Q{number}",
                )
            else:
                code = label = f"{_short(start_year)} Q{number}"
        return cls(code=code, kind=PeriodKind.QUARTER, start_date=start, end_date=end, label=label)

    @classmethod
    def half(cls, start_year: int, number: int) -> Period:
        """Half ``number`` of a financial year: 1 is April to September, 2 October to March."""
        start, end = _months(
            datetime.date(start_year, 4, 1) if number == 1 else datetime.date(start_year, 10, 1), 6
        )
        months = "Apr–Sep" if number == 1 else "Oct–Mar"
        code = f"{_short(start_year)} H{number}"
        return cls(
            code=code,
            kind=PeriodKind.HALF,
            start_date=start,
            end_date=end,
            label=f"{code} ({months})",
        )

    @classmethod
    def term(cls, start_year: int, name: str) -> Period:
        """A school term of the academic year starting in ``start_year``: “autumn”, “spring”,
        “summer”, or “aut+spr” (the autumn and spring terms together). See `TERMS`."""
        written, words, offset, months = TERMS[name]
        start, end = _months(_add_months(datetime.date(start_year, 9, 1), offset), months)
        short = _short(start_year)
        return cls(
            code=f"AY{short} {written}",
            kind=PeriodKind.TERM,
            start_date=start,
            end_date=end,
            label=f"{words} {short}",
        )

    @classmethod
    def month(cls, year: int, number: int) -> Period:
        if not 1 <= number <= 12:
            raise ValueError(f"There is no month {number}: expected 1 to 12 (2013 M01 to M12).")
        start, end = _months(datetime.date(year, number, 1), 1)
        return cls(
            code=f"{year:04d} M{number:02d}",
            kind=PeriodKind.MONTH,
            start_date=start,
            end_date=end,
            label=f"{_MONTHS[number - 1]} {year:04d}",
        )

    @classmethod
    def week(cls, year: int, number: int) -> Period:
        """Week ``number`` of ``year`` as ISO 8601 numbers weeks: Monday to Sunday, week 1
        being the week with the year's first Thursday (so it may start in late December)."""
        try:
            start = datetime.date.fromisocalendar(year, number, 1)
        except ValueError:
            raise ValueError(
                f"{year} has no week {number}: expected 1 to 52 (or 53 in a year that has it)."
            ) from None
        return cls(
            code=f"{year:04d} W{number:02d}",
            kind=PeriodKind.WEEK,
            start_date=start,
            end_date=start + datetime.timedelta(days=6),
            label=f"Week {number} of {year:04d}",
        )


def _short(start_year: int) -> str:
    """“2012/13” for the two years from ``start_year``."""
    return f"{start_year:04d}/{(start_year + 1) % 100:02d}"


def _first_year(text: str, first: str, second: str, kind: str = "year we can read") -> int:
    """The first of two years written “2012/13” or “2012/2013”; a ValueError unless the second
    is the year after the first (1999/00 crosses the century)."""
    return _following_year(text, first, second, kind) - 1


def _following_year(text: str, first: str, second: str, kind: str = "year we can read") -> int:
    """The second year of “2012/13” or “2012/2013” as a number; a ValueError unless it is the
    year after the first (1999/00 crosses the century)."""
    start_year = int(first)
    if len(second) == 4:
        end_year = int(second)
    else:
        end_year = start_year + 1 if (start_year + 1) % 100 == int(second) else -1
    if end_year != start_year + 1:
        raise ValueError(
            f"“{text}” is not a {kind}: the second year must follow the first (e.g. 2012/13)."
        )
    return end_year
