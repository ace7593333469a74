"""Breakdowns: the `Breakdown` each figure of a file is for, found or added.

Each format reads its source's breakdowns into a (dimension, label) pair, or a (dimension,
label, scheme) triple where one label means different things in different sets of categories
(Fingertips's county-level and district-level deprivation deciles are both labelled “Most
deprived decile (IMD2019)”; the scheme is the Category Type, or an EES filter's column).
`BreakdownFinder.pk_for` finds the breakdown, or adds it, once per breakdown in a file.

A pair with no scheme (our template's “age: 1-4”) is the breakdown of that dimension and label
with no scheme, or the only one there is with any scheme; where several schemes use the label,
the row is refused rather than given to one of them.
"""

from __future__ import annotations

import re

from indicators.importing.report import ImportReport
from indicators.importing.validation import CellError
from indicators.models import Breakdown, BreakdownType

#: (dimension, label) or (dimension, label, scheme), as a format reads a breakdown.
BreakdownKey = tuple[str, ...]
#: What a source's column may be read as, besides a breakdown by one of `BreakdownType`'s
#: dimensions: a description of the whole file (the same on every row, such as an EES
#: publication's `category`), ignored; or figures (a measure column).
DESCRIBES_FILE = "file"
FIGURES = "measure"
COLUMN_ROLES: dict[str, str] = {
    **{
        choice.value: f"A breakdown by {choice.label.lower()}"
        for choice in BreakdownType
        if choice != BreakdownType.OTHER
    },
    BreakdownType.OTHER.value: "A breakdown by something else",
    DESCRIBES_FILE: "A description of the file, the same for every figure: ignored",
    FIGURES: "Figures (a measure), not a breakdown",
}

#: The longest name of a set of categories a breakdown keeps (`Breakdown.scheme`).
SCHEME_LENGTH = Breakdown._meta.get_field("scheme").max_length or 200


class BreakdownFinder:
    """The breakdowns met in one file, by (dimension, label[, scheme])."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.found: dict[BreakdownKey, int] = {}
        #: Breakdown pk → its label (with its scheme, if it has one), for the preview.
        self.labels: dict[int, str] = {}
        #: The pks of the breakdowns this import added.
        self.added: list[int] = []

    def pk_for(self, breakdown: BreakdownKey | None) -> int | None:
        """The breakdown's pk; None for none (the whole population). CellError when a label
        without a scheme belongs to several schemes."""
        if breakdown is None:
            return None
        found = self.found.get(breakdown)
        if found is None:
            instance = self._find(breakdown) or self._add(breakdown)
            found = self.found[breakdown] = instance.pk
            self.labels[instance.pk] = shown(instance.label, instance.scheme)
        return found

    def _find(self, breakdown: BreakdownKey) -> Breakdown | None:
        dimension, label = breakdown[0], breakdown[1]
        matches = Breakdown.objects.filter(dimension=dimension, label=label)
        if len(breakdown) > 2:
            return matches.filter(scheme=breakdown[2]).first()
        candidates = list(matches[:10])
        unschemed = [candidate for candidate in candidates if not candidate.scheme]
        if unschemed:
            return unschemed[0]
        if len(candidates) > 1:
            schemes = "; ".join(f"“{candidate.scheme}”" for candidate in candidates)
            raise CellError(
                f"The breakdown “{dimension}: {label}” is in more than one set of categories on "
                f"this site ({schemes}), and the file does not say which: import it from its "
                f"source's own file, which does."
            )
        return candidates[0] if candidates else None

    def _add(self, breakdown: BreakdownKey) -> Breakdown:
        dimension, label = breakdown[0], breakdown[1]
        scheme = breakdown[2] if len(breakdown) > 2 else ""
        instance = Breakdown(
            dimension=dimension, label=label, scheme=scheme, sort_order=sort_order(label)
        )
        instance.full_clean(validate_unique=False)
        instance.save()
        self.added.append(instance.pk)
        self.report.breakdowns_added.append(f"{dimension}: {shown(label, scheme)}")
        return instance


def with_scheme(breakdown: tuple[str, str], scheme: str) -> BreakdownKey:
    """A format's (dimension, label) in the set of categories ``scheme`` (none if empty);
    CellError if the scheme's name is longer than a breakdown's scheme can be."""
    if not scheme:
        return breakdown
    if len(scheme) > SCHEME_LENGTH:
        raise CellError(
            f"The set of categories “{scheme[:40]}…” has too long a name: at most "
            f"{SCHEME_LENGTH} characters."
        )
    return (*breakdown, scheme)


def shown(label: str, scheme: str) -> str:
    """A breakdown's label with its scheme, for the preview: “Most deprived decile (IMD2019),
    District & UA deprivation deciles in England (IMD2019, 4/23 geography)”."""
    return f"{label} ({scheme})" if scheme else label


_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
_DEPRIVED = re.compile(
    r"^(?:(?P<ordinal>\w+)\s+)?(?P<direction>most|more|least|less)\s+deprived\s+"
    r"(?P<kind>decile|quintile)\b",
    re.IGNORECASE,
)
_SIZES = {"decile": 10, "quintile": 5}


def sort_order(label: str) -> int:
    """Where a new breakdown goes among its dimension's: Fingertips's deprivation deciles and
    quintiles from the most deprived (“Most deprived decile”, “Second most…”, “Third more…”,
    …, “Second least…”, “Least deprived decile”) to the least, so that a chart reads in order;
    0, which leaves them in the order of their labels, for anything else."""
    match = _DEPRIVED.match(label.strip())
    if match is None:
        return 0
    direction = match["direction"].lower()
    words = match["ordinal"]
    if words is None:
        position = 1
    else:
        position = _ORDINALS.get(words.lower(), 0)
        if not position:
            return 0
    size = _SIZES[match["kind"].lower()]
    if direction in ("least", "less"):
        position = size + 1 - position
    return position if 1 <= position <= size else 0
