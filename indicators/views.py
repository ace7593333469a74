"""Public data pages: indicators, areas, and downloads of their figures."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import BadRequest
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import patch_cache_control
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView
from django_tables2 import SingleTableMixin

from core import prebuilt
from core.caching import CONTENT, INDICATORS, REFERENCE, depends_on, tag
from indicators import area_search, selectors
from indicators.exports import check_format, values_download
from indicators.filters import IndicatorValuesFilter, ValuesDownloadForm
from indicators.models import Area, Indicator, PublishedValue, Value
from indicators.releases import chosen_releases, visible_releases
from indicators.selectors import ANCESTORS, latest_comparison_values
from indicators.tables import BoundedPaginator, IndicatorValuesTable


class DataIndexView(TemplateView):
    template_name = "indicators/data_index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        depends_on(self.request, CONTENT)
        return super().get_context_data(**kwargs)


def visible_indicators(request: HttpRequest) -> QuerySet[Indicator]:
    """The indicators this visitor may see: the public ones; every one for an officer."""
    if request.user.is_authenticated and request.user.is_staff:
        return Indicator.objects.all()
    return Indicator.objects.public()


class IndicatorListView(ListView):
    model = Indicator
    context_object_name = "indicators"

    def get_queryset(self) -> QuerySet[Indicator]:
        depends_on(self.request, CONTENT, INDICATORS)
        return visible_indicators(self.request)


class IndicatorDetailView(SingleTableMixin, DetailView):
    """An indicator's definition and metadata, then all its values: filtered, sorted, paged."""

    model = Indicator
    context_object_name = "indicator"
    table_class = IndicatorValuesTable
    table_pagination = {"per_page": 25, "paginator_class": BoundedPaginator}

    def get_queryset(self) -> QuerySet[Indicator]:
        return visible_indicators(self.request)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        user = request.user
        # Officers (who may see every import) preview staged figures; so may those given
        # pre-release access to an import.
        officer = (
            user.is_authenticated and user.is_staff and user.has_perm("indicators.view_importbatch")
        )
        waiting = visible_releases(user, [self.object.pk], officer=officer)
        releasing = chosen_releases(
            user, waiting, request.GET.get("release", ""), f"the page of “{self.object.name}”"
        )
        self.page = selectors.indicator_page(
            self.object, request.GET, releasing=releasing, waiting=waiting, prebuilt=True
        )
        depends_on(request, tag("indicator", self.object.pk), REFERENCE, CONTENT)
        response = self.render_to_response(self.get_context_data(object=self.object))
        slots = [self.page.trend, self.page.figures_table]
        response.add_post_render_callback(lambda response: prebuilt.keep(slots))
        if releasing:
            patch_cache_control(response, private=True, no_store=True)
        return response

    def get_table_data(self) -> QuerySet[Value]:
        return self.page.values

    def get_table_kwargs(self) -> dict[str, Any]:
        return {"caption": self.page.table_caption}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kept = self.page.figures_table
        if kept is not None and kept.html is not None:
            # The table is kept built: neither read nor paged.
            context = super(SingleTableMixin, self).get_context_data(**kwargs)
        else:
            context = super().get_context_data(**kwargs)
        context["page"] = self.page
        context["filter"] = self.page.filter  # also under its own name, as before
        return context


class IndicatorDownloadView(View):
    """`/data/indicators/<slug>/download.<fmt>`: every row of the indicator's table, as filtered
    on the page (`?area_type=…&period=…`), not just one page of it."""

    def get(self, request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
        check_format(fmt)
        indicator = get_object_or_404(visible_indicators(request), slug=slug)
        values = IndicatorValuesFilter(request.GET, indicator=indicator).filter(
            PublishedValue.objects.for_indicator_table(indicator)
        )
        return values_download(values, fmt, indicator.slug)


class AreaListView(TemplateView):
    """Every area: the current ones grouped by type from the largest (countries) to the
    smallest, then the former ones with what replaced them."""

    template_name = "indicators/area_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        depends_on(self.request, REFERENCE)
        return super().get_context_data(index=selectors.area_index(), **kwargs)


class AreaDetailView(DetailView):
    """Any area, current or former, with or without figures: where it sits, the areas within
    it, what it replaced or what replaced it, and its latest figures beside its comparators."""

    model = Area
    context_object_name = "area"
    queryset = Area.objects.select_related(ANCESTORS)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = selectors.area_page(self.object, prebuilt=True)
        depends_on(
            self.request,
            REFERENCE,
            CONTENT,
            INDICATORS,
            tag("area", self.object.pk),
            *(tag("indicator", pk) for pk in page.indicator_ids),
        )
        # The table and comparators also under their own names, as before.
        context.update(page=page, table=page.table, comparators=page.comparators)
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        slot = context["page"].figures
        response.add_post_render_callback(lambda response: prebuilt.keep([slot]))
        return response


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
        form = ValuesDownloadForm(request.GET, indicators=visible_indicators(request))
        if not form.is_valid():
            if "indicator" not in request.GET:
                raise BadRequest("Say which indicator to download: ?indicator=<slug>.")
            raise Http404(
                "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
            )
        return values_download(form.values(), fmt, form.cleaned_data["indicator"].slug)


class AreaFindView(TemplateView):
    """`/data/areas/find/?q=…`: an area by name or GSS code. One clear match (the code, or the
    only area of that name) goes straight to its page; otherwise the matches are listed, or
    the visitor is told that no area has that name and how else to find it."""

    template_name = "indicators/area_find.html"
    max_results = 50

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        query = area_search.clean_query(request.GET.get("q", ""))
        matches = area_search.find_areas(query)
        clear = area_search.clear_match(matches)
        if clear is not None:
            return redirect(clear.area.url)
        context = self.get_context_data(
            query=query,
            matches=matches[: self.max_results],
            match_count=len(matches),
            max_query_length=area_search.MAX_QUERY_LENGTH,
            **kwargs,
        )
        return self.render_to_response(context)


def area_suggestions(request: HttpRequest) -> JsonResponse:
    """`/data/areas/suggest/?q=…`: the best few areas for what has been typed so far, for the
    area finder's suggestions: `{"query": …, "results": [{name, code, type, parent, former,
    url}, …]}`."""
    query = area_search.clean_query(request.GET.get("q", ""))
    matches = area_search.find_areas(query, limit=area_search.SUGGESTIONS)
    return JsonResponse({"query": query, "results": [match.as_json() for match in matches]})
