"""England's geography: the areas, how they nest, the statistical groupings, the changes of
boundaries and codes, and named groups of areas to compare with.

`read_file` reads one geography file (an ONS lookup, the successor table, groupings or
comparator groups: see `records`), `plan.plan` says what loading files would change and
`applying.apply` does it. `shipped_files` are the ONS files the project ships (in `data/`, see its
PROVENANCE.md), which `manage.py load_geography` loads.
"""

from __future__ import annotations

from pathlib import Path

from indicators.geography.applying import apply
from indicators.geography.plan import GeographyPlan, plan
from indicators.geography.records import READERS, GeographyFile, RowProblem, file_kind
from indicators.importing.reading import FileRejected, Source, open_table

DATA = Path(__file__).resolve().parent / "data"

#: The credit ONS asks for, shown wherever the site shows or ships its geography.
ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right 2023."
)
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

#: The shipped files, in the order they are loaded: areas before what refers to them.
SHIPPED = ("areas.csv", "statistical-groupings.csv", "successors.csv")

KINDS = {
    "lookup": "ONS lookup",
    "areas": "area list",
    "groupings": "statistical groupings",
    "successors": "successor table",
    "comparators": "comparator groups",
}


def read_file(source: Source, *, file_name: str = "") -> GeographyFile:
    """One geography file, whichever of the known kinds its header shows."""
    try:
        with open_table(source, file_name=file_name) as table:
            kind = file_kind(table.header)
            description = f"{file_name or getattr(source, 'name', '')} ({table.description})"
            if not kind:
                result = GeographyFile("", description)
                result.problem(
                    0,
                    "",
                    "This is not a geography file this site reads. Expected an ONS lookup "
                    "(columns such as LAD23CD, LAD23NM, CTY23CD, RGN23CD), a successor table "
                    "(old_code, new_code, kind, date), statistical groupings (code, name, "
                    "member_code) or comparator groups (group, member_code). The header was: "
                    f"{', '.join(table.header[:12])}.",
                )
                return result
            return READERS[kind](table.header, table.rows(), description)
    except FileRejected as error:
        result = GeographyFile("", file_name)
        result.problem(0, "", str(error))
        return result


def shipped_files() -> list[GeographyFile]:
    return [read_file(DATA / name, file_name=name) for name in SHIPPED]


__all__ = [
    "ATTRIBUTION",
    "DATA",
    "KINDS",
    "OGL_URL",
    "GeographyFile",
    "GeographyPlan",
    "RowProblem",
    "apply",
    "plan",
    "read_file",
    "shipped_files",
]
