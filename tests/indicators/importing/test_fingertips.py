"""OHID Fingertips data exports: mapping once, breakdowns from sex, age and category, national
files with areas the site does not hold, and areas added from the file."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.importing import import_values
from indicators.models import Area, Breakdown, SourceMapping, Value

from .conftest import FINGERTIPS_HEADER, fingertips_row

pytestmark = pytest.mark.django_db


def test_an_export_is_recognised_and_mapped_by_the_officer(site, write_csv, django_user_model):
    officer = django_user_model.objects.create_user("officer")
    path = write_csv(
        [
            FINGERTIPS_HEADER,
            fingertips_row(
                Area_Code="E07000123",
                Area_Name="Preston",
                Value="21.4",
                **{"Lower CI 95.0 limit": "18.2", "Upper CI 95.0 limit": "24.9"},
                Count="120",
                Denominator="561",
            ),
            fingertips_row(
                Area_Code="E92000001",
                Area_Name="England",
                Area_Type="England",
                Parent_Code="",
                Value="22.0",
                Value_note="Aggregated from all known lower geography values",
            ),
        ],
        "fingertips.csv",
    )

    report = import_values(source=path, user=officer, mappings={"90812": site["percentage"]})

    assert report.status == "applied", report.summary()
    assert report.file_format == "fingertips"
    assert report.figures_new == 2
    preston = Value.objects.get(area=site["preston"])
    assert (preston.value, preston.lower_ci, preston.upper_ci) == (
        Decimal("21.4"),
        Decimal("18.2"),
        Decimal("24.9"),
    )
    assert (preston.count, preston.denominator, preston.breakdown) == (
        Decimal("120"),
        Decimal("561"),
        None,
    )
    assert preston.period.code == "2012/13"
    assert Value.objects.get(area=site["england"]).note == (
        "Aggregated from all known lower geography values."
    )
    mapping = SourceMapping.objects.get()
    assert (mapping.source, mapping.key, mapping.indicator, mapping.created_by) == (
        "fingertips",
        "90812",
        site["percentage"],
        officer,
    )
    assert mapping.name == "Re-referrals to children's social care"
    assert report.mappings_saved == ["90812 → re-referrals"]


def test_the_remembered_mapping_is_used_for_the_next_file(site, write_csv):
    first = write_csv([FINGERTIPS_HEADER, fingertips_row(Area_Code="E07000123", Value="21.4")])
    import_values(source=first, mappings={"90812": site["percentage"]})

    second = write_csv(
        [
            FINGERTIPS_HEADER,
            fingertips_row(Area_Code="E07000123", Value="20.1", Time_period="2013/14"),
        ],
        "next-year.csv",
    )
    report = import_values(source=second)

    assert report.unmapped == {}
    assert report.figures_new == 1
    assert Value.objects.get(period__code="2013/14").indicator == site["percentage"]
    assert report.mappings_saved == []


def test_a_mapping_is_not_remembered_when_asked_not_to_or_on_a_dry_run(site, write_csv):
    path = write_csv([FINGERTIPS_HEADER, fingertips_row(Area_Code="E07000123", Value="21.4")])
    import_values(source=path, mappings={"90812": site["percentage"]}, remember=False)
    import_values(source=path, mappings={"90812": site["percentage"]}, dry_run=True)
    assert not SourceMapping.objects.exists()


def test_an_indicator_with_the_same_fingertips_id_maps_itself(site, write_csv):
    site["rate"].fingertips_id = 90812
    site["rate"].save()
    path = write_csv([FINGERTIPS_HEADER, fingertips_row(Area_Code="E07000123", Value="40.2")])
    report = import_values(source=path)
    assert report.figures_new == 1
    assert Value.objects.get().indicator == site["rate"]


def test_unmapped_indicators_are_listed_with_names_and_row_counts_not_guessed(site, write_csv):
    path = write_csv(
        [
            FINGERTIPS_HEADER,
            fingertips_row(Area_Code="E07000123", Value="21.4"),
            fingertips_row(
                **{"Indicator ID": 93000, "Indicator Name": "Hospital admissions"},
                Area_Code="E07000123",
                Value="5",
            ),
            fingertips_row(
                **{"Indicator ID": 93000, "Indicator Name": "Hospital admissions"},
                Area_Code="E07000117",
                Value="6",
            ),
        ]
    )

    report = import_values(source=path, mappings={"90812": site["percentage"]})

    assert report.status == "applied"
    assert [str(tally) for tally in report.unmapped.values()] == [
        "93000 “Hospital admissions” (2 rows)"
    ]
    assert report.rows_unmapped == 2
    assert Value.objects.count() == 1
    assert any("1 indicator in the file is not mapped" in line for line in report.summary())


def test_a_file_with_nothing_mapped_is_rejected_with_the_list(site, write_csv):
    path = write_csv([FINGERTIPS_HEADER, fingertips_row(Area_Code="E07000123", Value="21.4")])
    report = import_values(source=path)
    assert report.rejected
    assert "None of the indicators in this file is mapped" in report.file_errors[0]
    assert list(report.unmapped) == ["90812"]


def test_an_indicator_can_be_left_out_on_purpose(site, write_csv):
    path = write_csv(
        [
            FINGERTIPS_HEADER,
            fingertips_row(Area_Code="E07000123", Value="21.4"),
            fingertips_row(**{"Indicator ID": 93000}, Area_Code="E07000123", Value="5"),
        ]
    )
    report = import_values(source=path, mappings={"90812": site["percentage"], "93000": None})
    assert report.unmapped == {}
    assert report.rows_left_out == 1
    assert SourceMapping.objects.get(key="93000").indicator is None
    # Next time, it is left out without being asked.
    again = import_values(source=path)
    assert again.unmapped == {} and again.rows_left_out == 1


def test_sex_age_and_category_give_breakdowns(site, write_csv):
    path = write_csv(
        [
            FINGERTIPS_HEADER,
            fingertips_row(Area_Code="E07000123", Value="21.4"),
            fingertips_row(Area_Code="E07000123", Sex="Male", Value="25.0"),
            fingertips_row(Area_Code="E07000123", Sex="Female", Value="18.0"),
            fingertips_row(Area_Code="E07000123", Age="0-4 yrs", Value="30.0"),
            fingertips_row(
                Area_Code="E92000001",
                Category_Type="Ethnic groups",
                Category="White British",
                Value="20.0",
            ),
            fingertips_row(Area_Code="E07000123", Sex="Male", Age="0-4 yrs", Value="31.0"),
        ]
    )

    report = import_values(source=path, mappings={"90812": site["percentage"]})

    assert not report.errors, report.errors
    stored = {
        (value.area.code, value.breakdown and (value.breakdown.dimension, value.breakdown.label))
        for value in Value.objects.select_related("area", "breakdown")
    }
    assert stored == {
        ("E07000123", None),
        ("E07000123", ("sex", "Male")),
        ("E07000123", ("sex", "Female")),
        ("E07000123", ("age", "0-4 yrs")),
        ("E92000001", ("ethnicity", "White British")),
        ("E07000123", ("other", "Male, 0-4 yrs")),
    }
    assert any("the figures for “<18 yrs” are the whole population" in w for w in report.warnings)
    assert Breakdown.objects.count() == 5


def test_pooled_and_unreadable_periods_are_reported_clearly(site, write_csv):
    path = write_csv(
        [
            FINGERTIPS_HEADER,
            fingertips_row(
                Area_Code="E07000123", Value="21.4", Time_period="2010 - 12", Time_period_range="3y"
            ),
            fingertips_row(
                Area_Code="E07000117", Value="21.4", Time_period="2010 - 11", Time_period_range=""
            ),
            fingertips_row(Area_Code="E10000017", Value="21.4", Time_period="2019/20 Q1"),
        ]
    )

    report = import_values(source=path, mappings={"90812": site["percentage"]})

    assert [(error.row, error.column) for error in report.errors] == [
        (2, "Time period range"),
        (2, "Time period"),
        (3, "Time period"),
    ]
    assert "covers 3y, pooled together" in report.errors[0].message
    assert "several years pooled together" in report.errors[2].message
    # Fingertips writes a quarter of a financial year as the site does: it is read.
    assert "2019/20 Q1" in report.periods_added


def test_a_suppressed_fingertips_value_is_a_status_with_its_note(site, write_csv):
    path = write_csv(
        [
            FINGERTIPS_HEADER,
            fingertips_row(
                Area_Code="E07000123",
                Value="",
                Value_note="Value suppressed for disclosure control due to small count",
            ),
            fingertips_row(Area_Code="E07000117", Value="", Value_note=""),
        ]
    )
    report = import_values(source=path, mappings={"90812": site["percentage"]})
    assert not report.errors
    assert dict(Value.objects.values_list("area__code", "status")) == {
        "E07000123": "suppressed",
        "E07000117": "not_available",
    }
    assert not Value.objects.exclude(value=None).exists()


def national_rows():
    """England, the North West, and a district of every other region: 150 areas, 13 rows
    each, of which the site holds England, the North West and Preston."""
    rows = [
        fingertips_row(
            Area_Code="E92000001",
            Area_Name="England",
            Area_Type="England",
            Parent_Code="",
            Value="22.0",
        ),
        fingertips_row(
            Area_Code="E12000002",
            Area_Name="North West region",
            Area_Type="Region",
            Parent_Code="E92000001",
            Value="23.0",
        ),
        fingertips_row(Area_Code="E07000123", Area_Name="Preston", Value="21.4"),
    ]
    for number in range(150):
        code = f"E06{number + 1:06d}"
        for year in range(2000, 2013):
            rows.append(
                fingertips_row(
                    Area_Code=code,
                    Area_Name=f"Unitary {number + 1}",
                    Area_Type="Counties & UAs (from Apr 2023)",
                    Parent_Code="E12000002",
                    Value="20.0",
                    Time_period=f"{year}/{(year + 1) % 100:02d}",
                )
            )
    return rows


def test_a_national_file_skips_and_summarises_areas_not_on_this_site(site, write_csv):
    path = write_csv([FINGERTIPS_HEADER, *national_rows()], "england.csv")

    report = import_values(source=path, mappings={"90812": site["percentage"]})

    assert report.status == "applied"
    assert report.figures_new == 3
    assert report.rows_area_skipped == 1_950
    assert len(report.skipped_areas) == 150
    assert report.skipped_areas["E06000001"].name == "Unitary 1"
    assert report.skipped_areas["E06000001"].rows == 13
    assert "1,950 rows for 150 areas not on this site were skipped." in report.summary()
    assert report.batch.rows_skipped == 1_950
    assert not report.errors
    assert report.warnings == [
        "Area E12000002 is called “North West region” in the file and “North West” on this "
        "site; it was matched by its code."
    ]


def test_add_areas_creates_them_from_the_file(site, write_csv):
    path = write_csv([FINGERTIPS_HEADER, *national_rows()], "england.csv")

    report = import_values(source=path, mappings={"90812": site["percentage"]}, add_areas=True)

    assert report.figures_new == 3 + 1_950
    assert report.skipped_areas == {}
    assert len(report.areas_added) == 150
    added = Area.objects.get(code="E06000001")
    assert (added.name, added.area_type, added.parent) == (
        "Unitary 1",
        "unitary",
        site["north_west"],
    )
    assert set(report.batch.areas_added.values_list("code", flat=True)) == set(report.areas_added)
    assert any(
        "150 areas were added from the file's codes and names" in line for line in report.summary()
    )


def test_add_areas_does_not_invent_what_the_file_does_not_give(site, write_csv):
    path = write_csv(
        [
            FINGERTIPS_HEADER,
            fingertips_row(Area_Code="E07000123", Value="21.4"),
            # A GP practice code is not a GSS code: it cannot be added.
            fingertips_row(Area_Code="A81001", Area_Name="The Surgery", Area_Type="GP", Value="4"),
            # No name in the file: not added with a made-up one.
            fingertips_row(Area_Code="E07000120", Area_Name="", Value="4"),
            # The parent is not on the site: added without one.
            fingertips_row(
                Area_Code="E07000121", Area_Name="Lancaster", Parent_Code="E10000099", Value="4"
            ),
        ]
    )

    report = import_values(source=path, mappings={"90812": site["percentage"]}, add_areas=True)

    assert report.areas_added == ["E07000121"]
    assert Area.objects.get(code="E07000121").parent is None
    assert set(report.skipped_areas) == {"A81001", "E07000120"}
    assert any("2 areas could not be added" in warning for warning in report.warnings)


def test_rows_of_unmapped_indicators_are_skipped_whatever_else_is_in_them(site, write_csv):
    path = write_csv(
        [
            FINGERTIPS_HEADER,
            fingertips_row(Area_Code="E07000123", Value="21.4"),
            fingertips_row(
                **{"Indicator ID": 93000},
                Area_Code="E07000123",
                Value="n/a",
                Time_period="2010 - 12",
            ),
        ]
    )
    report = import_values(source=path, mappings={"90812": site["percentage"]}, dry_run=True)
    assert report.errors == []
    assert report.rows_unmapped == 1
    assert "Mappings to remember when the file is applied: 90812 → re-referrals." in (
        report.summary()
    )


def test_a_suppressed_figure_is_never_computed_from_its_count(site, write_csv):
    path = write_csv(
        [
            FINGERTIPS_HEADER,
            fingertips_row(
                Area_Code="E07000123",
                Value="",
                Count="3",
                Denominator="40",
                Value_note="Value suppressed for disclosure control due to small count",
            ),
        ]
    )
    report = import_values(source=path, mappings={"90812": site["percentage"]})
    assert report.figures_computed == 0
    value = Value.objects.get()
    assert (value.status, value.value) == ("suppressed", None)


def test_an_export_saved_as_xlsx_is_read_the_same(site, write_xlsx):
    path = write_xlsx(
        [
            FINGERTIPS_HEADER,
            fingertips_row(**{"Indicator ID": 90812.0}, Area_Code="E07000123", Value=21.4),
        ]
    )
    report = import_values(source=path, mappings={"90812": site["percentage"]})
    assert report.file_format == "fingertips"
    assert Value.objects.get().value == Decimal("21.4")
