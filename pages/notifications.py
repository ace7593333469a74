"""Emails about the work waiting for someone: to the publishers when a draft is sent for review
(and, once the importer calls it, when an import's figures are staged for release), and to the
officer who sent a draft when it is returned to them or published. Each names the page, who did
what and when, and gives the absolute link to the work (`settings.SITE_URL`).

The workflow (`pages.workflow`) decides when and to whom; this module writes the messages and
sends them with Django's email framework once the transaction that made the change commits
(`transaction.on_commit`), so that nobody is told of a change that was rolled back. A user
without an email address is left out; a message that cannot be delivered is logged and does
not undo the change it reports."""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission, User
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from indicators.models import ImportBatch
from pages.models import Topic

logger = logging.getLogger(__name__)

PUBLISH_PERMISSION = ("pages", "publish_topic")


def absolute(path: str) -> str:
    """The address of a path on the site, for a link in an email."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def person(user: User | None) -> str:
    """A user as a message names them: their full name and username, or their username."""
    if user is None:
        return "someone"
    full_name = user.get_full_name()
    return f"{full_name} ({user.get_username()})" if full_name else user.get_username()


def publishers() -> QuerySet[User]:
    """The active staff who may publish pages (Publishers, Administrators, superusers), as
    `pages.permissions.is_publisher` judges them. One query."""
    app_label, codename = PUBLISH_PERMISSION
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=permission)
            | Q(groups__permissions__in=permission)
        )
        .distinct()
        .order_by("username")
    )


def _send(
    subject: str, template: str, context: dict, to: Iterable[User], *, actor: User | None = None
) -> int:
    """Write one message to each of `to` (but the `actor`, who knows what they did, and anyone
    without an email address) and send them when the transaction commits. The number of
    messages to be sent."""
    addresses = sorted(
        {user.email for user in to if user.email and (actor is None or user.pk != actor.pk)}
    )
    if not addresses:
        return 0
    body = render_to_string(template, {**context, "site_name": settings.SITE_NAME}).strip() + "\n"
    messages = [
        EmailMessage(subject=f"{subject} ({settings.SITE_NAME})", body=body, to=[address])
        for address in addresses
    ]
    transaction.on_commit(partial(_deliver, messages))
    return len(messages)


def _deliver(messages: list[EmailMessage]) -> None:
    try:
        get_connection().send_messages(messages)
    except (smtplib.SMTPException, OSError):
        # The change is made and stays made: say so where administrators look, and go on.
        logger.exception("Could not send %d email(s) “%s”", len(messages), messages[0].subject)


def _saved(user: object) -> User | None:
    return user if isinstance(user, User) and user.pk else None


def _page_context(topic: Topic) -> dict:
    return {
        "topic": topic,
        "admin_url": absolute(reverse("admin:pages_topic_change", args=[topic.pk])),
        "changes_published_page": bool(topic.draft_of_id),
    }


# --- The messages ---------------------------------------------------------------------------


def sent_for_review(topic: Topic, sender: object, *, when: datetime.datetime | None = None) -> int:
    """Tell the publishers that `sender` sent `topic` for review."""
    sender = _saved(sender)
    context = {
        **_page_context(topic),
        "sender": person(sender),
        "when": when or timezone.now(),
        "preview_url": absolute(topic.get_absolute_url()),
    }
    return _send(
        f"Sent for review: {topic.title}",
        "emails/sent_for_review.txt",
        context,
        publishers(),
        actor=sender,
    )


def returned(
    topic: Topic,
    by: object,
    *,
    to: User | None,
    note: str = "",
    when: datetime.datetime | None = None,
) -> int:
    """Tell the officer `to` that publisher `by` returned their draft `topic`, with the note."""
    by = _saved(by)
    context = {
        **_page_context(topic),
        "publisher": person(by),
        "note": note,
        "when": when or timezone.now(),
    }
    return _send(
        f"Returned to you: {topic.title}",
        "emails/returned.txt",
        context,
        [to] if to else [],
        actor=by,
    )


def published(
    page: Topic,
    by: object,
    *,
    to: User | None,
    scheduled: bool = False,
    when: datetime.datetime | None = None,
) -> int:
    """Tell the officer `to` that their page (or their draft of it) is now published as
    `page`, by `by` or as `by` scheduled it."""
    by = _saved(by)
    context = {
        **_page_context(page),
        "publisher": person(by),
        "scheduled": scheduled,
        "when": when or page.last_published_at or timezone.now(),
        "public_url": absolute(page.get_absolute_url()),
    }
    return _send(
        f"Published: {page.title}",
        "emails/published.txt",
        context,
        [to] if to else [],
        actor=None if scheduled else by,
    )


def import_staged(batch: ImportBatch) -> int:
    """Tell the publishers that an import's figures are staged, waiting for their release
    (called by the importer through `core.hooks.IMPORT_STAGED`)."""
    importer = _saved(batch.imported_by)
    context = {
        "batch": batch,
        "importer": person(importer),
        "when": batch.imported_at or timezone.now(),
        "release_url": absolute(reverse("admin:pages_topic_release", args=[batch.pk])),
    }
    return _send(
        f"Figures waiting for release: import #{batch.pk}",
        "emails/import_staged.txt",
        context,
        publishers(),
        actor=importer,
    )
