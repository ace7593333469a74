from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from pages.dashboard import start_page_view

# With REDIS_URL the task queue is RQ's (django-rq). Its admin entry leads to RQ's own
# dashboard, which shows every job's arguments to any member of staff: officers follow their
# imports on the run's page instead, so it is not offered (nor are its URLs routed). Here, as
# every app's admin module has been loaded by now.
if apps.is_installed("django_rq"):
    from django_rq.models import Dashboard

    if admin.site.is_registered(Dashboard):
        admin.site.unregister(Dashboard)

admin.site.site_header = f"{settings.SITE_NAME}: officers' admin"
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Data and pages"
# No side menu of every model: at 1280 px it took 300 px from each list, hiding columns. The
# start page lists every model, and the breadcrumbs lead back to it.
admin.site.enable_nav_sidebar = False


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico whatever a page says: the site's icon is an SVG (its
    address is asked for here, when a browser asks, since collectstatic names it)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    # The officers' start page answers at the admin's index (reverse("admin:index")), before the
    # stock index; it shows the stock index's list of every model too.
    path("admin/", admin.site.admin_view(start_page_view)),
    path("admin/", admin.site.urls),
    path("data/", include("indicators.urls")),
    path("favicon.ico", favicon),
    # The open-data API: JSON and CSV, its OpenAPI document and docs (api/).
    path("api/v1/", include("api.urls")),
    path("", include("pages.urls")),
]
# Uploaded files (MEDIA_ROOT) are never served directly: a topic's downloads go through
# pages.views.download, which checks that the page is published.
