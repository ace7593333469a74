"""Whole-page caching for the public site, keyed by the content version.

Every save or delete of public content or data bumps `ContentVersion` (each app names its
public models with `bump_on_change()` in its `ready()`; bulk writes call
`bump_content_version()` themselves), so a cached page is never stale: the next
request asks for the new version's key. A cache hit costs one small query and a cache read."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from core.models import ContentVersion

PAGE_TIMEOUT = 60 * 60 * 24


def current_version() -> int:
    return ContentVersion.objects.filter(pk=1).values_list("number", flat=True).first() or 0


def bump_content_version(**kwargs: Any) -> None:
    """Mark the public content as changed. Safe to call inside or outside a transaction."""
    updated = ContentVersion.objects.filter(pk=1).update(
        number=F("number") + 1, changed_at=timezone.now()
    )
    if not updated:
        with transaction.atomic():
            ContentVersion.objects.get_or_create(pk=1, defaults={"number": 1})


def bump_on_change(*models: str, m2m: tuple[str, ...] = ()) -> None:
    """Bump the content version whenever one of these models ("app.Model") is saved or
    deleted, or the rows of one of the `m2m` through models ("app.Model_field") change."""
    for sender in models:
        for signal in (post_save, post_delete):
            signal.connect(
                bump_content_version,
                sender=sender,
                weak=False,
                dispatch_uid=f"content_version_{signal!r}_{sender}",
            )
    for sender in m2m:
        m2m_changed.connect(
            bump_content_version,
            sender=sender,
            weak=False,
            dispatch_uid=f"content_version_m2m_{sender}",
        )


def cache_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous GET requests from the cache; officers always get a fresh page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
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
