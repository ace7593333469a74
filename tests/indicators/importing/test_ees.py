"""DfE Explore Education Statistics tidy data files: periods from time_period and
time_identifier, areas from the geographic level's code column, one figure per mapped measure
column, and suppression symbols stored as statuses, never as zero."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.importing import import_values
from indicators.models import SourceMapping, Value

from .conftest import EES_HEADER

pytestmark = pytest.mark.django_db

MEASURES = ["CPP_subsequent_percent", "CPP_subsequent_number"]

ENGLAND = ["E92000001", "England", "", "", "", "", ""]
NORTH_WEST = ["E92000001", "England", "E12000002", "North West", "", "", ""]


def la(code: str, old: str, name: str) -> list[str]:
    return ["E92000001", "England", "E12000002", "North West", code, old, name]


def ees_row(period, identifier, level, area, *measures):
    return [period, identifier, level, *area, *measures]


@pytest.fixture
def mapped(site):
    return {"CPP_subsequent_percent": site["percentage"]}


def test_an_ees_file_is_read_by_geographic_level(site, write_csv, mapped):
    path = write_csv(
        [
            EES_HEADER + MEASURES,
            ees_row("201213", "Financial year", "National", ENGLAND, "16.5", "7,900"),
            ees_row("201213", "Financial year", "Regional", NORTH_WEST, "17.1", "1,100"),
            ees_row(
                "201213",
                "Financial year",
                "Local authority",
                la("E10000017", "888", "Lancashire"),
                "14.9",
                "120",
            ),
            ees_row(
                "201213",
                "Financial year",
                "Local authority",
                la("E06000008", "889", "Blackburn with Darwen"),
                "15.0",
                "40",
            ),
        ],
        "cpp.csv",
    )

    report = import_values(source=path, mappings=mapped)

    assert report.status == "applied", report.summary()
    assert report.file_format == "ees"
    assert dict(Value.objects.values_list("area__code", "value")) == {
        "E92000001": Decimal("16.5"),
        "E12000002": Decimal("17.1"),
        "E10000017": Decimal("14.9"),
    }
    assert Value.objects.first().period.code == "2012/13"
    assert list(report.skipped_areas) == ["E06000008"]
    # The number column is a measure nobody has mapped yet: listed, not guessed.
    assert [str(t) for t in report.unmapped.values()] == ["CPP_subsequent_number (4 rows)"]
    assert SourceMapping.objects.get().key == "CPP_subsequent_percent"


@pytest.mark.parametrize(
    ("cell", "status", "note"),
    [
        ("c", "suppressed", "Suppressed to protect confidentiality (c)."),
        ("low", "suppressed", "Rounds to zero but is not zero (low)."),
        ("~", "suppressed", "Rounds to zero but is not zero (~)."),
        ("x", "not_available", "Not available (x)."),
        (":", "not_available", "Not available (:)."),
        ("z", "not_applicable", "Not applicable (z)."),
        ("u", "not_available", "Low reliability (u): no figure was given."),
        ("", "not_available", "No figure was given in the file."),
    ],
)
def test_suppression_symbols_become_statuses_never_zero(
    site, write_csv, mapped, cell, status, note
):
    path = write_csv(
        [
            EES_HEADER + MEASURES,
            ees_row(
                "201213",
                "Financial year",
                "Local authority",
                la("E10000017", "888", "Lancashire"),
                cell,
                "c",
            ),
        ]
    )

    report = import_values(source=path, mappings=mapped)

    assert not report.errors, report.errors
    value = Value.objects.get()
    assert (value.value, value.status, value.note) == (None, status, note)


def test_a_figure_flagged_low_reliability_keeps_its_value_with_a_note(site, write_csv, mapped):
    path = write_csv(
        [
            EES_HEADER + MEASURES,
            ees_row(
                "201213",
                "Financial year",
                "Local authority",
                la("E10000017", "888", "Lancashire"),
                "12.3 u",
                "",
            ),
        ]
    )
    import_values(source=path, mappings=mapped)
    value = Value.objects.get()
    assert (value.value, value.status, value.note) == (
        Decimal("12.3"),
        "available",
        "Low reliability (u).",
    )


def test_old_la_code_finds_a_site_area_through_an_alias(site, write_csv, mapped):
    path = write_csv(
        [
            EES_HEADER + MEASURES,
            ees_row(
                "201213",
                "Financial year",
                "Local authority",
                la("", "888", "Lancashire"),
                "14.9",
                "",
            ),
            ees_row(
                "201314",
                "Financial year",
                "Local authority",
                la("E10000099", "888", "Lancashire"),
                "15.2",
                "",
            ),
        ]
    )
    report = import_values(source=path, mappings=mapped, area_aliases={"888": "E10000017"})
    assert report.figures_new == 2
    assert set(Value.objects.values_list("area__code", flat=True)) == {"E10000017"}
    assert "2 rows used the code 888, read as E10000017 (Lancashire)." in report.warnings


def test_academic_calendar_and_reporting_years(site, write_csv, mapped):
    lancashire = la("E10000017", "888", "Lancashire")
    path = write_csv(
        [
            EES_HEADER + MEASURES,
            ees_row("201213", "Academic year", "Local authority", lancashire, "1", ""),
            ees_row("2013", "Calendar year", "Local authority", lancashire, "2", ""),
            ees_row("201213", "Spring term", "Local authority", lancashire, "3", ""),
            ees_row("201213", "Fiscal year", "Local authority", lancashire, "4", ""),
        ]
    )

    report = import_values(source=path, mappings=mapped, apply_valid_rows=True)

    periods = dict(Value.objects.values_list("value", "period__code"))
    assert periods == {
        Decimal("1"): "AY2012/13",
        Decimal("2"): "2013",
        Decimal("3"): "AY2012/13 Spring",
    }
    (error,) = report.errors
    assert (error.row, error.column) == (5, "time_identifier")
    assert "“Fiscal year” is not a time_identifier EES uses" in error.message


def test_other_geographic_levels_are_skipped_and_counted(site, write_csv, mapped):
    path = write_csv(
        [
            EES_HEADER + ["school_urn", "school_name"] + MEASURES,
            ees_row(
                "201213",
                "Financial year",
                "School",
                ["", "", "", "", "", "", ""],
                "100001",
                "A School",
                "1",
                "",
            ),
            ees_row("201213", "Financial year", "National", ENGLAND, "", "", "16.5", ""),
        ]
    )
    report = import_values(source=path, mappings=mapped)
    assert report.skipped_levels == {"geographic level “School”": 1}
    assert report.rows_out_of_scope == 1
    assert report.figures_new == 1


def test_filter_columns_give_breakdowns(site, write_csv, mapped):
    header = EES_HEADER + ["characteristic_type", "characteristic", *MEASURES]
    lancashire = la("E10000017", "888", "Lancashire")
    path = write_csv(
        [
            header,
            ees_row(
                "201213",
                "Financial year",
                "Local authority",
                lancashire,
                "Total",
                "Total",
                "14.9",
                "",
            ),
            ees_row(
                "201213",
                "Financial year",
                "Local authority",
                lancashire,
                "Gender",
                "Female",
                "13.0",
                "",
            ),
            ees_row(
                "201213",
                "Financial year",
                "Local authority",
                lancashire,
                "Gender",
                "Male",
                "16.0",
                "",
            ),
        ]
    )

    report = import_values(source=path, mappings=mapped)

    assert not report.errors
    stored = {
        (value.breakdown.dimension, value.breakdown.label) if value.breakdown else None
        for value in Value.objects.select_related("breakdown")
    }
    assert stored == {None, ("sex", "Female"), ("sex", "Male")}
    assert (
        "Read as breakdowns (filters) rather than figures: “characteristic_type”, “characteristic”."
        in report.warnings
    )


def test_a_bad_measure_cell_is_reported_by_its_column(site, write_csv):
    path = write_csv(
        [
            EES_HEADER + MEASURES,
            ees_row(
                "201213",
                "Financial year",
                "Local authority",
                la("E10000017", "888", "Lancashire"),
                "140",
                "12..5",
            ),
        ]
    )
    report = import_values(
        source=path,
        mappings={
            "CPP_subsequent_percent": site["percentage"],
            "CPP_subsequent_number": site["count"],
        },
    )
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "CPP_subsequent_percent"),
        (2, "CPP_subsequent_number"),
    ]
    assert report.rows_rejected == 1


def test_an_ees_file_saved_as_xlsx_is_read_the_same(site, write_xlsx, mapped):
    path = write_xlsx(
        [
            EES_HEADER + MEASURES,
            [
                201213,
                "Financial year",
                "Local authority",
                *la("E10000017", 888, "Lancashire"),
                14.9,
                "c",
            ],
        ]
    )
    report = import_values(source=path, mappings=mapped)
    assert report.file_format == "ees", report.summary()
    value = Value.objects.get()
    assert (value.area, value.period.code, value.value) == (
        site["lancashire"],
        "2012/13",
        Decimal("14.9"),
    )


def test_old_la_code_that_is_a_site_area_is_used_when_the_new_one_is_not(site, write_csv, mapped):
    path = write_csv(
        [
            EES_HEADER + MEASURES,
            [
                "201213",
                "Financial year",
                "Local authority",
                *la("E06000999", "E10000017", "Lancashire"),
                "14.9",
                "",
            ],
        ]
    )
    report = import_values(source=path, mappings=mapped)
    assert Value.objects.get().area == site["lancashire"]
    assert report.warnings == [
        "1 row with the code E06000999, which is not on this site, was matched by the old code "
        "E10000017 (Lancashire)."
    ]
