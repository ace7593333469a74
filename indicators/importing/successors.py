"""What the successor table (`AreaChange`) says to the figure importer.

- A recoding is the same area under a new code: a row with the old code (Gateshead's
  E08000020, recoded E08000037 on 1 April 2013) is read as the new code, and the report says
  so. Recodings in a chain are followed to the code in use now.
- A merger, split or abolition is never applied to figures: the old area keeps its figures (a
  former area, marked as such on its page, which links to what replaced it), and the report
  says which rows are for former areas.
- An alias an officer gives is held to the table: one that reads a recoded code as anything
  but its new code, or reads a merged, split or abolished area's code as any other area, is
  refused, saying what the table records.

Only confirmed lines count; a change the sources disagree about is never acted on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.formatting import joined
from indicators.importing.report import row_count
from indicators.models import AreaChange, ChangeKind

#: Former areas named one by one in an import's report.
FORMER_LISTED = 12


@dataclass(slots=True)
class _Ending:
    old_name: str
    kind: str
    when: str
    new: list[tuple[str, str]] = field(default_factory=list)  # (code, name)

    def text(self) -> str:
        names = joined([f"{name} ({code})" for code, name in self.new])
        if self.kind == ChangeKind.MERGED:
            return f"merged into {names} on {self.when}"
        if self.kind == ChangeKind.SPLIT:
            return f"divided between {names} on {self.when}"
        return f"abolished on {self.when} and replaced by {names}"


class Successors:
    """The confirmed lines of the successor table, by old code."""

    def __init__(self) -> None:
        #: Old code → (new code, old name, when): recodings only.
        self.recoded: dict[str, tuple[str, str, str]] = {}
        #: Old code → how it ended, for mergers, splits and abolitions.
        self.ended: dict[str, _Ending] = {}
        changes = AreaChange.objects.confirmed().select_related("old_area", "new_area")
        for change in changes.exclude(kind=ChangeKind.RENAMED).order_by(
            "year", "date", "new_area__name"
        ):
            old, new = change.old_area.code, change.new_area.code
            if change.kind == ChangeKind.RECODED:
                self.recoded[old] = (new, change.old_name, change.when)
                continue
            ending = self.ended.setdefault(old, _Ending(change.old_name, change.kind, change.when))
            ending.new.append((new, change.new_area.name))

    def __bool__(self) -> bool:
        return bool(self.recoded or self.ended)

    def current_code(self, code: str) -> str:
        """The code a recoded code (or a chain of them) stands for now; "" if not recoded."""
        seen = {code}
        found = ""
        while code in self.recoded:
            code = self.recoded[code][0]
            if code in seen:
                break
            seen.add(code)
            found = code
        return found

    def recoding_text(self, old: str) -> str:
        """“Gateshead's code until 1 April 2013, when it was recoded E08000037”."""
        new, name, when = self.recoded[old]
        return f"{name}'s code until {when}, when it was recoded {new}"

    def ending_text(self, old: str) -> str:
        ending = self.ended[old]
        return f"{ending.old_name} ({old}), {ending.text()}"

    def notes(
        self,
        recodes_used: dict[tuple[str, str], int],
        former_used: dict[str, int],
        names: dict[str, str],
    ) -> list[str]:
        """What an import's report says: which rows were read under a new code, and which
        are for former areas, whose figures stay their own."""
        found = [
            f"{row_count(rows)} used {old}, {self.recoding_text(old)}: read as {new} "
            f"({names.get(new, new)}), as the successor table records."
            for (old, new), rows in recodes_used.items()
        ]
        if former_used:
            listed = [
                f"{self.ending_text(code)} ({row_count(rows)})"
                for code, rows in list(former_used.items())[:FORMER_LISTED]
            ]
            if len(former_used) > FORMER_LISTED:
                listed.append(f"{len(former_used) - FORMER_LISTED:,} more")
            found.append(
                f"Rows for areas that have been replaced since: {joined(listed)}. Their figures "
                f"are kept on those former areas, not given to the areas that replaced them."
            )
        return found

    def alias_problem(self, old: str, new: str, new_name: str) -> str:
        """Why the alias old=new contradicts the table, or ""."""
        alias = f"{old}={new}"
        current = self.current_code(old)
        if current:
            if new in (current, self.recoded[old][0]):
                return ""
            return (
                f"The alias {alias} reads {old} as {new_name} ({new}), but {old} was "
                f"{self.recoding_text(old)}, and that recoding is applied without an alias. "
                f"Leave the alias out, or check the codes."
            )
        ending = self.ended.get(old)
        if ending is None:
            return ""
        if new in {code for code, _name in ending.new}:
            why = ": an area's figures are never given to the area that replaced it"
        else:
            why = ", so they are not that area's either"
        return (
            f"The alias {alias} would put the figures for {ending.old_name} ({old}) on "
            f"{new_name} ({new}), but {old} was {ending.text()}{why}. Its figures are kept on "
            f"{ending.old_name} as a former area, whose page links to what replaced it: leave "
            f"the alias out."
        )
