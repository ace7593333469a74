"""What a geography file says, read into plain records before anything is compared with the
site: areas (code, name, type, parent), statistical groupings and their members, lines of the
successor table, and comparator groups.

Each reader takes the header and rows of a table (`indicators.importing.reading`) and returns
a `GeographyFile`: the records, and the problems found, row by row. Nothing here touches the
database; `plan` compares the records with the site.

The files read:

- an ONS lookup as the Open Geography Portal publishes it, with columns such as ``LAD23CD,
  LAD23NM, CTY23CD, CTY23NM, RGN23CD, RGN23NM`` (any year suffix; district to county,
  district to region, county to region, district to upper tier);
- the project's own area list (``code,name,area_type,parent_code``), as shipped;
- the statistical groupings (``code,name,member_code``): E11 metropolitan counties and E13
  Inner and Outer London;
- the successor table (``old_code,old_name,new_code,new_name,date,kind``);
- comparator groups (``group,member_code``, optionally ``area_code`` for the areas that use the
  group, ``members_called`` and ``description``).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from indicators.models import AreaType, ChangeKind
from indicators.models.areas import GSS_CODE, is_grouping_code

ENGLAND = "E92000001"

#: The type of area each GSS code prefix stands for. E08 metropolitan districts and E09 London
#: boroughs are single-tier authorities under their region, typed as unitary authorities.
CODE_TYPES = {
    "E92": AreaType.COUNTRY,
    "E12": AreaType.REGION,
    "E10": AreaType.COUNTY,
    "E06": AreaType.UNITARY,
    "E08": AreaType.UNITARY,
    "E09": AreaType.UNITARY,
    "E07": AreaType.DISTRICT,
    "E11": AreaType.GROUPING,
    "E13": AreaType.GROUPING,
    "W92": AreaType.COUNTRY,
    "S92": AreaType.COUNTRY,
    "N92": AreaType.COUNTRY,
    "W06": AreaType.UNITARY,
    "S12": AreaType.UNITARY,
    "N09": AreaType.DISTRICT,
}

#: What each prefix is called in a message.
PREFIX_WORDS = {
    "E92": "a country",
    "E12": "a region",
    "E10": "a county",
    "E06": "a unitary authority",
    "E08": "a metropolitan district",
    "E09": "a London borough",
    "E07": "a non-metropolitan district",
    "E11": "a metropolitan county (a statistical grouping)",
    "E13": "Inner or Outer London (a statistical grouping)",
}


def type_for_code(code: str) -> str:
    return CODE_TYPES.get(code[:3].upper(), "")


def code_words(code: str) -> str:
    return PREFIX_WORDS.get(code[:3].upper(), f"an area of another kind ({code[:3]})")


@dataclass
class AreaRecord:
    """An area as a file gives it. ``parent_code`` is "" where the file does not say."""

    code: str
    name: str
    area_type: str
    parent_code: str = ""
    rows: list[int] = field(default_factory=list)
    #: Where the parent came from, for messages: e.g. "CTY23CD" or "parent_code".
    parent_column: str = ""


@dataclass
class ChangeRecord:
    old_code: str
    old_name: str
    new_code: str
    new_name: str
    kind: str
    year: int
    date: datetime.date | None
    source: str = ""
    note: str = ""
    confirmed: bool = True
    row: int = 0


@dataclass
class GroupRecord:
    """A comparator group: its members and the areas that use it, by code."""

    name: str
    members: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    members_called: str = ""
    description: str = ""


@dataclass
class RowProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "The file"
        return f"{where}{f', {self.column}' if self.column else ''}: {self.message}"


@dataclass
class GeographyFile:
    """Everything one file says, and what is wrong with it."""

    kind: str  # "lookup", "areas", "groupings", "successors", "comparators"
    description: str
    areas: dict[str, AreaRecord] = field(default_factory=dict)
    #: Statistical grouping code → member codes.
    memberships: dict[str, set[str]] = field(default_factory=dict)
    changes: list[ChangeRecord] = field(default_factory=list)
    groups: dict[str, GroupRecord] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0

    def problem(self, row: int, column: str, message: str) -> None:
        self.problems.append(RowProblem(row, column, message))

    def add_area(self, record: AreaRecord, row: int, name_column: str) -> None:
        """Note an area met on a row; a code with two names, or two parents, is a problem."""
        known = self.areas.get(record.code)
        if known is None:
            record.rows.append(row)
            self.areas[record.code] = record
            return
        if record.name and known.name and record.name != known.name:
            self.problem(
                row,
                name_column,
                f"{record.code} is called “{record.name}” here and “{known.name}” on row "
                f"{known.rows[0]}: one code cannot be two areas, and nothing shows which name is "
                f"right.",
            )
        elif record.name and not known.name:
            known.name = record.name
        if record.parent_code and known.parent_code and record.parent_code != known.parent_code:
            self.problem(
                row,
                record.parent_column,
                f"{record.code} ({known.name or record.name}) is in {record.parent_code} here "
                f"and in {known.parent_code} on row {known.rows[0]}: an area has one parent.",
            )
        elif record.parent_code and not known.parent_code:
            known.parent_code = record.parent_code
            known.parent_column = record.parent_column
        known.rows.append(row)


def _gss_problem(code: str) -> str:
    try:
        GSS_CODE(code)
    except Exception:  # noqa: BLE001 - the validator's own error carries no more
        return (
            f"“{code}” is not an ONS GSS code: expected a letter and eight digits, e.g. E07000123."
        )
    return ""


# --- ONS lookups -------------------------------------------------------------------------------

LOOKUP_COLUMN = re.compile(r"^(?P<level>[A-Z]+?)(?P<year>\d{2})(?P<part>CD|NMW|NM)$", re.I)

#: Lookup levels, smallest first, with the code prefixes each column may hold.
LEVELS: dict[str, tuple[str, ...]] = {
    "LAD": ("E06", "E07", "E08", "E09", "W06", "S12", "N09"),
    "UTLA": ("E10", "E06", "E08", "E09", "W06", "S12", "N09", "E11", "E13"),
    "CTY": ("E10", "E11", "E13"),
    "RGN": ("E12",),
    "CTRY": ("E92", "W92", "S92", "N92"),
}
#: Other names ONS has used for the same levels.
LEVEL_ALIASES = {"LTLA": "LAD", "CTYUA": "UTLA", "GOR": "RGN", "UTLA": "UTLA"}
LEVEL_WORDS = {
    "LAD": "district and unitary authority codes (E06, E07, E08, E09)",
    "UTLA": "county and unitary authority codes (E10, E06, E08, E09)",
    "CTY": "county codes (E10)",
    "RGN": "region codes (E12)",
    "CTRY": "country codes (E92)",
}


def lookup_columns(header: list[str]) -> dict[str, dict]:
    """The lookup's levels → {"CD": column, "NM": column, "name": header text…}; empty when
    the header is not an ONS lookup's."""
    found: dict[str, dict[str, int]] = {}
    for index, title in enumerate(header):
        match = LOOKUP_COLUMN.match(title.strip())
        if not match:
            continue
        level = match["level"].upper()
        level = LEVEL_ALIASES.get(level, level)
        if level not in LEVELS:
            continue
        parts = found.setdefault(level, {"titles": {}})
        parts[match["part"].upper()] = index
        parts["titles"][match["part"].upper()] = title.strip()
    return {level: parts for level, parts in found.items() if "CD" in parts}


def read_lookup(header: list[str], rows: Iterable[tuple[int, list[str]]], description: str):
    """An ONS lookup: every row gives an area at each level, and each level's parent is the
    next larger level given on the row. A statistical grouping (an E11 metropolitan county in
    a CTY column, E13 Inner or Outer London) is a membership, never a parent."""
    result = GeographyFile("lookup", description)
    columns = lookup_columns(header)
    levels = [level for level in LEVELS if level in columns]
    title = {level: header[columns[level]["CD"]].strip() for level in levels}
    read = {index for parts in columns.values() for key, index in parts.items() if key != "titles"}
    ignored = [
        text.strip()
        for index, text in enumerate(header)
        if LOOKUP_COLUMN.match(text.strip()) and index not in read
    ]
    if ignored:
        result.warnings.append(
            f"Columns not read (levels this site does not hold): {', '.join(ignored)}."
        )
    if len(levels) < 2 and levels != ["LAD"]:
        result.problem(
            0,
            "",
            "An ONS lookup has columns for two levels at least, e.g. LAD23CD and RGN23CD; "
            f"this file has only {', '.join(title.values()) or 'none'}.",
        )
        return result
    for number, cells in rows:
        result.rows += 1
        _read_lookup_row(result, number, cells, levels, columns, title)
    return result


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _read_lookup_row(result, number, cells, levels, columns, title) -> None:
    given: list[tuple[str, str, str]] = []  # (level, code, name)
    for level in levels:
        code = _cell(cells, columns[level]["CD"]).upper()
        name = _cell(cells, columns[level].get("NM"))
        if not code:
            continue
        problem = _gss_problem(code)
        if problem:
            result.problem(number, title[level], problem)
            return
        if code[:3] not in LEVELS[level]:
            result.problem(
                number,
                title[level],
                f"{code} is {code_words(code)}'s code, but a {title[level]} column holds "
                f"{LEVEL_WORDS[level]}: the code or the column is wrong.",
            )
            return
        given.append((level, code, name))
    if not any(cells):
        return
    if not given:
        result.problem(number, "", "The row gives no area code.")
        return
    smallest_level, smallest, _ = given[0]
    if smallest_level == "LAD" and "CTY" in levels and smallest.startswith("E07"):
        if not _cell(cells, columns["CTY"]["CD"]):
            result.problem(
                number,
                title["CTY"],
                f"{smallest} is a non-metropolitan district, which is always in a county, but "
                f"its {title['CTY']} is empty: the parent is missing.",
            )
            return
    if "RGN" in levels and not _cell(cells, columns["RGN"]["CD"]):
        if given[0][0] not in ("RGN", "CTRY"):
            result.problem(
                number,
                title["RGN"],
                f"{smallest}'s {title['RGN']} is empty: every area below a region is in one, so "
                f"the parent is missing.",
            )
            return
    in_tier = []
    for level, code, name in given:
        if is_grouping_code(code):
            result.memberships.setdefault(code, set()).add(smallest)
            result.add_area(
                AreaRecord(code, name, AreaType.GROUPING), number, _name_title(columns, level)
            )
            continue
        if in_tier and in_tier[-1][1] == code:
            continue  # a unitary authority is its own upper tier
        in_tier.append((level, code, name))
    for position, (level, code, name) in enumerate(in_tier):
        parent = in_tier[position + 1] if position + 1 < len(in_tier) else None
        parent_code = parent[1] if parent else ""  # a region's is England, if held
        record = AreaRecord(
            code,
            name,
            type_for_code(code),
            parent_code,
            parent_column=title[parent[0]] if parent else "",
        )
        result.add_area(record, number, _name_title(columns, level))


def _name_title(columns, level: str) -> str:
    return columns[level]["titles"].get("NM") or columns[level]["titles"]["CD"]


# --- The project's own files -------------------------------------------------------------------


def _columns(header: list[str]) -> dict[str, int]:
    return {text.strip().lower(): index for index, text in enumerate(header)}


def read_area_list(header, rows, description: str) -> GeographyFile:
    """``code,name,area_type,parent_code``: the shipped area list (the type is worked out from
    the code; the file's words are only a check)."""
    result = GeographyFile("areas", description)
    columns = _columns(header)
    for number, cells in rows:
        if not any(cells):
            continue
        result.rows += 1
        code = _cell(cells, columns["code"]).upper()
        name = _cell(cells, columns["name"])
        parent = _cell(cells, columns.get("parent_code")).upper()
        problem = _gss_problem(code) or (parent and _gss_problem(parent))
        if problem:
            result.problem(number, "code", problem)
            continue
        if not name:
            result.problem(number, "name", f"{code} has no name.")
            continue
        area_type = type_for_code(code)
        if not area_type:
            result.problem(number, "code", f"{code} is {code_words(code)}'s code.")
            continue
        result.add_area(
            AreaRecord(code, name, area_type, parent, parent_column="parent_code"), number, "name"
        )
    return result


def read_groupings(header, rows, description: str) -> GeographyFile:
    """``code,name,member_code``: ONS statistical groupings and their members."""
    result = GeographyFile("groupings", description)
    columns = _columns(header)
    for number, cells in rows:
        if not any(cells):
            continue
        result.rows += 1
        code = _cell(cells, columns["code"]).upper()
        member = _cell(cells, columns["member_code"]).upper()
        problem = _gss_problem(code) or _gss_problem(member)
        if problem:
            result.problem(number, "code", problem)
            continue
        if not is_grouping_code(code):
            result.problem(
                number,
                "code",
                f"{code} is {code_words(code)}'s code, not a statistical grouping's (E11 or "
                f"E13). For a group of areas to compare with, use the columns group,member_code.",
            )
            continue
        result.add_area(
            AreaRecord(code, _cell(cells, columns["name"]), AreaType.GROUPING), number, "name"
        )
        result.memberships.setdefault(code, set()).add(member)
    return result


_YEAR_ONLY = re.compile(r"^\d{4}$")


def read_successors(header, rows, description: str) -> GeographyFile:
    """``old_code,old_name,new_code,new_name,date,kind[,source,note]``: the successor table.
    A date is a day (2023-04-01) or, where the source gives only that, a year (2025). A note
    beginning “UNCONFIRMED” marks a change the sources disagree about: kept, not applied."""
    result = GeographyFile("successors", description)
    columns = _columns(header)
    kinds = {choice.value for choice in ChangeKind}
    for number, cells in rows:
        if not any(cells):
            continue
        result.rows += 1
        old = _cell(cells, columns["old_code"]).upper()
        new = _cell(cells, columns["new_code"]).upper()
        kind = _cell(cells, columns["kind"]).lower()
        problem = _gss_problem(old) or _gss_problem(new)
        if problem:
            result.problem(number, "old_code", problem)
            continue
        if kind not in kinds:
            result.problem(
                number, "kind", f"“{kind}” is not a kind of change: expected {', '.join(kinds)}."
            )
            continue
        if (kind == ChangeKind.RENAMED) != (old == new):
            result.problem(
                number,
                "new_code",
                "A renaming keeps the code; every other change gives a new one."
                if kind == ChangeKind.RENAMED
                else f"A change of kind “{kind}” gives the area a new code, but {old} is both "
                f"the old and the new code here.",
            )
            continue
        when = _cell(cells, columns.get("date"))
        try:
            if _YEAR_ONLY.match(when):
                year, day = int(when), None
            else:
                day = datetime.date.fromisoformat(when)
                year = day.year
        except ValueError:
            result.problem(
                number, "date", f"“{when}” is not a date: expected e.g. 2023-04-01, or a year."
            )
            continue
        if not 1974 <= year <= datetime.date.today().year + 2:
            result.problem(number, "date", f"{year} is not a year GSS codes have changed in.")
            continue
        note = _cell(cells, columns.get("note"))
        result.changes.append(
            ChangeRecord(
                old_code=old,
                old_name=_cell(cells, columns.get("old_name")),
                new_code=new,
                new_name=_cell(cells, columns.get("new_name")),
                kind=kind,
                year=year,
                date=day,
                source=_cell(cells, columns.get("source")),
                note=note,
                confirmed=not note.upper().startswith("UNCONFIRMED"),
                row=number,
            )
        )
    return result


def read_comparator_groups(header, rows, description: str) -> GeographyFile:
    """``group,member_code`` (and optionally ``area_code``, ``members_called``,
    ``description``): named groups of areas to compare with, such as statistical neighbours."""
    result = GeographyFile("comparators", description)
    columns = _columns(header)
    for number, cells in rows:
        if not any(cells):
            continue
        result.rows += 1
        name = _cell(cells, columns["group"])
        member = _cell(cells, columns["member_code"]).upper()
        area = _cell(cells, columns.get("area_code")).upper()
        if not name:
            result.problem(number, "group", "The group's name is empty.")
            continue
        problem = _gss_problem(member) or (area and _gss_problem(area))
        if problem:
            result.problem(number, "member_code", problem)
            continue
        group = result.groups.setdefault(name, GroupRecord(name))
        if member not in group.members:
            group.members.append(member)
        if area and area not in group.areas:
            group.areas.append(area)
        for attribute in ("members_called", "description"):
            text = _cell(cells, columns.get(attribute))
            if text and getattr(group, attribute) and getattr(group, attribute) != text:
                result.problem(
                    number,
                    attribute,
                    f"The group “{name}” has two different {attribute.replace('_', ' ')} values.",
                )
            elif text:
                setattr(group, attribute, text)
    return result


def file_kind(header: list[str]) -> str:
    """Which geography file a header is, or "" if none."""
    names = set(_columns(header))
    if {"old_code", "new_code", "kind"} <= names:
        return "successors"
    if {"group", "member_code"} <= names:
        return "comparators"
    if {"code", "name", "member_code"} <= names:
        return "groupings"
    if {"code", "name", "area_type"} <= names:
        return "areas"
    if lookup_columns(header):
        return "lookup"
    return ""


READERS = {
    "lookup": read_lookup,
    "areas": read_area_list,
    "groupings": read_groupings,
    "successors": read_successors,
    "comparators": read_comparator_groups,
}
