"""Public data pages: indicators, areas, and downloads of their figures."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import BadRequest
from django.db.models import Case, IntegerField, QuerySet, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView
from django_tables2 import SingleTableMixin

from core import hooks
from indicators.exports import FORMATS, check_format, values_download
from indicators.figures import FigureBuilder
from indicators.filters import IndicatorValuesFilter, ValuesDownloadForm
from indicators.models import Area, AreaType, Indicator, PublishedValue, Value
from indicators.tables import (
    AreaComparisonTable,
    BoundedPaginator,
    FiguresTable,
    IndicatorValuesTable,
)

# Enough to walk up from a district to its country (district → county → region → country) in
# the query that fetches the area, so that the parent chain costs no further queries.
ANCESTORS = "parent__parent__parent__parent"

AREA_TYPE_HEADINGS = {
    AreaType.COUNTRY: "Countries",
    AreaType.REGION: "Regions",
    AreaType.COUNTY: "Counties",
    AreaType.UNITARY: "Unitary authorities",
    AreaType.DISTRICT: "Districts",
    AreaType.OTHER: "Other areas",
}


class DataIndexView(TemplateView):
    template_name = "indicators/data_index.html"


class IndicatorListView(ListView):
    model = Indicator
    context_object_name = "indicators"


class IndicatorDetailView(SingleTableMixin, DetailView):
    """An indicator's definition and metadata, then all its values: filtered, sorted, paged."""

    model = Indicator
    context_object_name = "indicator"
    table_class = IndicatorValuesTable
    table_pagination = {"per_page": 25, "paginator_class": BoundedPaginator}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        self.filter = IndicatorValuesFilter(request.GET, indicator=self.object)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_table_data(self) -> QuerySet[Value]:
        return self.filter.filter(PublishedValue.objects.for_indicator_table(self.object))

    def get_table_kwargs(self) -> dict[str, Any]:
        caption = f"{self.object.name}: figures by area and period"
        if summary := self.filter.summary():
            caption += f" ({summary})"
        return {"caption": caption}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filter
        context["filter_query"] = self.filter.query_string()
        context["formats"] = FORMATS
        context.update(self.chart_context())
        return context

    def chart_context(self) -> dict[str, Any]:
        """The trend for the area that `hooks.INDICATOR_HOME` names (that of a published page
        showing this indicator), else the country, beside its comparators."""
        indicator = self.object
        home = hooks.first(hooks.INDICATOR_HOME, indicator)
        if home is not None:
            area, comparators = home
        else:
            area = Area.objects.filter(area_type="country").order_by("name").first()
            comparators = []
        if area is None:
            return {"figures": None}
        values = PublishedValue.objects.for_topic_page(
            indicator_ids=[indicator.pk], area=area, comparator_ids=[a.pk for a in comparators]
        )
        figures = FigureBuilder(values, area, comparators).build(indicator)
        if figures is None:
            return {"figures": None}
        return {"figures": figures, "figures_table": FiguresTable(figures)}


class IndicatorDownloadView(View):
    """`/data/indicators/<slug>/download.<fmt>`: every row of the indicator's table, as filtered
    on the page (`?area_type=…&period=…`), not just one page of it."""

    def get(self, request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
        check_format(fmt)
        indicator = get_object_or_404(Indicator, slug=slug)
        values = IndicatorValuesFilter(request.GET, indicator=indicator).filter(
            PublishedValue.objects.for_indicator_table(indicator)
        )
        return values_download(values, fmt, indicator.slug)


class AreaListView(ListView):
    """All areas, grouped by type from the largest (countries) to the smallest."""

    model = Area
    context_object_name = "areas"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        groups: dict[str, list[Area]] = {area_type: [] for area_type in AreaType.values}
        for area in context["areas"]:
            groups.setdefault(area.area_type, []).append(area)
        context["area_groups"] = [
            (area_type, AREA_TYPE_HEADINGS.get(area_type, area_type), members)
            for area_type, members in groups.items()
            if members
        ]
        return context


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


class AreaDetailView(DetailView):
    """An area, where it sits, and its latest figures beside its comparators."""

    model = Area
    context_object_name = "area"
    queryset = Area.objects.select_related(ANCESTORS)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        area = self.object
        comparators = area.comparators()
        context["ancestors"] = area.ancestors()
        context["children"] = area.children.all()
        context["comparators"] = comparators
        context["table"] = AreaComparisonTable.for_area(
            area, comparators, latest_comparison_values(area, comparators)
        )
        context["formats"] = FORMATS
        return context


class AreaDownloadView(View):
    """`/data/areas/<slug>/download.<fmt>`: the figures of the area page's table."""

    def get(self, request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
        check_format(fmt)
        area = get_object_or_404(Area.objects.select_related(ANCESTORS), slug=slug)
        values = latest_comparison_values(area, area.comparators())
        return values_download(values, fmt, area.slug)


class ValuesDownloadView(View):
    """`/data/download.<fmt>?indicator=<slug>&area=<code>&area=<code>&period=<code>`: the
    figures behind a chart or table anywhere on the site (see `ValuesDownloadForm`).

    A missing indicator is a bad request; an unknown indicator, area, period or format is a 404,
    as for any address the site does not have."""

    def get(self, request: HttpRequest, fmt: str) -> HttpResponse:
        check_format(fmt)
        form = ValuesDownloadForm(request.GET)
        if not form.is_valid():
            if "indicator" not in request.GET:
                raise BadRequest("Say which indicator to download: ?indicator=<slug>.")
            raise Http404(
                "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
            )
        return values_download(form.values(), fmt, form.cleaned_data["indicator"].slug)
