"""Periods: the text a file gives for one read into our code, and the `Period` found (or
added) for it.

Reading is in two steps. Each format turns its source's way of writing a period into ours
(`Format.period_as_code`: Fingertips refuses pooled years, EES reads its time_period with its
time_identifier); around that, what every format shares is here: a period must be given
(`given`), and our code must be one `Period.from_code` can store (`checked_code`).

Some sources write a period as a single year without saying what kind of year it is: DfE's
“Reporting year” 2013 is the year to 31 March 2013 for referrals and plans started, and 31 March
2013 itself for children on a plan; an older DfE release's “2013” the same. How such a year is
read is set for each of the source's indicators (`SourceMapping.period_reading`), and decided
for each file by `YearReadings`: as the officer chose for this import, else as remembered for
the source, else from the figures our indicator already holds (financial years, counts on 31
March, or calendar years). When the indicator holds none of those to go by, the importer asks
(a `Question`) and imports nothing until the officer says. What was decided, and why, is in the
report, for every measure.

An indicator's series is of one kind of period: `PeriodFinder` refuses a row whose period is of
a kind the indicator does not hold (a quarter for an indicator of financial years), unless the
indicator holds no figures yet.

`PeriodFinder` is what the importer uses: each distinct period of a file is read, and found
or added, once (once for each reading of a single year).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from django.utils import timezone

from core.formatting import long_date
from indicators.importing.batches import AnyUser, is_saved_user
from indicators.importing.report import ImportReport, Question, YearReading
from indicators.importing.validation import CellError
from indicators.models import Indicator, Period, PeriodKind, PeriodReading, SourceMapping

if TYPE_CHECKING:
    from indicators.importing.formats import Format, SourceFigure, SourceRow

#: Every reading of a single year, as the command line and the report name them.
READING_NAMES = {
    PeriodReading.CALENDAR_YEAR.value: "calendar years",
    PeriodReading.FINANCIAL_YEAR_ENDING.value: "financial years ending 31 March",
    PeriodReading.SNAPSHOT_31_MARCH.value: "counts on 31 March",
}
#: A reading given for every measure of a file at once (``--period-as READING``).
EVERY_MEASURE = "*"

#: Each kind of period in words: (plural, one of them, in a pair such as “quarters and years”,
#: figures of that kind).
KIND_WORDS: dict[str, tuple[str, str, str, str]] = {
    PeriodKind.FINANCIAL_YEAR: ("financial years", "a financial year", "years", "yearly"),
    PeriodKind.ACADEMIC_YEAR: ("academic years", "an academic year", "years", "yearly"),
    PeriodKind.CALENDAR_YEAR: ("calendar years", "a calendar year", "years", "yearly"),
    PeriodKind.TAX_YEAR: ("tax years", "a tax year", "years", "yearly"),
    PeriodKind.SNAPSHOT: ("counts on a day", "a count on a day", "counts on a day", "snapshot"),
    PeriodKind.QUARTER: ("quarters", "a quarter", "quarters", "quarterly"),
    PeriodKind.MONTH: ("months", "a month", "months", "monthly"),
    PeriodKind.TERM: ("school terms", "a school term", "terms", "termly"),
    PeriodKind.WEEK: ("weeks", "a week", "weeks", "weekly"),
    PeriodKind.HALF: ("half years", "a half year", "half years", "half-yearly"),
}


def given(text: str) -> str:
    """A period cell, stripped; CellError when it is empty."""
    stripped = text.strip()
    if not stripped:
        raise CellError(
            "The period is empty: expected 2012/13 for a financial year, 2012 for a calendar "
            "year or 2013-03-31 for a snapshot date."
        )
    return stripped


def checked_code(code: str) -> str:
    """A period's code as `Period.from_code` writes it; CellError if the site cannot store
    the period."""
    try:
        return Period.from_code(code).code
    except ValueError as error:
        raise CellError(str(error)) from None


def year_as(year: int, reading: str) -> str:
    """The code of a single year read as ``reading`` says (a `PeriodReading`; automatic, "",
    is decided before this, so here it is the calendar year): 2013 → 2012/13, 2013-03-31 or
    2013."""
    if reading == PeriodReading.FINANCIAL_YEAR_ENDING:
        return Period.financial_year(year - 1).code
    if reading == PeriodReading.SNAPSHOT_31_MARCH:
        return f"{year:04d}-03-31"
    return f"{year:04d}"


def mixed_kinds(slug: str, label: str, kind: str, held: Collection[str]) -> str:
    """Why a period of ``kind`` is refused for an indicator that holds only periods of the
    kinds ``held``."""
    plural, one, pair, figures = KIND_WORDS[kind]
    held_words = [KIND_WORDS[other] for other in sorted(held)]
    holds = " and ".join(words[0] for words in held_words)
    others = {words[2] for words in held_words}
    mixed = (
        f"{pair} and {others.pop()}"
        if len(others) == 1 and pair not in others
        else f"{plural} and {holds}"
    )
    return (
        f"{slug} holds {holds}; {label} is {one}: {mixed} in one series would be charted and "
        f"compared as if alike. Import {figures} figures to an indicator of their own."
    )


def reading_of(text: str) -> str:
    """A reading as the officer writes it (“financial-year-ending”, “automatic”) → its value;
    ValueError saying which there are."""
    key = text.strip().lower().replace("_", "-").replace(" ", "-")
    if key in ("", "automatic", "auto"):
        return PeriodReading.AUTOMATIC.value
    if key in READING_NAMES:
        return key
    raise ValueError(
        f"“{text.strip()}” is not a way of reading years: expected "
        f"{', '.join(READING_NAMES)} or automatic."
    )


class YearReadings:
    """How the single years of each of the file's measures are read: decided once for each
    measure (and noted in the report), then remembered for the source when chosen for this
    import (`finish`)."""

    def __init__(
        self, table_format: Format, report: ImportReport, given: Mapping[str, str]
    ) -> None:
        self.source = table_format.mapping_source
        self.report = report
        self.given = {str(key).strip(): value for key, value in given.items()}
        self.remembered: dict[str, str] = {}
        if self.source is not None:
            self.remembered = dict(
                SourceMapping.objects.filter(source=self.source)
                .exclude(period_reading="")
                .values_list("key", "period_reading")
            )
        self.decided: dict[str, str] = {}
        #: Indicator pk → (reading, why), or None when its figures do not decide it.
        self.automatic: dict[int, tuple[str, str] | None] = {}

    def reading_for(self, figure: SourceFigure, indicator: Indicator, year: int) -> str:
        """The reading of the figure's measure (never automatic: decided here). With nothing
        to decide it by, the officer is asked (for ``year``, as the file's first example) and
        the years are read, for the preview only, as calendar years."""
        found = self.decided.get(figure.key)
        if found is not None:
            return found
        how: Literal["given", "remembered", "automatic"]
        if figure.key in self.given or EVERY_MEASURE in self.given:
            chosen = self.given.get(figure.key, self.given.get(EVERY_MEASURE, ""))
            how, why = "given", "as chosen for this import"
        else:
            chosen = self.remembered.get(figure.key, "")
            how, why = "remembered", f"as remembered for “{figure.key}”"
        if chosen:
            reading = chosen
        else:
            decided = self._from_figures(indicator)
            if how == "remembered":
                how = "automatic"
            if decided is None:
                reading = PeriodReading.CALENDAR_YEAR.value
                why = (
                    f"“{indicator.name}” holds no financial years or counts on 31 March to go "
                    f"by, so nothing is imported until you say how “{figure.key}” means its "
                    f"years (read meanwhile as calendar years)"
                )
                self._ask(figure, indicator, year)
            else:
                reading, why = decided
        self.decided[figure.key] = reading
        self.report.year_readings[figure.key] = YearReading(
            key=figure.key,
            name=figure.name,
            indicator=indicator.name,
            indicator_id=indicator.pk,
            reading=reading,
            chosen=chosen,
            how=how,
            why=why,
        )
        return reading

    def _ask(self, figure: SourceFigure, indicator: Indicator, year: int) -> None:
        self.report.questions.append(
            Question(
                kind="reading",
                key=figure.key,
                text=(
                    f"How are the years of “{figure.key}” meant? Our indicator "
                    f"“{indicator.name}” holds no financial years or counts on 31 March to go "
                    f"by: say whether {year} is read as the financial year "
                    f"{Period.financial_year(year - 1).code} (the year to 31 March {year}), as "
                    f"31 March {year} (a count on that day), or as the calendar year {year}."
                ),
                guess=PeriodReading.CALENDAR_YEAR.value,
            )
        )

    def _from_figures(self, indicator: Indicator) -> tuple[str, str] | None:
        """The reading that fits the figures the indicator holds, and why (decided once for
        each indicator, before this import writes any of its figures); None when it holds
        none that decide it."""
        if indicator.pk in self.automatic:
            return self.automatic[indicator.pk]
        held = Period.objects.filter(values__indicator=indicator).distinct()
        financial = held.filter(kind=PeriodKind.FINANCIAL_YEAR).count()
        on_31_march = held.filter(
            kind=PeriodKind.SNAPSHOT, end_date__month=3, end_date__day=31
        ).count()
        calendar = held.filter(kind=PeriodKind.CALENDAR_YEAR).count()
        name = f"“{indicator.name}”"
        found: tuple[str, str] | None = None
        if financial and financial >= max(on_31_march, calendar):
            found = (
                PeriodReading.FINANCIAL_YEAR_ENDING.value,
                f"because {name} holds financial years",
            )
        elif on_31_march and on_31_march >= calendar:
            found = (
                PeriodReading.SNAPSHOT_31_MARCH.value,
                f"because {name} holds counts on 31 March",
            )
        elif calendar:
            found = (PeriodReading.CALENDAR_YEAR.value, f"because {name} holds calendar years")
        self.automatic[indicator.pk] = found
        return found

    def finish(self, *, remember: bool, user: AnyUser) -> None:
        """Remember the readings chosen for this import for the source's measures, as the
        mappings are (the import's transaction keeps them only if it is applied)."""
        if not remember or self.source is None:
            return
        for key, used in self.report.year_readings.items():
            if used.how != "given" or self.remembered.get(key, "") == used.chosen:
                continue
            mapping = SourceMapping.objects.filter(source=self.source, key=key).first()
            if mapping is None:
                mapping = SourceMapping(
                    source=self.source,
                    key=key,
                    name=used.name[:300],
                    indicator_id=used.indicator_id,
                    created_by=user if is_saved_user(user) else None,
                )
            mapping.period_reading = used.chosen
            mapping.full_clean(validate_unique=False)
            mapping.save()
            self.report.mappings_saved.append(
                f"{key}: years read as "
                f"{READING_NAMES.get(used.chosen, 'the indicator’s figures decide')}"
            )


@dataclass(frozen=True, slots=True)
class _Year:
    """A period cell that is a single year, read as each measure's reading says."""

    year: int
    written: str  # as the report shows it: “2013 (Reporting year)”


class PeriodFinder:
    """The period of each figure: read by the file's format, then found or added (and noted
    in the report), once for each distinct period cell (and time identifier) of the file, and
    for a single year once for each way it is read."""

    def __init__(self, table_format: Format, report: ImportReport, readings: YearReadings) -> None:
        self.table_format = table_format
        self.report = report
        self.readings = readings
        self.found: dict[tuple[str, str], int | CellError | _Year] = {}
        self.years: dict[tuple[int, str], int | CellError] = {}
        self.examples: set[tuple[str, int]] = set()  # (measure, year) noted in the report
        #: Period pk → its label, for the preview; and its kind.
        self.labels: dict[int, str] = {}
        self.kinds: dict[int, str] = {}
        self.ends: dict[int, datetime.date] = {}
        #: Indicator pk → the kinds of period it held before this import.
        self.held: dict[int, frozenset[str]] = {}
        #: (period cell, time identifier, measure, indicator pk) → the final answer of
        #: `pk_for`: once a figure's period is found, every later one like it is the same.
        self.answers: dict[tuple[str, str, str, int], int | CellError] = {}
        #: The periods this import added.
        self.added: list[int] = []

    def pk_for(self, row: SourceRow, figure: SourceFigure, indicator: Indicator) -> int | None:
        """The figure's period, or None with a problem added to the row (once)."""
        answer_key = (row.period, row.time_identifier, figure.key, indicator.pk)
        found = self.answers.get(answer_key)
        if found is None:
            found = self.answers[answer_key] = self._answer(row, figure, indicator)
        if not isinstance(found, CellError):
            return found
        problem = (self.table_format.period_problem_column(found), str(found))
        if problem not in row.problems:
            row.problems.append(problem)
        return None

    def _answer(
        self, row: SourceRow, figure: SourceFigure, indicator: Indicator
    ) -> int | CellError:
        cache_key = (row.period, row.time_identifier)
        found = self.found.get(cache_key)
        if found is None:
            found = self.found[cache_key] = self._read(row)
        if isinstance(found, _Year):
            found = self._year(found, figure, indicator)
        if not isinstance(found, CellError):
            found = self._of_held_kind(found, indicator)
        if not isinstance(found, CellError) and not indicator.is_projection:
            found = self._not_in_the_future(found)
        return found

    def _not_in_the_future(self, period_id: int) -> int | CellError:
        """The period, or CellError when it ends after next year: a figure from the future
        is a typing error unless the indicator's figures are projections."""
        end = self.ends[period_id]
        latest = datetime.date(timezone.localdate().year + 1, 12, 31)
        if end <= latest:
            return period_id
        return CellError(
            f"The period {self.labels[period_id]} ends on {long_date(end)}, after the end of "
            f"next year: a figure for the future is refused unless its indicator's figures are "
            f"projections (tick “figures are projections” on the indicator)."
        )

    def _of_held_kind(self, period_id: int, indicator: Indicator) -> int | CellError:
        """The period, or CellError when the indicator holds figures, none of them for
        periods of its kind: quarters and years in one series would be charted as if alike."""
        held = self.held.get(indicator.pk)
        if held is None:
            held = self.held[indicator.pk] = frozenset(
                Period.objects.filter(values__indicator=indicator)
                .values_list("kind", flat=True)
                .distinct()
            )
        kind = self.kinds[period_id]
        if not held or kind in held:
            return period_id
        return CellError(mixed_kinds(indicator.slug, self.labels[period_id], kind, held))

    def _read(self, row: SourceRow) -> int | CellError | _Year:
        table_format = self.table_format
        try:
            text = given(row.period)
            year = table_format.single_year(text, row.time_identifier)
            if year is not None:
                return _Year(year, table_format.describe_period(text, row.time_identifier))
            return self._stored(table_format.read_period(text, row.time_identifier))
        except CellError as error:
            return error

    def _year(self, year: _Year, figure: SourceFigure, indicator: Indicator) -> int | CellError:
        reading = self.readings.reading_for(figure, indicator, year.year)
        found = self.years.get((year.year, reading))
        if found is None:
            try:
                found = self._stored(checked_code(year_as(year.year, reading)))
            except CellError as error:
                found = error
            self.years[(year.year, reading)] = found
        if (figure.key, year.year) not in self.examples and not isinstance(found, CellError):
            self.examples.add((figure.key, year.year))
            self.report.year_readings[figure.key].examples[year.written] = self.labels[found]
        return found

    def _stored(self, code: str) -> int:
        period, created = Period.objects.get_or_create_from_code(code)
        if created:
            self.report.periods_added.append(period.code)
            self.added.append(period.pk)
        self.labels[period.pk] = period.label
        self.kinds[period.pk] = period.kind
        self.ends[period.pk] = period.end_date
        return period.pk
