from django.urls import path

from core.kept_pages import cache_public_page
from indicators import views

app_name = "indicators"

# Downloads take their format from the address (download.csv, download.xlsx); any other format
# is a 404 from the view, as for any address the site does not have.
urlpatterns = [
    path("", cache_public_page(views.DataIndexView.as_view()), name="index"),
    path("download.<str:fmt>", views.ValuesDownloadView.as_view(), name="values_download"),
    # The CSVW metadata of each CSV download, beside it; its `Link` header names it.
    path(
        "download-metadata.json",
        views.DownloadMetadataView.as_view(kind="values"),
        name="values_download_metadata",
    ),
    # Permalinks of the figures behind a chart or table, and the chart to embed elsewhere.
    path("figures/", views.FiguresView.as_view(), name="figures"),
    path("figures/embed/", views.FiguresEmbedView.as_view(), name="figures_embed"),
    path(
        "figures/download.<str:fmt>", views.FiguresDownloadView.as_view(), name="figures_download"
    ),
    path(
        "figures/download-metadata.json",
        views.DownloadMetadataView.as_view(kind="figures"),
        name="figures_download_metadata",
    ),
    path(
        "indicators/", cache_public_page(views.IndicatorListView.as_view()), name="indicator_list"
    ),
    path(
        "indicators/<slug:slug>/",
        cache_public_page(views.IndicatorDetailView.as_view()),
        name="indicator_detail",
    ),
    path(
        "indicators/<slug:slug>/download.<str:fmt>",
        views.IndicatorDownloadView.as_view(),
        name="indicator_download",
    ),
    path(
        "indicators/<slug:slug>/download-metadata.json",
        views.DownloadMetadataView.as_view(kind="indicator"),
        name="indicator_download_metadata",
    ),
    path("areas/", cache_public_page(views.AreaListView.as_view()), name="area_list"),
    # Before the area pages' addresses, which would otherwise read "find" as an area's slug.
    path("areas/find/", views.AreaFindView.as_view(), name="area_find"),
    path("areas/suggest/", views.area_suggestions, name="area_suggest"),
    path(
        "areas/<slug:slug>/", cache_public_page(views.AreaDetailView.as_view()), name="area_detail"
    ),
    path(
        "areas/<slug:slug>/download.<str:fmt>",
        views.AreaDownloadView.as_view(),
        name="area_download",
    ),
    path(
        "areas/<slug:slug>/download-metadata.json",
        views.DownloadMetadataView.as_view(kind="area"),
        name="area_download_metadata",
    ),
]
