"""Build again, before anyone asks, the public pages that released figures changed: the topic
pages, indicator pages and area pages that show them, each rendered as an anonymous visitor
would get it, which keeps its blocks and its parts in the database (core/prebuilt.py,
core/kept_pages.py) and puts the page in the cache. Run by the task worker after a release
(`pages.tasks.prebuild_pages`), so the first visitor after an import is served a page already
built."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import resolve

from indicators.models import Area, Indicator
from pages.models import Topic

#: The most pages of each kind built after one release; the rest are built when asked for.
LIMIT = 2000


def pages_showing(tags: Iterable[str]) -> list[str]:
    """The addresses of the public pages that show what `tags` name: published topic pages
    with a section about one of the indicators, those indicators' pages, and the areas'."""
    indicator_ids, area_ids = set(), set()
    for name in tags:
        kind, _, pk = name.partition(":")
        if kind == "indicator" and pk.isdigit():
            indicator_ids.add(int(pk))
        elif kind == "area" and pk.isdigit():
            area_ids.add(int(pk))
    topics = (
        Topic.objects.published()
        .filter(sections__indicator_id__in=indicator_ids)
        .distinct()
        .order_by("path")[:LIMIT]
    )
    indicators = Indicator.objects.public().filter(pk__in=indicator_ids).order_by("slug")[:LIMIT]
    areas = Area.objects.filter(pk__in=area_ids).order_by("code")[:LIMIT]
    return [
        *(t.get_absolute_url() for t in topics),
        *(i.get_absolute_url() for i in indicators),
        *(a.get_absolute_url() for a in areas),
    ]


def prebuild(tags: Iterable[str]) -> dict[str, int]:
    """Render each public page that shows `tags`, as the public would ask for it."""
    site = urlsplit(settings.SITE_URL)
    # Asked for at the site's own address, as a visitor would.
    factory = RequestFactory(HTTP_HOST=site.netloc)
    built = failed = 0
    for path in pages_showing(tags):
        request = factory.get(path, secure=site.scheme == "https")
        request.user = AnonymousUser()
        match = resolve(path)
        response = match.func(request, *match.args, **match.kwargs)
        if hasattr(response, "render") and callable(response.render):
            response.render()
        if response.status_code == 200:
            built += 1
        else:
            failed += 1
    return {"built": built, "not found": failed}
