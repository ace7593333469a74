"""Real government files, read right: filters and breakdowns as their publishers mean them, and
areas checked, driven by the real-shaped fixtures in tests/fixtures/real (see its MANIFEST.md,
whose line numbers these tests use: line 1 is the header).

- Fingertips breakdowns are keyed on Category Type and Category: county-level and district-level
  deprivation deciles share labels and stay apart (`fingertips_deprivation.csv`, every line).
- An EES filter that is the same on every row (a publication's `category`) describes the file;
  “Total” is the whole population; a filter whose name does not say what it is, is asked about
  once and the answer remembered (`ees_cin_reporting_year.csv`).
- One code with two names is refused with its rows (`one_code_two_names.csv`), and so is a row
  whose name is another of our areas'.
- Inner and Outer London are statistical groupings, not regions, and never London or anyone's
  parent (`ees_london_groupings.csv`; older DfE files' London code on their rows).
- Aliases are checked: the area must exist and be of a compatible type, and the names agree or
  the alias is confirmed (the command, and the admin's import screen).
- The Areas admin's generic import refuses bad files with plain messages, never a traceback.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from indicators.figures import FigureBuilder
from indicators.importing import import_values
from indicators.models import (
    Area,
    AreaType,
    Breakdown,
    ImportBatch,
    Indicator,
    PeriodReading,
    SourceMapping,
    Value,
    ValueStatus,
)
from tests.factories import (
    BLACKBURN,
    BLACKPOOL,
    BURNLEY,
    CHORLEY,
    ENGLAND,
    LANCASHIRE,
    NORTH_WEST,
    PRESTON,
    RIBBLE_VALLEY,
    AreaFactory,
    IndicatorFactory,
    UserFactory,
    lancashire_areas,
)
from tests.indicators.runs import through_run

pytestmark = pytest.mark.django_db

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "real"
PENDLE, HALTON, NORFOLK, EAST = "E07000122", "E06000006", "E10000020", "E12000006"
LONDON, INNER, OUTER = "E12000007", "E13000001", "E13000002"
# London and the boroughs of ees_london_groupings.csv (ONS, April 2023:
# /work/shared/reference/geography/areas.csv).
BOROUGHS = {
    "E09000007": "Camden",
    "E09000001": "City of London",
    "E09000014": "Haringey",
    "E09000025": "Newham",
    "E09000033": "Westminster",
    "E09000008": "Croydon",
    "E09000011": "Greenwich",
    "E09000027": "Richmond upon Thames",
}
FINANCIAL_YEARS = {"*": PeriodReading.FINANCIAL_YEAR_ENDING}


def state() -> tuple[int, int, int, int, int]:
    """What a refused file must not change: values, areas, breakdowns, mappings, and imports
    kept (a refused import is recorded as refused, changing nothing)."""
    return (
        Value.objects.count(),
        Area.objects.count(),
        Breakdown.objects.count(),
        SourceMapping.objects.count(),
        ImportBatch.objects.exclude(status=ImportBatch.Status.REJECTED).count(),
    )


def lancashire_and_neighbours() -> dict[str, Area]:
    """The small Lancashire, with Pendle, Halton, and Norfolk in the East of England."""
    areas = lancashire_areas()
    areas[PENDLE] = AreaFactory(code=PENDLE, name="Pendle", parent=areas[LANCASHIRE])
    areas[HALTON] = AreaFactory(
        code=HALTON, name="Halton", area_type="unitary", parent=areas[NORTH_WEST]
    )
    areas[EAST] = AreaFactory(
        code=EAST, name="East of England", area_type="region", parent=areas[ENGLAND]
    )
    areas[NORFOLK] = AreaFactory(
        code=NORFOLK, name="Norfolk", area_type="county", parent=areas[EAST]
    )
    return areas


def london(*, boroughs: bool = True, groupings: bool = False) -> dict[str, Area]:
    england = AreaFactory(code=ENGLAND, name="England", area_type="country")
    areas = {
        ENGLAND: england,
        LONDON: AreaFactory(code=LONDON, name="London", area_type="region", parent=england),
    }
    if boroughs:
        for code, name in BOROUGHS.items():
            areas[code] = AreaFactory(
                code=code, name=name, area_type="unitary", parent=areas[LONDON]
            )
    if groupings:
        for code, name in ((INNER, "Inner London"), (OUTER, "Outer London")):
            areas[code] = AreaFactory(code=code, name=name, area_type="grouping")
    return areas


def series(indicator) -> dict[tuple, Value]:
    """The indicator's values by (area code, period code, breakdown (dimension, label, scheme)
    or None)."""
    return {
        (
            value.area.code,
            value.period.code,
            (value.breakdown.dimension, value.breakdown.label, value.breakdown.scheme)
            if value.breakdown
            else None,
        ): value
        for value in Value.objects.filter(indicator=indicator).select_related(
            "area", "period", "breakdown"
        )
    }


def by_area(indicator) -> dict[str, Decimal | None]:
    """The indicator's values by area code, where it has one value an area."""
    return {code: value.value for (code, _, _), value in series(indicator).items()}


# --- Fingertips: breakdowns keyed on Category Type and Category --------------------------------

COUNTY_DECILES = "County & UA deprivation deciles in England (IMD2019, 4/23 geography)"
DISTRICT_DECILES = "District & UA deprivation deciles in England (IMD2019, 4/23 geography)"
MOST, SECOND, LEAST = (
    "Most deprived decile (IMD2019)",
    "Second most deprived decile (IMD2019)",
    "Least deprived decile (IMD2019)",
)

# Every line of fingertips_deprivation.csv: (area, breakdown, value as stored).
FINGERTIPS_LINES = {
    2: (ENGLAND, None, "163.852077"),
    3: (ENGLAND, ("sex", "Male", ""), "125.414969"),
    4: (ENGLAND, ("sex", "Female", ""), "203.107437"),
    5: (ENGLAND, ("deprivation", MOST, COUNTY_DECILES), "260.318865"),
    6: (ENGLAND, ("deprivation", SECOND, COUNTY_DECILES), "219.805227"),
    7: (ENGLAND, ("deprivation", LEAST, COUNTY_DECILES), "100.897016"),
    8: (ENGLAND, ("deprivation", MOST, DISTRICT_DECILES), "271.200611"),
    9: (ENGLAND, ("deprivation", SECOND, DISTRICT_DECILES), "212.591203"),
    10: (ENGLAND, ("deprivation", LEAST, DISTRICT_DECILES), "96.410888"),
    11: (NORTH_WEST, None, "223.631703"),
    12: (LANCASHIRE, None, "250.105831"),
    13: (LANCASHIRE, ("sex", "Male", ""), "190.392773"),
    14: (LANCASHIRE, ("sex", "Female", ""), "311.246209"),
    15: (BLACKPOOL, None, "462.940319"),
    16: (BLACKBURN, None, "147.200946"),
    # 17 and 18: Blackpool and Blackburn with Darwen again, under Districts & UAs: repeats.
    19: (BURNLEY, None, "318.512460"),
    20: (CHORLEY, None, "214.880302"),
    21: (PENDLE, None, "255.311986"),
    22: (PRESTON, None, "286.984313"),
    23: (RIBBLE_VALLEY, None, "153.710823"),
    24: (RIBBLE_VALLEY, ("sex", "Female", ""), None),  # suppressed: no figure, never 0
}


@pytest.fixture
def self_harm():
    return IndicatorFactory(
        slug="self-harm-admissions",
        name="Emergency hospital admissions for intentional self-harm",
        unit="rate",
        multiplier=100_000,
        fingertips_id=21001,
    )


def test_fingertips_every_line_is_stored_as_its_publisher_means(self_harm):
    areas = lancashire_and_neighbours()
    burnley_parent = areas[BURNLEY].parent_id

    report = import_values(source=REAL / "fingertips_deprivation.csv")

    assert report.status == "applied", report.summary()
    assert (report.rows_read, report.errors, report.questions) == (23, [], [])
    assert (report.figures_new, report.figures_duplicate) == (21, 2)  # lines 17, 18
    stored = series(self_harm)
    expected = {
        (code, "2021/22", breakdown): figure
        for code, breakdown, figure in FINGERTIPS_LINES.values()
    }
    assert set(stored) == set(expected)
    for key, figure in expected.items():
        value = stored[key]
        if figure is None:  # line 24
            assert (value.value, value.status) == (None, ValueStatus.SUPPRESSED)
            assert value.note.startswith("Value suppressed for disclosure control due to small")
        else:
            assert value.value.quantize(Decimal("0.000001")) == Decimal(figure), key
    north_west = stored[(NORTH_WEST, "2021/22", None)]
    assert north_west.note.startswith("Aggregated from all known lower geography values")
    # Line 19 gives Burnley the region as parent: the hierarchy is ours, not the file's.
    assert Area.objects.get(code=BURNLEY).parent_id == burnley_parent
    assert report.areas_added == []


def test_fingertips_county_and_district_deciles_are_different_breakdowns(self_harm):
    lancashire_and_neighbours()
    import_values(source=REAL / "fingertips_deprivation.csv")

    deciles = Breakdown.objects.filter(dimension="deprivation")
    assert sorted((b.scheme, b.sort_order, b.label) for b in deciles) == [
        (COUNTY_DECILES, 1, MOST),
        (COUNTY_DECILES, 2, SECOND),
        (COUNTY_DECILES, 10, LEAST),
        (DISTRICT_DECILES, 1, MOST),
        (DISTRICT_DECILES, 2, SECOND),
        (DISTRICT_DECILES, 10, LEAST),
    ]
    # The same file again: every figure is where it was, none overwritten or merged.
    again = import_values(source=REAL / "fingertips_deprivation.csv")
    assert (again.figures_new, again.figures_changed, again.figures_unchanged) == (0, 0, 21)
    assert Breakdown.objects.filter(dimension="deprivation").count() == 6

    # A page's deprivation chart tells the two sets apart.
    england = Area.objects.get(code=ENGLAND)
    values = Value.objects.filter(indicator=self_harm).select_related(
        "area", "period", "breakdown", "indicator"
    )
    figures = FigureBuilder(values, england, []).build(self_harm, "deprivation")
    labels = [row.label for row in figures.rows]
    assert labels == [
        f"{MOST} ({COUNTY_DECILES})",
        f"{SECOND} ({COUNTY_DECILES})",
        f"{LEAST} ({COUNTY_DECILES})",
        f"{MOST} ({DISTRICT_DECILES})",
        f"{SECOND} ({DISTRICT_DECILES})",
        f"{LEAST} ({DISTRICT_DECILES})",
    ]
    assert figures.statement.endswith(f"was {MOST} ({DISTRICT_DECILES}): 271.2 per 100,000.")


def test_a_label_in_two_sets_without_a_set_is_refused_not_guessed(self_harm, write_csv):
    lancashire_and_neighbours()
    import_values(source=REAL / "fingertips_deprivation.csv")
    before = state()
    path = write_csv(
        [
            ["indicator", "area_code", "period", "breakdown", "value"],
            [self_harm.slug, ENGLAND, "2021/22", f"deprivation: {MOST}", "260.3"],
        ]
    )

    report = import_values(source=path)

    assert report.rejected and state() == before
    (error,) = report.errors
    assert (error.row, error.column) == (2, "breakdown")
    assert f"“deprivation: {MOST}” is in more than one set of categories" in error.message


# --- EES filters --------------------------------------------------------------------------------

CATEGORY = "Child Protection Plans which are a second or subsequent plan"

# Every line of ees_cin_reporting_year.csv: (area, period, sex filter → breakdown, CPP_start,
# CPP_subsequent_percent; None for no figure).
CIN_LINES = {
    2: (ENGLAND, "2013/14", None, "59780", "15.8"),
    3: (NORTH_WEST, "2013/14", None, "9620", "15.6"),
    4: (BLACKBURN, "2013/14", None, "291", "9.6"),
    5: (BLACKPOOL, "2013/14", None, "396", "18.2"),
    6: (LANCASHIRE, "2013/14", None, "1291", "12.5"),
    7: (ENGLAND, "2012/13", None, "52680", "14.9"),
    8: (ENGLAND, "2012/13", "Male", "27190", "14.7"),
    9: (ENGLAND, "2012/13", "Female", "25330", "15.2"),
    10: (ENGLAND, "2012/13", "Unknown", "160", "12.5"),
    11: (NORTH_WEST, "2012/13", None, "7980", "14.9"),
    12: (NORTH_WEST, "2012/13", "Male", "4070", "14.7"),
    13: (NORTH_WEST, "2012/13", "Female", "3880", "15.2"),
    14: (NORTH_WEST, "2012/13", "Unknown", "30", None),  # x
    15: (BLACKBURN, "2012/13", None, "201", "11.4"),
    16: (BLACKBURN, "2012/13", "Unknown", "0", None),  # z
    17: (BLACKPOOL, "2012/13", None, "402", "17.2"),
    18: (BLACKPOOL, "2012/13", "Male", "208", None),  # u
    19: (HALTON, "2012/13", None, "112", None),  # c
    20: (LANCASHIRE, "2012/13", None, "1215", "16.7"),  # the check figure
    21: (LANCASHIRE, "2012/13", "Male", "617", "16"),
    22: (LANCASHIRE, "2012/13", "Female", "595", "17.5"),
    23: (LANCASHIRE, "2012/13", "Unknown", "3", None),  # c
    24: (NORFOLK, "2012/13", None, None, None),  # x, x, x: not available, not an error
}


@pytest.fixture
def cpp():
    return {
        "starts": IndicatorFactory(slug="cpp-starts", unit="count", multiplier=1),
        "subsequent": IndicatorFactory(slug="cpp-subsequent", unit="percentage"),
    }


def cpp_mappings(cpp) -> dict:
    return {
        "CPP_start": cpp["starts"],
        "CPP_subsequent": None,
        "CPP_subsequent_percent": cpp["subsequent"],
    }


def test_ees_a_filter_the_same_on_every_row_describes_the_file_and_total_is_everyone(cpp):
    lancashire_and_neighbours()

    report = import_values(
        source=REAL / "ees_cin_reporting_year.csv",
        mappings=cpp_mappings(cpp),
        period_readings=FINANCIAL_YEARS,
    )

    assert report.status == "applied", report.summary()
    assert (report.errors, report.questions) == ([], [])
    assert (
        f"“category” is “{CATEGORY}” on every row: read as a description of the file, not as a "
        f"breakdown."
    ) in report.warnings
    assert "Read as breakdowns (filters) rather than figures: “sex”." in report.warnings
    # The publication's label is in no breakdown; the sex filter's items are, Total is none.
    assert sorted(Breakdown.objects.values_list("dimension", "label", "scheme")) == [
        ("sex", "Female", ""),
        ("sex", "Male", ""),
        ("sex", "Unknown", ""),
    ]
    starts, percent = series(cpp["starts"]), series(cpp["subsequent"])
    for line, (code, period, sex, start, subsequent) in CIN_LINES.items():
        key = (code, period, ("sex", sex, "") if sex else None)
        assert key in starts, line
        assert starts[key].value == (Decimal(start) if start else None), line
        assert percent[key].value == (Decimal(subsequent) if subsequent else None), line
    assert len(starts) == len(percent) == len(CIN_LINES)
    assert percent[(NORFOLK, "2012/13", None)].status == ValueStatus.NOT_AVAILABLE
    assert percent[(LANCASHIRE, "2012/13", None)].value == Decimal("16.7")


def test_ees_a_recognised_filter_the_same_on_every_row_stays_a_breakdown(cpp, write_bytes):
    lancashire_and_neighbours()
    lines = (REAL / "ees_cin_reporting_year.csv").read_text().splitlines()
    girls = write_bytes(
        "\n".join([lines[0], *(line for line in lines[1:] if ",Female," in line)]).encode()
    )

    report = import_values(
        source=girls, mappings=cpp_mappings(cpp), period_readings=FINANCIAL_YEARS
    )

    assert report.status == "applied", report.summary()
    assert (
        "“sex” is “Female” on every row: every figure was read as the sex breakdown “Female”, "
        "not as the whole population."
    ) in report.warnings
    assert not Value.objects.filter(breakdown__isnull=True).exists()


def characteristic_file(write_bytes) -> Path:
    """ees_cin_reporting_year.csv with its `sex` filter named `characteristic`, which does not
    say what it breaks down."""
    text = (REAL / "ees_cin_reporting_year.csv").read_text()
    return write_bytes(text.replace(",category,sex,", ",category,characteristic,", 1).encode())


def mapped_characteristic_file(cpp, write_bytes) -> Path:
    """`characteristic_file`, with its measures mapped (and their years read as financial
    years) as an earlier file from the source left them, and the areas it names."""
    lancashire_and_neighbours()
    for source_key, indicator in cpp_mappings(cpp).items():
        SourceMapping.objects.create(
            source="ees",
            key=source_key,
            indicator=indicator,
            period_reading=PeriodReading.FINANCIAL_YEAR_ENDING,
        )
    return characteristic_file(write_bytes)


def test_ees_a_filter_that_does_not_say_what_it_is_is_asked_about_once(cpp, write_bytes):
    lancashire_and_neighbours()
    path = characteristic_file(write_bytes)
    before = state()

    asked = import_values(source=path, mappings=cpp_mappings(cpp), period_readings=FINANCIAL_YEARS)

    assert asked.rejected and state() == before
    (question,) = asked.questions
    assert (question.kind, question.key, question.guess) == ("column", "characteristic", "other")
    assert question.values == ("Total", "Male", "Female", "Unknown")
    assert "was read as a breakdown, but its name does not say by what" in question.text
    assert "question to answer before this file can be imported" in asked.summary()[0]

    answered = import_values(
        source=path,
        mappings=cpp_mappings(cpp),
        period_readings=FINANCIAL_YEARS,
        column_roles={"characteristic": "sex"},
    )

    assert answered.status == "applied", answered.summary()
    assert "characteristic → a breakdown by sex" in answered.mappings_saved
    mapping = SourceMapping.objects.get(source="ees", key="column:characteristic")
    assert (mapping.name, mapping.indicator) == ("sex", None)
    assert set(Breakdown.objects.values_list("dimension", "label")) == {
        ("sex", "Male"),
        ("sex", "Female"),
        ("sex", "Unknown"),
    }
    # The next file from the source is read as the officer said, without asking.
    again = import_values(source=path, period_readings=FINANCIAL_YEARS)
    assert again.questions == [] and again.figures_unchanged == answered.figures_new


def test_the_command_asks_what_a_column_is_and_takes_the_answer(cpp, write_bytes):
    path = mapped_characteristic_file(cpp, write_bytes)
    out = StringIO()

    with pytest.raises(CommandError, match="was rejected: nothing was changed"):
        call_command("import_values", str(path), stdout=out)

    assert "To answer: The column “characteristic”" in out.getvalue()
    assert "Give --column characteristic=WHAT." in out.getvalue()
    assert not Value.objects.exists()
    run(str(path), "--column", "characteristic=sex")
    assert Value.objects.filter(breakdown__dimension="sex").exists()


def test_ees_a_column_said_to_describe_the_file_is_ignored(cpp, write_bytes):
    lancashire_and_neighbours()
    path = characteristic_file(write_bytes)
    # Read as a description, every Total, Male, Female and Unknown row of an area and year
    # would be the same figure: they are refused as conflicting, not stored over each other.
    report = import_values(
        source=path,
        mappings=cpp_mappings(cpp),
        period_readings=FINANCIAL_YEARS,
        column_roles={"characteristic": "file", "category": "file"},
    )
    assert report.rejected and not Value.objects.exists()
    assert any("with a different figure" in error.message for error in report.errors)


def test_an_answer_that_is_not_a_choice_is_refused(cpp, write_bytes):
    lancashire_and_neighbours()
    report = import_values(
        source=characteristic_file(write_bytes),
        mappings=cpp_mappings(cpp),
        column_roles={"characteristic": "gender"},
    )
    assert report.rejected and not Value.objects.exists()
    assert report.file_errors[0].startswith(
        "“gender” is not something the column “characteristic” can be read as: expected one of "
        "age, sex, ethnicity, deprivation, other, file, measure."
    )


# --- One code, two names ------------------------------------------------------------------------


@pytest.fixture
def plans():
    return IndicatorFactory(slug="cpp-at-31-march", unit="count", multiplier=1)


def plans_import(plans, source, **options):
    """A d5-shaped file of plans open at 31 March (`CPP_At31`), read as snapshots."""
    return import_values(
        source=source,
        mappings={"CPP_At31": plans},
        period_readings={"*": PeriodReading.SNAPSHOT_31_MARCH},
        **options,
    )


@pytest.mark.parametrize("apply_valid_rows", [False, True])
def test_a_code_with_two_names_refuses_the_file_listing_its_rows(plans, apply_valid_rows):
    lancashire_and_neighbours()
    before = state()

    report = plans_import(plans, REAL / "one_code_two_names.csv", apply_valid_rows=apply_valid_rows)

    assert report.rejected and not report.applied
    assert state() == before  # lines 2, 3, 6 and 7 were valid: not imported either
    assert report.file_errors == [
        "E06000009 is called “Blackburn with Darwen” on row 4 and “Blackpool” on row 5: one "
        "code cannot be two areas, and nothing shows which is right, so nothing in this file was "
        "imported. Correct the code in the file and import it again."
    ]
    by_row = {error.row: error for error in report.errors}
    assert sorted(by_row) == [4, 5]
    assert by_row[4].column == by_row[5].column == "new_la_code"
    # Line 4's name is another of our areas': said so. Line 5 names line 4.
    assert by_row[4].message.startswith(
        "E06000009 is Blackpool on this site, but the file calls it “Blackburn with Darwen”, "
        "which is the name of E06000008 (Blackburn with Darwen)"
    )
    assert by_row[5].message.startswith(
        "E06000009 is called “Blackpool” here and “Blackburn with Darwen” on row 4: one code "
        "cannot be two areas"
    )
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED


def test_the_same_file_with_its_code_corrected_is_read_whole(plans, write_bytes):
    lancashire_and_neighbours()
    text = (REAL / "one_code_two_names.csv").read_text()
    corrected = write_bytes(text.replace("889,E06000009,", "889,E06000008,").encode())

    report = plans_import(plans, corrected)

    assert report.status == "applied", report.summary()
    assert report.errors == [] and report.file_errors == []
    # Lines 2 and 3 write empty text cells as "": read as empty.
    assert by_area(plans) == {
        ENGLAND: Decimal("49420"),
        NORTH_WEST: Decimal("8280"),
        BLACKBURN: Decimal("330"),
        BLACKPOOL: Decimal("249"),
        HALTON: Decimal("153"),
        LANCASHIRE: Decimal("895"),
    }
    assert {period for (_, period, _) in series(plans)} == {"2025-03-31"}


def test_a_row_named_as_another_of_our_areas_is_refused(plans, write_bytes):
    """Line 4 of one_code_two_names.csv on its own: a code and a name that are two areas."""
    lancashire_and_neighbours()
    lines = (REAL / "one_code_two_names.csv").read_text().splitlines()
    path = write_bytes("\n".join([lines[0], lines[3]]).encode())
    before = state()

    report = plans_import(plans, path)

    assert report.rejected and state() == before
    (error,) = report.errors
    assert error.row == 2
    assert "which is the name of E06000008 (Blackburn with Darwen)" in error.message


def test_names_spelled_differently_are_not_two_names(plans, write_csv):
    lancashire_and_neighbours()
    AreaFactory(code="E06000010", name="Kingston upon Hull, City of", area_type="unitary")
    path = write_csv(
        [
            ["indicator", "area_code", "area_name", "period", "value"],
            [plans.slug, "E06000010", "Kingston upon Hull, City of", "2013-03-31", "1"],
            [plans.slug, "E06000010", "Kingston Upon Hull, City of", "2014-03-31", "2"],
            [plans.slug, "E06000010", "Kingston upon Hull", "2015-03-31", "3"],
        ]
    )
    report = import_values(source=path)
    assert report.status == "applied", report.summary()
    assert report.warnings == []


# --- Inner and Outer London: statistical groupings --------------------------------------------

# Every line of ees_london_groupings.csv: (area, CPP_start, CPP_subsequent_percent).
LONDON_LINES = {
    2: (ENGLAND, "52680", "14.9"),
    3: (LONDON, "7330", "13"),
    4: (INNER, "2990", "13.3"),
    5: (OUTER, "4340", "12.8"),
    6: ("E09000007", "208", "23.6"),
    7: ("E09000001", "6", None),
    8: ("E09000014", "351", "4.6"),
    9: ("E09000025", "313", "14.4"),
    10: ("E09000033", "108", "19.4"),
    11: ("E09000008", "350", "10.9"),
    12: ("E09000011", "460", "16.5"),
    13: ("E09000027", "76", None),
}


def london_import(cpp, **options):
    return import_values(
        source=REAL / "ees_london_groupings.csv",
        mappings=cpp_mappings(cpp),
        period_readings=FINANCIAL_YEARS,
        **options,
    )


def stored_lines(cpp, lines) -> None:
    starts, percent = series(cpp["starts"]), series(cpp["subsequent"])
    assert {code for code, _, _ in starts} == {code for code, _, _ in lines.values()}
    for line, (code, start, subsequent) in lines.items():
        key = (code, "2012/13", None)
        assert starts[key].value == Decimal(start), line
        assert percent[key].value == (Decimal(subsequent) if subsequent else None), line


def test_inner_and_outer_london_are_skipped_with_the_reason_when_not_held(cpp):
    areas = london()

    report = london_import(cpp)

    assert report.status == "applied", report.summary()
    assert report.errors == [] and report.file_errors == []
    stored_lines(cpp, {n: line for n, line in LONDON_LINES.items() if n not in (4, 5)})
    assert list(report.skipped_areas) == [INNER, OUTER]
    assert (
        "Skipped as ONS statistical groupings, not regions or counties: E13000001 “Inner London” "
        "(1 row) and E13000002 “Outer London” (1 row). This site does not hold them; add them as "
        "areas of type “Statistical grouping” to keep their figures."
    ) in report.warnings
    # London's figure is London's, and the boroughs' parent is still London, not E13.
    assert series(cpp["starts"])[(LONDON, "2012/13", None)].value == Decimal("7330")
    assert set(Area.objects.filter(code__in=BOROUGHS).values_list("parent", flat=True)) == {
        areas[LONDON].pk
    }


def test_inner_and_outer_london_are_stored_under_the_groupings_when_held(cpp):
    areas = london(groupings=True)

    report = london_import(cpp)

    assert report.status == "applied", report.summary()
    stored_lines(cpp, LONDON_LINES)
    assert Area.objects.get(code=INNER).parent is None
    assert not Area.objects.filter(parent__area_type=AreaType.GROUPING).exists()
    assert Area.objects.get(code="E09000007").parent == areas[LONDON]


def test_areas_added_from_the_file_are_never_put_under_a_grouping(cpp):
    areas = london(boroughs=False)

    report = london_import(cpp, add_areas=True)

    assert report.status == "applied", report.summary()
    assert sorted(report.areas_added) == sorted([INNER, OUTER, *BOROUGHS])
    for code in (INNER, OUTER):
        grouping = Area.objects.get(code=code)
        assert (grouping.area_type, grouping.parent) == (AreaType.GROUPING, None)
    # Each borough's region_code is E13000001 or E13000002: its parent is London.
    assert set(Area.objects.filter(code__in=BOROUGHS).values_list("parent__code", flat=True)) == {
        LONDON
    }
    stored_lines(cpp, LONDON_LINES)
    assert areas[LONDON].children.filter(area_type=AreaType.GROUPING).count() == 0


def test_older_dfe_files_give_inner_and_outer_london_londons_own_code(plans, write_csv):
    """sfr_wide.csv, lines 6 to 8: REGION rows for London, INNER LONDON and OUTER LONDON, all
    with E12000007. The groupings are not London, and not one code with three names."""
    london(groupings=True)
    path = write_csv(
        [
            ["indicator", "area_code", "area_name", "period", "value"],
            [plans.slug, LONDON, "LONDON", "2013-03-31", "10090"],
            [plans.slug, LONDON, "INNER LONDON", "2013-03-31", "4440"],
            [plans.slug, LONDON, "OUTER LONDON", "2013-03-31", "5650"],
        ]
    )

    report = import_values(source=path)

    assert report.status == "applied", report.summary()
    assert report.file_errors == [] and report.errors == []
    assert by_area(plans) == {
        LONDON: Decimal("10090"),
        INNER: Decimal("4440"),
        OUTER: Decimal("5650"),
    }
    assert (
        "1 row called “Inner London” had London's code E12000007, as older DfE releases give it: "
        "read as the ONS statistical grouping E13000001, not as London."
    ) in report.warnings


def test_a_grouping_is_never_a_tier_of_the_hierarchy():
    areas = london(groupings=True)
    camden = areas["E09000007"]
    camden.parent = areas[INNER]
    with pytest.raises(ValidationError, match="is a statistical grouping, not part of the"):
        camden.full_clean()
    inner = areas[INNER]
    inner.parent = areas[LONDON]
    with pytest.raises(ValidationError, match="A statistical grouping is not part of the"):
        inner.full_clean()
    as_region = Area(code="E13000001", name="Inner London", area_type="region")
    with pytest.raises(ValidationError, match="not a region: choose “Statistical grouping”"):
        as_region.full_clean(validate_unique=False)


def test_groupings_are_not_counted_among_an_areas_children(cpp):
    areas = london(groupings=True)
    london_import(cpp)
    # Even a grouping given London as parent behind the model's back is not one of its areas.
    Area.objects.filter(code__in=[INNER, OUTER]).update(parent=areas[LONDON])
    values = Value.objects.filter(indicator=cpp["subsequent"]).select_related(
        "area", "period", "indicator", "breakdown"
    )
    london_area = Area.objects.get(code=LONDON)

    figures = FigureBuilder(values, london_area, []).build(cpp["subsequent"])

    assert figures.kind == "areas"
    assert {row.label for row in figures.rows} == {
        *BOROUGHS.values(),
        "London (all unitary authorities)",
    }
    assert "of the 8 unitary authorities" in figures.statement
    assert figures.caption.endswith(" has the highest percentage of the 8 unitary authorities")
    assert figures.subtitle.startswith(f"{cpp['subsequent'].name}, percentage, unitary ")


# --- Aliases ------------------------------------------------------------------------------------


def template_file(write_csv, indicator, code: str, name: str):
    return write_csv(
        [
            ["indicator", "area_code", "area_name", "period", "value"],
            [indicator.slug, code, name, "2013-03-31", "316"],
        ]
    )


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_values", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_an_alias_whose_names_agree_is_used(plans, write_csv):
    AreaFactory(code="E06000057", name="Northumberland", area_type="unitary")
    path = template_file(write_csv, plans, "E06000048", "Northumberland")

    out = run(str(path), "--alias", "E06000048=E06000057")

    assert "1 row used the code E06000048, read as E06000057 (Northumberland)." in out
    assert Value.objects.get().area.code == "E06000057"


def test_an_alias_whose_names_differ_must_be_confirmed(plans, write_csv):
    AreaFactory(code="E06000063", name="Cumberland", area_type="unitary")
    path = template_file(write_csv, plans, "E10000006", "Cumbria")
    before = state()

    with pytest.raises(CommandError, match="was rejected: nothing was changed"):
        run(str(path), "--alias", "E10000006=E06000063")
    assert state() == before

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_values", str(path), "--alias", "E10000006=E06000063", stdout=out)
    assert (
        "To answer: The alias E10000006=E06000063 reads E10000006, which the file calls "
        "“Cumbria”, as Cumberland: confirm the alias if they are the same area. Give "
        "--confirm-alias E10000006=E06000063."
    ) in out.getvalue()

    run(str(path), "--confirm-alias", "E10000006=E06000063")
    assert Value.objects.get().area.code == "E06000063"


@pytest.mark.parametrize(
    ("alias", "site", "message"),
    [
        (
            "E06000048=E06000099",
            [],
            "The alias E06000048=E06000099 reads E06000048 as E06000099, but there is no area "
            "E06000099 on this site",
        ),
        (
            "E10000006=E07000123",
            [("E07000123", "Preston", "district")],
            "The alias E10000006=E07000123 would put figures for E10000006, a county, on "
            "Preston, a district: an area of one kind never becomes the other.",
        ),
        (
            "E06000048=E13000001",
            [("E13000001", "Inner London", "grouping")],
            "which is a statistical grouping: an area's figures are never a grouping's.",
        ),
    ],
)
def test_an_alias_that_cannot_be_right_refuses_the_file_even_confirmed(
    plans, write_csv, alias, site, message
):
    for code, name, area_type in site:
        AreaFactory(code=code, name=name, area_type=area_type)
    path = template_file(write_csv, plans, alias.partition("=")[0], "Northumberland")
    before = state()

    report = import_values(source=path, confirmed_aliases=dict([alias.split("=")]))

    assert report.rejected and state() == before
    assert message in report.file_errors[0]


def test_an_alias_of_one_of_our_own_areas_must_be_confirmed(plans, write_csv):
    areas = lancashire_areas()
    path = template_file(write_csv, plans, BLACKPOOL, "Blackpool")

    asked = import_values(source=path, area_aliases={BLACKPOOL: BLACKBURN})

    assert asked.rejected and not Value.objects.exists()
    (question,) = asked.questions
    assert question.text.startswith(
        "E06000009 is an area of its own on this site (Blackpool), and the alias "
        "E06000009=E06000008 would put the file's figures for it on Blackburn with Darwen"
    )
    done = import_values(source=path, confirmed_aliases={BLACKPOOL: BLACKBURN})
    assert done.status == "applied" and Value.objects.get().area == areas[BLACKBURN]


# --- The import screens: asked once, aliases confirmed --------------------------------------

IMPORT_URL = "/admin/indicators/value/import/"
CHECK_URL = "/admin/indicators/value/import/check/"
CONFIRM_URL = "/admin/indicators/value/import/confirm/"


@pytest.fixture
def officer_client(client, settings, tmp_path):
    settings.IMPORT_UPLOAD_ROOT = tmp_path / "uploads"
    settings.MEDIA_ROOT = tmp_path / "media"
    # A publisher may import figures for every indicator (an officer, for those of the pages
    # they look after: pages.permissions).
    client.force_login(UserFactory(username="publisher", is_staff=True, is_superuser=True))
    return client


def posted(response, **changes) -> dict:
    """What the preview's form posts as it stands, with the officer's changes."""
    form = response.context["form"]
    data: dict = {}
    for field in form:
        value = field.value()
        if value is True:
            data[field.html_name] = "on"
        elif isinstance(value, list):
            if value:
                data[field.html_name] = value
        elif value not in (None, False, ""):
            data[field.html_name] = str(value)
    data.update(changes)
    return data


def upload(client, path: Path):
    file = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")
    return through_run(client, client.post(IMPORT_URL, {"file": file, "file_format": "auto"}))


def test_the_preview_asks_what_a_column_is_once(officer_client, cpp, write_bytes):
    path = mapped_characteristic_file(cpp, write_bytes)

    preview = upload(officer_client, path)

    html = preview.content.decode()
    assert "Questions about this file" in html
    assert "The importer has 1 question about this file" in html
    assert 'name="column-0"' in html and "Total, Male, Female, Unknown" in html
    assert not Value.objects.exists()

    done = through_run(
        officer_client, officer_client.post(CONFIRM_URL, posted(preview, **{"column-0": "sex"}))
    )

    assert done.status_code == 302, done.content.decode()[:3000]
    assert Value.objects.filter(breakdown__dimension="sex").exists()
    assert SourceMapping.objects.get(key="column:characteristic").name == "sex"
    again = upload(officer_client, path)
    assert "Questions about this file" not in again.content.decode()


def test_the_preview_offers_aliases_and_asks_to_confirm_them(officer_client, plans, write_csv):
    lancashire_areas()
    AreaFactory(code="E06000063", name="Cumberland", area_type="unitary")
    path = template_file(write_csv, plans, "E10000006", "Cumbria")
    preview = upload(officer_client, path)
    assert 'name="aliases"' in preview.content.decode()  # the area is skipped: offered

    checked = through_run(
        officer_client,
        officer_client.post(CHECK_URL, posted(preview, aliases="E10000006=E06000063")),
    )

    html = checked.content.decode()
    assert "Old area codes to confirm" in html
    assert "which the file calls “Cumbria”, as Cumberland" in html
    refused = through_run(officer_client, officer_client.post(CONFIRM_URL, posted(checked)))
    assert refused.status_code == 200 and not Value.objects.exists()
    assert "Nothing was imported: the importer has questions" in refused.content.decode()

    done = through_run(
        officer_client,
        officer_client.post(
            CONFIRM_URL, posted(checked, confirmed_aliases=["E10000006=E06000063"])
        ),
    )
    assert done.status_code == 302, done.content.decode()[:3000]
    assert Value.objects.get().area.code == "E06000063"


def test_a_mistyped_alias_on_the_preview_is_explained(officer_client, plans, write_csv):
    lancashire_areas()
    preview = upload(officer_client, template_file(write_csv, plans, "E10000006", "Cumbria"))
    checked = through_run(
        officer_client,
        officer_client.post(CHECK_URL, posted(preview, aliases="E10000006 to E06000063")),
    )
    # The same preview, told why beside the field, the officer's text kept to correct.
    assert checked.status_code == 200
    html = checked.content.decode()
    assert "“E10000006 to E06000063” is not an alias: write each as OLD=NEW" in html
    assert checked.context["form"]["aliases"].value() == "E10000006 to E06000063"


# --- The Areas admin's generic import ------------------------------------------------------


@pytest.fixture
def admin_client_(client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


BAD_AREA_FILES = [
    (
        b"LAD23CD,LAD23NM,RGN23CD\r\nE07000122,Pendle,E12000002\r\n",
        "This is not an areas file: it has no code, name or area_type column and columns this "
        "import does not read (“LAD23CD”, “LAD23NM”, “RGN23CD”).",
    ),
    (
        b"code,name,area_type,parent_code\nE07000122,Pendle,district,E10000099\n",
        "There is no area “E10000099” on this site to be the parent",
    ),
    (
        b"code,name,area_type,parent_code\nE0700012,Pendle,district,E10000017\n",
        "Enter an ONS GSS code: a letter (E, W, S, N, K or J) and eight digits",
    ),
    (
        b"code,name,area_type\nE07000122,Pendle,borough\n",
        "“borough” is not an area type: expected one of country, region",
    ),
    (
        b"code,name,area_type,parent_code\nE13000001,Inner London,region,E92000001\n",
        "E13000001 is an ONS statistical grouping (E11 metropolitan counties, E13 Inner and "
        "Outer London), not a region",
    ),
    (
        b"code,name,area_type,parent_code\nE13000001,Inner London,grouping,\n"
        b"E09000007,Camden,unitary,E13000001\n",
        "Inner London is a statistical grouping, not part of the hierarchy",
    ),
    (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "“areas.csv” is a PNG image, not a CSV file or an Excel workbook",
    ),
    (
        b"code,code,name,area_type\nE07000122,E07000122,Pendle,district\n",
        "The header row has more than one code column",
    ),
    (b"code,name,area_type\n", "No valid data to import."),
]


@pytest.mark.parametrize(("content", "message"), BAD_AREA_FILES)
def test_the_areas_import_refuses_bad_files_in_words(admin_client_, content, message):
    lancashire_areas()
    before = state()

    response = admin_client_.post(
        reverse("admin:indicators_area_import"),
        {
            "format": "0",
            "import_file": SimpleUploadedFile("areas.csv", content, content_type="text/csv"),
        },
    )

    html = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert response.status_code == 200
    assert message in html
    for technical in ("Traceback", "DoesNotExist", "FieldError", "encountered while"):
        assert technical not in html
    assert state() == before


def test_the_areas_import_reads_a_good_file_as_officers_write_it(admin_client_):
    lancashire_areas()
    # A byte order mark, capitals and spaces in the header, a code in lower case, and area
    # types by their labels, as in ONS lists.
    content = (
        "\ufeffCode,Name,Area Type,Parent Code\r\n"
        "e07000122,Pendle,District,E10000017\r\n"
        "E13000001,Inner London,Statistical grouping,\r\n"
    )
    url = reverse("admin:indicators_area_import")
    preview = admin_client_.post(
        url,
        {
            "format": "0",
            "import_file": SimpleUploadedFile(
                "areas.csv", content.encode("utf-8"), content_type="text/csv"
            ),
        },
    )
    assert "confirm_form" in preview.context, preview.content.decode()[:3000]
    confirm = preview.context["confirm_form"]
    admin_client_.post(
        reverse("admin:indicators_area_process_import"),
        {name: field.value() for name, field in ((f.name, f) for f in confirm)},
    )
    pendle = Area.objects.get(code=PENDLE)
    assert (pendle.area_type, pendle.parent.code) == ("district", LANCASHIRE)
    assert Area.objects.get(code=INNER).area_type == AreaType.GROUPING


def test_the_fixtures_are_those_the_manifest_describes():
    """The tests above count on these files as the manifest describes them."""
    assert len((REAL / "fingertips_deprivation.csv").read_bytes().split(b"\r\n")) == 25
    assert len((REAL / "ees_cin_reporting_year.csv").read_text().splitlines()) == 24
    assert len((REAL / "one_code_two_names.csv").read_text().splitlines()) == 7
    assert len((REAL / "ees_london_groupings.csv").read_text().splitlines()) == 13


def test_a_refused_alias_is_dropped_not_asked_about_or_used(officer_client):
    """sfr_wide.csv, line 15: Northumberland's old code E06000048 given as the North West, a
    region. The alias is refused, and only refused: no question, no row read through it."""
    lancashire_areas()
    IndicatorFactory(slug="cla-count", name="Children looked after", unit="count", multiplier=1)
    skipped = ("CLA_Rate2013", "CLA_InBound", "CLA_Outbound", "CLA_ExtPl", "CLA_NetGain")
    out = StringIO()

    with pytest.raises(CommandError):
        call_command(
            "import_values",
            str(REAL / "sfr_wide.csv"),
            "--dry-run",
            *("--period", "2013-03-31", "--map", "CLA_Mar2013=cla-count"),
            *(arg for column in skipped for arg in ("--map", f"{column}=-")),
            *("--alias", "E06000048=E12000002"),
            stdout=out,
            stderr=StringIO(),
        )

    text = out.getvalue()
    assert "an area of one kind never becomes the other" in text
    assert "--confirm-alias" not in text
    assert "read as E12000002" not in text
    assert "duplicate" not in text.lower()

    report = import_values(
        source=REAL / "sfr_wide.csv",
        mappings={"CLA_Mar2013": Indicator.objects.get(slug="cla-count")} | dict.fromkeys(skipped),
        period="2013-03-31",
        area_aliases={"E06000048": NORTH_WEST},
        dry_run=True,
    )
    assert report.rejected and len(report.file_errors) == 1
    assert not report.questions and not report.errors

    # The admin's preview: the refusal, and no box to confirm the alias.
    file = SimpleUploadedFile(
        "SFR36_CLA2013.csv", (REAL / "sfr_wide.csv").read_bytes(), content_type="text/csv"
    )
    preview = through_run(
        officer_client, officer_client.post(IMPORT_URL, {"file": file, "file_format": "auto"})
    )
    choices = {
        select.html_name: str(Indicator.objects.get(slug="cla-count").pk)
        if row.key == "CLA_Mar2013"
        else "-"
        for row, select, _ in preview.context["form"].mapping_fields
    }
    checked = through_run(
        officer_client,
        officer_client.post(
            CHECK_URL,
            posted(preview, aliases="E06000048=E12000002", period="2013-03-31", **choices),
        ),
    )
    html = checked.content.decode()
    assert "an area of one kind never becomes the other" in html
    assert 'name="confirmed_aliases"' not in html


def sfr_preview(client):
    """The preview of sfr_wide.csv, its count mapped to ours and its other measures left out."""
    file = SimpleUploadedFile(
        "SFR36_CLA2013.csv", (REAL / "sfr_wide.csv").read_bytes(), content_type="text/csv"
    )
    preview = through_run(client, client.post(IMPORT_URL, {"file": file, "file_format": "auto"}))
    count = str(Indicator.objects.get(slug="cla-count").pk)
    choices = {
        select.html_name: count if row.key == "CLA_Mar2013" else "-"
        for row, select, _ in preview.context["form"].mapping_fields
    }
    return preview, choices


@pytest.mark.parametrize("url", [CHECK_URL, CONFIRM_URL])
@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("period", "March 2013", "“March 2013”"),
        ("aliases", "E06000048 E06000057", "“E06000048 E06000057” is not an alias"),
    ],
)
def test_a_typo_in_the_previews_fields_is_shown_beside_it_keeping_every_choice(
    officer_client, url, field, typed, message
):
    lancashire_areas()
    IndicatorFactory(slug="cla-count", name="Children looked after", unit="count", multiplier=1)
    preview, choices = sfr_preview(officer_client)
    good = {"period": "2013-03-31", "aliases": "E06000048=E06000057"}

    shown = through_run(
        officer_client,
        officer_client.post(url, posted(preview, **choices, **{**good, field: typed})),
    )

    assert shown.status_code == 200 and not Value.objects.exists()
    form = shown.context["form"]
    assert message in " ".join(form[field].errors)
    assert form[field].value() == typed  # as typed, to correct
    other = next(name for name in good if name != field)
    assert form[other].value() == good[other]  # every other choice kept
    assert {select.html_name: select.value() for _, select, _ in form.mapping_fields} == choices
    assert form["upload"].value() == preview.context["form"]["upload"].value()
    assert "could not be read" not in shown.content.decode()


def test_a_tampered_hidden_field_still_starts_again_saying_why_once(officer_client):
    lancashire_areas()
    IndicatorFactory(slug="cla-count", name="Children looked after", unit="count", multiplier=1)
    preview, choices = sfr_preview(officer_client)

    sent = through_run(
        officer_client,
        officer_client.post(
            CHECK_URL, posted(preview, **choices, period="March 2013", upload="not-a-hash")
        ),
    )

    assert sent.status_code == 302
    text = " ".join(str(m) for m in officer_client.get(sent["Location"]).context["messages"])
    assert text.startswith("The choices could not be read: ") and text.endswith(" Start again.")
    assert "This is not an uploaded file's hash" in text
    assert ".)." not in text and ".." not in text and ". ." not in text


def test_the_indicator_table_and_downloads_name_each_breakdowns_set(self_harm, client):
    """fingertips_deprivation.csv, lines 5 and 8: England's most deprived county-level and
    district-level deciles share a label; the table and downloads tell them apart."""
    lancashire_and_neighbours()
    import_values(source=REAL / "fingertips_deprivation.csv")
    county, district = f"{MOST} ({COUNTY_DECILES})", f"{MOST} ({DISTRICT_DECILES})"

    page = client.get(
        reverse("indicators:indicator_detail", kwargs={"slug": self_harm.slug}),
        {"per_page": 100},
    ).content.decode()
    for label in (county, district):
        assert f"Deprivation decile: {label}".replace("&", "&amp;") in page
    assert "Sex: Male<" in page  # a breakdown with no set, as before

    csv_text = client.get(
        reverse("indicators:indicator_download", kwargs={"fmt": "csv", "slug": self_harm.slug})
    ).content.decode("utf-8-sig")
    rows = {
        (row["area_code"], row["breakdown"]): row["value"]
        for row in csv.DictReader(io.StringIO(csv_text))
    }
    assert rows[(ENGLAND, county)].startswith("260.3")
    assert rows[(ENGLAND, district)].startswith("271.2")
    assert (ENGLAND, "Male") in rows and (ENGLAND, MOST) not in rows
