"""Whole-page caching for the public site, emptied by dependency.

Each cached page names what it shows as *tags* (`depends_on(request, ...)`): `topic:<id>`,
`indicator:<id>`, `area:<id>`, and a few that stand for many things (below). Each write of
public content or data says which tags it changed (`changed(...)`); each app names its public
models and the tags a save or delete of one changes in its `ready()` (`changes_tags()`), and
bulk writes call `changed()` themselves. A change empties only the pages that show it: an
import of one indicator's figures leaves the other indicators' pages cached.

How: one row (`ContentVersion`) holds a sequence number that every change moves on, and each
tag remembers the number of the last change to it (`CacheTag`). A page is cached with the
number read before it was built; it is served while none of its tags has changed since, which
one indexed query answers (`check()`). The numbers live in the database, so every worker process and
every machine sees a change at once, whether the cache itself is each process's memory or a
Redis server they share. A view that names no tags depends on `ANY`, which every change
moves: such a page is emptied by any change at all, as before. On PostgreSQL each process
also hears of every change as it commits (LISTEN/NOTIFY, core/change_listener.py) and answers
`check()` from its own copy of the numbers, without a query, while it is sure it is current.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest
from django.utils import timezone

from core import change_listener
from core.models import CacheTag, ContentVersion

PAGE_TIMEOUT = 60 * 60 * 24

#: Changed by every change: what a page that names no tags depends on.
ANY = "any"
#: Everything: a change that may touch any page (geography loaded, a bulk repair).
EVERYTHING = "everything"
#: What lists, the A to Z, search and the home page show: published topics' titles,
#: keywords, summaries and places, which indicators are public, and their names.
CONTENT = "content"
#: The reference data every figure is shown with: areas (names, places, groupings,
#: successors), periods, breakdowns and comparator groups.
REFERENCE = "reference"
#: Any indicator's own metadata (not its figures).
INDICATORS = "indicators"

T = TypeVar("T")

# The tags changed so far inside `batched_changes()`; None outside it.
_batched: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "cache_tags_batched", default=None
)


@functools.cache
def code_version() -> str:
    """A digest of the code and templates that build public pages: what is kept built (cached
    pages, blocks in the database) is used only by the code that built it, so a new release
    of the site never serves pages its old code wrote."""
    from django.conf import settings

    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for folder in ("core", "indicators", "pages", "templates", "jsna"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".html") and "migrations" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def tag(kind: str, pk: object) -> str:
    """The tag of one object: `tag("indicator", 12)` is "indicator:12"."""
    return f"{kind}:{pk}"


def current_version() -> int:
    """The number of the last change; pages built now are cached with it (written out rather
    than built by the ORM, as every page built asks it)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number FROM {ContentVersion._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


def changed(*tags: str) -> None:
    """Mark `tags` (and `ANY`) as changed: the cached pages that show them are built again on
    their next request. Safe to call inside or outside a transaction: inside one, the change
    is seen when it commits, with the data it describes."""
    batched = _batched.get()
    if batched is not None:
        batched.update(tags)
        return
    names = sorted({ANY, *tags})
    with transaction.atomic():
        updated = ContentVersion.objects.filter(pk=1).update(
            number=F("number") + 1, changed_at=timezone.now()
        )
        if not updated:
            ContentVersion.objects.get_or_create(pk=1, defaults={"number": 1})
        if change_listener.enabled():  # the same read, telling the other processes too
            number = change_listener.read_and_announce(names)
        else:
            number = current_version()
        CacheTag.objects.bulk_create(
            [CacheTag(name=name, changed=number) for name in names],
            update_conflicts=True,
            unique_fields=["name"],
            update_fields=["changed"],
        )


@contextlib.contextmanager
def batched_changes() -> Iterator[None]:
    """Inside this block, what saves and deletes change (their signals: one per row, for a
    queryset's delete()) is marked changed once, at the end; nothing if the block fails. Use
    it around bulk work inside the transaction that does it."""
    if _batched.get() is not None:  # already inside one: the outer block marks them
        yield
        return
    token = _batched.set(set())
    try:
        yield
        tags = _batched.get() or set()
    finally:
        _batched.reset(token)
    if tags:
        changed(*tags)


def bump_content_version(**kwargs: Any) -> None:
    """Mark everything as changed (a signal receiver, or a bulk write that may touch any
    page)."""
    changed(EVERYTHING)


def changed_figures(indicator_ids: Iterable[int], values: Any = None) -> None:
    """After a bulk write of figures: the pages of these indicators, and of the areas of
    `values` (a queryset of the figures written: their areas are read in one query). Once
    committed, `hooks.FIGURES_RELEASED` is told (the pages are built again in the worker)."""
    area_ids = values.values_list("area_id", flat=True).distinct() if values is not None else ()
    tags = sorted(
        {*(tag("indicator", pk) for pk in indicator_ids), *(tag("area", pk) for pk in area_ids)}
    )
    changed(*tags)
    _announce_release(tags)


def _announce_release(tags: list[str]) -> None:
    """Tell `hooks.FIGURES_RELEASED` of `tags` once the transaction commits: once for all the
    figures one transaction changed (a release and the small-number rule it runs both change
    figures), so the pages are built again once, not once per step."""
    for entry in connection.run_on_commit:  # (savepoint ids, callback, robust)
        pending = getattr(entry[1], "release_tags", None)
        if pending is not None:
            pending.update(tags)
            return
    from core import hooks

    def announce() -> None:
        hooks.call_all(hooks.FIGURES_RELEASED, sorted(announce.release_tags))  # type: ignore[attr-defined]

    announce.release_tags = set(tags)  # type: ignore[attr-defined]
    transaction.on_commit(announce)


def check(number: int, tags: Iterable[str]) -> tuple[bool, int]:
    """Whether any of `tags` (or `EVERYTHING`) changed after change `number`, and the number
    of the last change (to cache a page built again with). On PostgreSQL, the process's mirror
    of the numbers answers when it can (core/change_listener.py: no query); else one query,
    written out rather than built by the ORM, as every cached page asks it."""
    names = sorted({EVERYTHING, *tags})
    heard = change_listener.known(number, names)  # PostgreSQL: this process's mirror
    if heard is not None:
        return heard
    placeholders = ", ".join(["%s"] * len(names))
    sql = (
        f"SELECT v.number, EXISTS (SELECT 1 FROM {CacheTag._meta.db_table} t "
        f"WHERE t.changed > %s AND t.name IN ({placeholders})) "
        f"FROM {ContentVersion._meta.db_table} v WHERE v.id = 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [number, *names])
        row = cursor.fetchone()
    return (bool(row[1]), row[0]) if row is not None else (True, 0)


def changes_tags(
    model: str,
    tags_of: Callable[[Any], Iterable[str]],
    *,
    m2m: tuple[str, ...] = (),
) -> None:
    """When an instance of `model` ("app.Model") is saved or deleted, or the rows of one of
    its `m2m` through models ("app.Model_field") change, mark `tags_of(instance)` changed."""

    def receiver(instance: Any, **kwargs: Any) -> None:
        if kwargs.get("raw"):  # loading a fixture: nothing is cached from it yet
            return
        changed(*tags_of(instance))

    for signal in (post_save, post_delete):
        signal.connect(
            receiver, sender=model, weak=False, dispatch_uid=f"cache_tags_{signal!r}_{model}"
        )
    for sender in m2m:

        def m2m_receiver(instance: Any, action: str, **kwargs: Any) -> None:
            if action.startswith("post_"):
                changed(*tags_of(instance))

        m2m_changed.connect(
            m2m_receiver, sender=sender, weak=False, dispatch_uid=f"cache_tags_m2m_{sender}"
        )


def depends_on(request: HttpRequest, *tags: str) -> None:
    """Say that the page being built for `request` shows what `tags` name."""
    found = getattr(request, "_cache_tags", None)
    if found is None:
        found = request._cache_tags = set()  # type: ignore[attr-defined]
    found.update(tags)


# What `cached()` found up to date during this request (emptied as each request starts).
_this_request = threading.local()


def _request_started(**kwargs: Any) -> None:
    _this_request.found = {}


def _request_finished(**kwargs: Any) -> None:
    _this_request.found = None  # outside a request, every call checks


request_started.connect(_request_started, dispatch_uid="core_caching_request_started")
request_finished.connect(_request_finished, dispatch_uid="core_caching_request_finished")


def cached(key: str, tags: Iterable[str], build: Callable[[], T]) -> T:
    """`build()`'s result, kept in the cache under `key` until one of `tags` changes (for
    data several pages share, such as the A to Z); checked once a request."""
    found = getattr(_this_request, "found", None)
    if found is not None and key in found:
        return found[key]
    result = _cached(key, tuple(tags), build)
    if found is not None:
        found[key] = result
    return result


def _cached(key: str, tags: tuple[str, ...], build: Callable[[], T]) -> T:
    entry = cache.get(key)
    if entry is None:
        number = current_version()
    else:
        stale, number = check(entry[0], tags)
        if not stale:
            return entry[1]
    result = build()
    cache.set(key, (number, result), PAGE_TIMEOUT)
    return result
