"""Permalinks: the figures behind a chart or table, as they stood at the release it showed.

Every chart and table on the site names its figures as the downloads do (indicator, areas,
periods and breakdown: `ValuesDownloadForm`) plus the release that last set any of them:
`/data/figures/?indicator=…&area=…&period=…&breakdown=…&release=<import id or date>`. The link
is worked out from the figures a chart already holds (`figure_links.link_for`), with no query: a
chart is kept built (core/prebuilt.py) and a page's query count must not grow with its charts.

Opening the address later shows the figures as they were at that release (`snapshot`). Only
the import history can say so: a released import keeps, for every figure it changed, what the
figure was just before (`ImportChange.previous`), so the state of a figure at a moment is the
`previous` of the first release after that moment that changed it, or the figure as it is now
if none has. Where history cannot say (a figure set by an import that was later withdrawn, or
edited in the admin after the release), the figure is left out and the page says so, rather
than showing a figure that may never have been published.

What the public may see is kept: staged figures never appear (only released imports count, and
only released values are read); a figure withheld now stays withheld, and figures of an older
state are put through the small-number rule again (`indicators.disclosure`) over the whole
group they belong to, so an older small count is withheld as it was then.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from core.formatting import joined, long_date
from indicators.disclosure import Figure, _withheld
from indicators.figure_links import release_token
from indicators.filters import NO_BREAKDOWN
from indicators.importing.writing import DATA_FIELDS
from indicators.models import (
    Area,
    Breakdown,
    ImportBatch,
    ImportChange,
    Indicator,
    Period,
    PublishedValue,
    Value,
)

_DECIMALS = ("value", "count", "denominator", "lower_ci", "upper_ci")

#: A figure's key within one indicator: area, period and breakdown ids (None: no breakdown).
Key = tuple[int, int, "int | None"]


class ReleaseNotFound(Exception):
    """The `release` of a permalink names no release the public have seen; says why."""


# --- the release a permalink names ---------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """The moment a permalink shows the figures at: a release, or the end of a day."""

    moment: datetime.datetime
    day: datetime.date  # the day of the release, for the citation
    token: str  # as the address writes it
    batch: ImportBatch | None = None


def _released() -> QuerySet[ImportBatch]:
    """Imports whose figures the public have seen (undone ones too: they were seen)."""
    return ImportBatch.objects.filter(
        release=ImportBatch.Release.PUBLISHED, published_at__isnull=False
    )


def _batch_moment(batch: ImportBatch) -> datetime.datetime:
    """When a release's figures were in place: `applied_at` is stamped once they are written,
    after every figure's own `updated_at`; `published_at` when it has none (a correction)."""
    assert batch.published_at is not None
    return max(batch.published_at, batch.applied_at or batch.published_at)


def resolve_release(token: str) -> Release:
    """The release `token` names: an import's id, a moment with its time zone
    (`2014-03-19T12:00:00Z`, as `release_token` names figures no import set) or a day
    (`2014-03-19`: the figures as they stood at the end of it). Raises `ReleaseNotFound` for
    an import that was never released (a staged one, or one discarded before release) or a
    token that is none of these."""
    token = token.strip()
    not_a_release = ReleaseNotFound(
        f"“{token[:40]}” is not a release: give a release's number or a date such as 2014-03-19."
    )
    if token.isascii() and token.isdigit():
        batch = _released().filter(pk=int(token)).first() if len(token) < 19 else None
        if batch is None:
            raise ReleaseNotFound(f"No release of figures has the number {token[:40]}.")
        assert batch.published_at is not None
        return Release(
            moment=_batch_moment(batch),
            day=timezone.localdate(batch.published_at),
            token=token,
            batch=batch,
        )
    # A date that does not exist (2026-13-02), an offset past ±24 hours or a moment that
    # cannot be put in the site's time zone is no release either: never a server error.
    try:
        if len(token) > 10:
            moment = parse_datetime(token)
            if moment is not None and not timezone.is_naive(moment):
                release = Release(moment=moment, day=timezone.localdate(moment), token=token)
                return _not_in_the_future(release)
        day = parse_date(token) if len(token) == 10 else None
        if day is None:
            raise not_a_release
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
        end = start + datetime.timedelta(days=1) - datetime.timedelta(microseconds=1)
    except (ValueError, OverflowError) as error:
        raise not_a_release from error
    return _not_in_the_future(Release(moment=end, day=day, token=token))


def _not_in_the_future(release: Release) -> Release:
    """A day or moment still to come names no release: its figures are not fixed yet, so a
    link to it would show different figures as later releases land."""
    # A second's grace: a link names figures set a moment ago by the second after.
    if release.moment > timezone.now() + datetime.timedelta(seconds=1):
        raise ReleaseNotFound(
            f"{long_date(release.day)} is not over yet: a link names figures "
            "already released, as they stood at a moment that has passed."
        )
    return release


# --- the figures at a release -------------------------------------------------------------------


@dataclass
class _State:
    """One figure at the moment asked about, and whether it is still the same now."""

    area: Area
    period: Period
    breakdown: Breakdown | None
    data: dict[str, Any] | None  # DATA_FIELDS; None: no such figure then
    current: Value | None  # the released figure now, if there is one
    known: bool = True
    why_unknown: str = ""
    set_by: int | None = None  # the import that had set an older figure (from the history)
    #: An older figure's revision mark then: the day, and the value and status it revised.
    revision: tuple[datetime.date, Decimal | None, str] | None = None
    #: Whether the figure the mark names could have been withheld then (it had a count).
    revision_counted: bool = False

    @property
    def changed(self) -> bool:
        """Whether the figure now differs from what it was (or cannot be told)."""
        if not self.known:
            return True
        now = _data(self.current) if self.current is not None else None
        return now != self.data


def _data(value: Value) -> dict[str, Any]:
    return {name: getattr(value, name) for name in DATA_FIELDS}


def _snapshot_data(previous: dict[str, Any]) -> dict[str, Any]:
    """An `ImportChange.previous` as model values (its decimals are kept as text)."""
    data = {name: previous.get(name) for name in DATA_FIELDS}
    for name in _DECIMALS:
        if data[name] is not None:
            data[name] = Decimal(str(data[name]))
    data["note"] = data["note"] or ""
    data["is_illustrative"] = bool(data["is_illustrative"])
    return data


def _after(moment: datetime.datetime | None, then: datetime.datetime) -> bool:
    return moment is not None and moment > then


def changes_released_since(
    indicator: Indicator, moment: datetime.datetime
) -> QuerySet[ImportChange]:
    """The records of the figures of `indicator` that released imports changed after `moment`,
    or whose release was undone after it. The imports are chosen first, so that the records
    are read through the index that leads with the import, not from the whole table."""
    since = _released().filter(Q(published_at__gt=moment) | Q(undone_at__gt=moment))
    return ImportChange.objects.filter(batch__in=since.values("pk"), indicator=indicator)


def _states(
    indicator: Indicator,
    moment: datetime.datetime,
    *,
    areas: Sequence[Area] = (),
    periods: Sequence[Period] = (),
    breakdown: str = "",
) -> dict[Key, _State]:
    """Every figure of the selection at `moment`, from the released figures now and the
    changes released imports made after it (two queries)."""
    values = Value.objects.public().filter(indicator=indicator)
    changes = changes_released_since(indicator, moment)
    if areas:
        values, changes = values.filter(area__in=areas), changes.filter(area__in=areas)
    if periods:
        values, changes = values.filter(period__in=periods), changes.filter(period__in=periods)
    if breakdown == NO_BREAKDOWN:
        values = values.filter(breakdown__isnull=True)
        changes = changes.filter(breakdown__isnull=True)
    elif breakdown:
        values = values.filter(breakdown__dimension=breakdown)
        changes = changes.filter(breakdown__dimension=breakdown)
    states: dict[Key, _State] = {}
    for value in values.select_related("area", "period", "breakdown"):
        key = (value.area_id, value.period_id, value.breakdown_id)
        states[key] = _State(value.area, value.period, value.breakdown, _data(value), value)
        if _after(value.updated_at, moment):
            # Saved since, and no release after the moment changed it (checked below): an
            # edit in the admin, whose figure before is not in the import history.
            states[key].known = False
            states[key].why_unknown = "it was edited after this release"
    # The first event after the moment, per figure: a release that changed it (what it was
    # just before is kept), or the undoing of an import released before the moment (what
    # that import had set is not kept).
    first: dict[Key, tuple[datetime.datetime, str, ImportChange]] = {}
    for change in changes.select_related("batch", "area", "period", "breakdown"):
        key = (change.area_id, change.period_id, change.breakdown_id)
        batch = change.batch
        assert batch.published_at is not None
        events = []
        if batch.published_at > moment:
            events.append((batch.published_at, "set", change))
        if _after(batch.undone_at, moment) and batch.published_at <= moment:
            assert batch.undone_at is not None
            events.append((batch.undone_at, "undo", change))
        for event in events:
            if key not in first or event[0] < first[key][0]:
                first[key] = event
    for key, (_, kind, change) in first.items():
        state = states.get(key)
        if state is None:
            state = states[key] = _State(change.area, change.period, change.breakdown, None, None)
        state.known, state.why_unknown = True, ""
        if kind == "undo":
            state.known = False
            state.why_unknown = "the import that set it was later withdrawn"
        elif change.action == ImportChange.Action.CREATED or change.previous is None:
            state.data = None  # first published after the moment
        else:
            state.data = _snapshot_data(change.previous)
            state.set_by = change.previous.get("import_batch")
            stamp = change.previous.get("updated_at")
            saved = parse_datetime(stamp) if stamp else None
            if saved is not None and timezone.is_naive(saved):
                saved = timezone.make_aware(saved)
            if _after(saved, moment):
                state.known = False
                state.why_unknown = "it was edited after this release"
    _revisions(indicator, moment, states)
    return states


def _revisions(indicator: Indicator, moment: datetime.datetime, states: dict[Key, _State]) -> None:
    """The revision marks older figures had at the moment (one query, when there are any): a
    figure was marked revised by the release that set it if that release changed its value or
    status from a real (not illustrative) figure, as `indicators.releases` marks it. Only that
    release's mark is found, not one an earlier release left on a figure it did not change."""
    older = {key: state for key, state in states.items() if state.set_by and state.known}
    if not older:
        return
    changes = ImportChange.objects.filter(
        indicator=indicator,
        batch_id__in={state.set_by for state in older.values()},
        batch__release=ImportBatch.Release.PUBLISHED,
        batch__published_at__lte=moment,
        action=ImportChange.Action.UPDATED,
    ).select_related("batch")
    by_key: dict[tuple[int | None, int, int, int | None], ImportChange] = {
        (change.batch_id, change.area_id, change.period_id, change.breakdown_id): change
        for change in changes
    }
    for key, state in older.items():
        change = by_key.get((state.set_by, *key))
        if change is None or change.previous is None or state.data is None:
            continue
        before = _snapshot_data(change.previous)
        was, now = (before["value"], before["status"]), (state.data["value"], state.data["status"])
        if was != now and not before["is_illustrative"] and change.batch.published_at:
            state.revision = (timezone.localdate(change.batch.published_at), *was)
            state.revision_counted = _counted(indicator, before) is not None


def _counted(indicator: Indicator, data: dict[str, Any]) -> Decimal | None:
    """The count a figure stands for, as disclosure control reads it."""
    if data["count"] is not None:
        return data["count"]
    return data["value"] if indicator.unit == "count" else None


def _withheld_then(indicator: Indicator, states: dict[Key, _State]) -> set[Key]:
    """The figures the small-number rule withholds in these states (all of one indicator,
    whole groups), by key."""
    threshold = indicator.disclosure_threshold
    if not threshold:
        return set()
    by_period: dict[int, list[tuple[Key, _State]]] = {}
    for key, state in states.items():
        if state.known and state.data is not None:
            by_period.setdefault(key[1], []).append((key, state))
    withheld: set[Key] = set()
    for rows in by_period.values():
        # In the order disclosure control visits them: by area name, then id.
        rows.sort(key=lambda row: (row[1].area.name, row[1].current.pk if row[1].current else 0))
        keys = {n: key for n, (key, _) in enumerate(rows)}
        figures: list[Figure] = [
            (
                n,
                state.area.pk,
                state.area.parent_id,
                key[2],
                state.breakdown.dimension if state.breakdown is not None else None,
                bool(state.data["status"] == "available"),
                _counted(indicator, state.data),
            )
            for n, (key, state) in enumerate(rows)
            if state.data is not None
        ]
        withheld |= {keys[n] for n in _withheld(figures, threshold)}
    return withheld


@dataclass
class Snapshot:
    """The figures of a permalink at its release, masked as the public see them."""

    indicator: Indicator
    release: Release | None  # None: as they are now
    values: list[PublishedValue]  # in the order of a download: time, then area, then category
    #: Figures of the selection whose value at the release cannot be told, in words.
    unknown: list[str] = field(default_factory=list)
    newer: bool = False  # a later release (or edit) changed, added or removed any of them

    @property
    def token(self) -> str:
        return self.release.token if self.release is not None else release_token(self.values)


def _as_published(
    indicator: Indicator, state: _State, *, withheld: bool, index: int, moment: datetime.datetime
) -> PublishedValue:
    assert state.data is not None
    current = state.current
    value = PublishedValue(
        pk=current.pk if current is not None else -index,
        indicator=indicator,
        area=state.area,
        period=state.period,
        breakdown=state.breakdown,
        **state.data,
    )
    if current is not None and not state.changed:
        # Unchanged since: its own revision mark is from the release or before it.
        value.import_batch_id = current.import_batch_id
        value.updated_at = current.updated_at
        if current.revised_on is not None and not _after(
            timezone.make_aware(datetime.datetime.combine(current.revised_on, datetime.time())),
            moment,
        ):
            value.revised_on = current.revised_on
            value.previous_value = current.previous_value
            value.previous_status = current.previous_status
        withheld = withheld or bool(current.withheld)
    else:
        if current is not None and current.withheld:
            withheld = True  # withheld now: what it was stays withheld too
        if state.revision is not None and not (
            indicator.disclosure_threshold and state.revision_counted
        ):
            # (Under a small-number rule a figure with a count might have been withheld then,
            # which the history does not say: its mark, which names it, is left off.)
            value.revised_on, value.previous_value, value.previous_status = state.revision
    if withheld:
        value.withheld = "primary"
        value.mask()
    return value


def _order(value: Value) -> tuple:
    breakdown = value.breakdown
    return (
        value.period.end_date,
        value.period.start_date,
        value.area.name,
        breakdown.dimension if breakdown else "",
        breakdown.sort_order if breakdown else -1,
    )


def snapshot(
    indicator: Indicator,
    *,
    areas: Sequence[Area] = (),
    periods: Sequence[Period] = (),
    breakdown: str = "",
    release: Release | None = None,
) -> Snapshot:
    """The selection's figures at `release` (as they are now when None), as the public may see
    them, with what cannot be told and whether newer figures are available."""
    if release is None:
        now = list(
            _filtered(
                PublishedValue.objects.with_related(), indicator, areas, periods, breakdown
            ).order_by()
        )
        return Snapshot(indicator, None, sorted(now, key=_order))
    states = _states(indicator, release.moment, areas=areas, periods=periods, breakdown=breakdown)
    newer = any(state.changed for state in states.values())
    withheld: set[Key] = set()
    if indicator.disclosure_threshold and newer:
        # Older figures are put through the rule again, over their whole groups: every area
        # (a county and its districts) and every category of the periods asked about.
        touched = {key[1] for key, state in states.items() if state.changed}
        whole = _states(
            indicator,
            release.moment,
            periods=[state.period for key, state in states.items() if key[1] in touched],
        )
        withheld = _withheld_then(indicator, whole)
    values = [
        _as_published(
            indicator, state, withheld=key in withheld, index=index, moment=release.moment
        )
        for index, (key, state) in enumerate(states.items(), start=1)
        if state.known and state.data is not None
    ]
    unknown = [
        f"{_describe(state)}: {state.why_unknown}"
        for state in sorted(states.values(), key=lambda s: (s.period.end_date, s.area.name))
        if not state.known
    ]
    return Snapshot(indicator, release, sorted(values, key=_order), unknown, newer)


def _filtered(
    queryset: QuerySet[Any],
    indicator: Indicator,
    areas: Sequence[Area],
    periods: Sequence[Period],
    breakdown: str,
) -> QuerySet[Any]:
    queryset = queryset.filter(indicator=indicator)
    if areas:
        queryset = queryset.filter(area__in=areas)
    if periods:
        queryset = queryset.filter(period__in=periods)
    if breakdown == NO_BREAKDOWN:
        queryset = queryset.filter(breakdown__isnull=True)
    elif breakdown:
        queryset = queryset.filter(breakdown__dimension=breakdown)
    return queryset


def _describe(state: _State) -> str:
    where = f"{state.area.display_name}, {state.period.label}"
    if state.breakdown is not None:
        where += f", {state.breakdown.full_label}"
    return where


# --- words ----------------------------------------------------------------------------------


def citation(
    *,
    site_name: str,
    title: str,
    released: datetime.date | None,
    retrieved: datetime.date,
    url: str,
) -> str:
    """A ready citation: “Lancashire JSNA, Child protection, released 19 March 2014,
    retrieved 2 December 2026, https://…”."""
    parts = [site_name, title]
    if released is not None:
        parts.append(f"released {long_date(released)}")
    parts += [f"retrieved {long_date(retrieved)}", url]
    return ", ".join(parts)


def selection_words(areas: Sequence[Area], periods: Sequence[Period]) -> str:
    """What a permalink shows, in words: “Lancashire-12, England; 2011/12 and 2012/13”."""
    where = ", ".join(a.display_name for a in areas) if areas else "all areas"
    when = joined([p.label for p in periods]) if periods else "all periods"
    return f"{where}; {when}"
