"""An area's profile: every indicator the site holds for the area as a spine chart, in the
manner of OHID Fingertips' area profiles.

Each indicator gets one row: the area's latest figure (breakdown-free), its count, the
region's and England's figures for the same period, and a spine: the spread of that period's
figures across the area's peers (the current areas of the same tier with a figure on this
site), drawn from worst to best (lowest to highest where neither is better), with the middle
half of the areas (25th to 75th percentile) as a darker box, England's figure as the centre
line, and the area's figure marked by a symbol whose shape and words say how it compares
with England (better, similar, worse, not compared; higher, similar, lower where there is no
polarity), so that colour is never the only signal.

How the spine is scaled (so it can be checked by hand): each figure is oriented so that
“better” points right (a figure where a low value is better is negated; without polarity,
higher points right), then placed at ``100 + 92 × (figure − England) / D`` on a drawing 200
units wide, where D is the largest distance from England of any figure on the row (the
peers' and the area's). England is thus always at the centre and the furthest figure 8 units
from an end, room for half the marker.

Percentiles are the inclusive method (``statistics.quantiles(…, method="inclusive")``, the
same as a spreadsheet's PERCENTILE.INC): with the n figures sorted, the p-th percentile is at
position ``1 + p × (n − 1)``, interpolated linearly between neighbours.

Withheld figures (disclosure control) and figures that are not available take no part in a
range: they are not shown, so they are not counted. Everything is read in a fixed number of
queries, whatever the number of indicators or areas (`area_profile`).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from core import formatting, hooks
from indicators.figure_links import FigureLink, figures_link
from indicators.figures import Comparison, compare, tier_nouns
from indicators.models import Area, AreaType, Indicator, Polarity, Value
from indicators.models.areas import same_tier

#: A range needs at least this many areas with a figure.
MIN_AREAS = 2
#: The drawing's size, in the SVG's own units.
WIDTH, HEIGHT = 200, 24
CENTRE = WIDTH / 2
#: Room at each end for half the marker, so that a figure at an end is drawn whole.
INSET = 8
#: Where an indicator is listed when no published page shows it.
OTHER_HEADING = "Other indicators"


@dataclass(frozen=True)
class Shape:
    """The area's marker as the SVG draws it: a triangle up or down or a circle."""

    kind: str  # "up" | "down" | "circle"
    x: float
    points: str = ""  # the triangle's corners, for <polygon points=…>


@dataclass(frozen=True)
class Spine:
    """The drawing of one row, in SVG units (0 … WIDTH), worst (or lowest) on the left."""

    left: float  # the worst or lowest peer
    right: float  # the best or highest peer
    box_left: float  # the 25th/75th percentile, whichever is on the left
    box_right: float
    marker: Shape

    @property
    def range_width(self) -> float:
        return self.right - self.left

    @property
    def box_width(self) -> float:
        return self.box_right - self.box_left


@dataclass(frozen=True)
class TopicLink:
    title: str
    url: str


@dataclass(frozen=True)
class ProfileRow:
    """One indicator of the profile."""

    indicator: Indicator
    value: Value  # the area's figure (masked as the public see it)
    region: Value | None  # the region's figure for the same period, if any
    england: Value | None  # the benchmark's figure for the same period, if any
    peers: int  # how many areas' figures make the range
    #: Whether any figure of the range is illustrative (synthetic), so the range is too.
    range_illustrative: bool = False
    lowest: Decimal | None = None
    q1: Decimal | None = None  # 25th percentile
    q3: Decimal | None = None  # 75th percentile
    highest: Decimal | None = None
    comparison: Comparison | None = None  # the area against England
    spine: Spine | None = None
    topics: tuple[TopicLink, ...] = ()

    def _figure(self, value: Value | None) -> str:
        if value is None:
            return "–"
        text = formatting.table_figure(self.indicator, value.value, value.status)
        return f"{text} (illustrative)" if value.is_illustrative else text

    def _number(self, number: Decimal | None) -> str:
        return "–" if number is None else formatting.table_figure(self.indicator, number, "")

    @property
    def area_text(self) -> str:
        return self._figure(self.value)

    @property
    def region_text(self) -> str:
        return self._figure(self.region)

    @property
    def england_text(self) -> str:
        return self._figure(self.england)

    @property
    def count_text(self) -> str:
        count = self.value.count
        return "–" if count is None else formatting.count_text(count)

    @property
    def worst_text(self) -> str:
        return self._number(self.worst)

    @property
    def best_text(self) -> str:
        return self._number(self.best)

    @property
    def left_text(self) -> str:
        return self._number(self.left_percentile)

    @property
    def right_text(self) -> str:
        return self._number(self.right_percentile)

    @property
    def link(self) -> FigureLink | None:
        """The row's permalink: the area's, the region's and England's figures, as released."""
        return figures_link([v for v in (self.value, self.region, self.england) if v is not None])

    @property
    def has_polarity(self) -> bool:
        return self.indicator.polarity != Polarity.NO_JUDGEMENT

    @property
    def worst(self) -> Decimal | None:
        """The figure at the spine's left end: the worst (or, without polarity, the lowest)."""
        if self.indicator.polarity == Polarity.LOW_IS_GOOD:
            return self.highest
        return self.lowest

    @property
    def best(self) -> Decimal | None:
        if self.indicator.polarity == Polarity.LOW_IS_GOOD:
            return self.lowest
        return self.highest

    @property
    def left_percentile(self) -> Decimal | None:
        """The quartile on the worse (or lower) side: the 75th where a low value is better."""
        return self.q3 if self.indicator.polarity == Polarity.LOW_IS_GOOD else self.q1

    @property
    def right_percentile(self) -> Decimal | None:
        return self.q1 if self.indicator.polarity == Polarity.LOW_IS_GOOD else self.q3

    @property
    def css(self) -> str:
        """The marker's colour class: better, similar, worse, higher, lower or untested."""
        comparison = self.comparison
        return (comparison.outcome if comparison is not None else "") or "untested"

    @property
    def verdict_label(self) -> str:
        """The marker's words: “Worse (significantly)”, “Similar”, “Not compared”."""
        comparison = self.comparison
        if comparison is None or not comparison.tested:
            return "Not compared"
        return comparison.label

    @property
    def verdict_detail(self) -> str:
        """What follows the words: “than England”, “to England”; why a figure is not
        compared: “higher than England; no confidence interval”, “no figure for England”."""
        comparison = self.comparison
        if comparison is None:
            return "no figure to compare" if self.england is not None else "no figure for England"
        name = comparison.area.display_name
        if comparison.tested:
            return f"{comparison.connector} {name}"
        if comparison.direction == "same":
            return f"the same as {name}"
        return f"{comparison.direction} than {name}; no confidence interval"

    @property
    def verdict(self) -> str:
        """The marker in words: “Worse (significantly) than England”, “Similar to England”,
        “Not compared (higher than England; no confidence interval)”."""
        if self.comparison is not None and self.comparison.tested:
            return f"{self.verdict_label} {self.verdict_detail}"
        return f"{self.verdict_label} ({self.verdict_detail})"

    @property
    def symbol(self) -> str:
        return self.comparison.symbol if self.comparison is not None else "–"

    @property
    def description(self) -> str:
        """What the spine shows, for a screen reader (the drawing's accessible name)."""
        parts = [f"{self.indicator.name}: {self.area_text}"]
        if self.spine is not None:
            ends = ("Worst", "best") if self.has_polarity else ("Lowest", "highest")
            parts.append(
                f"{ends[0]} {self.worst_text}, {ends[1]} {self.best_text} of {self.peers} areas"
                + (" (including illustrative figures)" if self.range_illustrative else "")
            )
        if self.england is not None:
            parts.append(f"{self.england.area.display_name} {self.england_text}")
        if self.verdict:
            parts.append(self.verdict)
        return "; ".join(parts) + "."


@dataclass(frozen=True)
class ProfileGroup:
    heading: str
    url: str  # the topic page; "" for indicators no published page shows
    rows: tuple[ProfileRow, ...]


@dataclass(frozen=True)
class AreaProfile:
    area: Area
    benchmark: Area | None  # England (the country above the area), the spine's centre
    region: Area | None
    peer_noun: str  # “districts”, “local authorities”: what the ranges are made of
    groups: tuple[ProfileGroup, ...]

    @property
    def rows(self) -> list[ProfileRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def has_untested(self) -> bool:
        return any(r.comparison is not None and not r.comparison.tested for r in self.rows)


def percentiles(figures: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """The 25th and 75th percentiles of at least two figures (the inclusive method)."""
    q1, _median, q3 = statistics.quantiles(figures, n=4, method="inclusive")
    return Decimal(q1), Decimal(q3)


def orient(indicator: Indicator, figure: Decimal) -> Decimal:
    """The figure with “better” (or, without polarity, “higher”) pointing right."""
    return -figure if indicator.polarity == Polarity.LOW_IS_GOOD else figure


def draw(
    indicator: Indicator,
    area_figure: Decimal,
    centre: Decimal,
    figures: Sequence[Decimal],
    q1: Decimal,
    q3: Decimal,
    symbol: str,
) -> Spine:
    """The spine of one row: see the module's docstring for the scale."""
    middle = orient(indicator, centre)
    oriented = [orient(indicator, f) - middle for f in (*figures, area_figure)]
    reach = max(abs(d) for d in oriented) or Decimal(1)

    def x(figure: Decimal) -> float:
        spread = float((orient(indicator, figure) - middle) / reach)
        return round(CENTRE + (CENTRE - INSET) * spread, 2)

    ends = sorted(x(f) for f in figures)
    box = sorted((x(q1), x(q3)))
    at = x(area_figure)
    if symbol == "▲":
        shape = Shape("up", at, f"{at - 6:g},{HEIGHT - 4} {at + 6:g},{HEIGHT - 4} {at:g},4")
    elif symbol == "▼":
        shape = Shape("down", at, f"{at - 6:g},4 {at + 6:g},4 {at:g},{HEIGHT - 4}")
    else:
        shape = Shape("circle", at)
    return Spine(ends[0], ends[-1], box[0], box[1], shape)


def area_profile(area: Area, comparators: Sequence[Area], values: Iterable[Value]) -> AreaProfile:
    """The profile of `area`, compared with the country above it (England) and placed among
    its peers. `values` are the area's and its comparators' latest figures, as the area page
    reads them (`selectors.latest_comparison_values`); the peers' figures take one query more
    and the topics that show each indicator another, whatever the number of indicators."""
    benchmark = next((a for a in comparators if a.area_type == AreaType.COUNTRY), None)
    region = next((a for a in comparators if a.area_type == AreaType.REGION), None)
    own: dict[int, Value] = {}
    beside: dict[tuple[int, int], Value] = {}  # (area, indicator) → figure
    for value in values:
        if value.area_id == area.pk:
            own[value.indicator_id] = value
        else:
            beside[(value.area_id, value.indicator_id)] = value
    peer_types = [t for t in AreaType.values if same_tier(t, area.area_type)]
    spread: dict[int, list[Decimal]] = defaultdict(list)
    illustrative: set[int] = set()
    if own and peer_types:
        wanted = {(i, v.period_id) for i, v in own.items()}
        for indicator_id, period_id, figure, is_illustrative in (
            Value.objects.public()
            .filter(
                indicator_id__in=list(own),
                period_id__in={v.period_id for v in own.values()},
                breakdown__isnull=True,
                area__is_current=True,
                area__area_type__in=peer_types,
                withheld="",
                value__isnull=False,
            )
            .values_list("indicator_id", "period_id", "value", "is_illustrative")
        ):
            if (indicator_id, period_id) in wanted:
                spread[indicator_id].append(figure)
                if is_illustrative:
                    illustrative.add(indicator_id)
    topics: dict[int, list[tuple[str, str]]] = {}
    if own:
        topics = hooks.first(hooks.INDICATOR_TOPICS, list(own)) or {}

    rows: list[ProfileRow] = []
    for indicator_id, value in sorted(own.items(), key=lambda item: item[1].indicator.name):
        indicator = value.indicator
        england = beside.get((benchmark.pk, indicator_id)) if benchmark is not None else None
        if england is not None and england.value is None:
            england = None
        comparison = None
        if england is not None and value.value is not None:
            comparison = compare(value, england)
        figures = sorted(spread.get(indicator_id, []))
        row = ProfileRow(
            indicator=indicator,
            value=value,
            region=beside.get((region.pk, indicator_id)) if region is not None else None,
            england=england,
            peers=len(figures),
            comparison=comparison,
            topics=tuple(TopicLink(t, u) for t, u in topics.get(indicator_id, [])),
        )
        if len(figures) >= MIN_AREAS:
            q1, q3 = percentiles(figures)
            spine = None
            if value.value is not None and england is not None:
                symbol = comparison.symbol if comparison is not None else "●"
                spine = draw(indicator, value.value, england.value, figures, q1, q3, symbol)
            row = replace(
                row,
                lowest=figures[0],
                highest=figures[-1],
                q1=q1,
                q3=q3,
                spine=spine,
                range_illustrative=indicator_id in illustrative,
            )
        rows.append(row)

    grouped: dict[tuple[str, str], list[ProfileRow]] = {}
    for row in rows:
        first = row.topics[0] if row.topics else TopicLink(OTHER_HEADING, "")
        grouped.setdefault((first.title, first.url), []).append(row)
    groups = sorted(
        (ProfileGroup(title, url, tuple(members)) for (title, url), members in grouped.items()),
        key=lambda g: (g.url == "", g.heading.lower()),
    )
    return AreaProfile(
        area=area,
        benchmark=benchmark,
        region=region,
        peer_noun=tier_nouns([Area(area_type=t) for t in peer_types])[1] if peer_types else "",
        groups=tuple(groups),
    )
