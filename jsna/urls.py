from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = f"{settings.SITE_NAME}: officers' admin"
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Data and pages"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("data/", include("indicators.urls")),
    path("", include("pages.urls")),
]
# Uploaded files (MEDIA_ROOT) are never served directly: a topic's downloads go through
# pages.views.download, which checks that the page is published.
