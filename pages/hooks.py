"""What `pages` tells the lower apps through `core.hooks` (imported by `PagesConfig.ready`)."""

from __future__ import annotations

from typing import Any

from core import hooks
from indicators.models import Area, Indicator
from pages.models import Section, Topic
from pages.permissions import AnyUser, can_edit_any, importable_indicator_ids


@hooks.register(hooks.IMPORT_SCOPE)
def import_scope(user: AnyUser) -> hooks.ImportScope:
    """Publishers and administrators import for every indicator and undo anyone's import;
    officers import for the indicators on the pages they look after, and undo their own."""
    if can_edit_any(user):
        return hooks.ImportScope(undoes_any=True)
    return hooks.ImportScope(load_indicator_ids=lambda: importable_indicator_ids(user))


@hooks.register(hooks.INDICATOR_HOME)
def indicator_home(indicator: Indicator) -> tuple[Area, list[Area]] | None:
    """The area of the first published page that shows the indicator, with the comparators
    that page names: the indicator's page then draws the same trend as the topic page."""
    section: Any = (
        Section.objects.filter(indicator=indicator, topic__area__isnull=False)
        .filter(topic__in=Topic.objects.published())
        .select_related("topic__area__parent__parent__parent")
        .prefetch_related("topic__comparators")
        .first()
    )
    if section is None:
        return None
    return section.topic.area, section.topic.comparison_areas()


@hooks.register(hooks.INDICATOR_TOPICS)
def indicator_topics(indicator_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """The published pages showing each indicator (one query), in the site's order of pages."""
    found: dict[int, list[tuple[str, str]]] = {}
    for section in (
        Section.objects.filter(indicator_id__in=indicator_ids)
        .filter(topic__in=Topic.objects.published())
        .select_related("topic")
        .order_by("topic__sort_order", "topic__title", "sort_order")
    ):
        if section.indicator_id is None:
            continue
        pages = found.setdefault(section.indicator_id, [])
        link = (section.topic.title, section.topic.get_absolute_url())
        if link not in pages:
            pages.append(link)
    return found


@hooks.register(hooks.PUBLISHED_INDICATORS)
def published_indicators() -> Any:
    """The indicators a published page shows (as a subquery of their ids)."""
    return (
        Section.objects.filter(topic__in=Topic.objects.published(), indicator__isnull=False)
        .order_by()
        .values("indicator_id")
    )


@hooks.register(hooks.IMPORT_STAGED)
def import_staged(batch: Any) -> None:
    """Tell the publishers that figures are waiting for their release."""
    from pages import notifications

    notifications.import_staged(batch)


@hooks.register(hooks.FIGURES_RELEASED)
def figures_released(tags: list[str]) -> None:
    """Build again, in the task worker, the public pages the released figures changed."""
    from pages.tasks import prebuild_pages

    prebuild_pages.enqueue(list(tags))
