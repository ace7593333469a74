"""Dates as the site writes them (`core.formatting`): “1 April 2023”, and a moment as
“3 December 2026, 09:30” in the site's time zone. `{% load dates %}`, then
`{{ day|long_date }}`, `{{ moment|day_and_time }}`, `{{ either|written }}`, and
`{{ either|isoformat }}` for a `<time>` element."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

from core import formatting

register = template.Library()


@register.filter
def long_date(day: datetime.date | None) -> str:
    return formatting.long_date(day) if day else ""


@register.filter
def day_and_time(moment: datetime.datetime | None) -> str:
    return formatting.day_and_time(moment) if moment else ""


@register.filter
def written(value: datetime.date | datetime.datetime | None) -> str:
    """A moment as `day_and_time`, a day as `long_date`, nothing as nothing."""
    if isinstance(value, datetime.datetime):
        return formatting.day_and_time(value)
    if isinstance(value, datetime.date):
        return formatting.long_date(value)
    return ""


@register.filter
def isoformat(value: datetime.date | datetime.datetime | None) -> str:
    """For a `<time datetime="…">`: the date or moment in ISO 8601, in the site's time zone."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""
