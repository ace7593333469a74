"""Blocks of public pages built from the database once and kept there until what they show
changes: a topic section's narrative and figures, an area's table of figures.

Building a section means reading every figure its chart and table show and writing them out;
reading it back is one row. A page reads all its blocks in two queries (`fetch`); its
template builds the missing or out-of-date ones (`{% prebuilt %}`) and its view keeps them
in one more once the page is rendered (`keep`), so only the first visitor after a
change, or the task worker that builds them after an import, pays for building. A block is
out of date when one of its tags (core/caching.py) changed after the change it was built at,
the same rule as the page cache; unlike the page cache it lives in the database, so every
worker shares it, and it survives a restart and a cleared cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.safestring import SafeString, mark_safe

from core.caching import ANY, EVERYTHING, code_version
from core.models import CacheTag, Prebuilt

BUILD = "_code"  # the key in a block's data of the code version that built it


@dataclass
class Slot:
    """Where a page shows a block (`{% prebuilt slot %}`, core/templatetags/prebuilt.py): its
    key, what it shows (`tags`) and small facts kept with it (`data`); `html` when the block
    kept is up to date, else None, and the template builds it (from the figures the page
    read for it) and keeps it, as of change `number`."""

    key: str
    tags: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    html: SafeString | None = None
    number: int = 0
    built: bool = False  # built by the template, not yet kept

    def built_as(self, html: str) -> None:
        self.html, self.built = mark_safe(html), True


def keep(slots: Iterable[Slot | None]) -> None:
    """Keep the blocks the template built for `slots` (one query, none if it built none): a
    view calls it once its response is rendered."""
    built = [slot for slot in slots if slot is not None and slot.built]
    if not built:
        return
    # Each slot read the last change's number in the same query, before the page's data.
    store(built[0].number, [(s.key, s.tags, s.html or "", s.data) for s in built])
    for slot in built:
        slot.built = False


def fetch(keys: Sequence[str]) -> dict[str, Slot]:
    """A slot for each of `keys`, with its block's html when the block kept is up to date:
    two queries."""
    rows = list(
        Prebuilt.objects.filter(key__in=keys).values_list("key", "number", "tags", "html", "data")
    )
    tags = {EVERYTHING, *(t for row in rows for t in row[2])}
    oldest = min((row[1] for row in rows), default=0)
    # Every change marks ANY, so its number is the last change's.
    last_changed = dict(
        CacheTag.objects.filter(Q(name__in=tags, changed__gt=oldest) | Q(name=ANY)).values_list(
            "name", "changed"
        )
    )
    number = last_changed.pop(ANY, 0)
    slots = {key: Slot(key, number=number) for key in keys}
    build = code_version()
    for key, built_at, block_tags, html, data in rows:
        if data.get(BUILD) != build:
            continue  # built by another release of the code
        if all(last_changed.get(t, 0) <= built_at for t in (EVERYTHING, *block_tags)):
            # Built by our own templates, from escaped data.
            slots[key] = Slot(key, tuple(block_tags), data, mark_safe(html), number)
    return slots


def store(number: int, blocks: Iterable[tuple[str, Iterable[str], str, dict[str, Any]]]) -> None:
    """Keep `blocks` (key, tags, html, data), built from the data as of change `number`."""
    build = code_version()
    rows = [
        Prebuilt(
            key=key, number=number, tags=sorted(set(tags)), html=html, data={**data, BUILD: build}
        )
        for key, tags, html, data in blocks
    ]
    if not rows:
        return
    # One statement, which two requests storing the same block at once can both run.
    Prebuilt.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["number", "tags", "html", "data", "built_at"],
    )
