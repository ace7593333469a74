"""Periods: the financial, academic and calendar years and the snapshot dates figures are
for, read from how officers and sources write them."""

from __future__ import annotations

import datetime
import re

from django.db import models
from django.db.models import F, Q


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
# financial year of the same years: AY2012/13 (also “AY 2012/13”, “AY201213”).
ACADEMIC_YEAR_RE = re.compile(r"^AY\s*(\d{4})\s*[/-]?\s*(\d{2}|\d{4})$", re.IGNORECASE)


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
        31/03/2013. Raises ValueError with a message that says what was expected."""
        text = str(code).strip()
        academic = ACADEMIC_YEAR_RE.match(text)
        if academic:
            start_year = _following_year(text, academic.group(1), academic.group(2)) - 1
            return cls.academic_year(start_year)
        match = FINANCIAL_YEAR_RE.match(text) or COMPACT_YEAR_RE.match(text)
        if match:
            start_year = int(match.group(1))
            end_part = match.group(2)
            if len(end_part) == 4:
                end_year = int(end_part)
            else:  # two digits: the year after, across a century too (1999/00)
                end_year = start_year + 1 if (start_year + 1) % 100 == int(end_part) else -1
            if end_year != start_year + 1:
                raise ValueError(
                    f"“{text}” is not a financial year: the second year must follow the first "
                    f"(e.g. 2012/13)."
                )
            return cls(
                code=f"{start_year}/{end_year % 100:02d}",
                kind=PeriodKind.FINANCIAL_YEAR,
                start_date=datetime.date(start_year, 4, 1),
                end_date=datetime.date(end_year, 3, 31),
                label=f"{start_year}/{end_year % 100:02d}",
            )
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
            return cls(
                code=text,
                kind=PeriodKind.CALENDAR_YEAR,
                start_date=datetime.date(year, 1, 1),
                end_date=datetime.date(year, 12, 31),
                label=text,
            )
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d %B %Y"):
            try:
                day = datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            return cls(
                code=day.isoformat(),
                kind=PeriodKind.SNAPSHOT,
                start_date=day,
                end_date=day,
                label=f"{day.day} {day:%B %Y}",
            )
        raise ValueError(
            f"“{text}” is not a period we can read: use 2012/13 for a financial year, 2012 for "
            f"a calendar year, AY2012/13 for an academic year or 2013-03-31 for a snapshot date."
        )

    @classmethod
    def academic_year(cls, start_year: int) -> Period:
        """The academic year from 1 September ``start_year`` to 31 August of the next year."""
        short = f"{start_year}/{(start_year + 1) % 100:02d}"
        return cls(
            code=f"AY{short}",
            kind=PeriodKind.ACADEMIC_YEAR,
            start_date=datetime.date(start_year, 9, 1),
            end_date=datetime.date(start_year + 1, 8, 31),
            label=f"AY {short}",
        )


def _following_year(text: str, first: str, second: str) -> int:
    """The second year of “2012/13” or “2012/2013” as a number; a ValueError unless it is the
    year after the first (1999/00 crosses the century)."""
    start_year = int(first)
    if len(second) == 4:
        end_year = int(second)
    else:
        end_year = start_year + 1 if (start_year + 1) % 100 == int(second) else -1
    if end_year != start_year + 1:
        raise ValueError(
            f"“{text}” is not a year we can read: the second year must follow the first "
            f"(e.g. 2012/13)."
        )
    return end_year
