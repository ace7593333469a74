"""Which cached pages a change to the topic pages' content empties (see core/caching.py).

- A topic: its own page, its parent's (which lists it) and, through the ancestors' tags every
  topic page names, the pages under it (their breadcrumbs). When the topic is or was
  published and what lists show of it changed (title, keywords, summary, place, status), the
  home page, the A to Z and the lists too (`CONTENT`); when it is published or unpublished,
  the pages of its indicators (an indicator is public only when a published page shows it).
- A section, link or the page's comparators: the topic's page; a section of a published
  page, also its indicator's pages and the lists (`CONTENT`).
- An author: the pages they wrote (every page, when one is deleted).

Drafts, which the public never see, empty nothing but their own (never cached) page.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_save

from core.caching import CONTENT, EVERYTHING, changes_tags, tag
from pages.models import Section, Status, Topic

#: What the home page, the A to Z, search and the lists show of a topic.
LISTED = ("title", "slug", "path", "summary", "keywords", "sort_order", "parent_id", "status")


def remember_listed(sender: type[Topic], instance: Topic, raw: bool = False, **kwargs: Any) -> None:
    """Before a topic is saved: what the lists showed of it (one query), to compare after."""
    if raw or instance.pk is None or instance.draft_of_id is not None:
        instance._listed_before = None  # type: ignore[attr-defined]
        return
    instance._listed_before = (  # type: ignore[attr-defined]
        Topic.objects.filter(pk=instance.pk).values(*LISTED).first()
    )


def topic_tags(topic: Topic) -> list[str]:
    tags = [tag("topic", topic.pk)]
    if topic.draft_of_id is not None:
        return tags  # a pending draft: not public
    if topic.parent_id is not None:
        tags.append(tag("topic", topic.parent_id))
    before = getattr(topic, "_listed_before", None)
    now = {field: getattr(topic, field) for field in LISTED}
    was_public = before is not None and before["status"] == Status.PUBLISHED
    is_public = topic.status == Status.PUBLISHED
    if not (was_public or is_public):
        return tags
    if before is None or before != now:
        tags.append(CONTENT)
    if was_public != is_public:
        tags += [
            tag("indicator", pk)
            for pk in Section.objects.filter(topic_id=topic.pk, indicator__isnull=False)
            .values_list("indicator_id", flat=True)
            .distinct()
        ]
    return tags


def section_tags(section: Section) -> list[str]:
    tags = [tag("topic", section.topic_id)]
    if section.indicator_id is not None and (
        Topic.objects.filter(pk=section.topic_id, status=Status.PUBLISHED).exists()
    ):
        tags += [tag("indicator", section.indicator_id), CONTENT]
    return tags


def connect() -> None:
    pre_save.connect(
        remember_listed, sender=Topic, weak=False, dispatch_uid="pages_cache_tags_listed"
    )
    changes_tags("pages.Topic", topic_tags, m2m=("pages.Topic_comparators",))
    changes_tags("pages.Section", section_tags)
    changes_tags("pages.TopicLink", lambda link: (tag("topic", link.topic_id),))
    changes_tags("pages.PageAuthor", author_tags)


def author_tags(author: Any) -> list[str]:
    # Once deleted, the pages no longer name the author (SET_NULL, without signals): which
    # pages did is lost, so every page is built again.
    pks = list(author.topics.values_list("pk", flat=True)) if author.pk is not None else []
    return [tag("topic", pk) for pk in pks] or [EVERYTHING]
