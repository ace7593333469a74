"""What loading geography files would do to the site's areas, and doing it.

`plan(files)` compares the records of one or more files (`records`) with the areas the site
holds and says, without changing anything, what would be added, renamed, re-parented or
retyped, which areas a change in the successor table ends, and what is wrong. `apply(plan)`
(in `applying`) does all of it in one transaction, or nothing if anything is wrong.

An officer's name is never overwritten unannounced. Each area remembers the name ONS gave it
when it was last loaded (`Area.ons_name`): an area still called that follows ONS's new name;
an area an officer has renamed keeps its name, and the plan says so (“kept the name …; ONS
calls it …”), unless `use_ons_names` is given. An area first made by a figure import, whose
name is only another spelling of ONS's (“NORTH WEST”, “North West region”), takes ONS's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from indicators.geography.records import (
    ENGLAND,
    AreaRecord,
    ChangeRecord,
    GeographyFile,
    GroupRecord,
    RowProblem,
    type_for_code,
)
from indicators.importing.areas import simple_name
from indicators.models import Area, AreaChange, AreaType, ChangeKind, ComparatorGroup
from indicators.models.areas import ENDING_KINDS, _type_rank

#: Areas listed one by one in a report, per heading.
LISTED = 25

TYPE_ORDER = [
    AreaType.COUNTRY,
    AreaType.REGION,
    AreaType.COUNTY,
    AreaType.UNITARY,
    AreaType.DISTRICT,
    AreaType.GROUPING,
    AreaType.OTHER,
]


@dataclass
class Held:
    """An area the site holds, as the plan needs it."""

    pk: int
    code: str
    name: str
    ons_name: str
    area_type: str
    parent_code: str
    is_current: bool


@dataclass
class GeographyPlan:
    files: list[GeographyFile]
    use_ons_names: bool = False
    #: The state each area in the files should have, by code.
    target: dict[str, AreaRecord] = field(default_factory=dict)
    added: list[AreaRecord] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # code, from, to
    kept_names: list[tuple[str, str, str]] = field(default_factory=list)  # code, ours, ONS's
    reparented: list[tuple[str, str, str, str]] = field(default_factory=list)
    retyped: list[tuple[str, str, str, str]] = field(default_factory=list)
    retired: list[tuple[str, str]] = field(default_factory=list)  # code, name
    changes: list[ChangeRecord] = field(default_factory=list)
    changes_new: int = 0
    memberships: dict[str, set[str]] = field(default_factory=dict)
    memberships_new: list[tuple[str, str]] = field(default_factory=list)
    groups: dict[str, GroupRecord] = field(default_factory=dict)
    groups_report: list[tuple[str, str]] = field(default_factory=list)  # verb, rest
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Areas in the files the site already holds exactly as they say.
    unchanged: int = 0
    held: dict[str, Held] = field(default_factory=dict)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.added
            or self.renamed
            or self.reparented
            or self.retyped
            or self.retired
            or self.changes_new
            or self.memberships_new
            or self.groups_report
        )

    def name_of(self, code: str) -> str:
        """The area's name as the site will show it: a name kept from ONS's is the site's."""
        if any(kept == code for kept, _ours, _ons in self.kept_names):
            return self.held[code].name
        if code in self.target and self.target[code].name:
            return self.target[code].name
        held = self.held.get(code)
        return held.name if held else code

    def label(self, code: str) -> str:
        return f"{self.name_of(code)} ({code})" if code else "no parent"

    def lines(self) -> list[str]:
        """The plan in sentences, for the command and the admin's preview: “Would add …”
        before it is applied, “Added …” after."""

        def say(verb: str, rest: str) -> str:
            if self.applied:
                return f"{_PAST[verb]} {rest}"
            return f"Would {verb} {rest}"

        out: list[str] = []
        if self.added:
            counts = Counter(AreaType(r.area_type).label.lower() for r in self.added)
            kinds = ", ".join(f"{n:,} {_plural(label, n)}" for label, n in counts.most_common())
            out.append(say("add", f"{len(self.added):,} areas: {kinds}."))
            out += [
                f"  {r.name} ({r.code}), {AreaType(r.area_type).label.lower()}"
                + (f", in {self.name_of(r.parent_code)}" if r.parent_code else "")
                for r in self.added[:LISTED]
            ]
            if len(self.added) > LISTED:
                out.append(f"  … and {len(self.added) - LISTED:,} more.")
        out += [say("rename", f"{code} “{old}” to “{new}”.") for code, old, new in self.renamed]
        keep = "Kept" if self.applied else "Would keep"
        out += [
            f"{keep} the name “{ours}” given to {code} on this site; ONS calls it “{ons}”. "
            f"To take ONS's name, load again with “use ONS names”."
            for code, ours, ons in self.kept_names
        ]
        out += [
            say("move", f"{name} ({code}) from {old} to {new}.")
            for code, name, old, new in self.reparented
        ]
        out += [
            say("change", f"the type of {name} ({code}) from {old} to {new}.")
            for code, name, old, new in self.retyped
        ]
        if self.retired:
            shown = ", ".join(f"{name} ({code})" for code, name in self.retired[:LISTED])
            more = len(self.retired) - LISTED
            out.append(
                say("mark", f"{len(self.retired):,} areas as former areas, replaced since: {shown}")
                + (f" and {more:,} more." if more > 0 else ".")
            )
        if self.changes_new:
            out.append(
                say(
                    "record",
                    f"{self.changes_new:,} boundary and code changes in the successor table.",
                )
            )
        if self.memberships_new:
            out.append(say("add", f"{len(self.memberships_new):,} areas to statistical groupings."))
        out += [say(verb, rest) for verb, rest in self.groups_report]
        if self.unchanged:
            out.append(f"{self.unchanged:,} areas already as the file says: unchanged.")
        if not self.changes_anything and not self.problems:
            out.append("Nothing to change: the site already holds everything the file says.")
        return out


_PAST = {
    "add": "Added",
    "rename": "Renamed",
    "move": "Moved",
    "change": "Changed",
    "mark": "Marked",
    "record": "Recorded",
}


def _plural(label: str, n: int) -> str:
    if n == 1:
        return label
    if label.endswith("y") and not label.endswith("ey"):
        return label[:-1] + "ies"
    return label + "s"


def held_areas() -> dict[str, Held]:
    rows = Area.objects.values_list(
        "pk", "code", "name", "ons_name", "area_type", "parent__code", "is_current"
    )
    return {row[1]: Held(*row[:5], row[5] or "", row[6]) for row in rows}


def plan(files: list[GeographyFile], *, use_ons_names: bool = False) -> GeographyPlan:
    """What loading `files` (in this order) would change; nothing is written."""
    result = GeographyPlan(files=files, use_ons_names=use_ons_names, held=held_areas())
    for source in files:
        result.problems += source.problems
        result.warnings += source.warnings
        for code, record in source.areas.items():
            known = result.target.get(code)
            if known is None:
                result.target[code] = record
            else:
                known.name = record.name or known.name
                known.parent_code = record.parent_code or known.parent_code
        for grouping, members in source.memberships.items():
            result.memberships.setdefault(grouping, set()).update(members)
        result.changes += source.changes
        result.groups.update(source.groups)
    longest = Area._meta.get_field("name").max_length
    for code, record in result.target.items():
        if len(record.name) > longest:
            result.problems.append(
                RowProblem(
                    record.rows[0] if record.rows else 0,
                    "",
                    f"The name of {code} is {len(record.name)} characters long: an area's name "
                    f"has {longest} at most.",
                )
            )
    # An area a file names only by its code is one the site must already hold.
    for code in [c for c, r in result.target.items() if not r.name and c not in result.held]:
        del result.target[code]
    if result.problems:
        return result
    _add_change_areas(result)
    _check_parents(result)
    _check_memberships(result)
    _check_groups(result)
    if result.problems:
        return result
    _compare(result)
    return result


def _exists(result: GeographyPlan, code: str) -> bool:
    return code in result.target or code in result.held


def _type_of(result: GeographyPlan, code: str) -> str:
    if code in result.target:
        return result.target[code].area_type
    held = result.held.get(code)
    return held.area_type if held else ""


def _parent_of(result: GeographyPlan, code: str) -> str:
    if code in result.target and result.target[code].parent_code:
        return result.target[code].parent_code
    held = result.held.get(code)
    return held.parent_code if held else ""


def _add_change_areas(result: GeographyPlan) -> None:
    """The areas a successor table names that the site and the files do not hold: a former
    area (or a new one) made from its code and name, under the parent it had (or has) where
    the table shows it."""
    for change in result.changes:
        if change.kind == ChangeKind.RENAMED and change.confirmed:
            record = result.target.get(change.new_code)
            if record is not None:
                record.name = change.new_name or record.name
    for change in sorted(result.changes, key=lambda c: (c.year, c.kind != ChangeKind.RECODED)):
        for code, name in ((change.new_code, change.new_name), (change.old_code, change.old_name)):
            if _exists(result, code):
                continue
            area_type = type_for_code(code)
            if not name or not area_type:
                result.problems.append(
                    RowProblem(
                        change.row,
                        "old_code" if code == change.old_code else "new_code",
                        f"{code} is not an area on this site or in the files, and the table "
                        f"gives {'no name' if not name else 'a code of no known type'} to add "
                        f"it with.",
                    )
                )
                continue
            result.target[code] = AreaRecord(code, name, area_type, "")
    for change in result.changes:
        for code in (change.new_code, change.old_code):
            record = result.target.get(code)
            if record is not None and not record.parent_code and code not in result.held:
                record.parent_code = _derived_parent(result, code)


def _derived_parent(result: GeographyPlan, code: str) -> str:
    """Where an area the successor table names (and nothing else describes) sat: a recoded
    area where its other code is; a district merged into another district under that
    district's county; a district merged into a unitary authority under the county that
    unitary replaced; anything else under the region of the area that replaced it."""
    area_type = _type_of(result, code)
    for change in result.changes:
        if change.old_code == code:
            other = change.new_code
        elif change.new_code == code and change.kind == ChangeKind.RECODED:
            other = change.old_code
        else:
            continue
        if change.kind == ChangeKind.RECODED:
            return _parent_of(result, other)
        if area_type == AreaType.DISTRICT:
            if _type_of(result, other) == AreaType.DISTRICT:
                return _parent_of(result, other)
            for county_change in result.changes:
                if (
                    county_change.new_code == other
                    and _type_of(result, county_change.old_code) == AreaType.COUNTY
                ):
                    return county_change.old_code
        return _region_of(result, other)
    if area_type == AreaType.UNITARY:
        for change in result.changes:
            if change.new_code == code and change.kind != ChangeKind.RECODED:
                return _region_of(result, change.old_code)
    return ""


def _region_of(result: GeographyPlan, code: str) -> str:
    seen = set()
    while code and code not in seen:
        seen.add(code)
        if _type_of(result, code) == AreaType.REGION:
            return code
        code = _parent_of(result, code)
    return ""


def _check_parents(result: GeographyPlan) -> None:
    for code, record in result.target.items():
        parent = record.parent_code
        if record.area_type == AreaType.REGION and not parent and _exists(result, ENGLAND):
            record.parent_code = parent = ENGLAND
        if not parent:
            continue
        row = record.rows[0] if record.rows else 0
        if not _exists(result, parent):
            result.problems.append(
                RowProblem(
                    row,
                    record.parent_column,
                    f"{record.name or code} ({code}) is in {parent}, which is neither on this "
                    f"site nor named in the file: the parent is missing. Import the file that "
                    f"gives {parent}'s name first, or add the area.",
                )
            )
            continue
        parent_type = _type_of(result, parent)
        if record.area_type == AreaType.DISTRICT and parent_type == AreaType.REGION:
            # A district-to-region lookup: the district's county stays its parent if the
            # county is in that region.
            county = _held_parent(result, code)
            if county and _parent_of(result, county) == parent:
                record.parent_code = county
                continue
            if county:
                result.problems.append(
                    RowProblem(
                        row,
                        record.parent_column,
                        f"{record.name or code} ({code}) is in {result.label(county)} on this "
                        f"site, which is in {result.label(_parent_of(result, county))}, but the "
                        f"file puts it in {result.label(parent)}.",
                    )
                )
                continue
            result.warnings.append(
                f"{record.name or code} ({code}) was put directly under its region: the file "
                f"does not give its county."
            )
        if _type_rank(parent_type) >= _type_rank(record.area_type):
            result.problems.append(
                RowProblem(
                    row,
                    record.parent_column,
                    f"{record.name or code} ({code}), a "
                    f"{AreaType(record.area_type).label.lower()}, cannot be in "
                    f"{result.label(parent)}, a {AreaType(parent_type).label.lower()}.",
                )
            )


def _held_parent(result: GeographyPlan, code: str) -> str:
    held = result.held.get(code)
    return held.parent_code if held else ""


def _check_memberships(result: GeographyPlan) -> None:
    for grouping, members in result.memberships.items():
        for member in sorted(members):
            if not _exists(result, member):
                result.problems.append(
                    RowProblem(
                        0,
                        "member_code",
                        f"{member}, a member of {result.label(grouping)}, is neither on this "
                        f"site nor in the file.",
                    )
                )
    # A recoded area stays in the groupings its old code was in.
    for change in result.changes:
        if change.kind != ChangeKind.RECODED or not change.confirmed:
            continue
        for members in result.memberships.values():
            if change.old_code in members:
                members.add(change.new_code)


def _check_groups(result: GeographyPlan) -> None:
    for group in result.groups.values():
        for code in group.members + group.areas:
            if not _exists(result, code):
                result.problems.append(
                    RowProblem(
                        0,
                        "member_code" if code in group.members else "area_code",
                        f"{code}, in the group “{group.name}”, is not an area on this site.",
                    )
                )


def _compare(result: GeographyPlan) -> None:
    for code, record in result.target.items():
        held = result.held.get(code)
        if held is None:
            result.added.append(record)
            continue
        changed = False
        if record.name and record.name != held.name:
            officer_named = (held.ons_name and held.name != held.ons_name) or (
                not held.ons_name and simple_name(held.name) != simple_name(record.name)
            )
            if officer_named and not result.use_ons_names:
                result.kept_names.append((code, held.name, record.name))
            else:
                result.renamed.append((code, held.name, record.name))
                changed = True
        if record.parent_code and record.parent_code != held.parent_code:
            result.reparented.append(
                (code, held.name, result.label(held.parent_code), result.label(record.parent_code))
            )
            changed = True
        if record.area_type and record.area_type != held.area_type:
            result.retyped.append(
                (
                    code,
                    held.name,
                    AreaType(held.area_type).label.lower() if held.area_type else "none",
                    AreaType(record.area_type).label.lower(),
                )
            )
            changed = True
        if not changed:
            result.unchanged += 1
    result.added.sort(key=lambda r: (TYPE_ORDER.index(r.area_type), r.code))
    ended = {c.old_code for c in result.changes if c.confirmed and c.kind in ENDING_KINDS}
    for code in sorted(ended):
        held = result.held.get(code)
        if held is None or held.is_current:
            result.retired.append((code, result.name_of(code)))
    existing = set(AreaChange.objects.values_list("old_area__code", "new_area__code", "kind"))
    result.changes_new = sum(
        1 for c in result.changes if (c.old_code, c.new_code, c.kind) not in existing
    )
    held_members = set(
        Area.groupings.through.objects.values_list("to_area__code", "from_area__code")
    )
    result.memberships_new = sorted(
        (grouping, member)
        for grouping, members in result.memberships.items()
        for member in members
        if (grouping, member) not in held_members
    )
    _compare_groups(result)


def _compare_groups(result: GeographyPlan) -> None:
    for name, group in result.groups.items():
        existing = ComparatorGroup.objects.filter(name=name).prefetch_related("members").first()
        members = [result.name_of(code) for code in group.members]
        if existing is None:
            result.groups_report.append(
                (
                    "add",
                    f"the comparator group “{name}” with {len(members)} members: "
                    f"{', '.join(members)}.",
                )
            )
            continue
        before = {area.code for area in existing.members.all()}
        joining = [result.name_of(c) for c in group.members if c not in before]
        leaving = [result.name_of(c) for c in sorted(before - set(group.members))]
        if joining or leaving:
            parts = []
            if joining:
                parts.append(f"{', '.join(joining)} joined")
            if leaving:
                parts.append(f"{', '.join(leaving)} left")
            result.groups_report.append(
                ("change", f"the comparator group “{name}”: {'; '.join(parts)}.")
            )
