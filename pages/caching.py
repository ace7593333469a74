"""Whole-page caching for the public site, keyed by the content version.

Every save or delete of public content or data bumps `ContentVersion` (signals below; bulk
imports call `bump_content_version()` themselves), so a cached page is never stale: the next
request asks for the new version's key. A cache hit costs one small query and a cache read."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from pages.models import ContentVersion

PAGE_TIMEOUT = 60 * 60 * 24


def current_version() -> int:
    return ContentVersion.objects.filter(pk=1).values_list("number", flat=True).first() or 0


def bump_content_version(**kwargs) -> None:
    """Mark the public content as changed. Safe to call inside or outside a transaction."""
    updated = ContentVersion.objects.filter(pk=1).update(
        number=F("number") + 1, changed_at=timezone.now()
    )
    if not updated:
        with transaction.atomic():
            ContentVersion.objects.get_or_create(pk=1, defaults={"number": 1})


def cache_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous GET requests from the cache; officers always get a fresh page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"page:{current_version()}:{path}"
        cached = cache.get(key)
        if cached is not None:
            return cached
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies:
            if hasattr(response, "render") and callable(response.render):
                response.render()
            cache.set(key, response, PAGE_TIMEOUT)
        return response

    return wrapper
