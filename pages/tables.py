"""django-tables2 tables of the figures behind each chart on a topic page."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html

from indicators.figures import SectionFigures, TableRow
from indicators.models import Value


def value_cell(value: Value | None) -> str:
    if value is None:
        return format_html('<span class="visually-hidden">No figure</span>–')
    text = value.display
    if value.value is not None and value.indicator.unit == "percentage":
        text += "%"
    if value.is_illustrative:
        return format_html('{} <span class="badge badge--illustrative">illustrative</span>', text)
    if value.note:
        return format_html('{} <span class="note">({})</span>', text, value.note)
    return text


class ValueColumn(tables.Column):
    def __init__(self, index: int, **kwargs):
        self.index = index
        attrs = {"th": {"scope": "col", "class": "num"}, "td": {"class": "num"}}
        super().__init__(empty_values=(), orderable=False, attrs=attrs, **kwargs)

    def render(self, record: TableRow) -> str:
        return value_cell(record.cells[self.index])


class FiguresTable(tables.Table):
    label = tables.Column(orderable=False, attrs={"th": {"scope": "col"}})

    class Meta:
        template_name = "pages/figures_table.html"
        orderable = False
        attrs = {"class": "figures"}

    def __init__(self, figures: SectionFigures, **kwargs):
        self.figures = figures
        extra = [
            (f"v{i}", ValueColumn(i, verbose_name=name)) for i, name in enumerate(figures.columns)
        ]
        super().__init__(figures.rows, extra_columns=extra, **kwargs)
        first = {"trend": "Area", "areas": "Area", "breakdown": "Category"}[figures.kind]
        self.columns["label"].column.verbose_name = first

    @property
    def caption(self) -> str:
        return self.figures.caption

    def render_label(self, record: TableRow) -> str:
        if record.url:
            return format_html('<a href="{}">{}</a>', record.url, record.label)
        return record.label


def figures_table(figures: SectionFigures) -> FiguresTable:
    return FiguresTable(figures)
