"""Disclosure control: small numbers are kept but never published.

For an indicator with a small-number rule (`Indicator.disclosure_threshold`, e.g. 4), a figure
whose count is from 1 to the threshold is withheld (“primary”). Where one withheld figure
could be worked out by subtraction from a published total, a second figure is withheld too
(“secondary”, the smallest other one):

- across areas: the districts of a county, when the county's count is published;
- across categories: the age bands (or other categories of one dimension) of an area, when
  the area's total (no breakdown) is published.

The result is a pure function of the current data, recomputed from scratch for the indicators
touched by an import, an undo or an edit; withheld figures are masked on the way out by
`PublishedValue`. Groups are closed under both rules by iterating until nothing changes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from indicators.models import Indicator, Value


def _count(value: Value):
    """The count a figure stands for: its count, or the value of a count indicator."""
    if value.count is not None:
        return value.count
    if value.indicator.unit == "count" and value.value is not None:
        return value.value
    return None


def _withhold_one_more(group: list[Value], withheld: dict[int, str]) -> bool:
    """In a group that sums to a published total: if exactly one figure is withheld, withhold
    the smallest other one that is published. Returns whether anything changed."""
    hidden = [v for v in group if withheld.get(v.pk)]
    if len(hidden) != 1:
        return False
    shown = [v for v in group if not withheld.get(v.pk) and _count(v) is not None]
    if not shown:
        return False
    smallest = min(shown, key=lambda v: (_count(v), v.pk))
    withheld[smallest.pk] = "secondary"
    return True


@transaction.atomic
def apply_disclosure_control(indicator_ids: Iterable[int] | None = None) -> int:
    """Recompute which figures are withheld for these indicators (all, by default).
    Returns the number of figures whose state changed."""
    indicators = Indicator.objects.all()
    if indicator_ids is not None:
        indicators = indicators.filter(pk__in=list(indicator_ids))
    changed = 0
    for indicator in indicators:
        threshold = indicator.disclosure_threshold
        if not threshold:
            # No rule: nothing is withheld. One statement, however many figures there are.
            changed += (
                Value.objects.filter(indicator=indicator).exclude(withheld="").update(withheld="")
            )
            continue
        values = list(
            Value.objects.filter(indicator=indicator)
            .select_related("area", "breakdown")
            .only(
                "indicator_id",
                "area__parent_id",
                "breakdown__dimension",
                "period_id",
                "status",
                "count",
                "value",
                "withheld",
                "is_staged",
            )
        )
        for value in values:
            value.indicator = indicator  # one object for all, not a query per figure
        released = [v for v in values if not v.is_staged]
        withheld = _withheld(released, threshold)
        # Staged figures are withheld as they would be once released (beside the released
        # figures they do not replace), so that a preview shows what the public will see; the
        # released figures' own state is computed from released figures alone.
        staged = [v for v in values if v.is_staged]
        if staged:
            keys = {_key(v) for v in staged}
            as_released = [v for v in released if _key(v) not in keys] + staged
            withheld.update(
                (pk, state)
                for pk, state in _withheld(as_released, threshold).items()
                if pk in {v.pk for v in staged}
            )
        updates = []
        for value in values:
            state = withheld.get(value.pk, "")
            if value.withheld != state:
                value.withheld = state
                updates.append(value)
        Value.objects.bulk_update(updates, ["withheld"], batch_size=2000)
        changed += len(updates)
    if changed:
        from core.caching import bump_content_version

        bump_content_version()
    return changed


def _key(value: Value) -> tuple:
    return (value.period_id, value.area_id, value.breakdown_id)


def _withheld(values: list[Value], threshold: int) -> dict[int, str]:
    """Which of these figures (one per key) the rule withholds, and why."""
    withheld: dict[int, str] = {}
    for value in values:
        count = _count(value)
        if value.status == "available" and count is not None and 1 <= count <= threshold:
            withheld[value.pk] = "primary"
    changed_any = bool(withheld)
    while changed_any:
        changed_any = False
        for group in _groups(values, withheld):
            changed_any |= _withhold_one_more(group, withheld)
    return withheld


def _groups(values: list[Value], withheld: dict[int, str]) -> list[list[Value]]:
    """Sets of figures that add up to a published total (the total itself not included)."""
    totals = {
        (v.period_id, v.area_id, v.breakdown_id): v
        for v in values
        if v.status == "available" and _count(v) is not None and not withheld.get(v.pk)
    }
    by_parent: dict[tuple, list[Value]] = defaultdict(list)
    by_dimension: dict[tuple, list[Value]] = defaultdict(list)
    for v in values:
        if v.area.parent_id is not None:
            by_parent[(v.period_id, v.area.parent_id, v.breakdown_id)].append(v)
        if v.breakdown_id is not None:
            by_dimension[(v.period_id, v.area_id, v.breakdown.dimension)].append(v)
    groups = [group for key, group in by_parent.items() if key in totals]
    groups += [
        group
        for (period, area, _dimension), group in by_dimension.items()
        if (period, area, None) in totals
    ]
    return groups
