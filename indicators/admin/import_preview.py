"""What the import preview shows of a report, beyond its summary: the source indicators to
map, the counts at the top, and why an import was refused."""

from __future__ import annotations

from dataclasses import dataclass

from indicators.admin.forms import LEAVE_OUT, ColumnRow, MappingRow, ReadingRow
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


def column_rows(report: ImportReport, chosen: list[ColumnRow]) -> list[ColumnRow]:
    """The columns to ask about on the preview: those the officer has answered for (kept, so
    that the answer goes on to the import), then those the importer asked about, with how it
    read them meanwhile."""
    rows = {row.key: row for row in chosen}
    for question in report.questions:
        if question.kind == "column" and question.key not in rows:
            values = ", ".join(question.values)
            rows[question.key] = ColumnRow(key=question.key, values=values, choice=question.guess)
    return list(rows.values())


def alias_questions(report: ImportReport, confirmed: dict[str, str]) -> list[tuple[str, str]]:
    """The aliases to confirm on the preview, as (OLD=NEW, the question): those asked about,
    and those already confirmed (kept, so that the confirmation goes on to the import)."""
    found = {f"{old}={new}": f"{old} is {new}." for old, new in confirmed.items()}
    for question in report.questions:
        if question.kind == "alias":
            found[question.key] = question.text
    return list(found.items())


def reading_rows(report: ImportReport, chosen: list[ReadingRow]) -> list[ReadingRow]:
    """The measures whose periods are single years (DfE's “Reporting year”), each with how
    its years were read (“2013 (Reporting year) read as 2012/13”) and why, and the reading
    chosen so far: as posted, else as remembered, else "" (decided from our indicator's
    figures)."""
    posted = {row.key: row.choice for row in chosen}
    return [
        ReadingRow(
            key=reading.key,
            shown="; ".join(
                f"{written} read as {label}" for written, label in reading.examples.items()
            ),
            why=reading.why[:1].upper() + reading.why[1:] + ".",
            choice=posted.get(reading.key, reading.chosen),
        )
        for reading in report.year_readings.values()
    ]


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
    if report.questions and not report.rows_rejected:
        return (
            "Nothing was imported: the importer has questions about this file, below. Answer "
            "them and import it again."
        )
    rows = f"{report.rows_rejected:,} row{'' if report.rows_rejected == 1 else 's'}"
    return (
        f"Nothing was imported: {rows} {'has' if report.rows_rejected == 1 else 'have'} "
        f"problems, listed below. Correct the file and upload it again, or tick “Apply only "
        f"the valid rows” to import every other figure."
    )
