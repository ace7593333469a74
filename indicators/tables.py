"""django-tables2 tables of indicator values, rendered by `django_tables2/jsna_table.html`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import Case, F, QuerySet, When
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from core import formatting
from indicators.figure_links import figures_link
from indicators.figures import SectionFigures, TableRow
from indicators.models import Area, Breakdown, Indicator, Period, Value

ILLUSTRATIVE_BADGE = mark_safe('<span class="badge badge--illustrative">illustrative</span>')
NUMERIC = {"th": {"class": "num"}, "td": {"class": "num"}}
NOWRAP = {"td": {"class": "nowrap"}}


def revised_mark(value: Value) -> SafeString | str:
    """“r” for a figure a release revised, saying when and what it was (as ONS marks
    revisions), or ""."""
    if value.revised_on is None:
        return ""
    before = formatting.figure_text(
        value.indicator, value.previous_value, value.previous_status or "available"
    )
    day = value.revised_on
    return format_html(
        ' <abbr class="revised" title="Revised on {}; previously {}">r</abbr>'
        '<span class="visually-hidden"> (revised on {}; previously {})</span>',
        formatting.long_date(day),
        before,
        formatting.long_date(day),
        before,
    )


def value_cell(value: Value | None, *, sign: bool = False) -> SafeString | str:
    """A figure as shown in tables: formatted, or its status; flagged when illustrative, and
    marked “r” when revised. With `sign`, a percentage carries its “%” (a table whose rows
    are of different indicators)."""
    if value is None:
        return "No data"
    if sign:
        text = formatting.table_figure(value.indicator, value.value, value.status)
    else:
        text = value.display  # formatted with the indicator's decimal places, or the status
    if value.is_illustrative:
        return format_html("{} {}", text, ILLUSTRATIVE_BADGE)
    if value.revised_on is not None:
        return format_html("{}{}", text, revised_mark(value))
    return text


class BoundedPaginator(Paginator):
    """Pages of 1 to 100 rows, whatever `?per_page=` asks for: a page never loads everything."""

    MAX_PER_PAGE = 100

    def __init__(self, object_list, per_page, *args, **kwargs) -> None:
        super().__init__(
            object_list, min(max(int(per_page), 1), self.MAX_PER_PAGE), *args, **kwargs
        )


class JsnaTable(tables.Table):
    """A table with a caption, scoped headers and a row header column, scrollable when narrow.

    `caption` names the table for screen readers and sighted readers alike; `row_header` is the
    name of the column whose cells are `<th scope="row">`; `html_id` labels the scrolling
    region."""

    caption: str = ""
    row_header: str = ""
    html_id: str = "data-table"

    class Meta:
        template_name = "django_tables2/jsna_table.html"
        attrs = {"class": "data-table"}
        empty_text = "No figures match."

    def __init__(self, *args, caption: str = "", html_id: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.caption = caption or self.caption
        self.html_id = html_id or self.html_id


# Rows of one area and period in the order of their breakdowns; the primary key last, so that
# equal rows keep one order and no row shows on two pages.
WITHIN = ("breakdown__dimension", "breakdown__sort_order", "breakdown__label", "pk")


class FigureColumn(tables.Column):
    """A number: right-aligned, blank when missing, and missing figures sorted last both ways
    (databases disagree on where NULL goes)."""

    def __init__(self, *args, field: str, **kwargs) -> None:
        self.field = field
        kwargs.setdefault("attrs", NUMERIC)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def order(self, queryset: QuerySet[Value], is_descending: bool) -> tuple[QuerySet, bool]:
        # A withheld figure sorts as missing: its place in the order must not hint at it.
        figure = Case(When(withheld="", then=F(self.field)), default=None)
        figure = figure.desc(nulls_last=True) if is_descending else figure.asc(nulls_last=True)
        return queryset.order_by(figure, "period__end_date", "area__name", *WITHIN), True


class IndicatorValuesTable(JsnaTable):
    """Every value of one indicator: one row per area, period and breakdown."""

    area = tables.Column(verbose_name="Area", order_by=("area__name", "period__end_date", *WITHIN))
    area_code = tables.Column(
        verbose_name="Area code",
        accessor="area__code",
        attrs=NOWRAP,
        order_by=("area__code", "period__end_date", *WITHIN),
    )
    area_type = tables.Column(
        verbose_name="Area type",
        accessor="area__area_type",
        order_by=("area__area_type", "area__name", "period__end_date", *WITHIN),
    )
    period = tables.Column(
        verbose_name="Period",
        attrs=NOWRAP,
        order_by=("period__end_date", "period__start_date", "area__name", *WITHIN),
    )
    breakdown = tables.Column(
        verbose_name="Breakdown",
        default="All",
        order_by=(*WITHIN[:-1], "period__end_date", "area__name", "pk"),
    )
    value = FigureColumn(verbose_name="Value", field="value", empty_values=())
    count = FigureColumn(verbose_name="Count", field="count")
    denominator = FigureColumn(verbose_name="Denominator", field="denominator")
    lower_ci = FigureColumn(verbose_name="Lower CI", field="lower_ci")
    upper_ci = FigureColumn(verbose_name="Upper CI", field="upper_ci")
    note = tables.Column(
        verbose_name="Note", default="", orderable=False, attrs={"td": {"class": "note"}}
    )

    row_header = "area"
    html_id = "indicator-values"

    class Meta(JsnaTable.Meta):
        order_by = "period"
        per_page = 25

    def render_area(self, value: Area) -> SafeString:
        return format_html('<a href="{}">{}</a>', value.get_absolute_url(), value.display_name)

    def render_period(self, value: Period) -> str:
        return value.label

    def render_breakdown(self, value: Breakdown) -> str:
        return f"{value.get_dimension_display()}: {value.full_label}"

    def render_value(self, record: Value) -> SafeString | str:
        return value_cell(record)

    def render_count(self, value: Decimal) -> str:
        return formatting.count_text(value)

    def render_denominator(self, value: Decimal) -> str:
        return formatting.count_text(value)

    def render_lower_ci(self, value: Decimal, record: Value) -> str:
        return formatting.figure_number(record.indicator, value)

    def render_upper_ci(self, value: Decimal, record: Value) -> str:
        return formatting.figure_number(record.indicator, value)


class ComparisonColumn(tables.Column):
    """One area's figure in a comparison table: the record holds a `Value` or None per area."""

    empty_values = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, attrs=NUMERIC, orderable=False, **kwargs)

    def render(self, value: Value | None) -> SafeString | str:
        return value_cell(value, sign=True)


class AreaComparisonTable(JsnaTable):
    """The latest figure of each indicator for an area, beside its comparators.

    Build it with `for_area()`: one row per indicator, one column per area."""

    indicator = tables.Column(verbose_name="Indicator", orderable=False)
    period = tables.Column(verbose_name="Period", orderable=False, attrs=NOWRAP)
    unit = tables.Column(verbose_name="Unit", accessor="indicator__unit_label", orderable=False)

    row_header = "indicator"
    html_id = "area-comparison"

    class Meta(JsnaTable.Meta):
        orderable = False
        empty_text = "There are no figures for this area yet."

    def render_indicator(self, value: Indicator, record: dict) -> SafeString:
        name = format_html('<a href="{}">{}</a>', value.get_absolute_url(), value.name)
        link = record.get("link")
        if link is None:
            return name
        return format_html(
            '{}<br><a class="row-link" href="{}">Link to this'
            '<span class="visually-hidden">: {}, {}</span></a>',
            name,
            link.url,
            value.name,
            record["area_name"],
        )

    def render_period(self, value: Period) -> str:
        return value.label

    @staticmethod
    def column_name(area_id: int) -> str:
        return f"area_{area_id}"

    @classmethod
    def for_area(
        cls, area: Area, comparators: Sequence[Area], values: Iterable[Value]
    ) -> AreaComparisonTable:
        """`values` are the figures of `area` and `comparators`, grouped by indicator."""
        areas = [area, *comparators]
        rows: dict[int, dict] = {}
        for value in values:
            row = rows.get(value.indicator_id)
            if row is None:
                row = {"indicator": value.indicator, "period": value.period}
                row.update((cls.column_name(a.pk), None) for a in areas)
                rows[value.indicator_id] = row
            row[cls.column_name(value.area_id)] = value
        for row in rows.values():
            # The row's permalink: its figures, the area's first, as released.
            shown = [row[cls.column_name(a.pk)] for a in areas]
            row["link"] = figures_link([v for v in shown if v is not None])
            row["area_name"] = area.display_name
        return cls(
            list(rows.values()),
            extra_columns=[
                (cls.column_name(a.pk), ComparisonColumn(verbose_name=a.display_name))
                for a in areas
            ],
            caption=f"Latest figures for {area.display_name} and the areas it is compared with",
        )


# --- the table beside each chart -------------------------------------------------------


NO_FIGURE = mark_safe('<span class="visually-hidden">No figure</span>–')


def figure_cell(value: Value | None) -> str:
    """A figure in the table beside a chart: with “%” for percentages and any note."""
    if value is None:
        return NO_FIGURE
    text = formatting.table_figure(value.indicator, value.value, value.status)
    if value.is_illustrative:
        return format_html("{} {}", text, ILLUSTRATIVE_BADGE)
    if value.revised_on is not None:
        text = format_html("{}{}", text, revised_mark(value))
    if value.note:
        return format_html('{} <span class="note">({})</span>', text, value.note)
    return text


class ValueColumn(tables.Column):
    def __init__(self, index: int, **kwargs):
        self.index = index
        attrs = {"th": {"scope": "col", "class": "num"}, "td": {"class": "num"}}
        super().__init__(empty_values=(), orderable=False, attrs=attrs, **kwargs)

    def render(self, record: TableRow) -> str:
        return figure_cell(record.cells[self.index])


class FiguresTable(tables.Table):
    label = tables.Column(orderable=False, attrs={"th": {"scope": "col"}})

    class Meta:
        template_name = "includes/figures_table.html"
        orderable = False
        attrs = {"class": "figures"}

    def __init__(self, figures: SectionFigures, *, caption_id: str = "", **kwargs):
        self.figures = figures
        #: The id of the caption, which names the scrolling region; unique on a page.
        self.caption_id = caption_id or f"{slugify(figures.caption)}-caption"
        extra = [
            (f"v{i}", ValueColumn(i, verbose_name=name)) for i, name in enumerate(figures.columns)
        ]
        super().__init__(figures.rows, extra_columns=extra, **kwargs)
        first = {"trend": "Area", "areas": "Area", "breakdown": "Category"}[figures.kind]
        self.columns["label"].column.verbose_name = first

    @property
    def caption(self) -> str:
        """The message, as the chart's: “Preston has the highest rate of the 12 districts”."""
        return self.figures.caption

    @property
    def subtitle(self) -> str:
        """What, where and when: “Children with a child protection plan (rate per 10,000
        under 18s), rate per 10,000 population aged under 18, districts in Lancashire-12,
        31 March 2013”."""
        return self.figures.subtitle

    def render_label(self, record: TableRow) -> str:
        if record.url:
            return format_html('<a href="{}">{}</a>', record.url, record.label)
        return record.label
