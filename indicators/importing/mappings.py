"""Which of our indicators each figure of a file is for.

Our template names our indicators by slug (or by name). The other formats name their source's
own indicators (a Fingertips Indicator ID, an EES measure column), and a `SourceMapping` says
which of ours each is, or that its figures are left out. Mappings given with the import win
over remembered ones, which win over what the indicators themselves say (`Format.known_keys`);
with ``remember``, the mappings given are saved for the next file from that source.

A source's columns that are not figures are remembered the same way: what an officer said a
column of an EES file is (a breakdown by sex, a description of the file, figures after all:
`breakdowns.COLUMN_ROLES`) is a `SourceMapping` keyed on the column (``column:sex``), with no
indicator and the answer as its name, and the format reads the column so in every later file.

`indicator_matcher` gives the matcher for a file's format; its `figures_for` is the entry point
for each row, and `finish` reports (and remembers) what the file's indicators were.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import NamedTuple

from indicators.importing.batches import AnyUser, is_saved_user
from indicators.importing.breakdowns import COLUMN_ROLES
from indicators.importing.formats import Format, Problem, SourceFigure, SourceRow
from indicators.importing.report import ImportReport, tally
from indicators.models import Indicator, SourceMapping

#: A `SourceMapping` whose key starts so says what a column is, not which indicator.
COLUMN_KEY = "column:"


def column_key(column: str) -> str:
    return f"{COLUMN_KEY}{column}"


class Match(NamedTuple):
    """A row's figures that are for our indicators, and the problems found on the way."""

    figures: list[tuple[SourceFigure, Indicator]]
    problems: list[Problem]
    #: Nothing in the row is for one of ours (counted as unmapped or left out).
    skipped: bool


def indicator_matcher(
    table_format: Format,
    report: ImportReport,
    *,
    mappings: Mapping[str, Indicator | None],
    allowed: frozenset[int] | None,
    column_roles: Mapping[str, str] | None = None,
) -> IndicatorMatcher:
    """The matcher for the file's format: by slug, or through the source's mappings.
    ``allowed``, if given, are the indicators the user may import figures for;
    ``column_roles`` are what the officer said columns of the file are (COLUMN_ROLES)."""
    every = list(Indicator.objects.all())
    if table_format.mapping_source is None:
        return SlugMatcher(table_format, report, every, mappings=mappings, allowed=allowed)
    matcher = MappedMatcher(table_format, report, every, mappings=mappings, allowed=allowed)
    matcher.read_columns(column_roles or {})
    return matcher


class IndicatorMatcher:
    """What both ways of matching share: the indicators, and who may import for which."""

    def __init__(
        self,
        table_format: Format,
        report: ImportReport,
        every: list[Indicator],
        *,
        mappings: Mapping[str, Indicator | None],
        allowed: frozenset[int] | None,
    ) -> None:
        self.table_format = table_format
        self.report = report
        self.mappings = mappings
        self.allowed = allowed
        self.by_slug = {indicator.slug: indicator for indicator in every}
        self._prepare(every)

    def _prepare(self, every: list[Indicator]) -> None:
        """Get ready to match, knowing every indicator of the site."""

    @property
    def mapped_keys(self) -> Collection[str]:
        """The source's keys that are mapped (to ours, or to be left out)."""
        return ()

    def figures_for(self, row: SourceRow) -> Match:
        raise NotImplementedError

    def finish(self, *, remember: bool, user: AnyUser) -> None:
        """A file none of whose figures is for one of our indicators cannot be imported as
        it is: say so, and what the officer can do."""
        report = self.report
        if report.unmapped and not (
            report.figures_new
            or report.figures_changed
            or report.figures_unchanged
            or report.figures_rejected
            or report.figures_duplicate
        ):
            listed = ", ".join(str(found) for found in list(report.unmapped.values())[:10])
            more = len(report.unmapped) - 10
            report.file_errors.append(
                f"None of the indicators in this file is mapped to an indicator on this site "
                f"({listed}{f' and {more:,} more' if more > 0 else ''}): choose one of ours for "
                f"each, or leave it out, and import the file again."
            )

    def _refused(self, indicator: Indicator, problems: list[Problem], column: str) -> bool:
        """Whether the user may not import figures for this indicator (noted as a problem)."""
        if self.allowed is None or indicator.pk in self.allowed:
            return False
        problems.append(
            (
                column,
                f"You may not import figures for “{indicator.name}”: it is not shown on a "
                "page you look after. Ask the officer who looks after its page, or a publisher.",
            )
        )
        return True


class SlugMatcher(IndicatorMatcher):
    """Our template: each figure names one of our indicators by slug (or by name); one it does
    not name is a problem with the row."""

    def _prepare(self, every: list[Indicator]) -> None:
        self.by_name = {indicator.name.casefold(): indicator for indicator in every}
        self.column = self.table_format.column("indicator")
        if self.mappings:
            self.report.warnings.append(
                "Mappings were given but this file names our indicators by slug, so they "
                "were not needed."
            )

    def figures_for(self, row: SourceRow) -> Match:
        found: list[tuple[SourceFigure, Indicator]] = []
        problems: list[Problem] = []
        for figure in row.figures:
            indicator = self.by_slug.get(figure.key) or self.by_name.get(figure.key.casefold())
            if indicator is None:
                if not figure.key:
                    message = "The indicator is empty: expected the slug of one of our indicators."
                else:
                    message = (
                        f"There is no indicator “{figure.key}” on this site: expected the "
                        f"slug of one of our indicators, e.g. {self._example_slugs()}."
                    )
                problems.append((self.column, message))
                continue
            if self._refused(indicator, problems, self.column):
                continue
            found.append((figure, indicator))
        return Match(found, problems, False)

    def _example_slugs(self) -> str:
        slugs = sorted(self.by_slug)[:3]
        return ", ".join(slugs) if slugs else "(no indicators yet: add them first)"


class MappedMatcher(IndicatorMatcher):
    """A source with its own keys: each figure's key is looked up in the mappings; a figure
    whose key is not mapped is counted (for the officer to map), and so is one left out."""

    def _prepare(self, every: list[Indicator]) -> None:
        source = self.table_format.mapping_source
        assert source is not None  # `indicator_matcher` matches the others by slug
        self.source: str = source
        #: Source key → our indicator, or None: left out.
        self.resolved: dict[str, Indicator | None] = dict(self.table_format.known_keys(every))
        by_pk = {indicator.pk: indicator for indicator in every}
        #: Column → what it is, as remembered (COLUMN_ROLES).
        self.remembered_roles: dict[str, str] = {}
        for key, name, indicator_id in SourceMapping.objects.filter(source=self.source).values_list(
            "key", "name", "indicator_id"
        ):
            if key.startswith(COLUMN_KEY):
                if name in COLUMN_ROLES:
                    self.remembered_roles[key.removeprefix(COLUMN_KEY)] = name
                continue
            self.resolved[key] = by_pk.get(indicator_id) if indicator_id else None
        for key, given in self.mappings.items():
            self.resolved[str(key).strip()] = given
        #: Source key → the file's name for it, for every key met.
        self.seen_names: dict[str, str] = {}
        self.given_roles: dict[str, str] = {}

    def read_columns(self, given: Mapping[str, str]) -> None:
        """Tell the format what the officer has said the file's columns are: now, or before
        (remembered). An answer that is not one of COLUMN_ROLES is refused."""
        for column, role in given.items():
            if role not in COLUMN_ROLES:
                choices = ", ".join(COLUMN_ROLES)
                self.report.file_errors.append(
                    f"“{role}” is not something the column “{column}” can be read as: "
                    f"expected one of {choices}."
                )
                continue
            self.given_roles[column.strip()] = role
        columns = set(self.table_format.header)
        self.table_format.column_roles = {
            column: role
            for column, role in {**self.remembered_roles, **self.given_roles}.items()
            if column in columns
        }

    @property
    def mapped_keys(self) -> Collection[str]:
        return self.resolved.keys()

    def figures_for(self, row: SourceRow) -> Match:
        found: list[tuple[SourceFigure, Indicator]] = []
        problems: list[Problem] = []
        unmapped = left_out = 0
        blank_key = False
        for figure in row.figures:
            if not figure.key:
                blank_key = True  # the format has already reported an empty Indicator ID
                continue
            self.seen_names.setdefault(figure.key, figure.name)
            if figure.key not in self.resolved:
                if figure.value or figure.count:
                    tally(self.report.unmapped, figure.key, figure.name)
                    unmapped += 1
                continue
            indicator = self.resolved[figure.key]
            if indicator is None:
                tally(self.report.left_out, figure.key, figure.name)
                left_out += 1
                continue
            if self._refused(indicator, problems, figure.key):
                continue
            found.append((figure, indicator))
        if found or problems or blank_key:
            return Match(found, problems, False)
        if left_out and not unmapped:
            self.report.rows_left_out += 1
        else:  # nothing in the row maps to one of our indicators
            self.report.rows_unmapped += 1
        return Match(found, problems, True)

    def finish(self, *, remember: bool, user: AnyUser) -> None:
        super().finish(remember=remember, user=user)
        if remember:
            self._remember(user)

    def _remember(self, user: AnyUser) -> None:
        """Save the mappings given for the keys this file has, and what the officer said its
        columns are, for the next file."""
        for raw_key, indicator in self.mappings.items():
            key = str(raw_key).strip()
            if key not in self.seen_names:
                continue
            target = indicator.slug if indicator else "left out"
            if self._save(key, self.seen_names[key], indicator, user):
                self.report.mappings_saved.append(f"{key} → {target}")
        in_file = set(self.table_format.header)
        for column, role in self.given_roles.items():
            if column not in in_file or self.remembered_roles.get(column) == role:
                continue
            self._save(column_key(column), role, None, user)
            self.report.mappings_saved.append(
                f"{column} → {COLUMN_ROLES[role][0].lower()}{COLUMN_ROLES[role][1:]}"
            )

    def _save(self, key: str, name: str, indicator: Indicator | None, user: AnyUser) -> bool:
        """Save one mapping; False if it was already so."""
        mapping = SourceMapping.objects.filter(source=self.source, key=key).first()
        if mapping is None:
            mapping = SourceMapping(source=self.source, key=key)
        elif mapping.indicator_id == (indicator.pk if indicator else None) and (
            mapping.name == name[:300] or not key.startswith(COLUMN_KEY)
        ):
            return False
        mapping.indicator = indicator
        mapping.name = name[:300]
        mapping.created_by = user if is_saved_user(user) else None
        mapping.full_clean(validate_unique=False)
        mapping.save()
        return True
