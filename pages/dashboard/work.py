"""The lists of pages and imports in the workflow: what awaits a publisher's approval, and
an officer's own pages. Who sent a page for review, and whether it came back, are read from
its history, where the workflow's steps write their reasons (`pages.workflow`)."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.text import capfirst

from audit.models import AuditEvent
from core.formatting import day_and_time
from indicators.definitions import may_approve
from indicators.models import DefinitionChange, ImportBatch
from indicators.releases import pending_releases
from pages.dashboard.lists import (
    LISTED,
    Listing,
    Panel,
    People,
    WorkItem,
    changelist,
    first,
    person,
    topic_url,
)
from pages.models import Status, Topic
from pages.permissions import AnyUser, looked_after_by
from pages.workflow import EDITABLE, RETURNED_TO_DRAFT, SENT_FOR_REVIEW

#: A page's review is listed from this long before it is due.
REVIEW_NOTICE = datetime.timedelta(days=28)


def _history(**filters: Any) -> QuerySet[Any]:
    """A topic's history records, newest first, for a subquery of the topic (OuterRef)."""
    return (
        Topic.history.filter(id=OuterRef("pk"), **filters)
        .order_by("-history_date", "-history_id")
        .values("history_date", "history_user_id", "history_change_reason")
    )


def _with_steps(topics: QuerySet[Topic]) -> QuerySet[Topic]:
    """Topics with who last sent each for review and when (`sent_at`, `sent_by_id`), the last
    step of the workflow taken (`step`, `step_at`, `step_by_id`), the last change
    (`edited_at`, `edited_by_id`), and whether figures wait to be released with it."""
    sent = _history(history_change_reason=SENT_FOR_REVIEW)
    step = _history(history_change_reason__gt="")  # a reason is written by the workflow's steps
    edit = _history()
    waiting = pending_releases().filter(release_with_topics=OuterRef("pk"))
    return topics.annotate(
        sent_at=Subquery(sent.values("history_date")[:1]),
        sent_by_id=Subquery(sent.values("history_user_id")[:1]),
        step=Subquery(step.values("history_change_reason")[:1]),
        step_at=Subquery(step.values("history_date")[:1]),
        step_by_id=Subquery(step.values("history_user_id")[:1]),
        edited_at=Subquery(edit.values("history_date")[:1]),
        edited_by_id=Subquery(edit.values("history_user_id")[:1]),
        figures_waiting=Exists(waiting),
    ).select_related("draft_of")


def _is_returned(topic: Any) -> bool:
    return topic.status == Status.DRAFT and (
        (topic.step or "").startswith(RETURNED_TO_DRAFT) or topic.figures_waiting
    )


def _about(topic: Topic) -> str:
    if topic.draft_of_id:
        return "Changes to the published page"
    if topic.first_published_at is None:
        return "New page"
    return ""


def _with_schedule(topic: Topic) -> str:
    """What the page is, and when it is to be published if it is scheduled."""
    if topic.publish_at is None:
        return _about(topic)
    when = f"to be published on {day_and_time(topic.publish_at)}"
    return f"{_about(topic)}; {when}" if _about(topic) else capfirst(when)


def approval_panel(people: People, user: AnyUser) -> Any:
    """The publisher's lists, as a function that makes the panel once `people` are loaded."""
    in_review, reviews = first(
        _with_steps(Topic.objects.filter(status=Status.REVIEW)).order_by("sent_at", "pk")
    )
    staged, stageds = first(
        pending_releases()
        .filter(release=ImportBatch.Release.STAGED)
        .select_related("imported_by")
        .order_by("imported_at", "pk")
    )
    scheduled_pages, scheduled_page_count = first(
        Topic.objects.filter(publish_at__isnull=False, status__in=EDITABLE)
        .select_related("published_by", "draft_of")
        .order_by("publish_at", "pk")
    )
    scheduled_batches, scheduled_batch_count = first(
        pending_releases()
        .filter(release=ImportBatch.Release.SCHEDULED)
        .select_related("imported_by")
        .order_by("publish_at", "pk")
    )
    definitions: list[DefinitionChange] = []
    definition_count = 0
    if may_approve(user):
        definitions, definition_count = first(
            DefinitionChange.objects.filter(status=DefinitionChange.Status.PENDING)
            .select_related("indicator", "proposed_by")
            .order_by("proposed_at", "pk")
        )
    people.want(*(topic.sent_by_id for topic in in_review))
    schedulers = _schedulers(scheduled_batches)

    def panel() -> Panel:
        scheduled = sorted(
            [
                WorkItem(
                    title=topic.title,
                    url=topic_url(topic),
                    about=f"Publication: {(_about(topic) or 'the page').lower()}",
                    who=person(topic.published_by),
                    when=topic.publish_at,
                )
                for topic in scheduled_pages
            ]
            + [
                WorkItem(
                    title=f"Import #{batch.pk}: {batch.file_name}",
                    url=reverse("admin:pages_topic_release", args=[batch.pk]),
                    about="Release of figures",
                    who=schedulers.get(batch.pk, ""),
                    when=batch.publish_at,
                )
                for batch in scheduled_batches
            ],
            key=lambda item: cast(datetime.datetime, item.when),  # each is scheduled for a time
        )[:LISTED]
        lists = [
            Listing(
                title="Drafts sent for review",
                items=[
                    WorkItem(
                        title=topic.title,
                        url=topic_url(topic),
                        about=_about(topic),
                        who=people.name(topic.sent_by_id),
                        when=topic.sent_at,
                    )
                    for topic in in_review
                ],
                total=reviews,
                who_label="Sent by",
                when_label="Sent",
                empty="No drafts are waiting for review.",
                more_url=changelist("pages_topic", status__exact=Status.REVIEW),
            ),
            Listing(
                title="Figures waiting for release",
                items=[
                    WorkItem(
                        title=f"Import #{batch.pk}: {batch.file_name}",
                        url=reverse("admin:pages_topic_release", args=[batch.pk]),
                        about=f"{batch.rows_added:,} new, {batch.rows_changed:,} changed",
                        who=person(batch.imported_by),
                        when=batch.imported_at,
                    )
                    for batch in staged
                ],
                total=stageds,
                item_label="Import",
                who_label="Imported by",
                when_label="Imported",
                empty="No staged figures are waiting for release.",
                more_url=reverse("admin:pages_topic_releases"),
            ),
            Listing(
                title="Scheduled",
                items=scheduled,
                total=scheduled_page_count + scheduled_batch_count,
                item_label="Page or import",
                who_label="Scheduled by",
                when_label="Goes out",
                empty="Nothing is scheduled.",
            ),
        ]
        if may_approve(user):
            lists.append(
                Listing(
                    title="Changes to indicator definitions",
                    items=[
                        WorkItem(
                            title=change.indicator.name,
                            url=reverse(
                                "admin:indicators_definitionchange_change", args=[change.pk]
                            ),
                            about=capfirst(", ".join(change.field_labels())),
                            who=person(change.proposed_by),
                            when=change.proposed_at,
                        )
                        for change in definitions
                    ],
                    total=definition_count,
                    item_label="Indicator",
                    who_label="Proposed by",
                    when_label="Proposed",
                    empty="No changes to indicator definitions are waiting.",
                    more_url=changelist(
                        "indicators_definitionchange",
                        status__exact=DefinitionChange.Status.PENDING,
                    ),
                )
            )
        return Panel(
            title="Awaiting my approval",
            anchor="awaiting-approval",
            lists=lists,
            empty="Nothing is waiting for your approval.",
        )

    return panel


def _schedulers(batches: list[ImportBatch]) -> dict[int, str]:
    """Who scheduled each of these releases, from the audit log (the import keeps no record of
    it): one query, if there are any."""
    urls = {reverse("admin:indicators_importbatch_change", args=[b.pk]): b.pk for b in batches}
    if not urls:
        return {}
    events = AuditEvent.objects.filter(
        action=AuditEvent.Action.SCHEDULE, target_url__in=list(urls)
    ).select_related("actor")
    return {  # the latest scheduling of each wins
        urls[event.target_url]: person(event.actor) or event.actor_name
        for event in events.order_by("at", "pk")
    }


def my_pages_panel(people: People, user: AnyUser, today: datetime.date) -> Any:
    mine = looked_after_by(user) | Q(sent_by_id=user.pk)
    working: list[Any] = list(  # topics, with the annotations of _with_steps
        _with_steps(Topic.objects.filter(status__in=EDITABLE))
        .filter(mine)
        .order_by("-edited_at", "pk")
    )
    due, due_count = first(
        Topic.objects.pages()
        .live()
        .filter(looked_after_by(user), review_due__lte=today + REVIEW_NOTICE)
        .order_by("review_due", "path")
    )
    returned = [t for t in working if _is_returned(t)]
    drafts = [t for t in working if t.status == Status.DRAFT and not _is_returned(t)]
    in_review = [t for t in working if t.status == Status.REVIEW]
    for topic in working:
        people.want(topic.sent_by_id, topic.step_by_id, topic.edited_by_id)

    def panel() -> Panel:
        def note(topic: Any) -> str:
            if (topic.step or "").startswith(RETURNED_TO_DRAFT + ": "):
                return topic.step.removeprefix(RETURNED_TO_DRAFT + ": ")
            if topic.figures_waiting:
                return "Staged figures will be released when this draft is published."
            return ""

        return Panel(
            title="My pages",
            anchor="my-pages",
            intro="The pages you look after, alone or with your team, and those you sent "
            "for review.",
            empty="None of your pages needs you now: you have no drafts, none is in review "
            "or returned to you, and no review is due in the next four weeks.",
            lists=[
                Listing(
                    title="Returned to you",
                    items=[
                        WorkItem(
                            title=t.title,
                            url=topic_url(t),
                            about=_about(t),
                            who=people.name(t.step_by_id),
                            when=t.step_at,
                            note=note(t),
                        )
                        for t in returned[:LISTED]
                    ],
                    total=len(returned),
                    who_label="Returned by",
                    when_label="Returned",
                    empty="No drafts have been returned to you.",
                ),
                Listing(
                    title="Drafts",
                    items=[
                        WorkItem(
                            title=t.title,
                            url=topic_url(t),
                            about=_with_schedule(t),
                            who=people.name(t.edited_by_id),
                            when=t.edited_at,
                        )
                        for t in drafts[:LISTED]
                    ],
                    total=len(drafts),
                    who_label="Last changed by",
                    when_label="Last changed",
                    empty="You have no drafts.",
                    more_url=changelist("pages_topic", mine="1", status__exact=Status.DRAFT),
                ),
                Listing(
                    title="In review",
                    items=[
                        WorkItem(
                            title=t.title,
                            url=topic_url(t),
                            about=_with_schedule(t),
                            who=people.name(t.sent_by_id),
                            when=t.sent_at,
                        )
                        for t in in_review[:LISTED]
                    ],
                    total=len(in_review),
                    who_label="Sent by",
                    when_label="Sent",
                    empty="None of your pages is waiting for a publisher.",
                    more_url=changelist("pages_topic", mine="1", status__exact=Status.REVIEW),
                ),
                Listing(
                    title="Review due",
                    items=[
                        WorkItem(
                            title=t.title,
                            url=topic_url(t),
                            when=t.review_due,
                            overdue=t.review_due < today,
                            about="Overdue" if t.review_due < today else "Due soon",
                        )
                        for t in due
                    ],
                    total=due_count,
                    when_label="Review due",
                    empty="No reviews are due in the next four weeks.",
                    more_url=reverse("admin:pages_topic_review") + "?mine=1",
                ),
            ],
        )

    return panel
