"""Which of our areas each row of a file is for.

A row's area is matched by its code: the code itself, or the code an alias given with the
import says it now is (an authority re-coded since), or the row's fallback code (EES's
old_la_code). A code the site does not hold is skipped and counted, or, if the officer chose,
added as a new area from the file's own code, name and type (and linked to its parent, once the
parent is there too). A matched area whose name in the file differs from ours is warned about.

A real file's figure for a real area is never put on another area:

- one code with two names in a file (“E06000009” for both Blackpool and Blackburn with
  Darwen) is refused, listing the rows of each name: nothing shows which row is right;
- a row whose name is another of our areas' (E06000009 “Blackburn with Darwen”, where
  Blackburn with Darwen is E06000008 on this site) is refused: its code or its name is wrong;
- an alias is checked before it is used: the area it names must be on the site and of a
  type the old code could have become (a district a district or a unitary authority, a
  county a county or a unitary authority…); where the file's name for the old code is not the
  new area's, or the old code is an area of ours too, the officer is asked to confirm it, and
  nothing is changed until they have.

ONS statistical groupings (E11 metropolitan counties, E13 Inner and Outer London) are neither
regions nor counties. DfE files list them among the regions (EES at geographic level
“Regional”, and as the `region_code` of London boroughs); older DfE releases even give Inner
and Outer London London's own code E12000007, which is read here as the groupings' codes
rather than as London, or as one code with two names. A grouping's figures are stored under
the grouping if the site holds it (an area of type “Statistical grouping”), and are otherwise
skipped, saying why; a grouping is never made the parent of an area added from a file.

`AreaMatcher.area_for` is the entry point for each row; `AreaMatcher.finish` links the parents
of the areas added and writes the findings of the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from core.formatting import joined
from indicators.importing.formats import Format, SourceRow, area_type_for
from indicators.importing.report import ImportReport, Question, row_count, tally
from indicators.importing.successors import Successors
from indicators.models import Area, AreaType
from indicators.models.areas import GROUPING_REGIONS, is_grouping_code

#: Areas whose names differ from ours that are named one by one in the warnings.
NAME_WARNINGS = 20
#: Rows of each name of a code kept, to list them where the code has two names.
ROWS_LISTED = 10

LONDON = "E12000007"
#: Older DfE releases give Inner and Outer London London's own code on their region rows.
LONDON_GROUPINGS = {"innerlondon": "E13000001", "outerlondon": "E13000002"}

#: The types of area an old code of each type can have become (an alias's check).
_BECOMES: dict[str, set[str]] = {
    AreaType.COUNTRY: {AreaType.COUNTRY},
    AreaType.REGION: {AreaType.REGION},
    AreaType.COUNTY: {AreaType.COUNTY, AreaType.UNITARY},
    AreaType.UNITARY: {AreaType.UNITARY, AreaType.COUNTY, AreaType.DISTRICT},
    AreaType.DISTRICT: {AreaType.DISTRICT, AreaType.UNITARY},
    AreaType.GROUPING: {AreaType.GROUPING},
}


@dataclass(slots=True)
class AreaInfo:
    pk: int
    name: str
    short_name: str
    area_type: str = ""

    @property
    def shown(self) -> str:
        return self.short_name or self.name


@dataclass(slots=True)
class _Name:
    """One name a code has in the file, and the first rows that give it."""

    name: str
    simple: str
    rows: list[int] = field(default_factory=list)
    count: int = 0

    def add(self, row: int) -> None:
        self.count += 1
        if len(self.rows) < ROWS_LISTED:
            self.rows.append(row)

    def listed(self) -> str:
        """“on rows 3, 9 and 14”, “on row 14”, “on rows 3, 9, … and 40 more”."""
        shown = [str(row) for row in self.rows]
        more = self.count - len(shown)
        if more > 0:
            return f"on rows {', '.join(shown)} and {more:,} more"
        if len(shown) == 1:
            return f"on row {shown[0]}"
        return f"on rows {', '.join(shown[:-1])} and {shown[-1]}"


@dataclass(slots=True)
class _NamesMet:
    """The names one code has in the file."""

    names: list[_Name]
    last: str  # the last name met, as written: most rows repeat it
    column: str
    conflict_from: int = 0  # the row where a second name was met

    def listed(self, names: list[_Name] | None = None) -> str:
        """“‘Blackpool’ on rows 3 and 9 and ‘Blackburn with Darwen’ on row 14”."""
        return joined([f"“{known.name}” {known.listed()}" for known in names or self.names])

    def problem(self, code: str, entry: _Name, written: str = "") -> str:
        """What is wrong with a row that gives the code the name ``entry`` (as ``written``
        there, if given)."""
        others = [known for known in self.names if known is not entry]
        return (
            f"{code} is called “{written or entry.name}” here and {self.listed(others)}: one "
            "code cannot be two areas, and nothing shows which is right, so none of its rows is "
            "imported."
        )


class AreaMatcher:
    """The areas the site holds, by code, and what matching a file's rows to them found."""

    def __init__(
        self,
        table_format: Format,
        report: ImportReport,
        *,
        add_areas: bool,
        aliases: Mapping[str, str],
        confirmed: Mapping[str, str] | None = None,
    ) -> None:
        self.table_format = table_format
        self.report = report
        self.add_areas = add_areas
        self.areas = {
            code: AreaInfo(pk, name, short_name, area_type)
            for pk, code, name, short_name, area_type in Area.objects.values_list(
                "pk", "code", "name", "short_name", "area_type"
            )
        }
        #: Area pk → its name, for the preview.
        self.names = {info.pk: info.name for info in self.areas.values()}
        #: Our areas' names (and short names), simplified → their codes.
        self.by_name: dict[str, set[str]] = {}
        for code, info in self.areas.items():
            for name in (info.name, info.short_name):
                if name:
                    self.by_name.setdefault(simple_name(name), set()).add(code)
        # A confirmed alias is an alias: giving it confirmed is enough.
        given = {**aliases, **(confirmed or {})}
        self.aliases = {old.strip().upper(): new.strip().upper() for old, new in given.items()}
        self.confirmed = {
            (old.strip().upper(), new.strip().upper()) for old, new in (confirmed or {}).items()
        }
        self.name_checked: set[str] = set()
        self.names_differing = 0
        self.unaddable: dict[str, str] = {}  # code → why it could not be added
        self.parents_to_link: dict[str, str] = {}
        self.aliases_used: dict[tuple[str, str], int] = {}
        self.fallbacks_used: dict[tuple[str, str], int] = {}
        #: Each code met with a name → the names it has in the file.
        self.names_met: dict[str, _NamesMet] = {}
        #: (code, name as written) → why a row so named is refused ("" if it is not).
        self.name_verdicts: dict[tuple[str, str], str] = {}
        self.alias_checked: set[tuple[str, str, str]] = set()
        self.london_recoded: dict[str, int] = {}  # grouping code → rows
        self.groupings_skipped: dict[str, int] = {}
        #: Rows refused because their name is another of our areas'.
        self.misnamed_rows: set[int] = set()
        #: Old codes of aliases that are areas of ours too → the question, asked if used.
        self.held_old: dict[str, str] = {}
        self.successors = Successors()
        #: (old code, new code) → rows read through a recoding in the successor table.
        self.recodes_used: dict[tuple[str, str], int] = {}
        #: Former areas (merged, split, abolished) → rows kept on them.
        self.former_used: dict[str, int] = {}
        self._check_aliases()

    # --- Aliases ---------------------------------------------------------------------------

    def _check_aliases(self) -> None:
        """What can be known of the aliases before the file is read: the area each names must
        be on the site, not a statistical grouping, and of a type the old code could have
        become; an old code that is an area of ours too must be confirmed. A refused alias is
        dropped: nothing is asked about it and no row is read through it."""
        refused: list[str] = []
        for old, new in self.aliases.items():
            alias = f"{old}={new}"
            info = self.areas.get(new)
            if info is None:
                self.report.file_errors.append(
                    f"The alias {alias} reads {old} as {new}, but there is no area {new} on "
                    f"this site: expected the code of one of our areas."
                )
                refused.append(old)
                continue
            if info.area_type == AreaType.GROUPING:
                self.report.file_errors.append(
                    f"The alias {alias} would put figures for {old} on {info.name}, which is "
                    f"a statistical grouping: an area's figures are never a grouping's."
                )
                refused.append(old)
                continue
            problem = self.successors.alias_problem(old, new, info.name)
            if problem:
                self.report.file_errors.append(problem)
                refused.append(old)
                continue
            held = self.areas.get(old)
            if self.successors.current_code(old):
                continue  # the recoding the successor table records: no question to ask
            old_type = held.area_type if held is not None else area_type_for(old, "")
            problem = _type_problem(alias, old, old_type, info)
            if problem:
                self.report.file_errors.append(problem)
                refused.append(old)
                continue
            if held is not None and (old, new) not in self.confirmed:
                self.held_old[old] = (
                    f"{old} is an area of its own on this site ({held.name}), and the alias "
                    f"{alias} would put the file's figures for it on {info.name} ({new}) "
                    f"instead: confirm the alias if that is what you mean."
                )
        for old in refused:
            new = self.aliases.pop(old)
            self.confirmed.discard((old, new))

    def _check_alias_row(self, old: str, new: str, info: AreaInfo, row: SourceRow) -> str:
        """A row matched through an alias: a problem if the row says it is a kind of area the
        alias's area cannot have been; a question if the file's name for it is not the
        area's and the alias is not confirmed."""
        seen = (old, new, row.area_name)
        if seen in self.alias_checked:
            return ""
        self.alias_checked.add(seen)
        alias = f"{old}={new}"
        if old in self.held_old:
            self._ask(old, new, self.held_old[old])
            return ""
        if row.area_type and not area_type_for(old, ""):
            problem = _type_problem(alias, old, row.area_type, info)
            if problem:
                self.alias_checked.discard(seen)  # each of its rows is refused
                return problem
        if (old, new) in self.confirmed or _same_area_name(row.area_name, info):
            return ""
        if row.area_name:
            text = (
                f"The alias {alias} reads {old}, which the file calls “{row.area_name}”, as "
                f"{info.name}: confirm the alias if they are the same area."
            )
        else:
            text = (
                f"The alias {alias} reads {old} as {info.name}, but the file gives no name "
                f"for {old} to show that it is: confirm the alias if it is."
            )
        self._ask(old, new, text)
        return ""

    def _ask(self, old: str, new: str, text: str) -> None:
        key = f"{old}={new}"
        if any(question.key == key for question in self.report.questions):
            return
        self.report.questions.append(Question(kind="alias", key=key, text=text))

    # --- Each row ---------------------------------------------------------------------------

    def area_for(self, row: SourceRow) -> tuple[int | None, bool]:
        """(The area's pk, False), or (None, True) when the row is skipped for an area the
        site does not hold, or (None, False) with a problem added to the row."""
        if row.area_code == LONDON:
            self._read_london_grouping(row)
        code = row.area_code
        if not code and not row.alt_area_code:
            row.problems.append(
                (
                    row.area_column or "area_code",
                    "The area code is empty: expected an ONS GSS code such as E07000123.",
                )
            )
            return None, False
        if code and row.area_name:
            problem = self._meet_name(code, row)
            if problem:
                row.problems.append((row.area_column, problem))
                return None, False
        for candidate in (code, row.alt_area_code):
            if not candidate:
                continue
            target = self.aliases.get(candidate, candidate)
            recoded = candidate == target and self.successors.current_code(candidate)
            if recoded and recoded in self.areas:
                pair = (candidate, recoded)
                self.recodes_used[pair] = self.recodes_used.get(pair, 0) + 1
                target = recoded
            info = self.areas.get(target)
            if info is None:
                continue
            if candidate in self.successors.ended and candidate == target:
                self.former_used[candidate] = self.former_used.get(candidate, 0) + 1
            if candidate != target and not recoded:
                problem = self._check_alias_row(candidate, target, info, row)
                if problem:
                    row.problems.append((row.area_column, problem))
                    return None, False
                pair = (candidate, target)
                self.aliases_used[pair] = self.aliases_used.get(pair, 0) + 1
            else:
                if candidate != code:
                    pair = (code, candidate)
                    self.fallbacks_used[pair] = self.fallbacks_used.get(pair, 0) + 1
                problem = self._check_name(target, info, row.area_name)
                if problem:
                    if len(self.misnamed_rows) < ROWS_LISTED * 1000:
                        self.misnamed_rows.add(row.number)
                    row.problems.append((row.area_column, problem))
                    return None, False
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
        if is_grouping_code(code):
            self.groupings_skipped[code] = self.groupings_skipped.get(code, 0) + 1
        return None, True

    def _read_london_grouping(self, row: SourceRow) -> None:
        """Older DfE releases give Inner and Outer London London's code on their region rows:
        they are the ONS statistical groupings, not London."""
        if row.area_code != LONDON or not row.area_name:
            return
        grouping = LONDON_GROUPINGS.get(simple_name(row.area_name))
        if grouping is None:
            return
        row.area_code = grouping
        row.area_type = AreaType.GROUPING
        row.parent_code = ""
        self.london_recoded[grouping] = self.london_recoded.get(grouping, 0) + 1

    def _meet_name(self, code: str, row: SourceRow) -> str:
        """Note the row's name for its code; the problem if the code has had another name in
        this file (which makes every row of the code a problem)."""
        name = row.area_name
        met = self.names_met.get(code)
        if met is None:
            first = _Name(name, simple_name(name))
            first.add(row.number)
            self.names_met[code] = _NamesMet([first], name, row.area_column)
            return ""
        if name == met.last and len(met.names) == 1:
            met.names[0].add(row.number)
            return ""
        simple = simple_name(name)
        entry = next((known for known in met.names if known.simple == simple), None)
        if entry is None:
            entry = _Name(name, simple)
            met.names.append(entry)
        entry.add(row.number)
        met.last = name
        if len(met.names) == 1:
            return ""
        if not met.conflict_from:
            met.conflict_from = row.number
        return met.problem(code, entry, name)

    def _check_name(self, code: str, info: AreaInfo, name: str) -> str:
        """Warn (once a code) when the file's name for an area is not ours; the problem when
        the file's name is another of our areas' (the code or the name is wrong)."""
        if not name:
            return ""
        verdict = self.name_verdicts.get((code, name))
        if verdict is not None:
            return verdict
        verdict = ""
        if not _same_area_name(name, info):
            others = sorted(self.by_name.get(simple_name(name), set()) - {code})
            if others:
                other = self.areas[others[0]]
                verdict = (
                    f"{code} is {info.name} on this site, but the file calls it “{name}”, "
                    f"which is the name of {others[0]} ({other.name}): the code or the name is "
                    f"wrong, so the row is not imported."
                )
            elif code not in self.name_checked:
                self.names_differing += 1
                if self.names_differing <= NAME_WARNINGS:
                    self.report.warnings.append(
                        f"Area {code} is called “{name}” in the file and “{info.name}” on this "
                        f"site; it was matched by its code."
                    )
        self.name_checked.add(code)
        if len(self.name_verdicts) < 10_000:
            self.name_verdicts[(code, name)] = verdict
        return verdict

    # --- Adding areas -----------------------------------------------------------------------

    def _add_area(self, row: SourceRow) -> int | None:
        code = row.area_code
        if code in self.unaddable:
            return None
        grouping = is_grouping_code(code)
        area_type = AreaType.GROUPING if grouping else row.area_type or AreaType.OTHER
        if area_type == AreaType.GROUPING and not grouping:
            area_type = AreaType.OTHER  # only E11 and E13 codes are groupings
        area = Area(code=code, name=row.area_name, area_type=area_type)
        parent_code = "" if grouping else _in_hierarchy(row.parent_code)
        parent = self.areas.get(parent_code) if parent_code else None
        if parent is not None and parent.pk and parent.area_type != AreaType.GROUPING:
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
        if parent_code and area.parent_id is None:
            self.parents_to_link[code] = parent_code
        self.areas[code] = AreaInfo(area.pk, area.name, area.short_name, area.area_type)
        self.names[area.pk] = area.name
        self.report.areas_added.append(code)
        return area.pk

    # --- The whole file ---------------------------------------------------------------------

    def finish(self) -> None:
        """Refuse the file if a code has two names in it; link the areas added to parents
        added after them; and warn of what was matched other than by its own code, what was
        skipped as a statistical grouping, what could not be added, and names that differ."""
        self._refuse_two_names()
        self._link_parents()
        report = self.report
        for grouping, rows in self.london_recoded.items():
            report.warnings.append(
                f"{row_count(rows)} called “{_GROUPING_NAMES[grouping]}” had London's code "
                f"{LONDON}, as older DfE releases give it: read as the ONS statistical "
                f"grouping {grouping}, not as London."
            )
        if self.groupings_skipped:
            skipped = [
                f"{code} “{report.skipped_areas[code].name or _GROUPING_NAMES.get(code, '')}” "
                f"({row_count(rows)})"
                for code, rows in self.groupings_skipped.items()
            ]
            report.warnings.append(
                f"Skipped as ONS statistical groupings, not regions or counties: "
                f"{joined(skipped)}. This site does not hold them; add them as areas of type "
                f"“Statistical grouping” to keep their figures."
            )
        for (old, new), rows in self.aliases_used.items():
            report.warnings.append(
                f"{row_count(rows)} used the code {old}, read as {new} ({self.areas[new].name})."
            )
        unused = [
            f"{old}={new}"
            for old, new in self.aliases.items()
            if (old, new) not in self.aliases_used and new in self.areas
        ]
        if unused:
            several = len(unused) > 1
            report.warnings.append(
                f"No row of the file has the old code of the alias{'es' if several else ''} "
                f"{joined(unused)}: {'they were' if several else 'it was'} not used."
            )
        names = {code: info.name for code, info in self.areas.items()}
        report.warnings += self.successors.notes(self.recodes_used, self.former_used, names)
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

    def _refuse_two_names(self) -> None:
        """A code with two names refuses the whole file (its valid rows too: the codes of a
        file that gives one code to two areas cannot be trusted), with each of its rows. The
        rows read before its second name was met are refused here."""
        for code, met in self.names_met.items():
            if not met.conflict_from:
                continue
            self.report.file_errors.append(
                f"{code} is called {met.listed()}: one code cannot be two areas, and nothing shows "
                f"which is right, so nothing in this file was imported. Correct the code in the "
                f"file and import it again."
            )
            for entry in met.names:
                message = met.problem(code, entry)
                for number in entry.rows:
                    if number < met.conflict_from and number not in self.misnamed_rows:
                        self.report.reject(number, met.column, message)

    def _link_parents(self) -> None:
        for code, parent_code in self.parents_to_link.items():
            parent = self.areas.get(parent_code)
            if parent is None or parent.area_type == AreaType.GROUPING:
                continue
            area = Area.objects.get(code=code)
            area.parent_id = parent.pk
            try:
                area.full_clean()
            except ValidationError:
                continue
            area.save(update_fields=["parent"])


_GROUPING_NAMES = {"E13000001": "Inner London", "E13000002": "Outer London"}


def _in_hierarchy(parent_code: str) -> str:
    """The parent a file gives, in the hierarchy: a statistical grouping (a London borough's
    EES region_code E13000001, a metropolitan district's county E11000001) is replaced by the
    region it lies in."""
    if is_grouping_code(parent_code):
        return GROUPING_REGIONS.get(parent_code.upper(), "")
    return parent_code


def _type_problem(alias: str, old: str, old_type: str, new: AreaInfo) -> str:
    """Why an area of ``old_type`` cannot have become ``new``, or ""."""
    becomes = _BECOMES.get(old_type)
    if not becomes or not new.area_type or new.area_type in becomes:
        return ""
    old_label = AreaType(old_type).label.lower()
    new_label = AreaType(new.area_type).label.lower()
    return (
        f"The alias {alias} would put figures for {old}, a {old_label}, on {new.name}, a "
        f"{new_label}: an area of one kind never becomes the other. Check the codes."
    )


# Words that publishers add to or drop from an area's name without naming another area:
# “Herefordshire, County of”, “Bristol, City of”, “North West region (statistical)”.
_NOISE = re.compile(
    r"\b(?:city of|county of|borough of|royal borough|metropolitan borough|council|"
    r"region \(statistical\)|\(statistical\)|\(met county\))",
)


def simple_name(name: str) -> str:
    """A name for comparison: case, punctuation and the words publishers add or drop (“City
    of”, “County of”, “region (statistical)”) aside; “&” is “and”."""
    lowered = _NOISE.sub(" ", name.casefold().replace("&", " and "))
    return re.sub(r"[^a-z0-9]+", "", lowered)


def _same_area_name(name: str, info: AreaInfo) -> bool:
    simple = simple_name(name)
    return bool(simple) and simple in (simple_name(info.name), simple_name(info.short_name))
