"""What the import preview shows of a report, beyond its summary: the source indicators to
map, the counts at the top, and why an import was refused."""

from __future__ import annotations

from dataclasses import dataclass

from indicators.admin.forms import LEAVE_OUT, MappingRow
from indicators.importing import ImportReport


def mapping_rows(report: ImportReport, chosen: list[MappingRow]) -> list[MappingRow]:
    """The source indicators to offer on the preview: those the officer has already chosen for
    (kept, so that the choice goes on to the import), then those still unmapped, then those
    left out by a remembered mapping."""
    rows = {row.key: row for row in chosen}
    for tallies, default in ((report.unmapped, ""), (report.left_out, LEAVE_OUT)):
        for tally in tallies.values():
            earlier = rows.get(tally.key)
            rows[tally.key] = MappingRow(
                key=tally.key,
                name=tally.name,
                rows=tally.rows,
                choice=earlier.choice if earlier else default,
            )
    return list(rows.values())


@dataclass(frozen=True)
class Count:
    label: str
    number: int
    kind: str


def counts(report: ImportReport) -> list[Count]:
    return [
        Count("New figures", report.figures_new, "new"),
        Count("Changed figures", report.figures_changed, "changed"),
        Count("Unchanged figures", report.figures_unchanged, "unchanged"),
        Count("Rejected rows", report.rows_rejected, "rejected"),
        Count("Skipped rows", report.rows_skipped, "skipped"),
    ]


def only(names: set[str]) -> str:
    """The one name, if there is exactly one."""
    return next(iter(names)) if len(names) == 1 else ""


def rows_listed(report: ImportReport) -> int:
    """The rejected rows the report lists problems for."""
    return len({error.row for error in report.errors})


def refusal(report: ImportReport) -> str:
    """Why an import the officer confirmed changed nothing, and what to do."""
    if report.file_errors:
        return f"Nothing was imported. {report.file_errors[0]}"
    rows = f"{report.rows_rejected:,} row{'' if report.rows_rejected == 1 else 's'}"
    return (
        f"Nothing was imported: {rows} {'has' if report.rows_rejected == 1 else 'have'} "
        f"problems, listed below. Correct the file and upload it again, or tick “Apply only "
        f"the valid rows” to import every other figure."
    )
