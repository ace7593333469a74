"""What the API may show, read through the same QuerySets the public pages use, so that it is
exactly the website's data:

- indicators: `Indicator.objects.public()` (those a published page shows, or public on their
  own), as `indicators.views.visible_indicators` gives the public;
- figures: `PublishedValue` (released figures only, never a staged import's; a figure
  withheld by disclosure control arrives masked: no value, count or limits, status
  "suppressed"), of public indicators only;
- periods and breakdowns: those that some such figure has, so a staged import's new period
  is not seen before its release;
- topics: `Topic.objects.published()` (no draft, nothing under an unpublished page), read with
  `pages.selectors.page_topics()`;
- releases: released imports, summarised for public indicators only, as
  `indicators.revisions.figure_changes` lists them.

Officers get the public's view too: the API has no logins.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from api.problems import ApiProblem
from indicators.models import (
    Area,
    Breakdown,
    BreakdownType,
    ImportBatch,
    Indicator,
    Period,
    PublishedValue,
    ValueQuerySet,
)
from pages.models import Topic
from pages.selectors import last_updated, page_topics

#: `breakdown=none`: whole-population figures only (as the site's downloads read it).
NO_BREAKDOWN = "none"


def public_indicators() -> QuerySet[Indicator]:
    return Indicator.objects.public()


def public_values() -> ValueQuerySet:
    """Released figures of public indicators, masked as the public see them."""
    return PublishedValue.objects.filter(indicator__in=public_indicators())


def public_periods() -> QuerySet[Period]:
    return Period.objects.filter(Exists(public_values().filter(period_id=OuterRef("pk"))))


def public_breakdowns() -> QuerySet[Breakdown]:
    return Breakdown.objects.filter(Exists(public_values().filter(breakdown_id=OuterRef("pk"))))


def areas() -> QuerySet[Area]:
    """Every area, current and former, as the site's list of areas shows them, with what the
    API says of each fetched in a fixed number of queries."""
    return Area.objects.select_related("parent__parent__parent__parent").prefetch_related(
        "groupings",
        "comparator_groups",
        "successions__new_area",
        "predecessions__old_area",
    )


def public_topics() -> QuerySet[Topic]:
    return page_topics().published()


def indicator_by_slug(slug: str) -> Indicator:
    found = public_indicators().filter(slug=slug).first()
    if found is None:
        raise ApiProblem(404, f"There is no public indicator “{slug}”: see /api/v1/indicators.")
    return found


def area_by_code(code: str, parameter: str = "code", *, full: bool = False) -> Area:
    """The area with this GSS code; `full`, with everything `serialize.area_item` reads."""
    found = (areas() if full else Area.objects.all()).filter(code=code.strip().upper()).first()
    if found is None:
        raise ApiProblem(
            404,
            f"There is no area with the GSS code “{code}” ({parameter}): see /api/v1/areas.",
        )
    return found


def period_end(text: str, parameter: str) -> datetime.date:
    """The end of a period given by its code (2012/13, 2013-03-31) or a date (YYYY-MM-DD).
    Only periods with public figures are read by their code: a period only a staged import
    has is not told apart from one that does not exist."""
    period = public_periods().filter(code=text.strip()).first()
    if period is not None:
        return period.end_date
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise ApiProblem(
            400,
            f"“{text}” ({parameter}) is neither a period's code (e.g. 2012/13, 2013-03-31; see "
            "/api/v1/periods) nor a date written YYYY-MM-DD.",
            errors=[{"parameter": parameter, "in": "query", "message": "not a period or date"}],
        ) from None


#: The most values one filter may be given in one request (each is looked up): a longer
#: list is refused rather than left to cost seconds of one request.
MAX_REPEATS = 100


@dataclass(frozen=True)
class ValueFilters:
    """The values endpoint's filters, as given (each optional)."""

    indicator: tuple[str, ...] = ()
    area: tuple[str, ...] = ()
    children_of: str | None = None
    comparators_of: str | None = None
    period: tuple[str, ...] = ()
    period_from: str | None = None
    period_to: str | None = None
    breakdown: str | None = None


def filtered_values(filters: ValueFilters) -> ValueQuerySet:
    """Public values narrowed by `filters`, in id order (the cursor's order). Unknown names
    are a 404 (an indicator that is not public is unknown); the area filters add up: values
    for any of the areas named, within `children_of` or among the comparators of
    `comparators_of`."""
    for name in ("indicator", "area", "period"):
        given = getattr(filters, name)
        if len(given) > MAX_REPEATS:
            raise ApiProblem(
                400,
                f"Give at most {MAX_REPEATS} values of “{name}” in one request (there were "
                f"{len(given)}): ask in several requests, or leave the filter out for all.",
            )
    if filters.indicator:
        # Each checked to be public by `indicator_by_slug`: no need to ask again for each row.
        chosen = [indicator_by_slug(slug) for slug in filters.indicator]
        values = PublishedValue.objects.filter(indicator__in=chosen)
    else:
        values = public_values()
    area_ids: set[int] = set()
    named_areas = False
    for code in filters.area:
        area_ids.add(area_by_code(code, "area").pk)
        named_areas = True
    if filters.children_of:
        parent = area_by_code(filters.children_of, "children_of")
        area_ids.update(Area.objects.filter(parent=parent).values_list("pk", flat=True))
        named_areas = True
    if filters.comparators_of:
        area = area_by_code(filters.comparators_of, "comparators_of")
        area_ids.update(a.pk for a in area.comparators())
        named_areas = True
    if named_areas:
        values = values.filter(area_id__in=sorted(area_ids))
    if filters.period:
        periods = []
        for code in filters.period:
            period = public_periods().filter(code=code.strip()).first()
            if period is None:
                raise ApiProblem(
                    404, f"No public figure is for the period “{code}”: see /api/v1/periods."
                )
            periods.append(period)
        values = values.filter(period__in=periods)
    if filters.period_from:
        values = values.filter(period__end_date__gte=period_end(filters.period_from, "from"))
    if filters.period_to:
        values = values.filter(period__end_date__lte=period_end(filters.period_to, "to"))
    if filters.breakdown:
        values = breakdown_filter(values, filters.breakdown)
    return values.order_by("pk")


def breakdown_filter(values: ValueQuerySet, breakdown: str) -> ValueQuerySet:
    """`none` (whole population), a dimension (`age`), or one breakdown's id."""
    text = breakdown.strip().lower()
    if text == NO_BREAKDOWN:
        return values.filter(breakdown__isnull=True)
    if text in BreakdownType.values:
        return values.filter(breakdown__dimension=text)
    # isascii: "²" is a digit to Python but not a number int() reads.
    if text.isascii() and text.isdigit() and len(text) < 19:
        if public_breakdowns().filter(pk=int(text)).exists():
            return values.filter(breakdown_id=int(text))
    choices = ", ".join([NO_BREAKDOWN, *BreakdownType.values])
    raise ApiProblem(
        404,
        f"There is no breakdown “{breakdown}”: give {choices}, or a breakdown's id from "
        "/api/v1/breakdowns.",
    )


def after(queryset: QuerySet, cursor_after: int, limit: int) -> tuple[list, int | None]:
    """One page of `queryset` in id order after id `cursor_after`: its rows, and the id to
    continue after if there are more (else None). One query: a row more than the page is
    read to know whether another page follows."""
    rows = list(queryset.filter(pk__gt=cursor_after).order_by("pk")[: limit + 1])
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].pk
    return rows, None


def topic_indicators(topic: Topic) -> list[Indicator]:
    """The indicators the topic's sections are about, in the order of the sections."""
    return list({s.indicator_id: s.indicator for s in topic.sections.all() if s.indicator}.values())


def topic_last_updated(topic: Topic) -> datetime.date | None:
    """The page's “last updated” as the page shows it (`pages.selectors.last_updated`): the
    later of the officer's date, the last narrative edit and the last change to the figures
    its sections show (one query for those)."""
    sections = list(topic.sections.all())
    figures_updated = None
    indicator_ids = sorted({s.indicator_id for s in sections if s.indicator_id})
    if topic.area is not None and indicator_ids:
        latest = (
            PublishedValue.objects.all()
            .for_topic_page(
                indicator_ids=indicator_ids,
                area=topic.area,
                comparator_ids=[a.pk for a in topic.comparison_areas()],
            )
            .aggregate(latest=Max("updated_at"))["latest"]
        )
        figures_updated = timezone.localdate(latest) if latest is not None else None
    return last_updated(topic, sections, figures_updated)


def releases(since: datetime.date | None) -> QuerySet[ImportBatch]:
    """Released imports (those listed under “Changes to these figures”) on or after `since`
    (a day in the site's time zone), with a summary for some public indicator."""
    public_ids = [str(pk) for pk in public_indicators().values_list("pk", flat=True)]
    if not public_ids:
        return ImportBatch.objects.none()
    found = ImportBatch.objects.filter(
        release=ImportBatch.Release.PUBLISHED,
        published_at__isnull=False,
        release_summary__has_any_keys=public_ids,
    )
    if since is not None:
        start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
        found = found.filter(published_at__gte=start)
    return found


def public_summary(batch: ImportBatch, names: dict[int, Indicator]) -> list[tuple[Indicator, dict]]:
    """A release's summary (`release_summary`) for the public indicators in `names` only."""
    parts = []
    for key, part in (batch.release_summary or {}).items():
        indicator = names.get(int(key)) if str(key).isdigit() else None
        if indicator is not None:
            parts.append((indicator, part))
    return parts


def indicators_by_id(ids: Iterable[int]) -> dict[int, Indicator]:
    return {i.pk: i for i in public_indicators().filter(pk__in=list(ids))}
