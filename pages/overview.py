"""A topic's overview, Fingertips' “tartan rug”: the page's indicators down the side and, across,
the page's area, the areas it is compared with and the districts of its county, each cell the
latest figure with a marker saying how it compares with England.

The marker is a symbol and words as well as a colour: ▲ (higher), ▼ (lower) or ● (similar)
with “Better (significantly) than England” and so on, the words visible to screen readers and
on hover, so colour is never the only signal. A figure without a 95% confidence interval is
not compared: it has no marker and says so.

The period of each row is the latest for which the page's area has a figure (as the area page
chooses it), so a row never mixes years. Everything is read in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.urls import reverse

from core import formatting
from core.caching import CONTENT, REFERENCE, tag
from indicators.figure_links import FigureLink, figures_link
from indicators.figures import Comparison, compare
from indicators.models import Area, AreaType, Indicator, PublishedValue, Value
from indicators.selectors import latest_comparison_values
from pages.models import Section, Topic

#: Markers whose colour needs dark text for contrast; the others take white text.
DARK_TEXT = {"similar", "lower"}


@dataclass(frozen=True)
class Column:
    name: str
    url: str
    role: str  # "area" (the page's), "comparator" or "district"


@dataclass(frozen=True)
class Cell:
    value: Value | None
    comparison: Comparison | None = None  # against the benchmark (England)

    @property
    def text(self) -> str:
        if self.value is None:
            return "–"
        return formatting.table_figure(self.value.indicator, self.value.value, self.value.status)

    @property
    def css(self) -> str:
        """The cell's colour class: better, similar, worse, higher, lower; "" uncompared."""
        return self.comparison.outcome if self.comparison is not None else ""

    @property
    def symbol(self) -> str:
        return self.comparison.symbol if self.comparison is not None and self.css else ""

    @property
    def words(self) -> str:
        """The marker in words: “Worse (significantly) than England”, “Not compared”."""
        comparison = self.comparison
        if self.value is None:
            return "No figure"
        if comparison is None:
            return ""
        name = comparison.area.display_name
        if not comparison.tested:
            return f"Not compared with {name}"
        return f"{comparison.label} {comparison.connector} {name}"


@dataclass(frozen=True)
class Row:
    indicator: Indicator
    period: str
    section_url: str  # the indicator's section on the topic page
    cells: tuple[Cell, ...]

    @property
    def is_illustrative(self) -> bool:
        return any(c.value is not None and c.value.is_illustrative for c in self.cells)

    @property
    def link(self) -> FigureLink | None:
        """The row's permalink: every column's figure for the row's period, as released."""
        return figures_link([c.value for c in self.cells if c.value is not None])


@dataclass(frozen=True)
class TopicOverview:
    title: str
    topic_url: str
    area_name: str
    benchmark_name: str  # "" without a country among the comparators
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    tags: frozenset[str]  # what the overview shows, for the page cache (core/caching.py)

    @property
    def has_illustrative(self) -> bool:
        return any(row.is_illustrative for row in self.rows)

    @property
    def has_compared(self) -> bool:
        return any(cell.css for row in self.rows for cell in row.cells)


def overview_url(topic: Topic) -> str:
    return reverse("pages:topic_overview", kwargs={"path": topic.path})


def district_columns(area: Area, named: Sequence[Area]) -> list[Area]:
    """The current districts of the area's county (the area's own when it is a county), less
    those already named, in name order: one query."""
    county = area if area.area_type == AreaType.COUNTY else area.parent
    if county is None or county.area_type != AreaType.COUNTY:
        return []
    return list(
        Area.objects.filter(parent=county, is_current=True, area_type=AreaType.DISTRICT)
        .exclude(pk__in=[a.pk for a in named])
        .order_by("name")
    )


def topic_overview(topic: Topic, sections: Sequence[Section]) -> TopicOverview | None:
    """The overview of a published `topic` (fetched with `selectors.page_topics()`), or None
    when the page has no area or no indicator."""
    area = topic.area
    indicators: dict[int, tuple[Section, Indicator]] = {}
    for section in sections:
        if section.indicator is not None:
            indicators.setdefault(section.indicator.pk, (section, section.indicator))
    if area is None or not indicators:
        return None
    comparators = topic.comparison_areas()
    named = [area, *comparators]
    columns = [*named, *district_columns(area, named)]
    benchmark = next((a for a in comparators if a.area_type == AreaType.COUNTRY), None)
    # The page's area's latest period for each indicator, then every column's figure in it.
    latest = {
        v.indicator_id: v.period
        for v in latest_comparison_values(area, []).filter(indicator_id__in=list(indicators))
    }
    figures: dict[tuple[int, int], Value] = {}
    if latest:
        for value in PublishedValue.objects.filter(
            indicator_id__in=list(latest),
            period_id__in={p.pk for p in latest.values()},
            area__in=columns,
            breakdown__isnull=True,
        ).select_related("indicator", "area", "period"):
            if latest[value.indicator_id].pk == value.period_id:
                figures[(value.indicator_id, value.area_id)] = value
    rows = []
    topic_url = topic.get_absolute_url()
    for indicator_id, (section, indicator) in indicators.items():
        if indicator_id not in latest:
            continue
        england = figures.get((indicator_id, benchmark.pk)) if benchmark is not None else None
        cells = []
        for column in columns:
            value = figures.get((indicator_id, column.pk))
            comparison = None
            if (
                value is not None
                and value.value is not None
                and england is not None
                and england.value is not None
                and column != benchmark
            ):
                comparison = compare(value, england)
            cells.append(Cell(value, comparison))
        rows.append(
            Row(
                indicator=indicator,
                period=latest[indicator_id].label,
                section_url=f"{topic_url}#{section.anchor}",
                cells=tuple(cells),
            )
        )
    roles = {area.pk: "area", **{a.pk: "comparator" for a in comparators}}
    return TopicOverview(
        title=topic.title,
        topic_url=topic_url,
        area_name=area.display_name,
        benchmark_name=benchmark.display_name if benchmark is not None else "",
        columns=tuple(
            Column(a.display_name, a.get_absolute_url(), roles.get(a.pk, "district"))
            for a in columns
        ),
        rows=tuple(rows),
        tags=frozenset(
            {
                REFERENCE,
                CONTENT,
                *(tag("topic", t.pk) for t in (topic, *topic.ancestors())),
                *(tag("indicator", pk) for pk in indicators),
            }
        ),
    )
