"""Boundary and code changes in words, for area pages and the list of areas: what became of a
former area (“On 1 April 2023 it was merged into Cumberland”), what an area replaced, and the
reported changes ONS has not confirmed; with the areas named as links."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import NamedTuple

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from core.formatting import joined
from indicators.models import Area, AreaChange, ChangeKind
from indicators.models.areas import ENDING_KINDS


@dataclass(frozen=True)
class Ending:
    """What became of a former area: the banner at the top of its page."""

    title: str  # "This area no longer exists", or "This code is no longer used" for a recoding
    sentence: SafeString  # "On 1 April 2023 it was merged into Cumberland.", linked


def safe_joined(parts: Sequence[SafeString]) -> SafeString:
    """`joined` for parts that are HTML: each is escaped already (by `format_html`), and the
    words between them are only commas and “and”, so the whole is safe."""
    return mark_safe(joined(parts))


def linked(areas: Iterable[Area], text: Callable[[Area], str] | None = None) -> SafeString:
    """Links to the areas' pages in a sentence, “A, B and C”, each named by `text` (by default
    its display name)."""
    text = text or attrgetter("display_name")
    return safe_joined(
        [format_html('<a href="{}">{}</a>', a.get_absolute_url(), text(a)) for a in areas]
    )


# --- boundary and code changes, in words -----------------------------------------------------

# What became of an old area (“it was merged into Cumberland”) and, in a report of a change not
# yet confirmed, what a new area does to the old ones; the other areas, linked, fill the gap.
OUTCOMES: dict[str, str] = {
    ChangeKind.MERGED: "merged into {}",
    ChangeKind.SPLIT: "divided between {}",
    ChangeKind.ABOLISHED: "replaced by {}",
    ChangeKind.RECODED: "given the new code {}",
}
TAKEOVERS: dict[str, str] = {
    ChangeKind.MERGED: "replacing {}",
    ChangeKind.SPLIT: "taking over part of {}",
    ChangeKind.ABOLISHED: "replacing {}",
    ChangeKind.RECODED: "recoded from {}",
}


class Run(NamedTuple):
    """Changes of one kind on one day, with the other area of each: the mergers of Allerdale,
    Carlisle and Copeland into Cumberland on 1 April 2023 make one sentence."""

    when: str  # "1 April 2023" or "2025"
    kind: str  # a ChangeKind
    areas: tuple[Area, ...]


def runs(changes: Iterable[AreaChange], other: Callable[[AreaChange], Area]) -> list[Run]:
    found: dict[tuple[str, str], list[Area]] = {}
    for change in changes:
        found.setdefault((change.when, change.kind), []).append(other(change))
    return [Run(when, kind, tuple(areas)) for (when, kind), areas in found.items()]


def outcome(run: Run, words: Mapping[str, str] = OUTCOMES) -> SafeString:
    """“merged into Cumberland”, “divided between A and B”, linked; a recoding links the code."""
    text = attrgetter("code") if run.kind == ChangeKind.RECODED else None
    return format_html(words[run.kind], linked(run.areas, text))


_new_area, _old_area = attrgetter("new_area"), attrgetter("old_area")


def fate(successions: Iterable[AreaChange]) -> SafeString:
    """What became of a former area, for the list of areas: “merged into Cumberland, 1 April
    2023”; "" when no confirmed change says."""
    endings = [c for c in successions if c.confirmed and c.kind in ENDING_KINDS]
    return format_html_join(
        "; ", "{}, {}", ((outcome(r), r.when) for r in runs(endings, _new_area))
    )


@dataclass(frozen=True)
class AreaHistory:
    """What an area's page says about its changes (`AreaChange`): those that ended it (it is
    the old area), those that made it (the new one), and its renamings."""

    area: Area
    changes: list[AreaChange]

    def _confirmed(self, side: str) -> list[AreaChange]:
        """The confirmed changes but renamings in which the area is `side` (old or new)."""
        return [
            c
            for c in self.changes
            if c.confirmed
            and c.kind != ChangeKind.RENAMED
            and getattr(c, f"{side}_id") == self.area.pk
        ]

    def ending(self) -> Ending | None:
        """The banner of an area that no longer exists (not current, or ended by a confirmed
        change): “This area no longer exists: on 1 April 2023 it was merged into Cumberland.”"""
        endings = self._confirmed("old_area")
        if not endings and self.area.is_current:
            return None
        recoded = bool(endings) and all(c.kind == ChangeKind.RECODED for c in endings)
        by_day: dict[str, list[SafeString]] = {}
        for run in runs(endings, _new_area):
            by_day.setdefault(run.when, []).append(outcome(run))
        return Ending(
            "This code is no longer used" if recoded else "This area no longer exists",
            format_html_join(
                " ",
                "On {} {} was {}.",
                (
                    (when, "the area" if recoded else "it", safe_joined(o))
                    for when, o in by_day.items()
                ),
            ),
        )

    def replaced(self) -> tuple[SafeString, ...]:
        """What the area replaced and the codes and names it had, as ONS Explore Local
        Statistics says it: “This area replaced Allerdale, Carlisle and Copeland on 1 April
        2023.”, “This area's code was E08000020 until 1 April 2013.”, “Called Shepway until
        1 April 2018.”"""
        made = self._confirmed("new_area")
        lines = [
            format_html(
                "This area's code was {} until {}.",
                linked([c.old_area], attrgetter("code")),
                c.when,
            )
            for c in made
            if c.kind == ChangeKind.RECODED
        ]
        by_day: dict[str, list[SafeString]] = {}
        for run in runs([c for c in made if c.kind != ChangeKind.RECODED], _old_area):
            by_day.setdefault(run.when, []).extend(
                format_html("part of {}", linked([a]))
                if run.kind == ChangeKind.SPLIT
                else linked([a])
                for a in run.areas
            )
        lines += [
            format_html("This area replaced {} on {}.", safe_joined(parts), when)
            for when, parts in by_day.items()
        ]
        lines += [
            format_html("Called {} until {}.", c.old_name, c.when)
            for c in self.changes
            if c.confirmed and c.kind == ChangeKind.RENAMED
        ]
        return tuple(lines)

    def reported(self) -> tuple[SafeString, ...]:
        """Changes reported but not confirmed by ONS, said as reports and never as fact:
        “Reported, not confirmed by ONS: renamed North Gloucestershire (2025).”"""
        unconfirmed = [c for c in self.changes if not c.confirmed]
        found = [
            (c.when, format_html("renamed {}", c.new_name))
            for c in unconfirmed
            if c.kind == ChangeKind.RENAMED
        ]
        others = [c for c in unconfirmed if c.kind != ChangeKind.RENAMED]
        ending = [c for c in others if c.old_area_id == self.area.pk]
        found += [(run.when, outcome(run)) for run in runs(ending, _new_area)]
        making = [c for c in others if c.new_area_id == self.area.pk]
        found += [(run.when, outcome(run, TAKEOVERS)) for run in runs(making, _old_area)]
        return tuple(
            format_html("<strong>Reported, not confirmed by ONS:</strong> {} ({}).", phrase, when)
            for when, phrase in found
        )
