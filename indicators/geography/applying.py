"""Applying a geography plan (`plan.plan`): every change it lists, in one transaction, or none
if it has problems; recorded in the audit log."""

from __future__ import annotations

from django.db import transaction

from audit.log import record as audit
from core.caching import bump_content_version
from indicators.geography.plan import TYPE_ORDER, GeographyPlan
from indicators.models import Area, AreaChange, ComparatorGroup


@transaction.atomic
def apply(result: GeographyPlan, *, user=None, description: str = "") -> GeographyPlan:
    """Make the changes `result` describes, all or none. Refuses a plan with problems."""
    if not result.ok:
        raise ValueError("A plan with problems cannot be applied.")
    kept = {code for code, _ours, _ons in result.kept_names}
    areas = {area.code: area for area in Area.objects.filter(code__in=list(result.target))}
    ordered = sorted(
        result.target.values(), key=lambda r: (TYPE_ORDER.index(r.area_type or "other"), r.code)
    )
    # Parents first; an area's parent is linked once every area exists.
    for record in ordered:
        area = areas.get(record.code) or Area(code=record.code)
        if record.name and record.code not in kept:
            area.name = record.name
        if record.name:
            area.ons_name = record.name
        if record.area_type:
            area.area_type = record.area_type
        area.save()
        areas[record.code] = area
    parents = {
        area.code: area
        for area in Area.objects.filter(code__in=[r.parent_code for r in ordered if r.parent_code])
    }
    for record in ordered:
        area = areas[record.code]
        if record.parent_code and area.parent_id != parents[record.parent_code].pk:
            area.parent = parents[record.parent_code]
            area.full_clean(validate_unique=False)
            area.save(update_fields=["parent", "slug"])
    _apply_changes(result)
    _apply_memberships(result)
    _apply_groups(result)
    bump_content_version()
    result.applied = True
    if result.changes_anything:
        audit(
            "geography",
            user=user,
            target=description or "Areas",
            detail=" ".join(line.strip() for line in result.lines()[:12])[:2000],
        )
    return result


def _apply_changes(result: GeographyPlan) -> None:
    codes = {c.old_code for c in result.changes} | {c.new_code for c in result.changes}
    areas = {area.code: area for area in Area.objects.filter(code__in=codes)}
    for change in result.changes:
        AreaChange.objects.update_or_create(
            old_area=areas[change.old_code],
            new_area=areas[change.new_code],
            kind=change.kind,
            defaults={
                "old_name": change.old_name or areas[change.old_code].name,
                "new_name": change.new_name or areas[change.new_code].name,
                "year": change.year,
                "date": change.date,
                "confirmed": change.confirmed,
                "source": change.source,
                "note": change.note,
            },
        )
    retired = [code for code, _name in result.retired]
    if retired:
        Area.objects.filter(code__in=retired).update(is_current=False)


def _apply_memberships(result: GeographyPlan) -> None:
    through = Area.groupings.through
    codes = {code for code, _ in result.memberships_new} | {m for _, m in result.memberships_new}
    pks = dict(Area.objects.filter(code__in=codes).values_list("code", "pk"))
    through.objects.bulk_create(
        [
            through(from_area_id=pks[member], to_area_id=pks[grouping])
            for grouping, member in result.memberships_new
        ],
        ignore_conflicts=True,
    )


def _apply_groups(result: GeographyPlan) -> None:
    for name, record in result.groups.items():
        group, _created = ComparatorGroup.objects.get_or_create(name=name)
        if record.members_called:
            group.members_called = record.members_called
        if record.description:
            group.description = record.description
        group.save()
        group.members.set(Area.objects.filter(code__in=record.members))
        if record.areas:
            group.areas.add(*Area.objects.filter(code__in=record.areas))
