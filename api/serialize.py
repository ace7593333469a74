"""Model instances as the API gives them: plain dicts in the shapes of `api.schemas`, with
figures rounded as the site shows and downloads give them (`core.formatting`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from api.selectors import public_summary, topic_indicators, topic_last_updated
from core import formatting
from indicators.models import Area, AreaChange, Breakdown, ImportBatch, Indicator, Period, Value
from pages.models import Topic


def number(figure: Decimal | None) -> float | None:
    """A Decimal as a JSON number: rounded figures have at most six places, which a float
    writes back exactly ("73.3", not "73.29999")."""
    return float(figure) if figure is not None else None


def indicator_item(indicator: Indicator) -> dict[str, Any]:
    return {
        "id": indicator.pk,
        "slug": indicator.slug,
        "name": indicator.name,
        "definition": indicator.definition,
        "unit": indicator.unit,
        "unit_label": indicator.unit_label,
        "multiplier": indicator.multiplier,
        "population": indicator.population,
        "decimal_places": indicator.decimal_places,
        "polarity": indicator.polarity,
        "polarity_sentence": indicator.polarity_sentence,
        "is_projection": indicator.is_projection,
        "source": indicator.source,
        "source_url": indicator.source_url,
        "methodology": indicator.methodology,
        "fingertips_id": indicator.fingertips_id,
        "url": indicator.get_absolute_url(),
        "values": f"{reverse('api-v1:values')}?{urlencode({'indicator': indicator.slug})}",
    }


def _change(change: AreaChange, other: Area, name: str) -> dict[str, Any]:
    return {
        "code": other.code,
        "name": name,
        "kind": change.kind,
        "year": change.year,
        "date": change.date,
        "confirmed": change.confirmed,
    }


def area_item(area: Area) -> dict[str, Any]:
    """An area (from `api.selectors.areas()`, which fetches what this reads)."""
    return {
        "id": area.pk,
        "code": area.code,
        "name": area.name,
        "short_name": area.short_name,
        "type": area.area_type,
        "is_current": area.is_current,
        "parent": area.parent.code if area.parent_id else None,
        "ancestors": [a.code for a in area.ancestors()],
        "groupings": [g.code for g in area.groupings.all()],
        "comparator_groups": [g.name for g in area.comparator_groups.all()],
        "successors": [_change(c, c.new_area, c.new_name) for c in area.successions.all()],
        "predecessors": [_change(c, c.old_area, c.old_name) for c in area.predecessions.all()],
        "url": area.get_absolute_url(),
    }


def period_item(period: Period) -> dict[str, Any]:
    return {
        "id": period.pk,
        "code": period.code,
        "label": period.label,
        "kind": period.kind,
        "start_date": period.start_date,
        "end_date": period.end_date,
    }


def breakdown_item(breakdown: Breakdown) -> dict[str, Any]:
    return {
        "id": breakdown.pk,
        "dimension": breakdown.dimension,
        "label": breakdown.label,
        "scheme": breakdown.scheme,
        "full_label": breakdown.full_label,
        "sort_order": breakdown.sort_order,
    }


def topic_item(topic: Topic) -> dict[str, Any]:
    """A published topic (from `api.selectors.public_topics()`)."""
    indicators = topic_indicators(topic)
    author = topic.author
    return {
        "id": topic.pk,
        "title": topic.title,
        "path": topic.path,
        "url": topic.get_absolute_url(),
        "parent": topic.path.rpartition("/")[0] or None,
        "summary": topic.summary,
        "keywords": topic.keyword_list,
        "area": topic.area.code if topic.area_id else None,
        "indicators": [i.slug for i in indicators],
        "indicator_ids": [i.pk for i in indicators],
        "sections": [
            {
                "anchor": s.anchor,
                "heading": s.heading,
                "indicator": s.indicator.slug if s.indicator_id else None,
            }
            for s in topic.sections.all()
        ],
        "author": {
            "name": author.name,
            "job_title": author.job_title,
            "email": author.email,
            "phone": author.phone,
        }
        if author is not None
        else None,
        "last_updated": topic_last_updated(topic),
    }


def value_item(value: Value) -> dict[str, Any]:
    """A figure as the public see it: `value` comes from `PublishedValue`, so a withheld one
    is already masked (no value, count, limits or previous value)."""
    indicator, area, period, breakdown = value.indicator, value.area, value.period, value.breakdown
    revised = value.revised_on is not None
    return {
        "id": value.pk,
        "indicator": indicator.slug,
        "area": area.code,
        "area_name": area.name,
        "period": period.code,
        "period_label": period.label,
        "breakdown": {
            "id": breakdown.pk,
            "dimension": breakdown.dimension,
            "label": breakdown.label,
            "scheme": breakdown.scheme,
        }
        if breakdown is not None
        else None,
        "value": number(formatting.rounded(indicator, value.value)),
        "status": value.status,
        "status_label": formatting.status_label(value.status),
        "count": number(formatting.trimmed(value.count)),
        "denominator": number(formatting.trimmed(value.denominator)),
        "lower_ci_95": number(formatting.rounded(indicator, value.lower_ci)),
        "upper_ci_95": number(formatting.rounded(indicator, value.upper_ci)),
        "note": value.note,
        "illustrative": value.is_illustrative,
        "revised_on": value.revised_on,
        "previous_value": number(formatting.rounded(indicator, value.previous_value))
        if revised
        else None,
        "previous_status": (value.previous_status or None) if revised else None,
        # The import that last set it, and the day its release made it public (None for a
        # figure loaded otherwise, or an import applied before releases were reviewed).
        "release": value.import_batch_id,
        "released_on": timezone.localdate(released)
        if (released := getattr(value, "released_at", None))
        else None,
    }


def release_item(batch: ImportBatch, names: dict[int, Indicator]) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "released_at": batch.published_at,
        "release_date": timezone.localdate(batch.published_at),
        "note": batch.release_note,
        "correction_notice": batch.correction_notice,
        "corrects": batch.corrects_id,
        "indicators": [
            {
                "indicator": indicator.slug,
                "name": indicator.name,
                "added": int(part.get("added") or 0),
                "revised": int(part.get("revised") or 0),
                "corrected": bool(part.get("corrected")),
                "new_periods": [str(p) for p in part.get("periods") or []],
            }
            for indicator, part in public_summary(batch, names)
        ],
    }
