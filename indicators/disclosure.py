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
`PublishedValue`. Groups are closed under both rules by iterating until nothing changes.

Memory stays flat however many figures there are: every group (areas within a parent,
categories within an area) lies within one period of one indicator, so the figures are read
one indicator and period at a time, as plain tuples, and only the flags that change are
written, in chunked UPDATEs (one per state and chunk of ids).

The order in which groups are visited within a pass can matter where groups overlap (a
figure that is both a district's age band and one of a county's districts): groups are
visited as they were when the figures were model instances ordered by area name (the
`Value` ordering within an indicator and period; ties by id), the groups across areas first,
then those across categories; released figures before staged ones in the staged figures'
computation.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction

from indicators.models import Area, Breakdown, Indicator, Value

#: Ids updated in one statement.
UPDATE_CHUNK = 500
PRIMARY, SECONDARY = "primary", "secondary"


#: What the rule needs of a value, as a tuple: its id, area, the area's parent, breakdown, the
#: breakdown's dimension, whether it is available, and the count it stands for (or None).
Figure = tuple[int, int, "int | None", "int | None", "str | None", bool, "Decimal | int | None"]
_PK, _AREA, _PARENT, _BREAKDOWN, _DIMENSION, _AVAILABLE, _COUNT = range(7)


@transaction.atomic
def apply_disclosure_control(indicator_ids: Iterable[int] | None = None) -> int:
    """Recompute which figures are withheld for these indicators (all, by default).
    Returns the number of figures whose state changed."""
    indicators = Indicator.objects.all()
    if indicator_ids is not None:
        indicators = indicators.filter(pk__in=list(indicator_ids))
    changed = 0
    touched: list[int] = []  # the indicators some of whose figures changed state
    ruled: list[tuple[int, str, int]] = []
    for pk, unit, threshold in indicators.order_by("pk").values_list(
        "pk", "unit", "disclosure_threshold"
    ):
        if not threshold:
            # No rule: nothing is withheld. One statement, however many figures there are.
            cleared = Value.objects.filter(indicator_id=pk).exclude(withheld="").update(withheld="")
            if cleared:
                changed += cleared
                touched.append(pk)
            continue
        ruled.append((pk, unit, threshold))
    if ruled:
        rule = _Rule()
        for pk, unit, threshold in ruled:
            withheld = rule.apply(pk, unit, threshold)
            if withheld:
                changed += withheld
                touched.append(pk)
    if touched:
        from core.caching import changed_figures

        changed_figures(touched)  # the pages of those indicators (and the areas showing them)
    return changed


class _Rule:
    """The rule applied to one indicator at a time, one period at a time."""

    def __init__(self) -> None:
        #: Area id → (its name, its parent's id), and breakdown id → its dimension: read once.
        self.areas = {pk: (name, parent) for pk, name, parent in _areas()}
        self.dimensions = dict(Breakdown.objects.values_list("pk", "dimension"))
        quote = connection.ops.quote_name
        self.table = quote(Value._meta.db_table)
        self.column = {
            name: quote(Value._meta.get_field(name).column)
            for name in ("indicator", "period", "area", "breakdown", "count", "value")
        }
        # Counts come back as the database gives them; on SQLite (a float, or an int) a float
        # that is not a whole number goes through the converters the ORM would apply, so that
        # counts compare exactly as the Decimals of model instances do.
        count = Value._meta.get_field("count").get_col(Value._meta.db_table)
        self.converters = [
            (converter, count)
            for converter in connection.ops.get_db_converters(count)
            + count.get_db_converters(connection)
        ]

    def apply(self, indicator_id: int, unit: str, threshold: int) -> int:
        column, table = self.column, self.table
        # The count a figure stands for: its count, or the value of a count indicator.
        counted = (
            f"COALESCE({column['count']}, {column['value']})"
            if unit == "count"
            else column["count"]
        )
        changes: dict[str, list[int]] = {"": [], PRIMARY: [], SECONDARY: []}
        changed = 0
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT {column['period']} FROM {table} WHERE {column['indicator']} = %s",
                [indicator_id],
            )
            period_ids = sorted(row[0] for row in cursor.fetchall())
            select = (
                f"SELECT id, {column['area']}, {column['breakdown']}, status, {counted}, "
                f"withheld, is_staged FROM {table} "
                f"WHERE {column['indicator']} = %s AND {column['period']} = %s"
            )
            for period_id in period_ids:
                cursor.execute(select, [indicator_id, period_id])
                for pk, state in self._changes(cursor.fetchall(), threshold):
                    waiting = changes[state]
                    waiting.append(pk)
                    changed += 1
                    if len(waiting) >= UPDATE_CHUNK:
                        _write(waiting, state)
        for state, waiting in changes.items():
            if waiting:
                _write(waiting, state)
        return changed

    def _changes(self, rows: list[tuple], threshold: int) -> Iterable[tuple[int, str]]:
        """(id, new state) for the figures of one period whose state changes."""
        areas, dimensions, converters = self.areas, self.dimensions, self.converters
        # The order of the figures as model instances ordered by area name would come.
        rows.sort(key=lambda row: (areas[row[1]][0], row[0]))
        released: list[Figure] = []
        staged: list[Figure] = []
        current: dict[int, str] = {}
        for pk, area_id, breakdown_id, status, count, withheld, is_staged in rows:
            if type(count) is float:
                if count.is_integer():
                    count = int(count)
                else:
                    for converter, expression in converters:
                        count = converter(count, expression, connection)
            figure = (
                pk,
                area_id,
                areas[area_id][1],
                breakdown_id,
                dimensions.get(breakdown_id) if breakdown_id is not None else None,
                status == "available",
                count,
            )
            (staged if is_staged else released).append(figure)
            current[pk] = withheld
        withheld = _withheld(released, threshold)
        # Staged figures are withheld as they would be once released (beside the released
        # figures they do not replace), so that a preview shows what the public will see; the
        # released figures' own state is computed from released figures alone.
        if staged:
            keys = {(figure[_AREA], figure[_BREAKDOWN]) for figure in staged}
            as_released = [
                figure for figure in released if (figure[_AREA], figure[_BREAKDOWN]) not in keys
            ] + staged
            staged_ids = {figure[_PK] for figure in staged}
            withheld.update(
                (pk, state)
                for pk, state in _withheld(as_released, threshold).items()
                if pk in staged_ids
            )
        for pk, state in current.items():
            new = withheld.get(pk, "")
            if new != state:
                yield pk, new


def _areas() -> Iterable[tuple[int, str, int | None]]:
    return Area.objects.order_by().values_list("pk", "name", "parent_id")


def _write(ids: list[int], state: str) -> None:
    """Set the state of these figures, a chunk at a time; empties the list."""
    for start in range(0, len(ids), UPDATE_CHUNK):
        Value.objects.filter(pk__in=ids[start : start + UPDATE_CHUNK]).update(withheld=state)
    ids.clear()


def _withheld(figures: list[Figure], threshold: int) -> dict[int, str]:
    """Which of these figures (one per key, all of one period) the rule withholds, and why."""
    withheld: dict[int, str] = {}
    for figure in figures:
        count = figure[_COUNT]
        if figure[_AVAILABLE] and count is not None and 1 <= count <= threshold:
            withheld[figure[_PK]] = PRIMARY
    if not withheld:
        return withheld
    # The groups that may sum to a published total, in the order they were first met: across
    # areas (key: the parent, the breakdown), then across categories (the area, the dimension).
    by_parent: dict[tuple[int, int | None], list[Figure]] = {}
    by_dimension: dict[tuple[int, str | None], list[Figure]] = {}
    for figure in figures:
        if figure[_PARENT] is not None:
            key = (figure[_PARENT], figure[_BREAKDOWN])
            group = by_parent.get(key)
            if group is None:
                by_parent[key] = [figure]
            else:
                group.append(figure)
        if figure[_BREAKDOWN] is not None:
            dimension_key = (figure[_AREA], figure[_DIMENSION])
            group = by_dimension.get(dimension_key)
            if group is None:
                by_dimension[dimension_key] = [figure]
            else:
                group.append(figure)
    # Each group with the key of the total it sums to: (area, breakdown).
    candidates: list[tuple[tuple[int, int | None], list[Figure]]] = list(by_parent.items())
    candidates += [((area_id, None), group) for (area_id, _), group in by_dimension.items()]
    changed_any = True
    while changed_any:
        changed_any = False
        # The published totals as this pass begins.
        totals = {
            (figure[_AREA], figure[_BREAKDOWN])
            for figure in figures
            if figure[_AVAILABLE] and figure[_COUNT] is not None and figure[_PK] not in withheld
        }
        for group in [group for total, group in candidates if total in totals]:
            changed_any |= _withhold_one_more(group, withheld)
    return withheld


def _withhold_one_more(group: list[Figure], withheld: dict[int, str]) -> bool:
    """In a group that sums to a published total: if exactly one figure is withheld, withhold
    the smallest other one that is published. Returns whether anything changed."""
    hidden = 0
    for figure in group:
        if figure[_PK] in withheld:
            hidden += 1
            if hidden > 1:
                return False
    if hidden != 1:
        return False
    shown = [f for f in group if f[_PK] not in withheld and f[_COUNT] is not None]
    if not shown:
        return False
    smallest = min(shown, key=lambda f: (f[_COUNT], f[_PK]))
    withheld[smallest[_PK]] = SECONDARY
    return True
