"""Periods: the text a file gives for one read into our code, and the `Period` found (or
added) for it.

Reading is in two steps. Each format turns its source's way of writing a period into ours
(`Format.period_as_code`: Fingertips refuses pooled years, EES reads its time_period with its
time_identifier); around that, what every format shares is here: a period must be given
(`given`), and our code must be one `Period.from_code` can store (`checked_code`).

`PeriodFinder` is what the importer uses: each distinct period of a file is read, and found
or added, once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from indicators.importing.report import ImportReport
from indicators.importing.validation import CellError
from indicators.models import Period

if TYPE_CHECKING:
    from indicators.importing.formats import Format, SourceRow


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


class PeriodFinder:
    """The period of each row: read by the file's format, then found or added (and noted in
    the report), once for each distinct period cell (and time identifier) of the file."""

    def __init__(self, table_format: Format, report: ImportReport) -> None:
        self.table_format = table_format
        self.report = report
        self.found: dict[tuple[str, str], int | CellError] = {}
        #: Period pk → its label, for the preview.
        self.labels: dict[int, str] = {}

    def pk_for(self, row: SourceRow) -> int | None:
        """The row's period, or None with a problem added to the row."""
        cache_key = (row.period, row.time_identifier)
        found = self.found.get(cache_key)
        if found is None:
            try:
                code = self.table_format.read_period(row.period, row.time_identifier)
            except CellError as error:
                found = error
            else:
                period, created = Period.objects.get_or_create_from_code(code)
                if created:
                    self.report.periods_added.append(period.code)
                self.labels[period.pk] = period.label
                found = period.pk
            self.found[cache_key] = found
        if isinstance(found, CellError):
            row.problems.append((self.table_format.period_column(), str(found)))
            return None
        return found
