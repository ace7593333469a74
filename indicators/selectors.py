"""What the public data pages show, read in one go: an indicator's page and an area's page as
plain dataclasses for their templates.

Selectors only read. The figures come from `FigureBuilder` (`indicators.figures`) and the tables
from `indicators.tables`; the dataclasses here carry them with the words and addresses the
templates show, so that no template reaches into a model for more."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import Case, IntegerField, QuerySet, When
from django.urls import reverse

from core import hooks
from indicators.exports import FORMATS
from indicators.figures import FigureBuilder, SectionFigures
from indicators.filters import IndicatorValuesFilter
from indicators.models import Area, Indicator, PublishedValue, Unit, Value
from indicators.tables import AreaComparisonTable, FiguresTable

# The id of the indicator page's trend chart (its data's json_script).
TREND_CHART_ID = "trend-data"

# Enough to walk up from a district to its country (district → county → region → country) in
# the query that fetches the area, so that the parent chain costs no further queries.
ANCESTORS = "parent__parent__parent__parent"


class Download(NamedTuple):
    """One download of a page's figures: its format in capitals ("CSV") and its address."""

    label: str
    url: str


def format_downloads(url_name: str, slug: str, query: str = "") -> tuple[Download, ...]:
    """A download in each format of the view `url_name` (which takes a slug and a format), with
    `query` (without "?") after the address when there is one."""
    suffix = f"?{query}" if query else ""
    return tuple(
        Download(fmt.upper(), reverse(url_name, args=[slug, fmt]) + suffix) for fmt in FORMATS
    )


@dataclass(frozen=True)
class IndicatorFacts:
    """An indicator as a page describes it: its name and address, unit and which is better."""

    name: str
    url: str
    definition: str
    unit_label: str  # e.g. "rate per 10,000 population aged under 18"
    polarity_sentence: str  # e.g. "A low rate is better."
    source: str
    source_url: str
    methodology: str


def indicator_facts(indicator: Indicator) -> IndicatorFacts:
    return IndicatorFacts(
        name=indicator.name,
        url=indicator.get_absolute_url(),
        definition=indicator.definition,
        unit_label=indicator.unit_label,
        polarity_sentence=indicator.polarity_sentence,
        source=indicator.source,
        source_url=indicator.source_url,
        methodology=indicator.methodology,
    )


@dataclass(frozen=True)
class ComparisonLine:
    """The area's latest figure against one comparator, as a line of the comparisons list:
    “▲ Higher than England (520.7): not tested for significance”."""

    marker: str  # "▲ Higher", "▼ Lower" or "● Same"
    css: str  # "better", "worse" or "neutral"
    area: str  # as named mid-sentence, e.g. "the North West"
    figure: str  # the comparator's figure, with "%" for a percentage
    illustrative: bool
    verdict: str  # e.g. "significantly worse", "not tested for significance"


@dataclass(frozen=True)
class Figures:
    """An indicator's figures as a page shows them: the chart, the table of the same figures
    beside it, and what they say in words."""

    chart_id: str  # the id of the chart's data (a json_script) and of its canvas
    caption: str
    statement: str  # the figures in a sentence or two; may be ""
    trend: str  # the recent trend in words; may be ""
    has_illustrative: bool
    chart: dict[str, Any]  # the Chart.js data
    table: FiguresTable
    unit: str  # the suffix of a figure ("%", "per 10,000"), for the chart's axis
    period: str  # the label of the period the comparisons are for; "" when there are none
    comparisons: tuple[ComparisonLine, ...]


def page_figures(figures: SectionFigures, chart_id: str) -> Figures:
    """`FigureBuilder`'s figures of one indicator, with their table, for a page."""
    indicator = figures.indicator
    percent = "%" if indicator.unit == Unit.PERCENTAGE else ""
    return Figures(
        chart_id=chart_id,
        caption=figures.caption,
        statement=figures.statement,
        trend=figures.trend,
        has_illustrative=figures.has_illustrative,
        chart=figures.chart,
        table=FiguresTable(figures),
        unit=indicator.short_unit,
        period=figures.period.label if figures.period is not None else "",
        comparisons=tuple(
            ComparisonLine(
                marker=c.marker,
                css=c.css,
                area=c.area_phrase,
                figure=c.value.display + percent,
                illustrative=c.value.is_illustrative,
                verdict=c.verdict,
            )
            for c in figures.comparisons
        ),
    )


# --- an indicator's page ---------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorPage:
    """An indicator's page: its definition and metadata, its trend chart, and the table of all
    its figures as filtered by the query string."""

    indicator: IndicatorFacts
    figures: Figures | None  # the trend chart; None when there is nothing to chart
    filter: IndicatorValuesFilter
    filter_query: str  # the filters that apply, as a query string without "?"
    values: QuerySet[Value]  # every row of the table, filtered; not yet read
    table_caption: str
    downloads: tuple[Download, ...]  # every row of the table, filtered, in each format


def indicator_page(indicator: Indicator, params: Mapping[str, Any]) -> IndicatorPage:
    """The page of `indicator`, its table filtered by `params` (the query string). The table's
    rows are left unread, for the view to sort and page."""
    values_filter = IndicatorValuesFilter(params, indicator=indicator)
    caption = f"{indicator.name}: figures by area and period"
    if summary := values_filter.summary():
        caption += f" ({summary})"
    query = values_filter.query_string()
    return IndicatorPage(
        indicator=indicator_facts(indicator),
        figures=trend_figures(indicator),
        filter=values_filter,
        filter_query=query,
        values=values_filter.filter(PublishedValue.objects.for_indicator_table(indicator)),
        table_caption=caption,
        downloads=format_downloads("indicators:indicator_download", indicator.slug, query),
    )


def trend_figures(indicator: Indicator) -> Figures | None:
    """The trend for the area that `hooks.INDICATOR_HOME` names (that of a published page
    showing this indicator), else the country, beside its comparators."""
    home = hooks.first(hooks.INDICATOR_HOME, indicator)
    if home is not None:
        area, comparators = home
    else:
        area = Area.objects.filter(area_type="country").order_by("name").first()
        comparators = []
    if area is None:
        return None
    values = PublishedValue.objects.for_topic_page(
        indicator_ids=[indicator.pk], area=area, comparator_ids=[a.pk for a in comparators]
    )
    figures = FigureBuilder(values, area, comparators).build(indicator)
    if figures is None:
        return None
    return page_figures(figures, TREND_CHART_ID)


# --- an area's page --------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaFacts:
    """An area as a page names it and links to it."""

    name: str
    display_name: str  # the short name when it has one, e.g. "Lancashire-12"
    code: str  # the GSS code
    type_label: str  # e.g. "District"
    url: str


def area_facts(area: Area) -> AreaFacts:
    return AreaFacts(
        name=area.name,
        display_name=area.display_name,
        code=area.code,
        type_label=area.get_area_type_display(),
        url=area.get_absolute_url(),
    )


@dataclass(frozen=True)
class AreaPage:
    """An area's page: where it sits, the areas within it, and its latest figures beside its
    comparators."""

    area: AreaFacts
    ancestors: tuple[AreaFacts, ...]  # nearest first
    children: tuple[AreaFacts, ...]
    comparators: tuple[AreaFacts, ...]
    table: AreaComparisonTable
    downloads: tuple[Download, ...]  # the table's figures, in each format


def area_page(area: Area) -> AreaPage:
    """The page of `area`, fetched with its parent chain (`ANCESTORS`) so that walking up
    costs no further queries."""
    comparators = area.comparators()
    return AreaPage(
        area=area_facts(area),
        ancestors=tuple(area_facts(a) for a in area.ancestors()),
        children=tuple(area_facts(a) for a in area.children.all()),
        comparators=tuple(area_facts(a) for a in comparators),
        table=AreaComparisonTable.for_area(
            area, comparators, latest_comparison_values(area, comparators)
        ),
        downloads=format_downloads("indicators:area_download", area.slug),
    )


def latest_comparison_values(area: Area, comparators: list[Area]) -> QuerySet[Value]:
    """For each indicator the area has a figure for (breakdown-free), the area's and its
    comparators' values in the latest such period, ordered by indicator then area as listed.

    “Has a figure” includes a suppressed or unavailable one: that period is still the latest,
    and the table says so, rather than falling back silently to an older year."""
    areas = [area, *comparators]
    # The area's own periods per indicator (one indexed query), the latest of each chosen here.
    latest: dict[int, tuple] = {}
    for indicator_id, period_id, end, start in Value.objects.filter(
        area=area, breakdown__isnull=True
    ).values_list("indicator_id", "period_id", "period__end_date", "period__start_date"):
        if indicator_id not in latest or (end, start) > latest[indicator_id][1:]:
            latest[indicator_id] = (period_id, end, start)
    if not latest:
        return Value.objects.none()
    # A superset by indicator and period (indexed), narrowed to the exact pairs here: an OR of
    # hundreds of (indicator, period) pairs is slow on SQLite.
    candidates = Value.objects.filter(
        area__in=areas,
        breakdown__isnull=True,
        indicator_id__in=list(latest),
        period_id__in={period_id for period_id, _end, _start in latest.values()},
    ).values_list("pk", "indicator_id", "period_id")
    pks = [pk for pk, indicator_id, period_id in candidates if latest[indicator_id][0] == period_id]
    position = Case(
        *(When(area=a, then=i) for i, a in enumerate(areas)), output_field=IntegerField()
    )
    return (
        PublishedValue.objects.filter(pk__in=pks)
        .with_related()
        .order_by("indicator__name", position)
    )
