"""The site's URLs plus a trivial view: the baseline every page is measured against."""

from django.http import HttpResponse
from django.urls import path

from jsna.urls import urlpatterns as site_urlpatterns


def trivial(request):
    return HttpResponse("ok")


urlpatterns = [path("__trivial__/", trivial), *site_urlpatterns]
