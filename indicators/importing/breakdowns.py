"""Breakdowns: the `Breakdown` each figure of a file is for, found or added.

Each format reads its source's breakdowns into a (dimension, label) pair (our template's
“age: 1-4”, Fingertips's Sex, Age and Category, EES's filter columns); `BreakdownFinder.pk_for`
finds the breakdown with that dimension and label, or adds it, once per pair in a file.
"""

from __future__ import annotations

from indicators.importing.report import ImportReport
from indicators.models import Breakdown


class BreakdownFinder:
    """The breakdowns met in one file, by (dimension, label)."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.found: dict[tuple[str, str], int] = {}
        #: Breakdown pk → its label, for the preview.
        self.labels: dict[int, str] = {}

    def pk_for(self, breakdown: tuple[str, str] | None) -> int | None:
        """The breakdown's pk; None for none (the whole population)."""
        if breakdown is None:
            return None
        found = self.found.get(breakdown)
        if found is None:
            dimension, label = breakdown
            instance = Breakdown.objects.filter(dimension=dimension, label=label).first()
            if instance is None:
                instance = Breakdown(dimension=dimension, label=label)
                instance.full_clean(validate_unique=False)
                instance.save()
                self.report.breakdowns_added.append(f"{dimension}: {label}")
            found = self.found[breakdown] = instance.pk
            self.labels[instance.pk] = label
        return found
