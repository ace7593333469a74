"""Which of our areas each row of a file is for.

A row's area is matched by its code: the code itself, or the code an alias given with the
import says it now is (an authority re-coded since), or the row's fallback code (EES's
old_la_code). A code the site does not hold is skipped and counted, or, if the officer chose,
added as a new area from the file's own code, name and type (and linked to its parent, once the
parent is there too). A matched area whose name in the file differs from ours is warned about.

`AreaMatcher.area_for` is the entry point for each row; `AreaMatcher.finish` links the parents
of the areas added and writes the warnings of the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from indicators.importing.formats import Format, SourceRow
from indicators.importing.report import ImportReport, row_count, tally
from indicators.models import Area, AreaType

#: Areas whose names differ from ours that are named one by one in the warnings.
NAME_WARNINGS = 20


@dataclass(slots=True)
class AreaInfo:
    pk: int
    name: str
    short_name: str


class AreaMatcher:
    """The areas the site holds, by code, and what matching a file's rows to them found."""

    def __init__(
        self,
        table_format: Format,
        report: ImportReport,
        *,
        add_areas: bool,
        aliases: Mapping[str, str],
    ) -> None:
        self.table_format = table_format
        self.report = report
        self.add_areas = add_areas
        self.aliases = aliases
        self.areas = {
            code: AreaInfo(pk, name, short_name)
            for pk, code, name, short_name in Area.objects.values_list(
                "pk", "code", "name", "short_name"
            )
        }
        #: Area pk → its name, for the preview.
        self.names = {info.pk: info.name for info in self.areas.values()}
        self.name_checked: set[str] = set()
        self.names_differing = 0
        self.unaddable: dict[str, str] = {}  # code → why it could not be added
        self.parents_to_link: dict[str, str] = {}
        self.aliases_used: dict[tuple[str, str], int] = {}
        self.fallbacks_used: dict[tuple[str, str], int] = {}

    def area_for(self, row: SourceRow) -> tuple[int | None, bool]:
        """(The area's pk, False), or (None, True) when the row is skipped for an area the
        site does not hold, or (None, False) with a problem added to the row."""
        code = row.area_code
        if not code and not row.alt_area_code:
            row.problems.append(
                (
                    row.area_column or "area_code",
                    "The area code is empty: expected an ONS GSS code such as E07000123.",
                )
            )
            return None, False
        for candidate in (code, row.alt_area_code):
            if not candidate:
                continue
            target = self.aliases.get(candidate, candidate)
            info = self.areas.get(target)
            if info is not None:
                if candidate != target:
                    pair = (candidate, target)
                    self.aliases_used[pair] = self.aliases_used.get(pair, 0) + 1
                elif candidate != code:
                    pair = (code, candidate)
                    self.fallbacks_used[pair] = self.fallbacks_used.get(pair, 0) + 1
                self._check_name(target, info, row.area_name)
                return info.pk, False
        problem = self.table_format.area_code_problem(code)
        if problem:
            row.problems.append((row.area_column, problem))
            return None, False
        if self.add_areas and code:
            area_id = self._add_area(row)
            if area_id is not None:
                return area_id, False
        self.report.rows_area_skipped += 1
        tally(self.report.skipped_areas, code or row.alt_area_code, row.area_name)
        return None, True

    def _check_name(self, code: str, info: AreaInfo, name: str) -> None:
        if not name or code in self.name_checked:
            return
        self.name_checked.add(code)
        if _same_name(name, info.name) or _same_name(name, info.short_name):
            return
        self.names_differing += 1
        if self.names_differing > NAME_WARNINGS:
            return
        self.report.warnings.append(
            f"Area {code} is called “{name}” in the file and “{info.name}” on this site; it "
            f"was matched by its code."
        )

    def _add_area(self, row: SourceRow) -> int | None:
        code = row.area_code
        if code in self.unaddable:
            return None
        area = Area(code=code, name=row.area_name, area_type=row.area_type or AreaType.OTHER)
        parent = self.areas.get(row.parent_code) if row.parent_code else None
        if parent is not None and parent.pk:
            area.parent_id = parent.pk
        try:
            try:
                area.full_clean()
            except ValidationError as error:
                if not (area.parent_id and set(error.message_dict) == {"parent"}):
                    raise
                area.parent_id = None  # a parent that does not fit: leave it empty
                area.full_clean()
        except ValidationError as error:
            self.unaddable[code] = "; ".join(
                f"{field_name}: {' '.join(messages)}"
                for field_name, messages in error.message_dict.items()
            )
            return None
        area.save()
        if row.parent_code and area.parent_id is None:
            self.parents_to_link[code] = row.parent_code
        self.areas[code] = AreaInfo(area.pk, area.name, area.short_name)
        self.names[area.pk] = area.name
        self.report.areas_added.append(code)
        return area.pk

    def finish(self) -> None:
        """Link the areas added to parents added after them, and warn of what was matched
        other than by its own code, what could not be added, and names that differ."""
        self._link_parents()
        report = self.report
        for (old, new), rows in self.aliases_used.items():
            report.warnings.append(
                f"{row_count(rows)} used the code {old}, read as {new} ({self.areas[new].name})."
            )
        for (code, old), rows in self.fallbacks_used.items():
            report.warnings.append(
                f"{row_count(rows)} with the code {code or '(none)'}, which is not on this "
                f"site, {'was' if rows == 1 else 'were'} matched by the old code {old} "
                f"({self.areas[old].name})."
            )
        if self.unaddable:
            shown = [f"{code} ({reason})" for code, reason in list(self.unaddable.items())[:10]]
            more = len(self.unaddable) - len(shown)
            report.warnings.append(
                f"{len(self.unaddable):,} areas could not be added and their rows were "
                f"skipped: {', '.join(shown)}" + (f" and {more:,} more." if more else ".")
            )
        if self.names_differing > NAME_WARNINGS:
            report.warnings.append(
                f"… and {self.names_differing - NAME_WARNINGS:,} more areas whose names in the "
                f"file differ from ours; all were matched by their codes."
            )

    def _link_parents(self) -> None:
        for code, parent_code in self.parents_to_link.items():
            parent = self.areas.get(parent_code)
            if parent is None:
                continue
            area = Area.objects.get(code=code)
            area.parent_id = parent.pk
            try:
                area.full_clean()
            except ValidationError:
                continue
            area.save(update_fields=["parent"])


def _same_name(a: str, b: str) -> bool:
    def simple(name: str) -> str:
        name = name.casefold().replace("&", " and ")
        return re.sub(r"[^a-z0-9]+", "", name)

    return bool(b) and simple(a) == simple(b)
