"""The figures behind a topic section: chart data, table rows and comparisons in words.

Everything is computed from values already fetched (one query for the whole page, see
`Value.objects.for_topic_page`), so a page's query count does not grow with the data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from core import formatting
from core.formatting import joined
from indicators import stats
from indicators.models import Area, AreaType, Indicator, Period, Polarity, Unit, Value
from indicators.models.areas import same_tier

ChartKind = str  # "trend" | "areas" | "breakdown"


@dataclass(frozen=True)
class Comparison:
    """The area's latest figure against a comparator's, in Fingertips' manner: better, similar
    or worse (higher, similar or lower where neither is better) when the area's figure has a
    95% confidence interval; otherwise only the direction of the figures, “not tested”."""

    area: Area
    value: Value
    direction: str  # "higher" | "lower" | "same": the figures themselves
    judgement: str  # "better" | "worse" | "": only when the difference is significant
    significance: str = "not tested"  # "significant" | "similar" | "not tested"

    @property
    def tested(self) -> bool:
        return self.significance != "not tested"

    @property
    def polarity(self) -> str:
        return str(self.value.indicator.polarity)

    @property
    def symbol(self) -> str:
        """“▲”, “▼” or “●”: the marker's shape, so that colour is never the only signal."""
        return formatting.comparison_symbol(self.direction, self.significance)

    @property
    def label(self) -> str:
        """Fingertips' label: “Better (significantly)”, “Similar”, “Worse (significantly)”;
        “Higher (significantly)” … where neither is better; “Higher” … untested."""
        return formatting.comparison_label(self.direction, self.significance, self.judgement)

    @property
    def marker(self) -> str:
        """The symbol and the label: “▲ Worse (significantly)”, “● Similar”, “▲ Higher”."""
        return f"{self.symbol} {self.label}"

    @property
    def connector(self) -> str:
        """“than”, “to” (after “Similar”) or “as” (after “Same”)."""
        return formatting.comparison_connector(self.direction, self.significance)

    @property
    def note(self) -> str:
        """What the line says after the figure when untested: “worse (not tested)”, “not
        tested”; "" for a tested comparison, whose label says it all."""
        return "" if self.tested else formatting.untested_words(self.direction, self.polarity)

    @property
    def verdict(self) -> str:
        """In words, e.g. “significantly worse”, “similar (no significant difference)”,
        “worse (not tested)”, “not tested”."""
        return formatting.comparison_verdict(
            self.direction, self.significance, self.judgement, self.polarity
        )

    @property
    def figure(self) -> str:
        """The comparator's figure as the list of comparisons shows it, with the sign of a
        percentage but no other unit: “520.7”, “26.4%”."""
        value = self.value
        return formatting.table_figure(value.indicator, value.value, value.status)

    @property
    def area_phrase(self) -> str:
        return area_name(self.area)

    @property
    def css(self) -> str:
        return self.judgement or "neutral"

    @property
    def outcome(self) -> str:
        """What a tested comparison found, as a marker's colour names it: “better”, “worse”,
        “similar”, or “higher”/“lower” where neither is better; "" when not tested."""
        if not self.tested:
            return ""
        if self.significance == "similar":
            return "similar"
        return self.judgement or self.direction


@dataclass
class TableRow:
    label: str
    cells: list[Value | None]
    url: str = ""
    is_main: bool = False


@dataclass
class SectionFigures:
    indicator: Indicator
    kind: ChartKind
    caption: str  # the message first, as the Analysis Function asks: what the chart shows
    columns: list[str]
    rows: list[TableRow]
    chart: dict
    statement: str = ""
    comparisons: list[Comparison] = field(default_factory=list)
    latest: Value | None = None
    period: Period | None = None
    trend: str = ""
    subtitle: str = ""  # the statistics under the caption: measure, areas, period
    heading: str = ""  # the chart named by what it shows: “Rate over time”, “Rate by district”
    area: Area | None = None  # the area the figures are for
    stated: tuple[Value, ...] = ()  # the figures the statement's first sentence gives

    @property
    def has_illustrative(self) -> bool:
        return any(v is not None and v.is_illustrative for row in self.rows for v in row.cells)

    @property
    def has_untested(self) -> bool:
        """Whether any comparison is “not tested” (and so needs `NOT_TESTED_NOTE`)."""
        return any(not c.tested and c.note for c in self.comparisons)

    def repeats(self, narrative: str) -> bool:
        """Whether the section's narrative (its HTML as rendered) already states the figures
        of the statement's first sentence, so that the statement would say them again."""
        if not self.statement or not self.stated:
            return False
        text = formatting.plain_text(narrative)
        return all(
            formatting.states_figure(text, v.indicator, v.value) for v in self.stated if v.value
        )

    @property
    def values(self) -> list[Value]:
        return [v for row in self.rows for v in row.cells if v is not None]


def _number(value: Value) -> float | None:
    return float(value.value) if value.value is not None else None


def figure_text(value: Value, *, in_brackets: bool = False) -> str:
    """A value as written in a sentence: “638.6”, “27.6%”, “73.3 per 10,000”, with a note
    when it is illustrative (“, illustrative” inside brackets, “ (illustrative)” outside);
    see `core.formatting.figure_text`."""
    return formatting.figure_text(
        value.indicator,
        value.value,
        value.status,
        illustrative=value.is_illustrative,
        in_brackets=in_brackets,
    )


def when(period: Period, *, start: bool = False) -> str:
    """“in 2012/13” for a span of time, “on 31 March 2013” for a snapshot date."""
    word = "on" if period.kind == "snapshot" else "in"
    return f"{word.capitalize() if start else word} {period.label}"


_COMPASS = {"North", "South", "East", "West"}


def area_name(area: Area) -> str:
    """An area as named mid-sentence: regions named by the compass take “the” (“the North
    West”, “the East of England”); London and Yorkshire and The Humber do not."""
    name = area.display_name
    if area.area_type == "region" and name.split(" ", 1)[0] in _COMPASS:
        return f"the {name}"
    return name


def in_tiers(area: Area) -> bool:
    """Whether an area is a tier of the hierarchy, to be counted and ranked among its
    siblings: a statistical grouping (Inner London, Greater Manchester) or an “other” area is
    not, even if it were given a parent."""
    return area.area_type not in (AreaType.GROUPING, AreaType.OTHER)


_TIER_NOUNS = {
    AreaType.COUNTRY: ("country", "countries"),
    AreaType.REGION: ("region", "regions"),
    AreaType.COUNTY: ("county", "counties"),
    AreaType.UNITARY: ("unitary authority", "unitary authorities"),
    AreaType.DISTRICT: ("district", "districts"),
}


def tier_nouns(areas: Iterable[Area]) -> tuple[str, str]:
    """What a set of sibling areas are called in a sentence, singular and plural: “district”
    and “districts”; “local authority” for counties and unitary authorities together (a
    region's), “area” for anything else."""
    types = {area.area_type for area in areas}
    if len(types) == 1:
        return _TIER_NOUNS.get(next(iter(types)), ("area", "areas"))
    kinds = list(types)
    if kinds and all(same_tier(kinds[0], other) for other in kinds[1:]):
        return "local authority", "local authorities"
    return "area", "areas"


def subtitle(indicator: Indicator, where: str, period: str, *, name: str = "") -> str:
    """A chart's statistical subtitle, under its message: what is measured, where and when,
    e.g. “Rate of referrals to children's social care, rate per 10,000 population aged under
    18, districts in Lancashire-12, 2012/13”."""
    parts = [name or indicator.name, formatting.measure_words(indicator), where, period]
    return ", ".join(part for part in parts if part)


def breakdown_labels(values: list[Value]) -> list[str]:
    """The values' breakdowns as a table or chart labels them: by label, and by label and set
    of categories where several are shown (Fingertips's county-level and district-level
    deprivation deciles share labels such as “Most deprived decile (IMD2019)”)."""
    several = len({v.breakdown.scheme for v in values}) > 1
    return [
        f"{v.breakdown.label} ({v.breakdown.scheme})"
        if several and v.breakdown.scheme
        else v.breakdown.label
        for v in values
    ]


def interval(value: Value) -> tuple[float, float] | None:
    """The 95% confidence interval of a value: as stored, or computed from its count and
    denominator (Wilson score for a percentage, Byar's or exact Poisson for a rate)."""
    if value.lower_ci is not None and value.upper_ci is not None:
        return float(value.lower_ci), float(value.upper_ci)
    if value.count is None or value.denominator is None:
        return None
    indicator = value.indicator
    try:
        if indicator.unit == Unit.PERCENTAGE:
            return tuple(stats.wilson_interval(value.count, value.denominator, multiplier=100))
        if indicator.unit == Unit.RATE:
            return tuple(
                stats.rate_interval(value.count, value.denominator, multiplier=indicator.multiplier)
            )
    except ValueError:
        return None
    return None


def compare(main: Value, other: Value) -> Comparison:
    """Main against a comparator: the direction of the figures, and whether the comparator
    lies outside main's 95% confidence interval (significant) — “not tested” without one."""
    if main.value > other.value:
        direction = "higher"
    elif main.value < other.value:
        direction = "lower"
    else:
        direction = "same"
    limits = interval(main)
    if limits is None:
        return Comparison(area=other.area, value=other, direction=direction, judgement="")
    result = stats.compare_to_benchmark(
        main.value, limits[0], limits[1], other.value, polarity=main.indicator.polarity
    )
    if result == "similar":
        return Comparison(other.area, other, direction, "", "similar")
    judgement = result if result in ("better", "worse") else ""
    return Comparison(other.area, other, direction, judgement, "significant")


TREND_POINTS = 5
TREND_SIGNIFICANCE = 0.002  # Fingertips' recent-trend threshold (99.8% confidence)


def recent_trend(series: list[Value]) -> str:
    """Fingertips' recent-trend marker: the chi-squared test for trend over the last five
    points, for proportions with counts and denominators; otherwise “not tested”."""
    points = [v for v in series if v.value is not None][-TREND_POINTS:]
    if not points or points[0].indicator.unit != Unit.PERCENTAGE:
        return "Recent trend: not tested (the test is for percentages with counts)."
    if len(points) < TREND_POINTS or any(v.count is None or not v.denominator for v in points):
        return (
            f"Recent trend: not tested (needs counts and denominators for the last "
            f"{TREND_POINTS} periods)."
        )
    result = stats.chi_squared_trend(
        [v.count for v in points],
        [v.denominator for v in points],
        significance_level=TREND_SIGNIFICANCE,
    )
    if result.direction not in ("increasing", "decreasing"):
        return f"Recent trend: {result.direction}."
    polarity = points[0].indicator.polarity
    if polarity == Polarity.NO_JUDGEMENT:
        return f"Recent trend: {result.direction}."
    better = (result.direction == "decreasing") == (polarity == Polarity.LOW_IS_GOOD)
    return f"Recent trend: {result.direction} and getting {'better' if better else 'worse'}."


class FigureBuilder:
    """Builds each section's figures for one page from the page's values."""

    def __init__(self, values: Iterable[Value], area: Area, comparators: list[Area]):
        self.area = area
        self.comparators = [a for a in comparators if a.pk != area.pk]
        self.by_indicator: dict[int, list[Value]] = defaultdict(list)
        for value in values:
            self.by_indicator[value.indicator_id].append(value)

    def build(self, indicator: Indicator, breakdown_dimension: str = "") -> SectionFigures | None:
        values = self.by_indicator.get(indicator.pk, [])
        if breakdown_dimension:
            return self._breakdown(indicator, values, breakdown_dimension)
        overall = [v for v in values if v.breakdown_id is None]
        if not overall:
            return None
        children = [v for v in overall if v.area.parent_id == self.area.pk and in_tiers(v.area)]
        latest_child_period = max(
            (v.period for v in children), default=None, key=lambda p: (p.end_date, p.start_date)
        )
        if latest_child_period is not None:
            at_latest = [v for v in children if v.period_id == latest_child_period.pk]
            if len(at_latest) >= 3:
                return self._areas(indicator, overall, at_latest, latest_child_period)
        return self._trend(indicator, overall)

    # --- the three kinds of chart ---------------------------------------------------------

    def _trend(self, indicator: Indicator, values: list[Value]) -> SectionFigures:
        order = [self.area, *self.comparators]
        wanted = {a.pk for a in order}
        values = [v for v in values if v.area_id in wanted]
        periods = sorted({v.period for v in values}, key=lambda p: (p.end_date, p.start_date))
        grid = {(v.area_id, v.period_id): v for v in values}
        rows = []
        for area in order:
            cells = [grid.get((area.pk, p.pk)) for p in periods]
            if any(cells):
                rows.append(
                    TableRow(
                        area.display_name, cells, area.get_absolute_url(), area.pk == self.area.pk
                    )
                )
        datasets = [
            {
                "label": row.label,
                "data": [_number(v) if v else None for v in row.cells],
                "illustrative": [bool(v and v.is_illustrative) for v in row.cells],
                "main": row.is_main,
            }
            for row in rows
        ]
        span = ""
        if periods:
            span = periods[0].label
            if len(periods) > 1:
                span += f" to {periods[-1].label}"
        noun = formatting.unit_noun(indicator.unit)
        figures = SectionFigures(
            indicator=indicator,
            kind="trend",
            caption=self._trend_message(indicator, values),
            subtitle=subtitle(indicator, joined([r.label for r in rows]), span),
            heading=f"{noun.capitalize()} over time",
            area=self.area,
            columns=[p.label for p in periods],
            rows=rows,
            chart={"type": "line", "labels": [p.label for p in periods], "datasets": datasets},
        )
        self._describe_latest(figures, values)
        return figures

    def _trend_message(self, indicator: Indicator, values: list[Value]) -> str:
        """“The rate for Lancashire-12 was higher in 2012/13 than in 2007/08”: the area's
        latest figure against its first; its only figure; or the indicator's name."""
        mine = sorted(
            (v for v in values if v.area_id == self.area.pk and v.value is not None),
            key=lambda v: (v.period.end_date, v.period.start_date),
        )
        if not mine:
            return indicator.name
        noun = formatting.unit_noun(indicator.unit)
        subject = f"The {noun} for {area_name(self.area)}"
        last = mine[-1]
        if len(mine) == 1:
            return f"{subject} was {figure_text(last)} {when(last.period)}"
        first = mine[0]
        if last.value == first.value:
            return f"{subject} was the same {when(last.period)} as {when(first.period)}"
        word = "higher" if last.value > first.value else "lower"
        return f"{subject} was {word} {when(last.period)} than {when(first.period)}"

    def _areas(
        self, indicator: Indicator, overall: list[Value], at_latest: list[Value], period: Period
    ) -> SectionFigures:
        ranked = sorted(at_latest, key=lambda v: (v.value is None, -(v.value or 0), v.area.name))
        rows = [TableRow(v.area.display_name, [v], v.area.get_absolute_url()) for v in ranked]
        singular, plural = tier_nouns([v.area for v in ranked])
        parent_value = next(
            (v for v in overall if v.area_id == self.area.pk and v.period_id == period.pk), None
        )
        if parent_value is not None:
            rows.append(
                TableRow(
                    f"{self.area.display_name} (all {plural})",
                    [parent_value],
                    self.area.get_absolute_url(),
                    True,
                )
            )
        chart = {
            "type": "bar",
            "labels": [v.area.display_name for v in ranked],
            "datasets": [
                {
                    "label": f"{indicator.name}, {period.label}",
                    "data": [_number(v) for v in ranked],
                    "illustrative": [v.is_illustrative for v in ranked],
                }
            ],
            "reference": {
                "label": f"{self.area.display_name}: {figure_text(parent_value)}",
                "value": _number(parent_value),
                "illustrative": parent_value.is_illustrative,
            }
            if parent_value is not None
            else None,
        }
        noun = formatting.unit_noun(indicator.unit)
        with_values = [v for v in ranked if v.value is not None]
        caption = f"{indicator.name} by {singular}"
        if with_values:
            highest = [v.area.display_name for v in with_values if v.value == with_values[0].value]
            verb = "has" if len(highest) == 1 else "have"
            caption = f"{joined(highest)} {verb} the highest {noun} of the {len(ranked)} {plural}"
            if len(highest) == len(ranked):
                caption = f"The {len(ranked)} {plural} have the same {noun}"
        figures = SectionFigures(
            indicator=indicator,
            kind="areas",
            caption=caption,
            subtitle=subtitle(indicator, f"{plural} in {area_name(self.area)}", period.label),
            heading=f"{noun.capitalize()} by {singular}",
            area=self.area,
            columns=[period.label],
            rows=rows,
            chart=chart,
            period=period,
        )
        if len(with_values) >= 2:
            top, bottom = with_values[0], with_values[-1]
            figures.stated = (top, bottom)
            figures.statement = (
                f"{when(period, start=True)}, {top.area.display_name} had the highest "
                f"{formatting.unit_noun(indicator.unit)} of the {len(ranked)} {plural}, "
                f"{figure_text(top)}, and "
                f"{bottom.area.display_name} the lowest, {figure_text(bottom)}."
            )
            if parent_value is not None:
                figures.statement += (
                    f" The figure for {self.area.display_name} as a whole was "
                    f"{figure_text(parent_value)}."
                )
        return figures

    def _breakdown(
        self, indicator: Indicator, values: list[Value], dimension: str
    ) -> SectionFigures | None:
        mine = [
            v
            for v in values
            if v.area_id == self.area.pk and v.breakdown_id and v.breakdown.dimension == dimension
        ]
        if not mine:
            return None
        period = max((v.period for v in mine), key=lambda p: (p.end_date, p.start_date))
        mine = sorted(
            (v for v in mine if v.period_id == period.pk),
            key=lambda v: (v.breakdown.scheme, v.breakdown.sort_order, v.breakdown.label),
        )
        labels = breakdown_labels(mine)
        rows = [TableRow(label, [v]) for label, v in zip(labels, mine, strict=True)]
        dimension_label = mine[0].breakdown.get_dimension_display()
        chart = {
            "type": "bar",
            "labels": labels,
            "datasets": [
                {
                    "label": f"{indicator.name}, {self.area.display_name}, {period.label}",
                    "data": [_number(v) for v in mine],
                    "illustrative": [v.is_illustrative for v in mine],
                }
            ],
        }
        dimension = dimension_label.lower()
        noun = formatting.unit_noun(indicator.unit)
        largest = max((v for v in mine if v.value is not None), key=lambda v: v.value, default=None)
        caption = f"{indicator.name} by {dimension}"
        if largest is not None:
            groups = [
                label if not label[:1].isdigit() else f"{dimension} {label}"
                for label, v in zip(labels, mine, strict=True)
                if v.value == largest.value
            ]
            caption = f"In {area_name(self.area)} the {noun} is highest for {joined(groups)}"
        # The indicator's name may say what it is broken down by already (“… by ethnicity”).
        measure = indicator.name
        if f"by {dimension}" not in measure.lower():
            measure += f" by {dimension}"
        figures = SectionFigures(
            indicator=indicator,
            kind="breakdown",
            caption=caption,
            subtitle=subtitle(indicator, self.area.display_name, period.label, name=measure),
            heading=f"{noun.capitalize()} by {dimension}",
            area=self.area,
            columns=[period.label],
            rows=rows,
            chart=chart,
            period=period,
        )
        if largest is not None:
            figures.stated = (largest,)
            figures.statement = (
                f"{when(period, start=True)} the largest group in {self.area.display_name} was "
                f"{labels[mine.index(largest)]}: {figure_text(largest)}."
            )
        return figures

    # --- words ------------------------------------------------------------------------------

    def _describe_latest(self, figures: SectionFigures, values: list[Value]) -> None:
        mine = sorted(
            (v for v in values if v.area_id == self.area.pk and v.value is not None),
            key=lambda v: (v.period.end_date, v.period.start_date),
        )
        if not mine:
            return
        latest = mine[-1]
        figures.latest, figures.period = latest, latest.period
        figures.stated = (latest,)
        indicator = latest.indicator
        sentence = (
            f"{when(latest.period, start=True)} the {formatting.unit_noun(indicator.unit)} for "
            f"{self.area.display_name} was {figure_text(latest)}"
        )
        if len(mine) >= 2:
            previous = mine[-2]
            change = latest.value - previous.value
            word = "up from" if change > 0 else "down from" if change < 0 else "the same as"
            sentence += f", {word} {figure_text(previous)} {when(previous.period)}"
        sentence += "."
        same_period = [
            v
            for v in values
            if v.period_id == latest.period_id and v.area_id != self.area.pk and v.value is not None
        ]
        order = {a.pk: i for i, a in enumerate(self.comparators)}
        same_period.sort(key=lambda v: order.get(v.area_id, len(order)))
        figures.comparisons = [compare(latest, other) for other in same_period]
        groups: dict[str, list[str]] = defaultdict(list)
        for c in figures.comparisons:
            phrase = {"higher": "higher than", "lower": "lower than", "same": "the same as"}[
                c.direction
            ]
            if c.significance == "significant":
                phrase = f"significantly {phrase}"
            elif c.significance == "similar":
                phrase = f"{phrase} (not significantly)"
            groups[phrase].append(f"{area_name(c.area)} ({figure_text(c.value, in_brackets=True)})")
        parts = [f"{phrase} {joined(names)}" for phrase, names in groups.items()]
        if parts:
            sentence += " This is " + "; ".join(parts) + "."
        sentence += " " + indicator.polarity_sentence
        figures.trend = recent_trend(mine)
        figures.statement = sentence
