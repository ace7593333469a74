"""A topic's history: every change to it, its sections and its links, who made it and when
(recorded by django-simple-history), the page as it stood at any moment, a readable
difference between two moments, and reverting to one.

A moment is a `history_date`. The page at a moment is rebuilt from the latest record of the
topic and of each section and link that was on it then (`as_of`), so a change to one section
is a version of the page like any other."""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.formatting import day_and_time
from pages.models import Section, Topic, TopicLink
from pages.permissions import AnyUser
from pages.workflow import (
    CONTENT_FIELDS,
    WorkflowError,
    _audit,
    _reason,
    _require,
    can_revert,
    check_publishable,
    copy_content,
    copy_parts,
    start_draft,
)

# Fields compared between versions, with the words a reader sees.
TOPIC_LABELS = {
    "title": "Title",
    "slug": "Address (slug)",
    "parent": "Parent page",
    "summary": "Summary",
    "keywords": "Keywords",
    "sort_order": "Order",
    "area": "Area",
    "author": "Named contact",
    "last_updated": "Last reviewed",
    "review_due": "Review due",
    "owner": "Owner",
    "team": "Team",
    "status": "Status",
}
SECTION_LABELS = {
    "heading": "Heading",
    "body": "Narrative",
    "indicator": "Indicator",
    "breakdown_dimension": "Broken down by",
    "sort_order": "Order",
}


@dataclass
class Change:
    """One saved change: a historical record of the topic, a section or a link."""

    at: datetime.datetime
    user: object
    kind: str  # "page", "section", "link"
    action: str  # "created", "changed", "deleted"
    label: str
    reason: str
    previous_at: datetime.datetime | None = None  # the change before it, to compare with
    # Made in a draft of this (published) page: who wrote what was later published, but not a
    # moment of the page itself, to compare or revert to.
    in_draft: bool = False
    revertable: bool = False  # a moment of the page before its latest change
    save_id: str = ""  # the request that made it: one save of a page is one version
    parts: list[str] = field(default_factory=list)  # what one save changed, record by record
    oldest: datetime.datetime | None = None

    def describe(self) -> str:
        what = {"page": "Page", "section": f"Section “{self.label}”"}.get(
            self.kind, f"Link “{self.label}”"
        )
        where = " in a draft" if self.in_draft else ""
        return f"{what} {self.action}{where}" + (f": {self.reason}" if self.reason else "")


@dataclass
class Snapshot:
    """The page as it stood at one moment."""

    topic: Topic
    sections: list[Section] = field(default_factory=list)
    links: list[TopicLink] = field(default_factory=list)


@dataclass
class Difference:
    what: str
    old: str
    new: str
    html: SafeString


_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def changes(topic: Topic, limit: int = 200, *, hidden_drafts: Iterable[int] = ()) -> list[Change]:
    """The latest changes to the page, newest first, with those made in its drafts (a published
    page is changed through drafts, which are deleted once published); but none made in the
    drafts `hidden_drafts` (pending drafts the reader may not see)."""
    drafts = set(Topic.history.filter(draft_of_id=topic.pk).order_by().values_list("id", flat=True))
    drafts -= set(hidden_drafts)
    ids = [topic.pk, *drafts]
    # (history, kind, the record's label, the column that says which page it is on)
    tables = (
        (Topic.history, "page", "title", "id"),
        (Section.history, "section", "heading", "topic_id"),
        (TopicLink.history, "link", "title", "topic_id"),
    )
    records = [
        (r, kind, getattr(r, label), getattr(r, on))
        for history, kind, label, on in tables
        for r in history.filter(**{f"{on}__in": ids})
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    ]
    result = [
        Change(
            at=r.history_date,
            user=r.history_user,
            kind=kind,
            action=_ACTIONS.get(r.history_type, "changed"),
            label=label,
            reason=r.history_change_reason or "",
            in_draft=on != topic.pk,
            save_id=r.save_id,
        )
        for r, kind, label, on in records
    ]
    result.sort(key=lambda c: c.at, reverse=True)
    result = _group(result[:limit])
    moments = [change for change in result if not change.in_draft]
    for newer, older in zip(moments, moments[1:], strict=False):
        newer.previous_at = older.at
        older.revertable = True
    return result


def _group(records: list[Change]) -> list[Change]:
    """One entry per save: consecutive records (newest first) with the same save id. The
    entry's moment is its newest record, so comparing with or reverting to it takes the whole
    save, never half of it. A save that touched the page itself (publishing a draft writes
    both the draft and the page) is a moment of the page; one only in its drafts is not."""
    groups: list[Change] = []
    for record in records:
        last = groups[-1] if groups else None
        if last is not None and record.save_id and last.save_id == record.save_id:
            last.parts.append(record.describe())
            last.oldest = record.at
            last.in_draft = last.in_draft and record.in_draft
            continue
        record.parts = [record.describe()]
        record.oldest = record.at
        groups.append(record)
    return groups


def snapshot(topic: Topic, at: datetime.datetime) -> Snapshot:
    """The page as it was at `at` (just after the change made then)."""
    record = (
        Topic.history.filter(id=topic.pk, history_date__lte=at)
        .exclude(history_type="-")
        .order_by("-history_date")
        .first()
    )
    if record is None:
        raise WorkflowError("The page did not exist yet at that time.")
    return Snapshot(
        topic=record.instance,
        sections=sorted(_parts_as_of(Section, topic.pk, at), key=lambda s: (s.sort_order, s.pk)),
        links=sorted(_parts_as_of(TopicLink, topic.pk, at), key=lambda s: (s.sort_order, s.pk)),
    )


def current(topic: Topic) -> Snapshot:
    return Snapshot(topic=topic, sections=list(topic.sections.all()), links=list(topic.links.all()))


def _parts_as_of(model, topic_pk: int, at: datetime.datetime) -> list:
    """The sections (or links) on the page at `at`: the latest record of each one that was
    ever on it, if that record was on the page and not a deletion."""
    ever = model.history.filter(topic_id=topic_pk).values("id")
    return list(
        model.history.filter(history_date__lte=at, id__in=ever)
        .latest_of_each()
        .as_instances()
        .filter(topic_id=topic_pk)
    )


def _display(obj, name: str) -> str:
    model_field = obj._meta.get_field(name)
    if model_field.is_relation:
        related_id = getattr(obj, f"{name}_id")
        if related_id is None:
            return ""
        try:
            return str(getattr(obj, name))
        except model_field.related_model.DoesNotExist:
            return f"(deleted {model_field.related_model._meta.verbose_name})"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(getattr(obj, name), getattr(obj, name)))
    value = getattr(obj, name)
    return "" if value is None else str(value)


_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> SafeString:
    """The new text with deleted words struck through and added words marked."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return mark_safe("".join(parts))


def diff(old: Snapshot, new: Snapshot) -> list[Difference]:
    """What changed from `old` to `new`, field by field and section by section."""
    result = []
    for name, label in TOPIC_LABELS.items():
        a, b = _display(old.topic, name), _display(new.topic, name)
        if a != b:
            result.append(Difference(label, a, b, word_diff(a, b)))
    old_sections = {s.anchor: s for s in old.sections}
    new_sections = {s.anchor: s for s in new.sections}
    for anchor in list(dict.fromkeys([*old_sections, *new_sections])):
        a, b = old_sections.get(anchor), new_sections.get(anchor)
        if a is None:
            text = f"{b.heading}\n\n{b.body}"
            result.append(Difference(f"Section “{b.heading}” added", "", text, word_diff("", text)))
            continue
        if b is None:
            text = f"{a.heading}\n\n{a.body}"
            result.append(
                Difference(f"Section “{a.heading}” removed", text, "", word_diff(text, ""))
            )
            continue
        for name, label in SECTION_LABELS.items():
            x, y = _display(a, name), _display(b, name)
            if x != y:
                result.append(
                    Difference(f"Section “{b.heading}”: {label.lower()}", x, y, word_diff(x, y))
                )
    old_links = {(link.title, link.url, str(link.file)) for link in old.links}
    new_links = {(link.title, link.url, str(link.file)) for link in new.links}
    for title, url, file in sorted(old_links - new_links):
        result.append(
            Difference("Link removed", title, "", word_diff(f"{title} {url or file}", ""))
        )
    for title, url, file in sorted(new_links - old_links):
        result.append(Difference("Link added", "", title, word_diff("", f"{title} {url or file}")))
    return result


@transaction.atomic
def revert(topic: Topic, at: datetime.datetime, user: AnyUser) -> Topic:
    """Put the page's content back as it was at `at`. A published page gets a draft with that
    content (the public page is unchanged until the draft is published); a draft is changed
    in place. Returns the topic that now holds the content."""
    _require(can_revert(user, topic))
    old = snapshot(topic, at)
    target = start_draft(topic, user)  # a published page's draft; any other page is itself
    # Who looks after the page is not content: a revert neither gives the page back to whoever
    # looked after it then nor takes it from those who do now (officers may not change it).
    keepers = target.owner_id, target.team_id
    copy_content(old.topic, target)
    target.owner_id, target.team_id = keepers
    check_publishable(target)  # the old address may have been taken since
    target.sections.all().delete()
    target.links.all().delete()
    copy_parts(old.sections, old.links, target)
    _reason(target, f"Reverted to the version of {day_and_time(at, seconds=True)}")
    target.save()
    _audit("revert", user, topic.public_topic, f"To the version of {at:%Y-%m-%d %H:%M:%S %Z}.")
    return target


__all__ = ["CONTENT_FIELDS", "changes", "current", "diff", "revert", "snapshot", "word_diff"]
