"""The officers' start page, at /admin/ in place of the admin's stock index (whose list of every
model it keeps beside the panels, or below them on a narrower screen): what is waiting for the
user, each list with its count and a link to each piece of work, as Wagtail's dashboard lists
the pages awaiting moderation and your pages.

- **Awaiting my approval** (publishers and administrators): drafts sent for review, with who
  sent them and when; staged imports waiting for release; scheduled publications and releases;
  officers' changes to indicator definitions.
- **My pages** (the pages the user looks after, as owner or in the owning team, and those they
  sent for review): drafts, drafts returned to them, drafts in review, and pages whose review
  is due.
- **Recent imports**: everyone's for a publisher; an officer's own, and those that changed
  figures of the indicators on their pages.
- **Broken live figures**: references in the narrative of published pages and drafts (everyone's
  for a publisher, the user's own for an officer) that show “figure not available”.

`start_page(user)` reads it all in a fixed number of queries, whatever the number of pages,
imports or references (tests/pages/test_start_page.py pins it); `start_page_view` renders it
(templates/admin/index.html, templates/admin/dashboard/). `lists` holds what is shown, `work`
reads the workflow's lists, `data` the imports and the broken live figures."""

from __future__ import annotations

import datetime

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from pages.dashboard.data import broken_figures, recent_imports, running_imports
from pages.dashboard.lists import (
    LISTED,
    BrokenFigure,
    ImportRow,
    Listing,
    Panel,
    People,
    StartPage,
    WorkItem,
)
from pages.dashboard.work import REVIEW_NOTICE, approval_panel, my_pages_panel
from pages.permissions import AnyUser, is_publisher


def start_page(user: AnyUser, *, today: datetime.date | None = None) -> StartPage:
    """What the start page shows `user`."""
    today = today or timezone.localdate()
    people = People()
    approval = approval_panel(people, user) if is_publisher(user) else None
    my_pages = my_pages_panel(people, user, today)
    imports = recent_imports(user)
    broken = broken_figures(user)
    people.load()
    return StartPage(
        approval=approval() if approval else None,
        my_pages=my_pages(),
        imports=imports,
        broken=broken,
        runs=running_imports(user),
    )


def start_page_view(request: HttpRequest) -> HttpResponse:
    """The admin's index: the user's start page, then the stock list of every model."""
    return admin.site.index(
        request, extra_context={"title": "Your work", "start": start_page(request.user)}
    )


__all__ = [
    "LISTED",
    "REVIEW_NOTICE",
    "BrokenFigure",
    "ImportRow",
    "Listing",
    "Panel",
    "People",
    "StartPage",
    "WorkItem",
    "broken_figures",
    "recent_imports",
    "running_imports",
    "start_page",
    "start_page_view",
]
