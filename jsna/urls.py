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

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
