"""The public A to Z: every published topic under its title and under each of its keywords
("Safeguarding: see Child protection"), grouped by first letter. It is cached until what
lists show of a published topic changes (core/caching.py's `CONTENT`), and its titles and
keywords are also the words that the site search corrects a typo to on SQLite
(`pages.search`)."""

from __future__ import annotations

import re
import string
import unicodedata
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import QuerySet

from core.caching import CONTENT, cached
from pages.models import Status, Topic

LETTERS = tuple(string.ascii_uppercase)
OTHER = "#"  # The group of entries that do not start with a letter A to Z (e.g. "5 a day").

A_Z_CACHE_KEY = "pages:a-z:v2"


def published_topics() -> QuerySet[Topic]:
    """Live topics none of whose ancestors is a draft: what the public can find."""
    return Topic.objects.published()


class AZEntry(NamedTuple):
    """One line of the A to Z: a topic under its title, or under a keyword ("see ...")."""

    label: str
    topic_title: str
    url: str
    is_synonym: bool
    sort_key: str
    letter: str


class AZIndex(NamedTuple):
    entries: tuple[AZEntry, ...]
    letters: frozenset[str]  # The letters A to Z that have at least one entry.

    def for_letter(self, letter: str) -> list[AZEntry]:
        return [entry for entry in self.entries if entry.letter == letter.upper()]

    def groups(self) -> list[tuple[str, list[AZEntry]]]:
        """(letter, entries) in order A to Z, then entries that start with anything else."""
        found = [(letter, self.for_letter(letter)) for letter in (*LETTERS, OTHER)]
        return [(letter, entries) for letter, entries in found if entries]


def sort_key(text: str) -> str:
    """How an entry is filed: without case or accents, a leading "The", or leading quotes."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(char for char in decomposed if not unicodedata.combining(char))
    folded = folded.casefold().strip()
    folded = re.sub(r"^the\s+", "", folded)
    return re.sub(r"^[\W_]+", "", folded)


def _letter(key: str) -> str:
    first = key[:1].upper()
    return first if first in LETTERS else OTHER


def _public(pages: list[Topic]) -> list[Topic]:
    """The published pages none of whose ancestors is unpublished, as `Topic.published()`
    decides, worked out from every page at once: that query's form scans every topic for
    each topic on SQLite (20 s at 5,000 topics), this one reads each once."""
    hidden = {page.path for page in pages if page.status != Status.PUBLISHED}
    public = []
    for page in pages:
        parts = page.path.split("/")
        if page.status == Status.PUBLISHED and not any(
            "/".join(parts[:depth]) in hidden for depth in range(1, len(parts))
        ):
            public.append(page)
    return public


def _build_a_z_index() -> AZIndex:
    entries: dict[tuple[str, str], AZEntry] = {}
    pages = list(
        Topic.objects.pages().only("title", "path", "keywords", "status", "draft_of").order_by()
    )
    for topic in _public(pages):
        url = topic.get_absolute_url()
        labels = [(topic.title, False)] + [
            (keyword, True)
            for keyword in topic.keyword_list
            if keyword.casefold() != topic.title.casefold()
        ]
        for label, is_synonym in labels:
            key = sort_key(label)
            if not key:
                continue
            # The same keyword given twice for one topic is listed once.
            entries.setdefault(
                (label.casefold(), url),
                AZEntry(label, topic.title, url, is_synonym, key, _letter(key)),
            )
    ordered = sorted(
        entries.values(),
        key=lambda e: (e.sort_key, e.label.casefold(), e.is_synonym, sort_key(e.topic_title)),
    )
    letters = frozenset(entry.letter for entry in ordered if entry.letter != OTHER)
    return AZIndex(tuple(ordered), letters)


def a_z_index() -> AZIndex:
    """Every A to Z entry and the letters that have entries: kept in the cache until what lists
    show of a published topic changes (`CONTENT`), in every process at once; a query to check
    that, and one to build it again."""
    return cached(A_Z_CACHE_KEY, [CONTENT], _build_a_z_index)


def forget_a_z(**kwargs) -> None:
    """Drop this process's copy of the A to Z (a change to the topics empties it anyway)."""
    cache.delete(A_Z_CACHE_KEY)
