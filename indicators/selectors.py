"""What the public data pages show, read in one go: an indicator's page and an area's page as
plain dataclasses for their templates.

Selectors only read. The figures come from `FigureBuilder` (`indicators.figures`) and the tables
from `indicators.tables`; the dataclasses here carry them with the words and addresses the
templates show, so that no template reaches into a model for more."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    When,
    prefetch_related_objects,
)
from django.urls import reverse
from django.utils.safestring import SafeString

from core import hooks
from core import prebuilt as prebuilt_blocks
from core.caching import CONTENT, INDICATORS, REFERENCE, tag
from core.formatting import NOT_TESTED_NOTE, joined
from indicators.area_history import AreaHistory, Ending, fate, linked
from indicators.exports import FORMATS
from indicators.figures import FigureBuilder, SectionFigures, area_name
from indicators.filters import IndicatorValuesFilter
from indicators.maps import DistrictMap, district_map
from indicators.models import (
    Area,
    AreaChange,
    AreaType,
    ImportBatch,
    Indicator,
    PublishedValue,
    Unit,
    Value,
)
from indicators.models.areas import ENDING_KINDS
from indicators.profile import AreaProfile, area_profile
from indicators.revisions import FigureChange, figure_changes
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
    “▲ Worse (significantly) than England (520.7)”, “● Similar to the North West (619.7)”,
    untested “▲ Higher than England (520.7): worse (not tested)”."""

    marker: str  # the symbol and the label: "▲ Worse (significantly)", "● Similar", "▲ Higher"
    css: str  # "better", "worse" or "neutral"
    area: str  # as named mid-sentence, e.g. "the North West"
    figure: str  # the comparator's figure, with "%" for a percentage
    illustrative: bool
    verdict: str  # in words, e.g. "significantly worse", "worse (not tested)"
    symbol: str = ""  # "▲", "▼" or "●", so that colour is never the only signal
    label: str = ""  # Fingertips' words: "Better (significantly)", "Similar", "Higher", …
    connector: str = "than"  # "than", "to" (after "Similar") or "as" (after "Same")
    note: str = ""  # after the figure when untested: "worse (not tested)", "not tested"


@dataclass(frozen=True)
class Figures:
    """An indicator's figures as a page shows them: the chart, the table of the same figures
    beside it, and what they say in words."""

    chart_id: str  # the id of the chart's data (a json_script) and of its canvas
    caption: str  # the message: "Preston has the highest rate of the 12 districts"
    subtitle: str  # what, where and when: measure, areas, period
    heading: str  # the chart named by what it shows: "Rate over time", "Rate by district"
    statement: str  # the figures in a sentence or two; may be ""
    #: Whether the section's narrative already states the statement's figures, so that the
    #: page leaves the statement out (the release report still compares it).
    repeats_narrative: bool
    area: str  # the area the figures are for, as named mid-sentence; "" when not known
    untested_note: str  # what "not tested" means, where this page explains it; else ""
    trend: str  # the recent trend in words; may be ""
    has_illustrative: bool
    chart: dict[str, Any]  # the Chart.js data
    table: FiguresTable
    unit: str  # the suffix of a figure ("%", "per 10,000"), for the chart's axis
    period: str  # the label of the period the comparisons are for; "" when there are none
    comparisons: tuple[ComparisonLine, ...]
    map: DistrictMap | None = None  # a choropleth of the areas' figures ("areas" charts only)


def page_figures(
    figures: SectionFigures, chart_id: str, *, narrative: str = "", explain_untested: bool = True
) -> Figures:
    """`FigureBuilder`'s figures of one indicator, with their table, for a page. `narrative` is
    the section's narrative as rendered (HTML): a statement that would repeat its figures is
    marked, for the page to leave out. `explain_untested` says what "not tested" means under
    the comparisons (a page says it once: under the first list that needs it)."""
    indicator = figures.indicator
    percent = "%" if indicator.unit == Unit.PERCENTAGE else ""
    return Figures(
        chart_id=chart_id,
        caption=figures.caption,
        subtitle=figures.subtitle,
        heading=figures.heading,
        statement=figures.statement,
        repeats_narrative=bool(narrative) and figures.repeats(narrative),
        area=area_name(figures.area) if figures.area is not None else "",
        untested_note=NOT_TESTED_NOTE if explain_untested and figures.has_untested else "",
        trend=figures.trend,
        has_illustrative=figures.has_illustrative,
        chart=figures.chart,
        table=FiguresTable(figures, caption_id=f"{chart_id}-caption"),
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
                symbol=c.symbol,
                label=c.label,
                connector=c.connector,
                note=c.note,
            )
            for c in figures.comparisons
        ),
        map=district_map(figures, f"{chart_id}-map") if figures.kind == "areas" else None,
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
    figure_changes: tuple[FigureChange, ...] = ()  # the releases of its figures, newest first
    #: Where the trend chart and its table, as the public see them, are kept built
    #: (core/prebuilt.py); None when built from `figures` (a preview of staged figures).
    trend: prebuilt_blocks.Slot | None = None
    #: The same for its table of every figure, filters and downloads, when unfiltered.
    figures_table: prebuilt_blocks.Slot | None = None
    has_trend: bool = False  # whether there is a trend chart, either way
    #: Staged imports an officer may preview here ((label, address) each), and those shown.
    releases_waiting: tuple[tuple[str, str], ...] = ()
    releasing: tuple[str, ...] = ()


def indicator_page(
    indicator: Indicator,
    params: Mapping[str, Any],
    *,
    releasing: Sequence[ImportBatch] = (),
    waiting: Sequence[ImportBatch] = (),
    prebuilt: bool = False,
) -> IndicatorPage:
    """The page of `indicator`, its table filtered by `params` (the query string). The table's
    rows are left unread, for the view to sort and page. With `releasing`, an officer's
    preview: the figures as they will be once those staged imports are released. `prebuilt`
    reads the trend chart from its block kept in the database (core/prebuilt.py), or reads
    its figures for the template to build it and the view to keep it."""
    source = (
        PublishedValue.with_staged.releasing([b.pk for b in releasing])
        if releasing
        else PublishedValue.objects.all()
    )
    values_filter = IndicatorValuesFilter(params, indicator=indicator)
    caption = f"{indicator.name}: figures by area and period"
    if summary := values_filter.summary():
        caption += f" ({summary})"
    query = values_filter.query_string()
    table: prebuilt_blocks.Slot | None = None
    if prebuilt and not releasing:
        figures, slot, table = public_blocks(indicator, params)
    else:
        figures, slot = trend_figures(indicator, source), None
    return IndicatorPage(
        indicator=indicator_facts(indicator),
        figures=figures,
        trend=slot,
        figures_table=table,
        has_trend=slot.data["has_trend"] if slot is not None else figures is not None,
        filter=values_filter,
        filter_query=query,
        values=values_filter.filter(source.for_indicator_table(indicator)),
        table_caption=caption,
        downloads=format_downloads("indicators:indicator_download", indicator.slug, query),
        figure_changes=figure_changes({indicator.pk: indicator.name}),
        releases_waiting=tuple(
            (f"Import #{b.pk}: “{b.file_name}”", f"?release={b.pk}") for b in waiting
        ),
        releasing=tuple(f"Import #{b.pk}: “{b.file_name}”" for b in releasing),
    )


def public_blocks(
    indicator: Indicator, params: Mapping[str, Any]
) -> tuple[Figures | None, prebuilt_blocks.Slot, prebuilt_blocks.Slot | None]:
    """The blocks of the public page kept in the database (two queries): its trend chart and
    table, and, unfiltered, its table of every figure; each up to date, or for the template to
    build (the trend from the figures returned). They show the indicator's figures, the
    areas' names and which page's area the trend follows (`CONTENT`)."""
    keys = [f"indicator-trend:{indicator.pk}"] + (
        [] if params else [f"indicator-figures:{indicator.pk}"]
    )
    slots = prebuilt_blocks.fetch(keys)
    trend, table = slots[keys[0]], slots.get(f"indicator-figures:{indicator.pk}")
    tags = (tag("indicator", indicator.pk), REFERENCE, CONTENT)
    figures = None
    if trend.html is None:
        figures = trend_figures(indicator)
        trend.tags, trend.data = tags, {"has_trend": figures is not None}
    if table is not None and table.html is None:
        table.tags = tags
    return figures, trend, table


def trend_figures(indicator: Indicator, source: Any = None) -> Figures | None:
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
    values = (source if source is not None else PublishedValue.objects.all()).for_topic_page(
        indicator_ids=[indicator.pk], area=area, comparator_ids=[a.pk for a in comparators]
    )
    figures = FigureBuilder(values, area, comparators).build(indicator)
    if figures is None:
        return None
    return page_figures(figures, TREND_CHART_ID)


# --- an area's page --------------------------------------------------------------------------

# The area types whose codes say more than the type does: E08 metropolitan districts and E09
# London boroughs are unitary authorities to this site (they sit directly under a region), but
# the public know them by these names.
UNITARY_KINDS = {
    "E08": ("Metropolitan district", "metropolitan districts"),
    "E09": ("London borough", "London boroughs"),
}


@dataclass(frozen=True)
class AreaFacts:
    """An area as a page names it and links to it."""

    name: str
    display_name: str  # the short name when it has one, e.g. "Lancashire-12"
    code: str  # the GSS code
    type_label: str  # e.g. "District", "London borough"
    url: str
    is_current: bool = True  # False for an area replaced by a boundary or code change


def area_facts(area: Area) -> AreaFacts:
    type_label = area.get_area_type_display()
    if area.area_type == AreaType.UNITARY:
        type_label = UNITARY_KINDS.get(area.code[:3], (type_label,))[0]
    return AreaFacts(
        name=area.name,
        display_name=area.display_name,
        code=area.code,
        type_label=type_label,
        url=area.get_absolute_url(),
        is_current=area.is_current,
    )


@dataclass(frozen=True)
class AreaPage:
    """An area's page: where it sits, the areas within it, what it replaced or what replaced
    it, and its latest figures beside its comparators."""

    area: AreaFacts
    ancestors: tuple[AreaFacts, ...]  # nearest first
    children: tuple[AreaFacts, ...]  # the current areas within it (a grouping's: its members)
    comparators: tuple[AreaFacts, ...]
    table: AreaComparisonTable | None  # None when `figures` holds the table built
    downloads: tuple[Download, ...]  # the table's figures, in each format
    former_children: tuple[AreaFacts, ...] = ()  # the areas within it that no longer exist
    is_grouping: bool = False  # an ONS statistical grouping, not a tier of local government
    groupings: SafeString = SafeString()  # the ONS statistical groupings it is part of, linked
    groupings_count: int = 0
    ending: Ending | None = None  # what replaced it, when it no longer exists
    history: tuple[SafeString, ...] = ()  # what it replaced, its old code or name, in sentences
    reported: tuple[SafeString, ...] = ()  # changes reported but not confirmed by ONS
    indicator_ids: tuple[int, ...] = ()  # the indicators whose figures it shows
    #: Where its latest figures, as the public see them, are kept built (core/prebuilt.py).
    figures: prebuilt_blocks.Slot | None = None
    #: Its spine charts (None when `figures` holds them built).
    profile: AreaProfile | None = None

    @property
    def has_figures(self) -> bool:
        return self.table is not None and bool(self.table.rows)


def area_page(area: Area, *, prebuilt: bool = False) -> AreaPage:
    """The page of `area`, fetched with its parent chain (`ANCESTORS`) so that walking up
    costs no further queries. The areas around it (and whether it has boundary or code
    changes) take one query, its changes one more when it has any, whatever their number."""
    comparators = area.comparators()
    links = Area.groupings.through.objects
    # Areas with the three annotations below (which django-stubs loses in `filter()`).
    relatives: list[Any] = list(
        Area.objects.annotate(
            is_grouping_of=Exists(links.filter(from_area=area, to_area=OuterRef("pk"))),
            is_member=Exists(links.filter(from_area=OuterRef("pk"), to_area=area)),
            changed=Exists(
                AreaChange.objects.filter(Q(old_area=OuterRef("pk")) | Q(new_area=OuterRef("pk")))
            ),
        ).filter(Q(pk=area.pk) | Q(parent=area) | Q(is_grouping_of=True) | Q(is_member=True))
    )
    within = [r for r in relatives if r.parent_id == area.pk or r.is_member]
    groupings = [r for r in relatives if r.is_grouping_of]
    changes: list[AreaChange] = []
    if any(r.changed for r in relatives if r.pk == area.pk):
        changes = list(
            AreaChange.objects.filter(Q(old_area=area) | Q(new_area=area)).select_related(
                "old_area", "new_area"
            )
        )
    history = AreaHistory(area, changes)
    slot = prebuilt_blocks.fetch([f"area-figures:{area.pk}"]).popitem()[1] if prebuilt else None
    table: AreaComparisonTable | None = None
    profile: AreaProfile | None = None
    if slot is not None and slot.html is not None:
        prefix = tag("indicator", "")
        indicator_ids = tuple(int(t[len(prefix) :]) for t in slot.tags if t.startswith(prefix))
    else:
        values = list(latest_comparison_values(area, comparators))
        table = AreaComparisonTable.for_area(area, comparators, values)
        profile = area_profile(area, comparators, values)
        indicator_ids = tuple(sorted({v.indicator_id for v in values}))
        if slot is not None:
            # The figures of the indicators shown, for the area and its comparators; a new
            # indicator for the area (its tag); the names of areas and indicators.
            slot.tags = (
                REFERENCE,
                CONTENT,
                INDICATORS,
                tag("area", area.pk),
                *(tag("indicator", pk) for pk in indicator_ids),
            )
    return AreaPage(
        area=area_facts(area),
        ancestors=tuple(area_facts(a) for a in area.ancestors()),
        children=tuple(area_facts(a) for a in within if a.is_current),
        former_children=tuple(area_facts(a) for a in within if not a.is_current),
        comparators=tuple(area_facts(a) for a in comparators),
        table=table,
        figures=slot,
        profile=profile,
        downloads=format_downloads("indicators:area_download", area.slug),
        is_grouping=area.area_type == AreaType.GROUPING,
        groupings=linked(groupings),
        groupings_count=len(groupings),
        ending=history.ending(),
        history=history.replaced(),
        reported=history.reported(),
        indicator_ids=indicator_ids,
    )


# --- the list of areas -----------------------------------------------------------------------

AREA_TYPE_HEADINGS: dict[str, str] = {
    AreaType.COUNTRY: "Countries",
    AreaType.REGION: "Regions",
    AreaType.COUNTY: "Counties",
    AreaType.UNITARY: "Unitary authorities",
    AreaType.DISTRICT: "Districts",
    AreaType.GROUPING: "Statistical groupings",
    AreaType.OTHER: "Other areas",
}

#: A list of more areas than this gets a list of its headings at the top to jump to.
CONTENTS_FROM = 40


@dataclass(frozen=True)
class AreaGroup:
    """The current areas of one type, under their heading on the list of areas."""

    key: str  # the area type, for the heading's id
    heading: str  # e.g. "Unitary authorities, metropolitan districts and London boroughs"
    areas: tuple[AreaFacts, ...]


@dataclass(frozen=True)
class FormerArea:
    area: AreaFacts
    fate: SafeString  # "merged into Cumberland, 1 April 2023", linked; "" when not known


@dataclass(frozen=True)
class AreaIndex:
    """The list of areas: the current ones by type, from the largest to the smallest, then the
    former ones with what replaced them."""

    groups: tuple[AreaGroup, ...]
    former: tuple[FormerArea, ...]
    show_contents: bool  # long enough to need a list of its headings


def area_index() -> AreaIndex:
    """Every area (one query), and what replaced the former ones (one more, if there are any)."""
    areas = list(Area.objects.all())
    former = [a for a in areas if not a.is_current]
    endings = AreaChange.objects.filter(confirmed=True, kind__in=ENDING_KINDS)
    prefetch_related_objects(
        former,
        Prefetch("successions", queryset=endings.select_related("new_area")),
    )
    groups = []
    for area_type in dict.fromkeys([*AreaType.values, *(a.area_type for a in areas)]):
        members = [a for a in areas if a.is_current and a.area_type == area_type]
        if members:
            heading = AREA_TYPE_HEADINGS.get(area_type, area_type)
            if area_type == AreaType.UNITARY:
                heading = unitary_heading(members)
            groups.append(AreaGroup(area_type, heading, tuple(area_facts(a) for a in members)))
    return AreaIndex(
        groups=tuple(groups),
        former=tuple(FormerArea(area_facts(a), fate(a.successions.all())) for a in former),
        show_contents=len(areas) > CONTENTS_FROM,
    )


def unitary_heading(areas: Iterable[Area]) -> str:
    """“Unitary authorities”, or as many of “unitary authorities, metropolitan districts and
    London boroughs” as there are among `areas`, by their codes."""
    prefixes = {a.code[:3] for a in areas}
    kinds = ["unitary authorities"] if prefixes - set(UNITARY_KINDS) else []
    kinds += [plural for prefix, (_, plural) in UNITARY_KINDS.items() if prefix in prefixes]
    heading = joined(kinds)
    return heading[:1].upper() + heading[1:]


def latest_comparison_values(area: Area, comparators: list[Area]) -> QuerySet[Value]:
    """For each indicator the area has a figure for (breakdown-free), the area's and its
    comparators' values in the latest such period, ordered by indicator then area as listed.

    “Has a figure” includes a suppressed or unavailable one: that period is still the latest,
    and the table says so, rather than falling back silently to an older year."""
    areas = [area, *comparators]
    # The area's own periods per indicator (one indexed query), the latest of each chosen here.
    latest: dict[int, tuple] = {}
    for indicator_id, period_id, end, start in (
        Value.objects.public()
        .filter(area=area, breakdown__isnull=True, indicator__in=Indicator.objects.public())
        .values_list("indicator_id", "period_id", "period__end_date", "period__start_date")
    ):
        if indicator_id not in latest or (end, start) > latest[indicator_id][1:]:
            latest[indicator_id] = (period_id, end, start)
    if not latest:
        return Value.objects.none()
    # A superset by indicator and period (indexed), narrowed to the exact pairs here: an OR of
    # hundreds of (indicator, period) pairs is slow on SQLite.
    candidates = (
        Value.objects.public()
        .filter(
            area__in=areas,
            breakdown__isnull=True,
            indicator_id__in=list(latest),
            period_id__in={period_id for period_id, _end, _start in latest.values()},
        )
        .values_list("pk", "indicator_id", "period_id")
    )
    pks = [pk for pk, indicator_id, period_id in candidates if latest[indicator_id][0] == period_id]
    position = Case(
        *(When(area=a, then=i) for i, a in enumerate(areas)), output_field=IntegerField()
    )
    return (
        PublishedValue.objects.filter(pk__in=pks)
        .with_related()
        .order_by("indicator__name", position)
    )
