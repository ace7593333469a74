"""Public data pages: indicators, areas, and downloads of their figures."""

from __future__ import annotations

import datetime
from typing import Any

from csp.decorators import csp_replace
from django.conf import settings
from django.core.exceptions import BadRequest
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import slugify
from django.views import View
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.generic import DetailView, ListView, TemplateView
from django_tables2 import SingleTableMixin

from core import prebuilt
from core.caching import CONTENT, INDICATORS, REFERENCE, depends_on, tag
from indicators import area_search, figure_links, permalinks, selectors
from indicators.exports import (
    CSVW_CONTENT_TYPE,
    FORMATS,
    check_format,
    csvw_metadata,
    download_response,
    rows_dataset,
    values_download,
    values_download_links,
)
from indicators.figures import FigureBuilder
from indicators.filters import NO_BREAKDOWN, IndicatorValuesFilter, ValuesDownloadForm
from indicators.models import Area, Indicator, Period, PublishedValue, Value
from indicators.releases import chosen_releases, visible_releases
from indicators.selectors import ANCESTORS, Figures, latest_comparison_values, page_figures
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
        return values_download(
            values, fmt, indicator.slug, metadata_url=_metadata_url(request, "indicator", slug)
        )


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
        return values_download(
            values, fmt, area.slug, metadata_url=_metadata_url(request, "area", slug)
        )


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
        return values_download(
            form.values(),
            fmt,
            form.cleaned_data["indicator"].slug,
            metadata_url=_metadata_url(request, "values"),
        )


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


# --- permalinks, embeds and CSVW metadata of the figures behind a chart or table ---------------

_METADATA_URLS = {
    "values": "indicators:values_download_metadata",
    "figures": "indicators:figures_download_metadata",
    "indicator": "indicators:indicator_download_metadata",
    "area": "indicators:area_download_metadata",
}


def _metadata_url(request: HttpRequest, kind: str, slug: str = "") -> str:
    """The CSVW metadata of the CSV download being served, with its query: what its `Link`
    header names."""
    address = reverse(_METADATA_URLS[kind], args=[slug] if slug else [])
    query = request.GET.urlencode()
    return f"{address}?{query}" if query else address


def _figures_form(request: HttpRequest) -> ValuesDownloadForm:
    """The selection of `/data/download.<fmt>` (indicator, areas, periods, breakdown), checked
    as that view checks it: a missing indicator is a bad request, anything unknown a 404."""
    form = ValuesDownloadForm(request.GET, indicators=visible_indicators(request))
    if not form.is_valid():
        if "indicator" not in request.GET:
            raise BadRequest("Say which indicator: ?indicator=<slug>.")
        raise Http404(
            "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
        )
    return form


class DownloadMetadataView(View):
    """`…/download-metadata.json`: the CSVW metadata of the CSV download beside it (the same
    address with `download.csv`, and the same query), which that download names in its `Link`
    header. `kind` says which download: "values", "indicator" or "area"."""

    kind = "values"

    def get(self, request: HttpRequest, slug: str = "") -> HttpResponse:
        indicator: Indicator | None = None
        if self.kind in ("values", "figures"):
            indicator = _figures_form(request).cleaned_data["indicator"]
            name = "values_download" if self.kind == "values" else "figures_download"
            csv_path = reverse(f"indicators:{name}", kwargs={"fmt": "csv"})
        elif self.kind == "indicator":
            indicator = get_object_or_404(visible_indicators(request), slug=slug)
            csv_path = reverse("indicators:indicator_download", args=[slug, "csv"])
        else:
            get_object_or_404(Area, slug=slug)
            csv_path = reverse("indicators:area_download", args=[slug, "csv"])
        query = request.GET.urlencode()
        csv_url = request.build_absolute_uri(f"{csv_path}?{query}" if query else csv_path)
        metadata = csvw_metadata(csv_url, indicator=indicator, site_name=settings.SITE_NAME)
        return JsonResponse(
            metadata, content_type=CSVW_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
        )


def _snapshot(
    request: HttpRequest, form: ValuesDownloadForm
) -> tuple[list[Area], list[Period], permalinks.Release | None, permalinks.Snapshot]:
    """A permalink's areas (in the address's order: the chart's own area first), periods,
    release (a 404 for one the public never saw) and figures at that release."""
    data = form.cleaned_data
    order = {code: n for n, code in enumerate(request.GET.getlist("area"))}
    areas = sorted(data["area"], key=lambda area: order.get(area.code, len(order)))
    periods = sorted(data["period"], key=lambda p: (p.end_date, p.start_date))
    release = None
    if token := request.GET.get(figure_links.RELEASE, ""):
        try:
            release = permalinks.resolve_release(token)
        except permalinks.ReleaseNotFound as refused:
            raise Http404(str(refused)) from refused
    snapshot = permalinks.snapshot(
        data["indicator"],
        areas=areas,
        periods=periods,
        breakdown=data["breakdown"],
        release=release,
    )
    return areas, periods, release, snapshot


class FiguresDownloadView(View):
    """`/data/figures/download.<fmt>?…&release=…`: a permalink's figures as they stood at its
    release, with the same columns as every download (its CSV names its CSVW metadata)."""

    def get(self, request: HttpRequest, fmt: str) -> HttpResponse:
        check_format(fmt)
        form = _figures_form(request)
        snapshot = _snapshot(request, form)[3]
        slug = form.cleaned_data["indicator"].slug
        name = f"{slug}-release-{snapshot.token}" if snapshot.token else slug
        return download_response(
            rows_dataset(snapshot.values),
            fmt,
            slugify(name),
            metadata_url=_metadata_url(request, "figures") if fmt == "csv" else "",
        )


class FiguresView(TemplateView):
    """`/data/figures/?indicator=…&area=…&period=…&breakdown=…&release=…`: the permalink of a
    chart or table, its figures as they stood at that release (`indicators.permalinks`), with
    a note and a link when newer figures are available, a ready citation and the chart's embed
    code. Without `release`, the figures as they are now, with their permanent address."""

    template_name = "indicators/permalink.html"
    chart_id = "permalink-data"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = _figures_form(request)
        data = form.cleaned_data
        indicator: Indicator = data["indicator"]
        areas, periods, release, snapshot = _snapshot(request, form)
        codes = [a.code for a in areas], [p.code for p in periods]

        def query(release: str = "") -> str:
            return figure_links.figures_query(
                indicator.slug,
                areas=codes[0],
                periods=codes[1],
                breakdown=data["breakdown"],
                release=release,
            )

        current = figure_links.addresses(query())
        link = figure_links.addresses(query(snapshot.token))
        figures = self.figures(snapshot, areas)
        released = release.day if release is not None else self.released(snapshot)
        url = request.build_absolute_uri(link.url)
        title = f"{indicator.name}: {figures.caption}" if figures is not None else indicator.name
        context = self.get_context_data(
            indicator=indicator,
            snapshot=snapshot,
            figures=figures,
            selection=permalinks.selection_words(areas, periods),
            link=link,
            current=current,
            permanent_url=url,
            embed_code=format_html(
                '<iframe src="{}" title="{}" width="100%" height="720" loading="lazy"></iframe>',
                request.build_absolute_uri(link.embed_url),
                title,
            ),
            embed_title=title,
            released=released,
            citation=permalinks.citation(
                site_name=settings.SITE_NAME,
                title=indicator.name,
                released=released,
                retrieved=timezone.localdate(),
                url=url,
            ),
            downloads=values_download_links(
                indicator, areas=areas, periods=periods, breakdown=data["breakdown"]
            ),
            release_downloads=[
                (
                    fmt.upper(),
                    f"{reverse('indicators:figures_download', kwargs={'fmt': fmt})}?{link.query}",
                )
                for fmt in FORMATS
            ],
            release_metadata_url=(
                f"{reverse('indicators:figures_download_metadata')}?{link.query}"
            ),
            **kwargs,
        )
        return self.render_to_response(context)

    def figures(self, snapshot: permalinks.Snapshot, areas: list[Area]) -> Figures | None:
        """The chart and table of the snapshot's figures, built as a page builds them: the
        address's first area against the others."""
        values = snapshot.values
        if not values:
            return None
        known = {v.area_id: v.area for v in values}
        main = next((known[a.pk] for a in areas if a.pk in known), values[0].area)
        others = [known[a.pk] for a in areas if a.pk in known and a.pk != main.pk]
        dimension = ""
        breakdown = self.request.GET.get("breakdown", "")
        if breakdown and breakdown != NO_BREAKDOWN:
            dimension = breakdown
        built = FigureBuilder(values, main, others).build(snapshot.indicator, dimension)
        if built is None:
            return None
        return page_figures(built, self.chart_id)

    def released(self, snapshot: permalinks.Snapshot) -> datetime.date | None:
        """The day the figures as they are now were released: that of the import that last
        set any of them, or the day they were last set when no import did."""
        if not snapshot.token:
            return None
        try:
            return permalinks.resolve_release(snapshot.token).day
        except permalinks.ReleaseNotFound:
            return None


@method_decorator(xframe_options_exempt, name="dispatch")
@method_decorator(csp_replace({"frame-ancestors": ["*"]}), name="dispatch")
class FiguresEmbedView(FiguresView):
    """`/data/figures/embed/?…`: the permalink's chart and its table on a small page of their
    own, without the site's header, footer or navigation, for other sites to show in an
    iframe: the only view any site may frame (`X-Frame-Options` left off, and CSP
    `frame-ancestors *` for this view alone). Its scripts are the site's own files, as
    everywhere (no inline script)."""

    template_name = "indicators/embed.html"
    chart_id = "embed-data"
