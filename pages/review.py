"""The review dashboard: what officers should look at on their pages."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils import timezone

from indicators.models import Value
from pages.checker import check_sections
from pages.models import Section, Topic
from pages.references import Resolver, substitute


@dataclass
class Review:
    overdue: list[Topic] = field(default_factory=list)
    new_data: list[tuple[Topic, datetime.datetime, datetime.datetime | None]] = field(
        default_factory=list
    )
    broken_references: list[tuple[Section, str]] = field(default_factory=list)
    stale_numbers: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return (
            len(self.overdue)
            + len(self.new_data)
            + len(self.broken_references)
            + len(self.stale_numbers)
        )


def data_updated_at(indicator_ids) -> dict[int, datetime.datetime]:
    """When each indicator's figures last changed (an import, an edit)."""
    rows = (
        Value.objects.public()
        .filter(indicator_id__in=indicator_ids)
        .values("indicator_id")
        .annotate(latest=Max("updated_at"))
    )
    return {row["indicator_id"]: row["latest"] for row in rows}


def build_review(topics=None, *, today: datetime.date | None = None) -> Review:
    today = today or timezone.localdate()
    topics = list(topics if topics is not None else Topic.objects.select_related("area"))
    sections = list(
        Section.objects.filter(topic__in=topics).select_related("topic__area", "indicator")
    )
    review = Review(overdue=[t for t in topics if t.review_due and t.review_due < today])
    changed = data_updated_at({s.indicator_id for s in sections if s.indicator_id})
    by_topic: dict[int, list[Section]] = {}
    for section in sections:
        by_topic.setdefault(section.topic_id, []).append(section)
    for topic in topics:
        own = by_topic.get(topic.pk, [])
        edited = max((s.updated_at for s in own), default=None)
        data = max(
            (changed[s.indicator_id] for s in own if s.indicator_id in changed), default=None
        )
        if data and (edited is None or data > edited):
            review.new_data.append((topic, data, edited))
        references = [(s, r) for s in own for r in substitute(s.body)[1]]
        if references:
            resolver = Resolver.for_references(
                [r for _, r in references if r.kind != "invalid"], topic.area
            )
            for section, reference in references:
                if "figure-missing" in resolver.render(reference):
                    review.broken_references.append((section, reference.text))
    review.stale_numbers = [
        n for n in check_sections(sections) if n.section.indicator_id and not n.matches
    ]
    return review
