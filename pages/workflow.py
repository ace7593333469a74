"""The life of a topic: draft -> in review -> published -> archived.

A new topic starts as a draft. A published topic is never edited in place: `start_draft`
copies it (fields, comparators, sections, links) into a draft that points to it with
`draft_of`, the public keeps seeing the published page, and `publish` copies the draft back
onto the published page (same address, same children) and deletes the draft. Every step is
recorded in the topic's history (django-simple-history, with a reason) and in the audit log.

Each step has one rule, `can_<step>(user, topic)`, which says whether the user may take it now
and, if not, why: the step refuses by it, and the admin offers the step's button by it.

Sending a page for review tells the publishers by email; returning it or publishing it tells
the officer who sent it (or, if nobody did, the officer who owns it), each after the step's
transaction commits (`pages.notifications`)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.formatting import day_and_time
from indicators.releases import publish_release
from pages import notifications
from pages.models import Section, Status, Topic, TopicLink, one_save
from pages.permissions import AnyUser, can_edit, is_publisher

# The fields a draft carries over to the published page (and back, when a draft is started).
CONTENT_FIELDS = (
    "title",
    "slug",
    "parent",
    "summary",
    "keywords",
    "sort_order",
    "area",
    "comparator_group",
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
# The states in which a topic's content is changed as it is (a published page, through a draft).
EDITABLE = (Status.DRAFT, Status.REVIEW)
NOT_YOURS = "You may not edit this page."
# The reasons the steps write in the page's history: the start page reads who sent a page for
# review, and whether it came back, from them.
SENT_FOR_REVIEW = "Sent for review"
RETURNED_TO_DRAFT = "Returned to draft"
# The history's reason column holds this many characters (django-simple-history's default).
REASON_LENGTH = 100

logger = logging.getLogger(__name__)


class WorkflowError(Exception):
    """A step that the topic's state or the user's role does not allow; the message says why."""


@dataclass(frozen=True)
class Verdict:
    """Whether a user may take a step now and, if not, why, in words for them; true or false
    as the answer is. A refusal is `forbidden` when it is for who the user is, whatever state
    the page is in."""

    allowed: bool
    reason: str = ""
    forbidden: bool = False

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Verdict(True)


def _refused(reason: str) -> Verdict:
    return Verdict(False, reason)


def _forbidden(reason: str) -> Verdict:
    return Verdict(False, reason, forbidden=True)


def _require(verdict: Verdict) -> None:
    if not verdict:
        raise WorkflowError(verdict.reason)


def _first_refusal(*checks: tuple[bool, Verdict]) -> Verdict:
    """The verdict of a rule made of checks, in order: the refusal of the first that fails."""
    return next((refusal for passed, refusal in checks if not passed), ALLOWED)


# --- The rules: who may take each step, and when ------------------------------------------


def can_start_draft(user: AnyUser, topic: Topic) -> Verdict:
    """May start a draft of a published page, or go on with the one it has: whoever may edit
    it. A page that is not published is not copied but edited as it is, and a draft of a
    published page is the draft: `start_draft` gives either back as it is."""
    return _first_refusal(
        (not topic.draft_of_id, _refused("This is the draft of the published page.")),
        (can_edit(user, topic), _forbidden(NOT_YOURS)),
        (
            topic.status == Status.PUBLISHED,
            _refused("Only a published page is changed through a draft."),
        ),
    )


def can_submit_for_review(user: AnyUser, topic: Topic) -> Verdict:
    return _first_refusal(
        (can_edit(user, topic), _forbidden(NOT_YOURS)),
        (
            topic.status == Status.DRAFT,
            _refused(
                "Only a draft can be sent for review; this page is "
                f"{topic.get_status_display().lower()}."
            ),
        ),
    )


def can_return_to_draft(user: AnyUser, topic: Topic) -> Verdict:
    return _first_refusal(
        (
            is_publisher(user),
            _forbidden("Only a publisher can return a page in review to its author."),
        ),
        (
            topic.status == Status.REVIEW,
            _refused("Only a page in review can be returned to draft."),
        ),
    )


def can_publish(user: AnyUser | None, topic: Topic, *, scheduled: bool = False) -> Verdict:
    """May publish a draft or a page in review now. A scheduled publication was approved by a
    publisher when it was scheduled, and is not asked again whose it is."""
    published = topic.draft_of
    return _first_refusal(
        (
            scheduled or (user is not None and is_publisher(user)),
            _forbidden("Only a publisher can publish a page."),
        ),
        (
            topic.status in EDITABLE,
            _refused(
                f"This page is {topic.get_status_display().lower()}: only a draft or a page "
                "in review can be published."
            ),
        ),
        (
            published is None or published.status != Status.ARCHIVED,
            _refused(
                "The published page this draft changes has been archived: bring it back "
                "before publishing the draft."
            ),
        ),
    )


def can_schedule(user: AnyUser, topic: Topic) -> Verdict:
    """May schedule the topic's publication, or cancel the schedule."""
    return _first_refusal(
        (is_publisher(user), _forbidden("Only a publisher can schedule a page.")),
        (
            topic.status in EDITABLE,
            _refused("Only a draft or a page in review can be scheduled."),
        ),
    )


def can_archive(user: AnyUser, topic: Topic) -> Verdict:
    return _first_refusal(
        (is_publisher(user), _forbidden("Only a publisher can archive a page.")),
        (
            topic.status == Status.PUBLISHED and not topic.draft_of_id,
            _refused("Only a published page can be archived."),
        ),
    )


def can_unarchive(user: AnyUser, topic: Topic) -> Verdict:
    return _first_refusal(
        (is_publisher(user), _forbidden("Only a publisher can bring back an archived page.")),
        (topic.status == Status.ARCHIVED, _refused("This page is not archived.")),
    )


def can_discard(user: AnyUser, topic: Topic) -> Verdict:
    return _first_refusal(
        (
            bool(topic.draft_of_id),
            _refused("Only a draft of a published page can be discarded."),
        ),
        (can_edit(user, topic), _forbidden(NOT_YOURS)),
    )


def can_revert(user: AnyUser, topic: Topic) -> Verdict:
    """May put the page back as it was at an earlier moment (a published page, in a draft)."""
    return _first_refusal(
        (can_edit(user, topic), _forbidden(NOT_YOURS)),
        (
            topic.status != Status.ARCHIVED,
            _refused("Bring the page back from the archive before reverting it."),
        ),
    )


# --- The steps ------------------------------------------------------------------------------


def _audit(action: str, user: AnyUser | None, topic: Topic, detail: str = "") -> None:
    from audit.log import record

    record(action, user=user, target=topic, detail=detail)  # it keeps only a saved user


def _reason(topic: Topic, reason: str, user: AnyUser | None = None) -> None:
    """Say why the topic's next save is made, and by whom, in its history (read by
    django-simple-history, which otherwise takes the user of the web request, and nobody
    outside one). A reason longer than the history holds is cut short, saying so."""
    if len(reason) > REASON_LENGTH:
        reason = reason[: REASON_LENGTH - 1] + "…"
    topic._change_reason = reason
    if _saved(user) is not None:
        cast(Any, topic)._history_user = user  # an attribute django-simple-history reads


def last_sender(topic: Topic) -> User | None:
    """Who last sent the topic for review, if anyone did (and their account still exists)."""
    record = (
        Topic.history.filter(id=topic.pk, history_change_reason=SENT_FOR_REVIEW)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
        .first()
    )
    return record.history_user if record is not None else None


def officer_to_tell(topic: Topic) -> User | None:
    """Whom to tell what became of a page: who sent it for review, or else its owner."""
    return last_sender(topic) or topic.owner


@transaction.atomic
def start_draft(topic: Topic, user: AnyUser) -> Topic:
    """The pending draft of a published page, made now if there is none; any other page is
    edited as it is."""
    verdict = can_start_draft(user, topic)
    if not verdict:
        if verdict.forbidden:
            raise WorkflowError(verdict.reason)
        return topic  # a draft or a page in review is edited as it is
    # Two officers choosing "Edit as a draft" at once get the same draft, not an error.
    Topic.objects.select_for_update().filter(pk=topic.pk).first()
    existing = Topic.objects.filter(draft_of=topic).first()
    if existing is not None:
        return existing
    draft = Topic(draft_of=topic, status=Status.DRAFT)
    copy_content(topic, draft)
    _reason(draft, f"Draft of the published page started by {user}", user)
    draft.save()
    draft.comparators.set(topic.comparators.all())
    copy_parts(topic.sections.all(), topic.links.all(), draft)
    return draft


def copy_content(source: Topic, target: Topic) -> None:
    """Copy the content fields (a relation by its id, without loading it)."""
    attnames = {field.name: field.attname for field in Topic._meta.concrete_fields}
    for field in CONTENT_FIELDS:
        name = attnames[field]
        setattr(target, name, getattr(source, name))


def copy_parts(sections: Iterable[Section], links: Iterable[TopicLink], target: Topic) -> None:
    """Give `target` copies of these sections and links (of another page, or of a page as
    it once was)."""
    for section in sections:
        Section.objects.create(topic=target, **{f: getattr(section, f) for f in SECTION_FIELDS})
    for link in links:
        TopicLink.objects.create(topic=target, **{f: getattr(link, f) for f in LINK_FIELDS})


@transaction.atomic
def submit_for_review(topic: Topic, user: AnyUser) -> Topic:
    _require(can_submit_for_review(user, topic))
    topic.status = Status.REVIEW
    _reason(topic, SENT_FOR_REVIEW, user)
    topic.save()
    notifications.sent_for_review(topic, user)
    return topic


@transaction.atomic
def return_to_draft(topic: Topic, user: AnyUser, note: str = "") -> Topic:
    _require(can_return_to_draft(user, topic))
    topic.status = Status.DRAFT
    topic.publish_at = None
    _reason(topic, f"{RETURNED_TO_DRAFT}{': ' + note if note else ''}", user)
    topic.save()
    notifications.returned(topic, user, to=officer_to_tell(topic), note=note)
    return topic


@transaction.atomic
def publish(topic: Topic, user: AnyUser | None, *, scheduled: bool = False) -> Topic:
    """Publish a draft or a page in review; returns the published page. A draft of a
    published page replaces that page's content and is then deleted."""
    if topic.draft_of_id:
        # The page the draft changes as it is now, held until this is done: it may have been
        # archived since the draft was loaded, and may not be archived while it is published.
        topic.draft_of = Topic.objects.select_for_update().get(pk=topic.draft_of_id)
    _require(can_publish(user, topic, scheduled=scheduled))
    officer = officer_to_tell(topic)  # read now: a draft's history is its own, and it goes
    now = timezone.now()
    # Figures staged to go out with this page's words are released with them.
    for batch in topic.release_with.all():
        if batch.is_pending:
            publish_release(batch, user=_saved(user))
    target = topic.public_topic
    if target is not topic:
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
        _reason(draft, "Published: this draft replaced the published page", user)
        draft.delete()
    else:
        check_publishable(target)
    target.status = Status.PUBLISHED
    target.publish_at = None
    target.last_published_at = now
    if target.first_published_at is None:
        target.first_published_at = now
    target.published_by = _saved(user)
    how = "as scheduled" if scheduled else f"by {user}"
    _reason(target, f"Published {how}", user)
    target.save()
    _audit("publish", user, target, "As scheduled." if scheduled else "")
    notifications.published(target, user, to=officer, scheduled=scheduled, when=now)
    return target


def _saved(user: AnyUser | None) -> User | None:
    """The user to name on the page as who published it: nobody, for an anonymous one."""
    return user if isinstance(user, User) and user.is_authenticated else None


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
def schedule(topic: Topic, user: AnyUser, when: datetime.datetime | None) -> Topic:
    """Publish automatically at `when` (or cancel the schedule with None); the
    `publish_scheduled` command, run every few minutes, does it."""
    _require(can_schedule(user, topic))
    if when is not None and when <= timezone.now():
        raise WorkflowError("Choose a date and time in the future, or publish now.")
    topic.publish_at = when
    topic.published_by = _saved(user) if when else None  # who approved it: it is theirs
    _reason(topic, f"Scheduled for {day_and_time(when)}" if when else "Schedule cancelled", user)
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
def archive(topic: Topic, user: AnyUser) -> Topic:
    _require(can_archive(user, topic))
    topic.status = Status.ARCHIVED
    _reason(topic, "Archived", user)
    topic.save()
    _audit("archive", user, topic)
    return topic


@transaction.atomic
def unarchive(topic: Topic, user: AnyUser) -> Topic:
    _require(can_unarchive(user, topic))
    topic.status = Status.DRAFT
    _reason(topic, "Brought back from the archive as a draft", user)
    topic.save()
    return topic


@transaction.atomic
def discard(topic: Topic, user: AnyUser) -> Topic:
    """Throw away the draft of a published page (its history stays); returns the page."""
    _require(can_discard(user, topic))
    page = topic.public_topic
    _reason(topic, "Draft discarded", user)
    topic.delete()
    return page
