"""How the public get a page: from the whole-page cache, else from its parts kept built in the
database, else built from the data (`cache_public_page`).

The cache (Django's, in each process's memory or in Redis) keeps a page's bytes. The parts
are what the page's template puts in the layout's blocks (its title, meta, breadcrumbs, main
content and scripts, `{% kept %}` in base.html), as rendered for an anonymous visitor, kept
in the database with the tags of what the page shows (core/caching.py). The cache is each
process's own, or is emptied when Redis is; the parts are built once, by the first visitor or
by the task worker after a release (pages/prebuild.py), and serve every process of every
machine until what they show changes. A page served from its parts renders only the site's
layout around them.

Both follow one rule: a page is used only while none of its tags (nor `EVERYTHING`) changed
after the change it was built at, and only by the code that built it (`code_version()`). A
cached page costs one query (`caching.check`); a page served from its parts one more, written
out by hand, which finds them and says whether they are up to date. Officers, and requests
with a query string, always get the page built from the data; nothing is kept from them.
Like a cached page, parts are kept for a day at most, should something change what a page
shows without saying so.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe

from core.caching import (
    ANY,
    EVERYTHING,
    PAGE_TIMEOUT,
    check,
    code_version,
    current_version,
    depends_on,
)
from core.models import CacheTag, ContentVersion, Prebuilt

PREFIX = "page:"
#: The layout the parts are rendered in; its `{% kept %}` blocks take them.
LAYOUT = "base.html"


def key_of(path: str) -> str:
    """The key of the parts of the page at `path`: the path itself where it fits the column,
    else its digest."""
    key = PREFIX + path
    if len(key) > Prebuilt._meta.get_field("key").max_length:  # type: ignore[operator]
        key = PREFIX + "sha256:" + hashlib.sha256(path.encode()).hexdigest()
    return key


def _oldest() -> datetime.datetime:
    """Parts built before this are not served (kept no longer than a cached page, in case
    something changed what they show without saying so)."""
    return timezone.now() - datetime.timedelta(seconds=PAGE_TIMEOUT)


def _tag_names() -> str:
    """SQL for the names in the kept row's list of tags."""
    if connection.vendor == "postgresql":
        return "SELECT jsonb_array_elements_text(p.tags)"
    return "SELECT value FROM json_each(p.tags)"  # SQLite keeps JSON as text


def read(key: str) -> tuple[int, list[str], dict[str, Any] | None]:
    """One query: the number of the last change, and the tags and data of the page's parts
    kept under `key` when they are up to date and built by this code (else no tags and None)."""
    oldest = connection.ops.adapt_datetimefield_value(_oldest())
    sql = (
        f"SELECT v.number, p.tags, p.data, p.html FROM {ContentVersion._meta.db_table} v "
        f"LEFT JOIN {Prebuilt._meta.db_table} p ON p.key = %s AND p.built_at > %s "
        f"AND NOT EXISTS (SELECT 1 FROM {CacheTag._meta.db_table} t WHERE t.changed > p.number "
        f"AND (t.name = %s OR t.name IN ({_tag_names()}))) WHERE v.id = 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, oldest, EVERYTHING])
        row = cursor.fetchone()
    if row is None:  # nothing has ever changed
        return 0, [], None
    number, tags, data, content = row
    # JSON comes back as text (SQLite, and Django's loader for PostgreSQL's jsonb).
    data = json.loads(data) if isinstance(data, str) else data
    tags = json.loads(tags) if isinstance(tags, str) else tags
    if not data or data.get("_code") != code_version():
        return number, [], None
    # The main content, the largest part, is kept as text beside the others, not in JSON.
    data["parts"]["content"] = content
    return number, tags, data


def store(key: str, number: int, tags: list[str], parts: dict[str, str], headers: dict) -> None:
    """Keep the page `key` in `parts`, built from the data as of change `number` (one
    statement, which two requests storing the same page at once can both run)."""
    Prebuilt.objects.bulk_create(
        [
            Prebuilt(
                key=key,
                number=number,
                tags=tags,
                html=parts["content"],
                data={
                    "_code": code_version(),
                    "parts": {name: html for name, html in parts.items() if name != "content"},
                    "headers": headers,
                },
            )
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["number", "tags", "html", "data", "built_at"],
    )


def forget_old() -> int:
    """Delete the parts that are too old to be served (kept over a day: `read` passes them
    by), among them those of pages that no longer exist; the number deleted. The worker's
    minute-by-minute task calls it (pages/tasks.py)."""
    deleted, _ = Prebuilt.objects.filter(key__startswith=PREFIX, built_at__lt=_oldest()).delete()
    return deleted


def _from_parts(request: HttpRequest, tags: list[str], data: dict[str, Any]) -> HttpResponse:
    """The page rendered from its parts: the layout around them."""
    depends_on(request, *tags)  # the cache keeps the page with its tags
    # Rendered by our own templates, from escaped data.
    parts = {name: mark_safe(html) for name, html in data["parts"].items()}
    response = TemplateResponse(request, LAYOUT, {"kept_parts": parts}, headers=data["headers"])
    response.render()
    return response


def _build(
    request: HttpRequest, view: Callable[..., HttpResponse], args: Any, kwargs: Any
) -> tuple[HttpResponse, dict[str, str]]:
    """The page built by `view`, rendered, and the parts its layout recorded."""
    recording: dict[str, str] = {}
    request._keep_parts = recording  # type: ignore[attr-defined]  # filled by {% kept %}
    try:
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response.render()
    finally:
        del request._keep_parts  # type: ignore[attr-defined]
    return response, recording


def _may_keep(response: HttpResponse) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.cookies
        and "no-store" not in cache_control
        and "private" not in cache_control
    )


def cache_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous GET requests from the cache while nothing the page shows has changed,
    else from the page's kept parts while they are up to date, else build the page with `view`
    and keep it (its parts only for an address with no query string); officers always get a
    fresh page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        cache_key = f"page:{code_version()}:{path}"
        entry = cache.get(cache_key)
        if entry is not None:
            stale, number = check(entry[0], entry[1])
            if not stale:
                return HttpResponse(entry[2], headers=entry[3])
        key = None if request.GET else key_of(request.path)
        data = None
        if key is not None:
            number, tags, data = read(key)
        elif entry is None:
            number = current_version()
        recording: dict[str, str] = {}
        if data is not None:
            response = _from_parts(request, tags, data)
        else:
            response, recording = _build(request, view, args, kwargs)
        if not _may_keep(response):
            return response
        shows = sorted(getattr(request, "_cache_tags", None) or {ANY})
        headers = dict(response.items())
        if key is not None and "content" in recording:
            store(key, number, shows, recording, headers)
        # The bytes and headers, which are quicker to read back than the response object.
        entry = (number, tuple(shows), response.content, headers)
        cache.set(cache_key, entry, PAGE_TIMEOUT)
        return response

    return wrapper
