"""The small-number rule, as `apply_disclosure_control` streams it (one indicator and period at a
time, as tuples), withholds exactly what a straightforward reading of the rule withholds: the
rule applied to every figure of the indicator at once, as model-like records, with the groups
rebuilt on every pass. Generated figures for a county and its districts, a unitary and their
region, with age bands and sexes, released and staged, cover primary suppression and secondary
suppression across areas and across categories."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.disclosure import apply_disclosure_control
from indicators.models import Area, Breakdown, Indicator, Period, Value

pytestmark = pytest.mark.django_db

THRESHOLD = 4


# --- The reference: the rule, read straightforwardly ------------------------------------------


@dataclass
class Record:
    pk: int
    period_id: int
    end_date: datetime.date
    area_id: int
    area_name: str
    parent_id: int | None
    breakdown_id: int | None
    dimension: str | None
    status: str
    count: Decimal | None
    value: Decimal | None
    is_staged: bool


def reference_withheld(records: list[Record], unit: str, threshold: int) -> dict[int, str]:
    """Every figure's state: the released figures by the released ones alone; the staged ones
    as they would be once released, beside the released figures they do not replace."""
    records = sorted(records, key=lambda r: (r.end_date, r.area_name, r.pk))
    released = [r for r in records if not r.is_staged]
    withheld = reference_rule(released, unit, threshold)
    staged = [r for r in records if r.is_staged]
    keys = {(r.period_id, r.area_id, r.breakdown_id) for r in staged}
    as_released = [r for r in released if (r.period_id, r.area_id, r.breakdown_id) not in keys]
    staged_ids = {r.pk for r in staged}
    for pk, state in reference_rule(as_released + staged, unit, threshold).items():
        if pk in staged_ids:
            withheld[pk] = state
    return withheld


def reference_rule(records: list[Record], unit: str, threshold: int) -> dict[int, str]:
    def count(r: Record) -> Decimal | None:
        if r.count is not None:
            return r.count
        if unit == "count" and r.value is not None:
            return r.value
        return None

    withheld = {
        r.pk: "primary"
        for r in records
        if r.status == "available" and count(r) is not None and 1 <= count(r) <= threshold
    }
    changed = bool(withheld)
    while changed:
        changed = False
        totals = {
            (r.period_id, r.area_id, r.breakdown_id)
            for r in records
            if r.status == "available" and count(r) is not None and r.pk not in withheld
        }
        by_parent: dict[tuple, list[Record]] = {}
        by_dimension: dict[tuple, list[Record]] = {}
        for r in records:
            if r.parent_id is not None:
                by_parent.setdefault((r.period_id, r.parent_id, r.breakdown_id), []).append(r)
            if r.breakdown_id is not None:
                by_dimension.setdefault((r.period_id, r.area_id, r.dimension), []).append(r)
        groups = [group for key, group in by_parent.items() if key in totals]
        groups += [
            group
            for (period_id, area_id, _), group in by_dimension.items()
            if (period_id, area_id, None) in totals
        ]
        for group in groups:
            hidden = [r for r in group if r.pk in withheld]
            shown = [r for r in group if r.pk not in withheld and count(r) is not None]
            if len(hidden) == 1 and shown:
                smallest = min(shown, key=lambda r: (count(r), r.pk))
                withheld[smallest.pk] = "secondary"
                changed = True
    return withheld


# --- The generated figures -----------------------------------------------------------------------


@pytest.fixture
def geography(db):
    region = Area.objects.create(code="E12000002", name="North West", area_type="region")
    county = Area.objects.create(
        code="E10000017", name="Lancashire", area_type="county", parent=region
    )
    districts = [
        Area.objects.create(
            code=f"E0700012{n}", name=f"District {'DCBA'[n]}", area_type="district", parent=county
        )
        for n in range(4)
    ]
    unitary = Area.objects.create(
        code="E06000008", name="Blackburn", area_type="unitary", parent=region
    )
    breakdowns = [
        Breakdown.objects.create(dimension="age", label=label) for label in ("0-4", "5-9", "10+")
    ] + [Breakdown.objects.create(dimension="sex", label=label) for label in ("Female", "Male")]
    periods = [
        Period.objects.create(
            code=f"{year}/{(year + 1) % 100:02d}",
            kind="fy",
            start_date=datetime.date(year, 4, 1),
            end_date=datetime.date(year + 1, 3, 31),
            label=f"{year}/{(year + 1) % 100:02d}",
        )
        for year in (2020, 2021)
    ]
    return [region, county, *districts, unitary], [None, *breakdowns], periods


FIGURE = st.one_of(
    st.none(),  # no figure for this key
    st.tuples(
        st.sampled_from(["available", "available", "available", "suppressed", "not_available"]),
        st.one_of(st.none(), st.integers(0, 14)),  # the count
        st.integers(0, 40),  # the value
        st.sampled_from(["released", "staged", "both"]),
        st.sampled_from(["", "", "primary", "secondary"]),  # the state held before
    ),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    unit=st.sampled_from(["count", "percentage"]),
    figures=st.lists(FIGURE, min_size=7 * 6 * 2, max_size=7 * 6 * 2),
)
def test_the_streamed_rule_withholds_what_the_reference_withholds(geography, unit, figures):
    areas, breakdowns, periods = geography
    keys = [(a, b, p) for p in periods for a in areas for b in breakdowns]
    with transaction.atomic():
        indicator = Indicator.objects.create(
            name="Small numbers",
            slug="small-numbers",
            unit=unit,
            multiplier=1 if unit == "count" else 100,
            decimal_places=0,
            disclosure_threshold=THRESHOLD,
        )
        values = []
        for (area, breakdown, period), figure in zip(keys, figures, strict=True):
            if figure is None:
                continue
            status, count, value, where, state = figure
            for staged in {"released": [False], "staged": [True], "both": [False, True]}[where]:
                values.append(
                    Value(
                        indicator=indicator,
                        area=area,
                        period=period,
                        breakdown=breakdown,
                        status=status,
                        value=Decimal(value + staged) if status == "available" else None,
                        count=None if count is None else Decimal(count + 2 * staged),
                        is_staged=staged,
                        withheld=state,
                    )
                )
        Value.objects.bulk_create(values)
        records = [
            Record(
                v.pk,
                v.period_id,
                v.period.end_date,
                v.area_id,
                v.area.name,
                v.area.parent_id,
                v.breakdown_id,
                v.breakdown.dimension if v.breakdown_id else None,
                v.status,
                v.count,
                v.value,
                v.is_staged,
            )
            for v in Value.objects.filter(indicator=indicator).select_related(
                "area", "period", "breakdown"
            )
        ]
        before = dict(Value.objects.filter(indicator=indicator).values_list("pk", "withheld"))
        expected = reference_withheld(records, unit, THRESHOLD)

        changed = apply_disclosure_control([indicator.pk])

        after = dict(Value.objects.filter(indicator=indicator).values_list("pk", "withheld"))
        assert after == {pk: expected.get(pk, "") for pk in before}
        assert changed == sum(1 for pk in before if before[pk] != after[pk])
        transaction.set_rollback(True)


def test_the_generated_figures_include_secondary_suppression_both_ways(geography):
    """A worked case: a district's count of 2 takes a second district with it (the county's
    count is published), and its age band of 3 takes a second band (its total is published)."""
    areas, breakdowns, periods = geography
    _, county, *districts, _ = areas
    indicator = Indicator.objects.create(
        name="Counts",
        slug="counts",
        unit="count",
        multiplier=1,
        decimal_places=0,
        disclosure_threshold=THRESHOLD,
    )
    period = periods[0]
    for area, figure in [(county, 60), *zip(districts, (2, 20, 15, 23), strict=True)]:
        Value.objects.create(indicator=indicator, area=area, period=period, value=figure)
    for breakdown, figure in zip(breakdowns[1:4], (3, 9, 8), strict=True):
        Value.objects.create(
            indicator=indicator, area=districts[1], period=period, breakdown=breakdown, value=figure
        )

    apply_disclosure_control([indicator.pk])

    withheld = dict(
        Value.objects.filter(indicator=indicator)
        .exclude(withheld="")
        .filter(breakdown__isnull=True)
        .values_list("area__name", "withheld")
    )
    by_band = dict(
        Value.objects.filter(indicator=indicator, breakdown__isnull=False).values_list(
            "breakdown__label", "withheld"
        )
    )
    assert withheld[districts[0].name] == "primary"
    assert withheld[districts[2].name] == "secondary"  # the smallest other district: 15
    assert by_band == {"0-4": "primary", "5-9": "", "10+": "secondary"}
