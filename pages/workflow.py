"""The life of a topic: draft -> in review -> published -> archived.

A new topic starts as a draft. A published topic is never edited in place: `start_draft`
copies it (fields, comparators, sections, links) into a draft that points to it with
`draft_of`, the public keeps seeing the published page, and `publish` copies the draft back
onto the published page (same address, same children) and deletes the draft. Every step is
recorded in the topic's history (django-simple-history, with a reason) and in the audit log."""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pages.models import Section, Status, Topic, TopicLink, one_save
from pages.permissions import can_edit, can_publish

# The fields a draft carries over to the published page (and back, when a draft is started).
CONTENT_FIELDS = (
    "title",
    "slug",
    "parent",
    "summary",
    "keywords",
    "sort_order",
    "area",
    "author",
    "last_updated",
    "review_due",
    "owner",
    "team",
)
SECTION_FIELDS = (
    "heading",
    "anchor",
    "body",
    "indicator",
    "breakdown_dimension",
    "sort_order",
)
LINK_FIELDS = ("title", "description", "file", "url", "sort_order")

logger = logging.getLogger(__name__)


class WorkflowError(Exception):
    """A step that the topic's state or the user's role does not allow; the message says why."""


def _audit(action: str, user, topic: Topic, detail: str = "") -> None:
    from audit.log import record

    record(action, user=user, target=topic, detail=detail)  # it keeps only a saved user


def _reason(topic: Topic, reason: str) -> None:
    topic._change_reason = reason  # read by django-simple-history on the next save


@transaction.atomic
def start_draft(topic: Topic, user) -> Topic:
    """The pending draft of a published page, made now if there is none; any other page is
    edited as it is."""
    if topic.draft_of_id:
        return topic
    if not can_edit(user, topic):
        raise WorkflowError("You may not edit this page.")
    if topic.status != Status.PUBLISHED:
        return topic  # a draft or a page in review is edited as it is
    # Two officers choosing "Edit as a draft" at once get the same draft, not an error.
    Topic.objects.select_for_update().filter(pk=topic.pk).first()
    existing = Topic.objects.filter(draft_of=topic).first()
    if existing is not None:
        return existing
    draft = Topic(draft_of=topic, status=Status.DRAFT)
    copy_content(topic, draft)
    _reason(draft, f"Draft of the published page started by {user}")
    draft.save()
    draft.comparators.set(topic.comparators.all())
    copy_parts(topic.sections.all(), topic.links.all(), draft)
    return draft


def copy_content(source: Topic, target: Topic) -> None:
    """Copy the content fields (a relation by its id, without loading it)."""
    for field in CONTENT_FIELDS:
        name = Topic._meta.get_field(field).attname
        setattr(target, name, getattr(source, name))


def copy_parts(sections, links, target: Topic) -> None:
    """Give `target` copies of these sections and links (of another page, or of a page as
    it once was)."""
    for section in sections:
        Section.objects.create(topic=target, **{f: getattr(section, f) for f in SECTION_FIELDS})
    for link in links:
        TopicLink.objects.create(topic=target, **{f: getattr(link, f) for f in LINK_FIELDS})


@transaction.atomic
def submit_for_review(topic: Topic, user) -> Topic:
    if not can_edit(user, topic):
        raise WorkflowError("You may not edit this page.")
    if topic.status != Status.DRAFT:
        raise WorkflowError(
            "Only a draft can be sent for review; this page is "
            f"{topic.get_status_display().lower()}."
        )
    topic.status = Status.REVIEW
    _reason(topic, "Sent for review")
    topic.save()
    return topic


@transaction.atomic
def return_to_draft(topic: Topic, user, note: str = "") -> Topic:
    if not can_publish(user):
        raise WorkflowError("Only a publisher can return a page in review to its author.")
    if topic.status != Status.REVIEW:
        raise WorkflowError("Only a page in review can be returned to draft.")
    topic.status = Status.DRAFT
    topic.publish_at = None
    _reason(topic, f"Returned to draft{': ' + note if note else ''}")
    topic.save()
    return topic


@transaction.atomic
def publish(topic: Topic, user, *, scheduled: bool = False) -> Topic:
    """Publish a draft or a page in review; returns the published page. A draft of a
    published page replaces that page's content and is then deleted."""
    if not scheduled and not can_publish(user):
        raise WorkflowError("Only a publisher can publish a page.")
    if topic.status not in (Status.DRAFT, Status.REVIEW):
        raise WorkflowError(
            f"This page is {topic.get_status_display().lower()}: only a draft or a page in "
            "review can be published."
        )
    now = timezone.now()
    if topic.draft_of_id:
        target = Topic.objects.select_for_update().get(pk=topic.draft_of_id)
        if target.status == Status.ARCHIVED:
            raise WorkflowError(
                "The published page this draft changes has been archived: bring it back "
                "before publishing the draft."
            )
        copy_content(topic, target)
        check_publishable(target)
        target.comparators.set(topic.comparators.all())
        # The published page's sections and links give way to the draft's, which move over.
        for section in target.sections.all():
            section.delete()
        for link in target.links.all():
            link.delete()
        for section in topic.sections.all():
            section.topic = target
            section.save()
        for link in topic.links.all():
            link.topic = target
            link.save()
        draft = topic
        _reason(draft, "Published: this draft replaced the published page")
        draft.delete()
    else:
        target = topic
        check_publishable(target)
    target.status = Status.PUBLISHED
    target.publish_at = None
    target.last_published_at = now
    if target.first_published_at is None:
        target.first_published_at = now
    target.published_by = user if user and user.is_authenticated else None
    how = "as scheduled" if scheduled else f"by {user}"
    _reason(target, f"Published {how}")
    target.save()
    _audit("publish", user, target, "As scheduled." if scheduled else "")
    return target


def validate_as_published(topic: Topic) -> None:
    """Raise ValidationError for content the page may not take: another page's address, a
    place under its own sub-pages. A draft of a published page is held to the rules of the
    page it will be copied onto (the database holds drafts of published pages to none)."""
    page = topic
    if topic.draft_of_id:
        page = Topic.objects.get(pk=topic.draft_of_id)
        copy_content(topic, page)
    page.clean()
    page.validate_constraints()


def check_publishable(topic: Topic) -> None:
    """`validate_as_published`, refusing in words as the workflow's steps do."""
    try:
        validate_as_published(topic)
    except ValidationError as error:
        raise WorkflowError(" ".join(error.messages)) from error


@transaction.atomic
def schedule(topic: Topic, user, when: datetime.datetime | None) -> Topic:
    """Publish automatically at `when` (or cancel the schedule with None); the
    `publish_scheduled` command, run every few minutes, does it."""
    if not can_publish(user):
        raise WorkflowError("Only a publisher can schedule a page.")
    if topic.status not in (Status.DRAFT, Status.REVIEW):
        raise WorkflowError("Only a draft or a page in review can be scheduled.")
    if when is not None and when <= timezone.now():
        raise WorkflowError("Choose a date and time in the future, or publish now.")
    topic.publish_at = when
    topic.published_by = user if when else None  # who approved it: the publication is theirs
    _reason(topic, f"Scheduled for {when:%d %b %Y %H:%M}" if when else "Schedule cancelled")
    topic.save()
    _audit("schedule", user, topic, f"{when:%Y-%m-%d %H:%M %Z}" if when else "Cancelled.")
    return topic


def publish_due(now: datetime.datetime | None = None) -> list[Topic]:
    """Publish every page whose time has come; returns the published pages. A page that cannot
    be published (e.g. its draft took another page's address) is logged and left scheduled,
    and does not hold up the others."""
    published = []
    for topic in Topic.objects.due_to_publish(now).select_related("published_by"):
        try:
            with one_save():  # the page and its sections: one version, as from the admin
                published.append(publish(topic, topic.published_by, scheduled=True))
        except WorkflowError as error:
            logger.error(
                "Scheduled page “%s” (id %s) was not published: %s", topic, topic.pk, error
            )
    return published


@transaction.atomic
def archive(topic: Topic, user) -> Topic:
    if not can_publish(user):
        raise WorkflowError("Only a publisher can archive a page.")
    if topic.status != Status.PUBLISHED or topic.draft_of_id:
        raise WorkflowError("Only a published page can be archived.")
    topic.status = Status.ARCHIVED
    _reason(topic, "Archived")
    topic.save()
    _audit("archive", user, topic)
    return topic


@transaction.atomic
def unarchive(topic: Topic, user) -> Topic:
    if not can_publish(user):
        raise WorkflowError("Only a publisher can bring back an archived page.")
    if topic.status != Status.ARCHIVED:
        raise WorkflowError("This page is not archived.")
    topic.status = Status.DRAFT
    _reason(topic, "Brought back from the archive as a draft")
    topic.save()
    return topic


@transaction.atomic
def discard(topic: Topic, user) -> Topic:
    """Throw away the draft of a published page (its history stays); returns the page."""
    if not topic.draft_of_id:
        raise WorkflowError("Only a draft of a published page can be discarded.")
    if not can_edit(user, topic):
        raise WorkflowError("You may not edit this page.")
    page = topic.draft_of
    _reason(topic, "Draft discarded")
    topic.delete()
    return page
