"""What the start page shows: pieces of work in lists, lists in panels, and the helpers
that read a list's first rows with its count, and name the people in it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Count, QuerySet, Window
from django.urls import reverse

from indicators.models import ImportBatch
from pages.models import Topic

#: Rows shown in each list; its count says how many there are in all.
LISTED = 8

T = TypeVar("T")


@dataclass(frozen=True)
class WorkItem:
    """One piece of work: what it is, where to do it, who last did something to it, when."""

    title: str
    url: str
    about: str = ""
    who: str = ""
    when: datetime.date | datetime.datetime | None = None
    note: str = ""
    overdue: bool = False


@dataclass(frozen=True)
class ImportRow:
    batch: ImportBatch
    url: str
    who: str
    #: The release report, while the import's figures wait for release.
    release_url: str = ""
    #: What went wrong, for an import that was refused.
    problem: str = ""
    #: How far the import has got, or when it finished: “Checking: 45%”, “Staged 1 March
    #: 2026 at 10:02”, “Failed: why” (`pages.dashboard.data.import_progress`).
    progress: str = ""
    #: The page that follows the officer's own import while it runs.
    progress_url: str = ""
    #: While it runs: how far through the file, if that can be told.
    percent: int | None = None
    running: bool = False

    @property
    def failed(self) -> bool:
        return self.progress.startswith("Failed")


@dataclass(frozen=True)
class BrokenFigure:
    topic: Topic
    heading: str
    reference: str
    reason: str
    url: str


@dataclass(frozen=True)
class Listing(Generic[T]):
    """The first rows of a list, how many it has in all, and where the whole list is."""

    title: str
    items: list[T]
    total: int
    item_label: str = "Page"
    who_label: str = ""
    when_label: str = ""
    empty: str = "None."
    more_url: str = ""

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True)
class Panel:
    """A panel of the start page: its lists, and how many things they hold between them."""

    title: str
    anchor: str
    lists: list[Listing[WorkItem]]
    intro: str = ""
    #: Said instead of the lists when they are all empty.
    empty: str = "Nothing."

    @property
    def count(self) -> int:
        return sum(listing.total for listing in self.lists)


@dataclass(frozen=True)
class StartPage:
    my_pages: Panel
    broken: Listing[BrokenFigure]
    approval: Panel | None = None  # for those who may publish
    imports: Listing[ImportRow] | None = None  # for those who may see imports
    #: The user's imports the task worker is running or has yet to start.
    runs: list[Any] = field(default_factory=list)

    @property
    def panels(self) -> list[Panel]:
        return [panel for panel in (self.approval, self.my_pages) if panel is not None]


def first(queryset: QuerySet[Any], limit: int = LISTED) -> tuple[list[Any], int]:
    """The first `limit` rows and the number of rows in all, in one query."""
    rows = list(queryset.annotate(in_all=Window(Count("pk")))[:limit])
    return rows, rows[0].in_all if rows else 0


def topic_url(topic: Topic) -> str:
    return reverse("admin:pages_topic_change", args=[topic.pk])


class People:
    """The users the lists name, read in one query once every list knows whom it names."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.found: dict[int, User] = {}

    def want(self, *ids: int | None) -> None:
        self.ids.update(pk for pk in ids if pk)

    def load(self) -> None:
        if self.ids:
            self.found = get_user_model().objects.in_bulk(self.ids)

    def name(self, user_or_id: User | int | None) -> str:
        user = self.found.get(user_or_id) if isinstance(user_or_id, int) else user_or_id
        return person(user)


def person(user: User | None) -> str:
    """A user as the lists name them: full name and username, or the username."""
    if user is None:
        return ""
    full_name = user.get_full_name()
    return f"{full_name} ({user.get_username()})" if full_name else user.get_username()


def changelist(name: str, **query: str) -> str:
    url = reverse(f"admin:{name}_changelist")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
