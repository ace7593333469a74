"""Real government files, read right: time as each source means it, older DfE releases,
negative figures, real figures replacing illustrative ones, and the bookkeeping of an import.

Driven by the real-shaped files of tests/fixtures/real (see its MANIFEST.md, which says what a
correct importer does with every row of each): every row of each file used here is accounted
for, and a bad file is refused row by row and changes nothing."""

from __future__ import annotations

import csv
import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from indicators.importing import UndoRefused, import_values, undo_import
from indicators.importing.report import AREA_NOT_HELD, BLANK_OR_NOTE, LEFT_OUT, NO_PERIOD
from indicators.models import (
    Area,
    Breakdown,
    ImportBatch,
    Indicator,
    Period,
    SourceMapping,
    Value,
)
from pages.demo import content
from pages.services import create_officer
from tests.factories import AreaFactory, IndicatorFactory, SectionFactory, TopicFactory
from tests.indicators.runs import through_run

pytestmark = pytest.mark.django_db

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "real"


def real(name: str) -> Path:
    return REAL / name


def held() -> tuple[int, int, int]:
    """What an import can change: figures, periods, and the imports kept (a refused import is
    recorded too, as rejected, with nothing to undo)."""
    kept = ImportBatch.objects.exclude(status=ImportBatch.Status.REJECTED)
    return Value.objects.count(), Period.objects.count(), kept.count()


def file_cells(name: str, column: str) -> dict[int, str]:
    """Line number (as the manifest numbers them) → the cell of ``column``."""
    with real(name).open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    return {line: row[column] for line, row in enumerate(rows, start=2)}


def assert_every_row_accounted(report) -> None:
    """Each measure column accounts for every row of the file: imported, unchanged, skipped
    (with why) or rejected."""
    assert report.measures_are_columns
    for measure in report.measure_rows():
        assert measure.total == report.rows_read, (measure, report.rows_read)


def holding(indicator: Indicator, period: str, area: Area, **data: object) -> Value:
    """A figure the indicator already holds, for the period written as ``period``."""
    found, _ = Period.objects.get_or_create_from_code(period)
    return Value.objects.create(
        indicator=indicator, area=area, period=found, **{"value": Decimal("12"), **data}
    )


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


# --- EES time identifiers ------------------------------------------------------------------

#: ees_time_identifiers.csv, line → the period it must be stored under: (code, kind, start, end).
#: Line 5's Reporting year is read here as a count on 31 March (the test says so).
TIME_IDENTIFIERS = {
    2: ("2012/13", "fy", "2012-04-01", "2013-03-31"),
    3: ("AY2012/13", "ay", "2012-09-01", "2013-08-31"),
    4: ("2013", "cy", "2013-01-01", "2013-12-31"),
    5: ("2013-03-31", "snapshot", "2013-03-31", "2013-03-31"),
    6: ("TY2012/13", "ty", "2012-04-06", "2013-04-05"),
    7: ("2012/13 Q1", "quarter", "2012-04-01", "2012-06-30"),
    8: ("2012/13 Q2", "quarter", "2012-07-01", "2012-09-30"),
    9: ("2012/13 Q3", "quarter", "2012-10-01", "2012-12-31"),
    10: ("2012/13 Q4", "quarter", "2013-01-01", "2013-03-31"),
    11: ("2013 Q1", "quarter", "2013-01-01", "2013-03-31"),
    12: ("2013 Q2", "quarter", "2013-04-01", "2013-06-30"),
    13: ("2013 Q3", "quarter", "2013-07-01", "2013-09-30"),
    14: ("2013 Q4", "quarter", "2013-10-01", "2013-12-31"),
    15: ("AY2012/13 Q1", "quarter", "2012-09-01", "2012-11-30"),
    16: ("AY2012/13 Q2", "quarter", "2012-12-01", "2013-02-28"),
    17: ("AY2012/13 Q3", "quarter", "2013-03-01", "2013-05-31"),
    18: ("AY2012/13 Q4", "quarter", "2013-06-01", "2013-08-31"),
    **{
        19 + month: (
            f"2013 M{month + 1:02d}",
            "month",
            f"2013-{month + 1:02d}-01",
            (
                datetime.date(2013 + (month + 1) // 12, (month + 1) % 12 + 1, 1)
                - datetime.timedelta(1)
            ).isoformat(),
        )
        for month in range(12)
    },
    31: ("AY2012/13 Autumn", "term", "2012-09-01", "2012-12-31"),
    32: ("AY2012/13 Spring", "term", "2013-01-01", "2013-03-31"),
    33: ("AY2012/13 Summer", "term", "2013-04-01", "2013-07-31"),
    34: ("AY2012/13 Aut+Spr", "term", "2012-09-01", "2013-03-31"),
    35: ("2013 W01", "week", "2012-12-31", "2013-01-06"),  # ISO 8601: the week of 3 January
    36: ("2013 W27", "week", "2013-07-01", "2013-07-07"),
    37: ("2012/13 H1", "half", "2012-04-01", "2012-09-30"),
    38: ("2012/13 H2", "half", "2012-10-01", "2013-03-31"),
}


@pytest.fixture
def england(db) -> Area:
    return AreaFactory(code="E92000001", name="England", area_type="country")


@pytest.fixture
def enrolments(db) -> Indicator:
    return IndicatorFactory(slug="enrolments", name="Enrolments", unit="count", multiplier=1)


def test_every_ees_time_identifier_is_stored_as_the_period_it_means(england, enrolments):
    report = import_values(
        source=real("ees_time_identifiers.csv"),
        mappings={"enrolment_count": enrolments},
        period_readings={"enrolment_count": "snapshot-31-march"},
    )

    assert report.status == "applied", report.summary()
    values = file_cells("ees_time_identifiers.csv", "enrolment_count")
    stored = {value.value: value.period for value in Value.objects.select_related("period").all()}
    assert len(stored) == len(TIME_IDENTIFIERS) == report.rows_read == 37
    for line, (code, kind, start, end) in TIME_IDENTIFIERS.items():
        period = stored[Decimal(values[line])]
        assert (period.code, period.kind, period.start_date, period.end_date) == (
            code,
            kind,
            day(start),
            day(end),
        ), line
    (measure,) = report.measure_rows()
    assert measure.count("new") == 37
    assert_every_row_accounted(report)
    # Codes are readable, and each kind's sort as its periods do.
    labels = dict(Period.objects.values_list("code", "label"))
    assert labels["2012/13 Q1"] == "2012/13 Q1"
    assert labels["2013 M01"] == "January 2013"
    assert labels["AY2012/13 Aut+Spr"] == "Autumn and spring terms 2012/13"
    assert labels["2013 W27"] == "Week 27 of 2013"
    assert labels["TY2012/13"] == "Tax year 2012/13"
    assert labels["2012/13 H2"] == "2012/13 H2 (Oct–Mar)"
    for kind in ("quarter", "month", "week"):
        periods = Period.objects.filter(kind=kind, code__regex=r"^2013 ")
        codes = list(periods.values_list("code", flat=True))
        assert codes == sorted(codes)  # Period's order is by date: the codes agree


def test_each_period_code_reads_back_as_itself(england, enrolments):
    for code, kind, start, end in TIME_IDENTIFIERS.values():
        period = Period.from_code(code)
        assert (period.code, period.kind, str(period.start_date), str(period.end_date)) == (
            code,
            kind,
            start,
            end,
        )


def test_identifiers_ees_does_not_have_are_refused_by_name_and_nothing_changes(england, enrolments):
    before = held()

    report = import_values(
        source=real("ees_bad_time_identifier.csv"), mappings={"enrolment_count": enrolments}
    )

    assert report.rejected
    assert [(error.row, error.column) for error in report.errors] == [
        (3, "time_identifier"),
        (4, "time_identifier"),
    ]
    fiscal, spending = (error.message for error in report.errors)
    assert fiscal.startswith("“Fiscal year” is not a time_identifier EES uses")
    assert "EES writes it as Financial year" in fiscal
    assert spending.startswith("“Spending year” is not a time_identifier EES uses")
    for message in (fiscal, spending):
        assert "expected Academic year, Calendar year, Financial year and Tax year" in message
        assert "Week 1 to Week 52, or a month, January to December" in message
    assert held() == before
    assert ImportBatch.objects.get().status == ImportBatch.Status.REJECTED
    (measure,) = report.measure_rows()
    assert (measure.count("new"), measure.count("rejected")) == (
        1,
        2,
    )  # line 2 would have been imported
    assert_every_row_accounted(report)


# --- Reporting year: read as the source means it -------------------------------------------


def cin_site() -> dict[str, Area]:
    england = AreaFactory(code="E92000001", name="England", area_type="country")
    north_west = AreaFactory(
        code="E12000002", name="North West", area_type="region", parent=england
    )
    return {
        "england": england,
        "north_west": north_west,
        "lancashire": AreaFactory(
            code="E10000017", name="Lancashire", area_type="county", parent=north_west
        ),
        "blackpool": AreaFactory(
            code="E06000009", name="Blackpool", area_type="unitary", parent=north_west
        ),
    }


@pytest.mark.parametrize(
    ("held_period", "reading", "stored"),
    [
        ("2011/12", "financial-year-ending", "2012/13"),
        ("2012-03-31", "snapshot-31-march", "2013-03-31"),
        ("2012", "calendar-year", "2013"),
    ],
)
def test_a_reporting_year_is_read_by_the_figures_the_indicator_holds(
    db, held_period, reading, stored
):
    areas = cin_site()
    indicator = IndicatorFactory(slug="second-plans")
    holding(indicator, held_period, areas["england"])

    report = import_values(
        source=real("ees_cin_reporting_year.csv"),
        mappings={"CPP_subsequent_percent": indicator},
    )

    assert report.status == "applied", report.summary()
    lancashire = Value.objects.get(
        indicator=indicator, area=areas["lancashire"], breakdown=None, period__code=stored
    )
    assert lancashire.value == Decimal("16.7")
    used = report.year_readings["CPP_subsequent_percent"]
    assert (used.how, used.reading) == ("automatic", reading)
    assert used.examples["2013 (Reporting year)"] == Period.from_code(stored).label
    assert not SourceMapping.objects.exclude(period_reading="").exists()  # nothing chosen


def test_a_reading_given_for_the_import_wins_and_is_remembered_for_the_source(db):
    areas = cin_site()
    indicator = IndicatorFactory(slug="second-plans")  # no figures: else it would be asked
    mappings = {"CPP_subsequent_percent": indicator, "CPP_start": None, "CPP_subsequent": None}

    first = import_values(
        source=real("ees_cin_reporting_year.csv"),
        mappings=mappings,
        period_readings={"CPP_subsequent_percent": "snapshot-31-march"},
    )
    assert first.status == "applied", first.summary()
    assert Value.objects.filter(period__code="2013-03-31", area=areas["lancashire"]).exists()
    mapping = SourceMapping.objects.get(source="ees", key="CPP_subsequent_percent")
    assert mapping.period_reading == "snapshot-31-march"
    assert "CPP_subsequent_percent: years read as counts on 31 March" in first.mappings_saved

    again = import_values(source=real("ees_cin_reporting_year.csv"), dry_run=True)

    used = again.year_readings["CPP_subsequent_percent"]
    assert (used.how, used.reading) == ("remembered", "snapshot-31-march")
    assert again.status == "dry run" and again.nothing_changed


def test_a_dry_run_remembers_no_reading(db):
    cin_site()
    indicator = IndicatorFactory(slug="second-plans")
    import_values(
        source=real("ees_cin_reporting_year.csv"),
        mappings={"CPP_subsequent_percent": indicator},
        period_readings={"*": "financial-year-ending"},
        dry_run=True,
    )
    assert not SourceMapping.objects.exists()


def test_the_command_reads_years_as_told_and_refuses_a_reading_it_does_not_know(db, capsys):
    areas = cin_site()
    indicator = IndicatorFactory(slug="second-plans")
    path = str(real("ees_cin_reporting_year.csv"))

    with pytest.raises(CommandError, match="“spending-year” is not a way of reading years"):
        call_command("import_values", path, "--period-as", "spending-year")
    call_command(
        "import_values",
        path,
        "--map",
        "CPP_subsequent_percent=second-plans",
        "--map",
        "CPP_start=-",
        "--map",
        "CPP_subsequent=-",
        "--period-as",
        "financial-year-ending",
    )

    lancashire = Value.objects.get(
        indicator=indicator, area=areas["lancashire"], breakdown=None, period__code="2012/13"
    )
    assert lancashire.value == Decimal("16.7")
    output = capsys.readouterr().out
    assert "2013 (Reporting year) read as 2012/13" in output
    assert "CPP_subsequent_percent: 23 rows: 18 new, 5 skipped (area not on this site)" in output
    assert "CPP_start: 23 rows: 23 skipped (left out)" in output
    assert SourceMapping.objects.get(key="CPP_subsequent_percent").period_reading == (
        "financial-year-ending"
    )


#: ees_cin_reporting_year.csv, line by line as the manifest says (file 1): area, period, sex
#: (None: the whole population), then CPP_start, CPP_subsequent and CPP_subsequent_percent,
#: each a figure or, where there is none, its status.
CIN_LINES = [
    (2, "E92000001", "2013/14", None, "59780", "9450", "15.8"),
    (3, "E12000002", "2013/14", None, "9620", "1500", "15.6"),
    (4, "E06000008", "2013/14", None, "291", "28", "9.6"),
    (5, "E06000009", "2013/14", None, "396", "72", "18.2"),
    (6, "E10000017", "2013/14", None, "1291", "161", "12.5"),
    (7, "E92000001", "2012/13", None, "52680", "7870", "14.9"),
    (8, "E92000001", "2012/13", "Male", "27190", "4000", "14.7"),
    (9, "E92000001", "2012/13", "Female", "25330", "3850", "15.2"),
    (10, "E92000001", "2012/13", "Unknown", "160", "20", "12.5"),
    (11, "E12000002", "2012/13", None, "7980", "1190", "14.9"),
    (12, "E12000002", "2012/13", "Male", "4070", "600", "14.7"),
    (13, "E12000002", "2012/13", "Female", "3880", "590", "15.2"),
    (14, "E12000002", "2012/13", "Unknown", "30", "suppressed", "not_available"),
    (15, "E06000008", "2012/13", None, "201", "23", "11.4"),
    (16, "E06000008", "2012/13", "Unknown", "0", "0", "not_applicable"),
    (17, "E06000009", "2012/13", None, "402", "69", "17.2"),
    (18, "E06000009", "2012/13", "Male", "208", "37", "not_available"),
    (19, "E06000006", "2012/13", None, "112", "suppressed", "suppressed"),
    (20, "E10000017", "2012/13", None, "1215", "203", "16.7"),
    (21, "E10000017", "2012/13", "Male", "617", "99", "16"),
    (22, "E10000017", "2012/13", "Female", "595", "104", "17.5"),
    (23, "E10000017", "2012/13", "Unknown", "3", "suppressed", "suppressed"),
    (24, "E10000020", "2012/13", None, "not_available", "not_available", "not_available"),
]


def test_every_line_of_the_cin_file_is_stored_as_the_manifest_says(db):
    areas = cin_site()
    for code, name, region in [
        ("E06000008", "Blackburn with Darwen", areas["north_west"]),
        ("E06000006", "Halton", areas["north_west"]),
        ("E10000020", "Norfolk", AreaFactory(code="E12000006", name="East of England")),
    ]:
        AreaFactory(code=code, name=name, area_type="unitary", parent=region)
    starts = IndicatorFactory(slug="cpp-starts", unit="count", multiplier=1)
    subsequent = IndicatorFactory(slug="cpp-subsequent", unit="count", multiplier=1)
    percent = IndicatorFactory(slug="cpp-subsequent-percent")
    measures = {"CPP_start": starts, "CPP_subsequent": subsequent}

    report = import_values(
        source=real("ees_cin_reporting_year.csv"),
        mappings={**measures, "CPP_subsequent_percent": percent},
        period_readings={"*": "financial-year-ending"},
    )

    assert report.status == "applied", report.summary()
    stored = {
        (value.indicator_id, value.area.code, value.period.code, value.breakdown): value
        for value in Value.objects.select_related("area", "period", "breakdown")
    }
    assert len(stored) == 3 * len(CIN_LINES)
    for line, code, period, sex, *figures in CIN_LINES:
        breakdown = Breakdown.objects.get(dimension="sex", label=sex) if sex else None
        for indicator, expected in zip((starts, subsequent, percent), figures, strict=True):
            value = stored[(indicator.pk, code, period, breakdown)]
            if expected[0].isdigit():
                assert (value.value, value.status) == (Decimal(expected), "available"), line
            else:
                assert (value.value, value.status) == (None, expected), line
    # The symbols' meanings are kept with the figures: a low count is never a zero.
    north_west_unknown = stored[
        (subsequent.pk, "E12000002", "2012/13", Breakdown.objects.get(label="Unknown"))
    ]
    assert north_west_unknown.note == "Rounds to zero but is not zero (low)."
    blackpool_male = stored[
        (percent.pk, "E06000009", "2012/13", Breakdown.objects.get(label="Male"))
    ]
    assert blackpool_male.note == "Low reliability (u): no figure was given."
    assert set(Breakdown.objects.values_list("dimension", "label")) == {
        ("sex", "Male"),
        ("sex", "Female"),
        ("sex", "Unknown"),
    }
    for measure in report.measure_rows():
        assert measure.count("new") == 23, measure
    assert_every_row_accounted(report)


# --- The demo's check figure: Lancashire 2012/13, 16.7 --------------------------------------

CHILD_PROTECTION_URL = f"/{content.CHILD_PROTECTION}/"


def test_the_cin_file_lands_in_the_series_the_topic_page_shows(demo, client):
    """ees_cin_reporting_year.csv with its percentage mapped to the demo's indicator: the
    Reporting year 2013 is the financial year 2012/13 (the indicator holds financial years),
    Lancashire's published 16.7 stays one figure, unchanged, and the other areas' real 2013
    figures replace the illustrative ones, in the series the page shows."""
    indicator = Indicator.objects.get(slug="cpp-second-time")
    series = Value.objects.filter(indicator=indicator, breakdown=None, period__code="2012/13")
    check = series.get(area__code="E10000017")
    assert (check.value, check.is_illustrative) == (Decimal("16.7"), False)
    illustrative = dict(series.filter(is_illustrative=True).values_list("area__code", "value"))
    assert illustrative["E06000009"] == Decimal("19.8")  # Blackpool, made up for the demo
    before_periods = set(Period.objects.values_list("code", flat=True))

    report = import_values(
        source=real("ees_cin_reporting_year.csv"),
        mappings={"CPP_subsequent_percent": indicator, "CPP_start": None, "CPP_subsequent": None},
    )

    assert report.status == "applied", report.summary()
    # Lancashire 2012/13: one figure, the same one, untouched.
    lancashire = Value.objects.filter(indicator=indicator, area__code="E10000017")
    assert lancashire.filter(period__code="2012/13", breakdown=None).count() == 1
    after = series.get(area__code="E10000017")
    assert (after.pk, after.value, after.updated_at, after.import_batch_id) == (
        check.pk,
        check.value,
        check.updated_at,
        check.import_batch_id,
    )
    assert not Value.objects.filter(indicator=indicator, period__code="2013").exists()
    # Blackpool, Blackburn with Darwen, the North West and England: real, in 2012/13.
    real_figures = {
        value.area.code: (value.value, value.is_illustrative, value.import_batch_id, value.note)
        for value in series.select_related("area")
    }
    batch = report.batch.pk
    assert real_figures == {
        "E10000017": (Decimal("16.7"), False, check.import_batch_id, check.note),
        "E06000009": (Decimal("17.2"), False, batch, ""),
        "E06000008": (Decimal("11.4"), False, batch, ""),
        "E12000002": (Decimal("14.9"), False, batch, ""),
        # England's illustrative figure was 14.9 too: the real one replaces it all the same.
        "E92000001": (Decimal("14.9"), False, batch, ""),
    }
    assert report.figures_made_real == 4
    assert "4 illustrative figures were replaced by the file's real figures." in report.summary()
    # The constant `category` is not a breakdown; sex is, “Total” being the whole population.
    assert not Breakdown.objects.filter(label__startswith="Child Protection Plans").exists()
    assert set(
        Value.objects.filter(indicator=indicator, area__code="E10000017", period__code="2012/13")
        .exclude(breakdown=None)
        .values_list("breakdown__dimension", "breakdown__label", "value", "status")
    ) == {
        ("sex", "Male", Decimal("16"), "available"),
        ("sex", "Female", Decimal("17.5"), "available"),
        ("sex", "Unknown", None, "suppressed"),
    }
    # 2014 is 2013/14, a new period of the same series.
    assert set(Period.objects.values_list("code", flat=True)) - before_periods == {"2013/14"}
    assert series.model.objects.get(
        indicator=indicator, area__code="E10000017", period__code="2013/14", breakdown=None
    ).value == Decimal("12.5")
    # Every row of the file, for the measure (manifest, file 1).
    percent = report.measures["CPP_subsequent_percent"]
    assert (
        percent.count("new"),
        percent.count("changed"),
        percent.count("unchanged"),
        percent.count("rejected"),
    ) == (16, 4, 1, 0)
    assert percent.skipped == {AREA_NOT_HELD: 2}  # Halton (line 19), Norfolk (line 24)
    for left_out in ("CPP_start", "CPP_subsequent"):
        assert report.measures[left_out].skipped == {LEFT_OUT: 23}
    assert_every_row_accounted(report)

    page = client.get(CHILD_PROTECTION_URL)
    assert page.status_code == 200
    section = page.content.decode().split('id="second-plan"', 1)[1].split("</section>", 1)[0]
    for figure in ("16.7", "17.2", "11.4", "14.9"):
        assert figure in section
    assert "19.8" not in section  # Blackpool's illustrative 2012/13 figure is gone


def test_importing_the_cin_file_again_changes_nothing_and_offers_no_undo(demo):
    indicator = Indicator.objects.get(slug="cpp-second-time")
    mappings = {"CPP_subsequent_percent": indicator, "CPP_start": None, "CPP_subsequent": None}
    first = import_values(source=real("ees_cin_reporting_year.csv"), mappings=mappings)
    before = (Value.objects.count(), Period.objects.count())

    again = import_values(source=real("ees_cin_reporting_year.csv"), mappings=mappings)

    assert again.status == "unchanged"
    assert "Nothing changed: this file's figures are already on the site." in again.summary()
    assert (Value.objects.count(), Period.objects.count()) == before
    assert again.batch is not None and again.batch.status == ImportBatch.Status.UNCHANGED
    assert not again.applied
    with pytest.raises(UndoRefused, match="changed nothing"):
        undo_import(again.batch)
    assert ImportBatch.objects.filter(status=ImportBatch.Status.APPLIED).get() == first.batch
    assert again.previous_import == first.batch
    percent = again.measures["CPP_subsequent_percent"]
    assert (percent.count("unchanged"), percent.skipped) == (21, {AREA_NOT_HELD: 2})


def test_undo_puts_the_illustrative_figures_back_and_removes_what_the_import_added(demo):
    indicator = Indicator.objects.get(slug="cpp-second-time")
    before_periods = set(Period.objects.values_list("code", flat=True))
    before_breakdowns = set(Breakdown.objects.values_list("pk", flat=True))
    report = import_values(
        source=real("ees_cin_reporting_year.csv"),
        mappings={"CPP_subsequent_percent": indicator, "CPP_start": None, "CPP_subsequent": None},
    )
    batch = report.batch
    assert list(batch.periods_added.values_list("code", flat=True)) == ["2013/14"]
    assert set(batch.breakdowns_added.values_list("label", flat=True)) == {
        "Male",
        "Female",
        "Unknown",
    }

    result = undo_import(batch)

    blackpool = Value.objects.get(
        indicator=indicator, area__code="E06000009", period__code="2012/13", breakdown=None
    )
    assert (blackpool.value, blackpool.is_illustrative) == (Decimal("19.8"), True)
    assert set(Period.objects.values_list("code", flat=True)) == before_periods
    assert set(Breakdown.objects.values_list("pk", flat=True)) == before_breakdowns
    assert result.periods_removed == ["2013/14"]
    assert sorted(result.breakdowns_removed) == ["sex: Female", "sex: Male", "sex: Unknown"]
    assert "Periods it had added were removed: 2013/14." in result.summary()


def test_undo_keeps_a_period_another_import_now_uses(england, enrolments):
    first = import_values(
        source=real("ees_time_identifiers.csv"),
        mappings={"enrolment_count": enrolments},
        period_readings={"*": "snapshot-31-march"},
    )
    other = IndicatorFactory(slug="other-enrolments", unit="count", multiplier=1)
    Value.objects.create(
        indicator=other, area=england, period=Period.objects.get(code="2013 W27"), value=1
    )

    result = undo_import(first.batch)

    assert "2013 W27" not in result.periods_removed
    assert set(Period.objects.values_list("code", flat=True)) == {"2013 W27"}
    assert len(result.periods_removed) == 36


# --- Older DfE statistical releases (SFR underlying data) -----------------------------------


@pytest.fixture
def sfr_site(db) -> dict[str, object]:
    england = AreaFactory(code="E92000001", name="England", area_type="country")
    regions = {
        code: AreaFactory(code=code, name=name, area_type="region", parent=england)
        for code, name in [
            ("E12000001", "North East"),
            ("E12000002", "North West"),
            ("E12000003", "Yorkshire and The Humber"),
            ("E12000007", "London"),
        ]
    }
    for code, name, area_type, region in [
        ("E09000007", "Camden", "unitary", "E12000007"),
        ("E06000006", "Halton", "unitary", "E12000002"),
        ("E10000017", "Lancashire", "county", "E12000002"),
        ("E06000008", "Blackburn with Darwen", "unitary", "E12000002"),
        ("E06000009", "Blackpool", "unitary", "E12000002"),
        ("E06000057", "Northumberland", "unitary", "E12000001"),
    ]:
        AreaFactory(code=code, name=name, area_type=area_type, parent=regions[region])
    return {
        "looked_after": IndicatorFactory(
            slug="cla-count", name="Children looked after", unit="count", multiplier=1
        ),
        "rate": IndicatorFactory(
            slug="cla-rate",
            name="Children looked after per 10,000",
            unit="rate",
            multiplier=10_000,
            population="population aged under 18",
        ),
        "net_gain": IndicatorFactory(
            slug="cla-net-gain",
            name="Net gain of children placed from elsewhere",
            unit="count",
            multiplier=1,
            allows_negative=True,
        ),
    }


def sfr_mappings(site) -> dict[str, Indicator | None]:
    return {
        "CLA_Mar2013": site["looked_after"],
        "CLA_Rate2013": site["rate"],
        "CLA_NetGain": site["net_gain"],  # the header writes it “CLA_NetGain ”
        "CLA_InBound": None,
        "CLA_Outbound": None,
        "CLA_ExtPl": None,
    }


def test_an_sfr_file_with_an_excel_error_is_refused_by_line_and_column(sfr_site):
    before = held()

    report = import_values(
        source=real("sfr_wide.csv"), mappings=sfr_mappings(sfr_site), period="2013-03-31"
    )

    assert report.file_format == "sfr"
    assert report.rejected
    (error,) = report.errors
    assert (error.row, error.column) == (2, "CLA_NetGain")
    assert error.message.startswith(
        "“#VALUE!” is an error from the spreadsheet the file was made in (a formula that "
        "failed), not a figure"
    )
    assert held() == before


def test_an_sfr_file_is_read_as_its_releases_wrote_it(sfr_site):
    grouping = AreaFactory(code="E13000001", name="Inner London", area_type="grouping")

    report = import_values(
        source=real("sfr_wide.csv"),
        mappings=sfr_mappings(sfr_site),
        period="2013-03-31",
        apply_valid_rows=True,
        area_aliases={"E06000048": "E06000057"},  # Northumberland, re-coded in April 2013
    )

    assert report.status == "applied", report.summary()
    assert set(Value.objects.values_list("period__code", flat=True)) == {"2013-03-31"}

    def figures(indicator) -> dict[str, tuple[Decimal | None, str]]:
        return {
            code: (value, status)
            for code, value, status in Value.objects.filter(indicator=indicator).values_list(
                "area__code", "value", "status"
            )
        }

    looked_after = figures(sfr_site["looked_after"])
    assert looked_after["E92000001"] == (Decimal("68110"), "available")  # line 2, kept
    assert looked_after["E12000007"] == (Decimal("10090"), "available")  # London itself
    assert looked_after["E13000001"] == (Decimal("4440"), "available")  # INNER LONDON
    assert looked_after["E06000057"] == (Decimal("316"), "available")  # E06000048
    assert "E10000006" not in looked_after  # Cumbria, not on the site: skipped, not guessed
    assert len(looked_after) == 12
    net_gain = figures(sfr_site["net_gain"])
    assert "E92000001" not in net_gain  # #VALUE!: refused, never a number or a zero
    assert net_gain["E12000001"] == (Decimal("-40"), "available")
    assert net_gain["E12000007"] == (Decimal("-1800"), "available")
    assert net_gain["E13000001"] == (Decimal("-1900"), "available")
    assert net_gain["E09000007"] == (None, "suppressed")  # x: a real −132, not shown
    rate = Value.objects.get(indicator=sfr_site["rate"], area=grouping)
    assert (rate.value, rate.status, rate.note) == (None, "not_applicable", "Not applicable (.).")
    camden = Value.objects.get(indicator=sfr_site["rate"], area__code="E09000007")
    assert (camden.status, camden.note) == (
        "suppressed",
        "Not shown in the release, to protect confidentiality (x).",
    )
    # Every row, for each measure (manifest, file 4): 14 data rows and two rows of commas.
    assert report.rows_read == 16
    measure = report.measure_rows()[0]
    assert measure.key == "CLA_Mar2013"
    assert (measure.count("new"), measure.count("rejected")) == (12, 0)
    assert measure.skipped == {AREA_NOT_HELD: 2, BLANK_OR_NOTE: 2}  # Outer London, Cumbria
    net = next(m for m in report.measure_rows() if m.key == "CLA_NetGain")
    assert (net.count("new"), net.count("rejected")) == (11, 1)
    assert_every_row_accounted(report)
    assert report.skipped_areas["E13000002"].name == "OUTER LONDON"  # never under London
    assert report.skipped_areas["E10000006"].name == "Cumbria"


def test_an_sfr_file_with_no_period_asks_for_one_and_changes_nothing(sfr_site):
    before = held()

    report = import_values(source=real("sfr_wide.csv"), mappings=sfr_mappings(sfr_site))

    assert report.rejected and report.needs_period
    assert report.file_errors[0].startswith("This file has no year or period column")
    assert "give the period its figures are for" in report.file_errors[0]
    assert not report.errors  # one question for the file, not a refusal of every row
    # 10 of the 14 areas are on the site; Outer and Inner London (groupings), Cumbria and
    # Northumberland's old code are not.
    rows = {measure.key: measure for measure in report.measure_rows()}
    assert rows["CLA_Mar2013"].skipped == {
        NO_PERIOD: 10,
        AREA_NOT_HELD: 4,
        BLANK_OR_NOTE: 2,
    }
    assert_every_row_accounted(report)
    assert held() == before


def test_a_single_year_given_for_an_sfr_file_is_read_as_the_measure_means_it(sfr_site):
    looked_after = sfr_site["looked_after"]
    holding(looked_after, "2012-03-31", Area.objects.get(code="E92000001"))

    report = import_values(
        source=real("sfr_wide.csv"),
        mappings={"CLA_Mar2013": looked_after, "CLA_NetGain": None},
        period="2013",
        dry_run=True,
    )

    used = report.year_readings["CLA_Mar2013"]
    assert (used.how, used.reading) == ("automatic", "snapshot-31-march")
    assert used.examples == {"2013 (the period given for the file)": "31 March 2013"}


def test_the_command_takes_the_period_of_an_sfr_file(sfr_site):
    call_command(
        "import_values",
        str(real("sfr_wide.csv")),
        "--map",
        "CLA_Mar2013=cla-count",
        *("--map", "CLA_Rate2013=-", "--map", "CLA_InBound=-", "--map", "CLA_Outbound=-"),
        *("--map", "CLA_ExtPl=-", "--map", "CLA_NetGain=-"),
        "--period",
        "2013-03-31",
    )
    lancashire = Value.objects.get(area__code="E10000017")
    assert (lancashire.period.code, lancashire.value) == ("2013-03-31", Decimal("1475"))
    assert SourceMapping.objects.get(key="CLA_Mar2013").source == "sfr"


# --- Negative figures --------------------------------------------------------------------


def test_a_negative_count_is_refused_but_a_negative_net_change_is_not(sfr_site):
    before = held()

    report = import_values(
        source=real("sfr_wide_bad_negative.csv"),
        mappings=sfr_mappings(sfr_site),
        period="2013-03-31",
    )

    assert report.rejected
    (error,) = report.errors  # line 3's −1800 is a net change, and allowed
    assert (error.row, error.column) == (6, "CLA_Mar2013")
    assert error.message == (
        "A count of “Children looked after” cannot be negative (the file gives “-483”); tick "
        "“figures may be negative” on the indicator if it is a net change."
    )
    assert held() == before
    net = report.measures["CLA_NetGain"]
    assert (net.count("new"), net.count("rejected")) == (5, 0)
    assert_every_row_accounted(report)


def test_a_negative_figure_of_any_unit_needs_the_indicator_to_allow_it(db, write_csv):
    AreaFactory(code="E92000001", name="England", area_type="country")
    mean = IndicatorFactory(slug="progress", name="Progress score", unit="mean", multiplier=1)
    path = write_csv(
        [["indicator", "area_code", "period", "value"], ["progress", "E92000001", "2013", "-0.3"]]
    )

    refused = import_values(source=path)
    assert "tick “figures may be negative”" in refused.errors[0].message
    mean.allows_negative = True
    mean.save()
    allowed = import_values(source=path)
    assert allowed.status == "applied" and Value.objects.get().value == Decimal("-0.3")


# --- Real figures where illustrative ones stood --------------------------------------------


def test_a_real_figure_replaces_an_illustrative_one_even_when_the_number_is_the_same(db, write_csv):
    area = AreaFactory(code="E92000001", name="England", area_type="country")
    indicator = IndicatorFactory(slug="second-plans")
    holding(
        indicator,
        "2012/13",
        area,
        value=Decimal("14.9"),
        is_illustrative=True,
        note="Illustrative figure (synthetic), not a published statistic.",
    )
    path = write_csv(
        [
            ["indicator", "area_code", "period", "value"],
            ["second-plans", "E92000001", "2012/13", "14.9"],
        ]
    )

    preview = import_values(source=path, dry_run=True)
    (change,) = preview.changes
    assert (change.action, change.old, change.new) == ("changed", "14.9% (illustrative)", "14.9%")

    report = import_values(source=path)

    assert (report.figures_changed, report.figures_unchanged) == (1, 0)
    value = Value.objects.get()
    assert (value.value, value.is_illustrative, value.note) == (Decimal("14.9"), False, "")
    assert "1 illustrative figure was replaced by the file's real figure." in report.summary()
    undo_import(report.batch)
    assert Value.objects.get().is_illustrative


# --- The admin preview: how years are read, chosen per measure -----------------------------


@pytest.fixture
def officer_client(client, settings, tmp_path):
    settings.IMPORT_UPLOAD_ROOT = str(tmp_path / "uploads")
    areas = cin_site()
    indicator = IndicatorFactory(slug="second-plans", name="Second plans")
    holding(indicator, "2011/12", areas["england"])
    user, _ = create_officer(username="analyst", password="a-long-test-password")
    SectionFactory(topic=TopicFactory(title="Child protection", owner=user), indicator=indicator)
    client.force_login(user)
    return client


def posted(response, **changes: str) -> dict[str, str]:
    """The preview's form as the officer would post it, with ``changes``."""
    form = response.context["form"]
    data = {
        field.html_name: str(field.value())
        for field in form
        if field.value() not in (None, False, "", [])
    }
    return {**data, **changes}


def test_the_preview_says_how_each_measures_years_are_read_and_remembers_the_choice(
    officer_client,
):
    indicator = Indicator.objects.get(slug="second-plans")
    file = SimpleUploadedFile(
        "d3.csv", real("ees_cin_reporting_year.csv").read_bytes(), content_type="text/csv"
    )
    preview = through_run(
        officer_client,
        officer_client.post(
            reverse("admin:indicators_value_import"), {"file": file, "file_format": "auto"}
        ),
    )
    assert preview.status_code == 200
    map_percent = {
        f"map-{index}": str(indicator.pk) if row.key == "CPP_subsequent_percent" else "-"
        for index, (row, _, _) in enumerate(preview.context["mapping_fields"])
    }

    checked = through_run(
        officer_client,
        officer_client.post(
            reverse("admin:indicators_value_import_check"), posted(preview, **map_percent)
        ),
    )

    html = checked.content.decode()
    assert "Years: how the source means them" in html
    assert "2013 (Reporting year) read as 2012/13" in html
    ((row, select, _),) = checked.context["reading_fields"]
    assert (row.key, select.value()) == ("CPP_subsequent_percent", "")
    assert "Every row of the file, for each measure column (23 rows)" in html

    # Chosen (the same as the figures decide, but chosen: so remembered for the source).
    again = through_run(
        officer_client,
        officer_client.post(
            reverse("admin:indicators_value_import_check"),
            posted(checked, **{select.html_name: "financial-year-ending"}),
        ),
    )
    assert "2013 (Reporting year) read as 2012/13" in again.content.decode()
    done = through_run(
        officer_client,
        officer_client.post(reverse("admin:indicators_value_import_confirm"), posted(again)),
    )

    assert done.status_code == 302
    mapping = SourceMapping.objects.get(source="ees", key="CPP_subsequent_percent")
    assert (mapping.indicator, mapping.period_reading) == (indicator, "financial-year-ending")
    assert Value.objects.filter(period__code="2012/13", area__code="E10000017").exists()


def test_the_preview_asks_for_the_period_of_an_sfr_file(officer_client):
    file = SimpleUploadedFile(
        "SFR36_CLA2013.csv", real("sfr_wide.csv").read_bytes(), content_type="text/csv"
    )
    preview = through_run(
        officer_client,
        officer_client.post(
            reverse("admin:indicators_value_import"), {"file": file, "file_format": "auto"}
        ),
    )

    assert preview.status_code == 200
    html = preview.content.decode()
    assert "The period of the file's figures" in html
    assert "This file has no year or period column" in html
    with_period = through_run(
        officer_client,
        officer_client.post(
            reverse("admin:indicators_value_import_check"), posted(preview, period="31/03/2013")
        ),
    )
    assert "This file has no year or period column" not in with_period.content.decode()
    assert with_period.context["form"]["period"].value() == "31/03/2013"


# --- Years with nothing to go by; kinds of period that do not mix; the identifier's column --


def test_with_nothing_to_go_by_a_reporting_year_is_asked_about_and_nothing_is_imported(db, capsys):
    areas = cin_site()
    indicator = IndicatorFactory(slug="second-plans", name="Second plans")
    before = held()

    report = import_values(
        source=real("ees_cin_reporting_year.csv"),
        mappings={"CPP_subsequent_percent": indicator, "CPP_start": None, "CPP_subsequent": None},
    )

    assert report.rejected and held() == before
    (question,) = report.questions
    assert (question.kind, question.key) == ("reading", "CPP_subsequent_percent")
    assert "“Second plans” holds no financial years or counts on 31 March" in question.text
    assert (
        "2014 is read as the financial year 2013/14 (the year to 31 March 2014), as 31 March "
        "2014 (a count on that day), or as the calendar year 2014" in question.text
    )
    assert any(question.text in line for line in report.summary())
    # The command says how to answer, and the answer imports the file.
    path = str(real("ees_cin_reporting_year.csv"))
    maps = ["--map", "CPP_subsequent_percent=second-plans", "--map", "CPP_start=-"]
    maps += ["--map", "CPP_subsequent=-"]
    with pytest.raises(CommandError):
        call_command("import_values", path, *maps)
    assert "Give --period-as CPP_subsequent_percent=READING" in capsys.readouterr().out
    call_command(
        "import_values", path, *maps, "--period-as", "CPP_subsequent_percent=snapshot-31-march"
    )
    assert Value.objects.get(
        indicator=indicator, area=areas["lancashire"], breakdown=None, period__code="2013-03-31"
    ).value == Decimal("16.7")


def test_an_sfr_year_with_nothing_to_go_by_is_asked_about(sfr_site):
    report = import_values(
        source=real("sfr_wide.csv"),
        mappings={"CLA_Mar2013": sfr_site["looked_after"], "CLA_NetGain": None},
        period="2013",
        dry_run=True,
    )

    assert report.rejected
    assert [question.key for question in report.questions] == ["CLA_Mar2013"]
    assert "as 31 March 2013 (a count on that day)" in report.questions[0].text


def ees_lines(lines: list[int], write_csv) -> Path:
    """Those lines of ees_time_identifiers.csv, under its header."""
    with real("ees_time_identifiers.csv").open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    return write_csv([rows[0]] + [rows[line - 1] for line in lines])


@pytest.mark.parametrize(
    ("held_period", "imported"),
    [
        ("2011/12", ["2012/13"]),
        ("2011/12 Q4", ["2012/13 Q1", "2012/13 Q2", "2012/13 Q3", "2012/13 Q4"]),
        (None, None),
    ],
)
def test_quarters_are_refused_for_an_indicator_of_years_row_by_row(
    england, write_csv, held_period, imported
):
    indicator = IndicatorFactory(
        slug="referrals-rate", name="Referrals", unit="count", multiplier=1
    )
    if held_period:
        holding(indicator, held_period, england)
    path = ees_lines([2, 7, 8, 9, 10], write_csv)  # 2012/13, then its four quarters

    report = import_values(
        source=path, mappings={"enrolment_count": indicator}, apply_valid_rows=True
    )

    stored = set(
        Value.objects.filter(indicator=indicator)
        .exclude(period__code=held_period or "")
        .values_list("period__code", flat=True)
    )
    if imported is None:  # an indicator with no figures yet takes what the file has
        assert not report.errors and len(stored) == 5
        return
    assert stored == set(imported)
    if held_period == "2011/12":
        assert [(error.row, error.column) for error in report.errors] == [
            (3, "time_period"),
            (4, "time_period"),
            (5, "time_period"),
            (6, "time_period"),
        ]
        assert report.errors[0].message == (
            "referrals-rate holds financial years; 2012/13 Q1 is a quarter: quarters and years "
            "in one series would be charted and compared as if alike. Import quarterly figures "
            "to an indicator of their own."
        )
    else:
        assert [error.row for error in report.errors] == [2]
        assert report.errors[0].message.startswith(
            "referrals-rate holds quarters; 2012/13 is a financial year: years and quarters"
        )


def test_a_count_on_31_march_is_refused_for_an_indicator_of_financial_years(db):
    areas = cin_site()
    indicator = IndicatorFactory(slug="second-plans")
    holding(indicator, "2011/12", areas["england"])
    before = held()

    report = import_values(
        source=real("ees_cin_reporting_year.csv"),
        mappings={"CPP_subsequent_percent": indicator, "CPP_start": None, "CPP_subsequent": None},
        period_readings={"CPP_subsequent_percent": "snapshot-31-march"},
    )

    assert report.rejected and held() == before
    assert report.errors[0].message.startswith(
        "second-plans holds financial years; 31 March 2014 is a count on a day: counts on a day "
        "and years in one series"
    )


def test_the_kinds_an_indicator_holds_are_read_once_for_the_import(england, write_csv):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    indicator = IndicatorFactory(slug="referrals-rate", unit="count", multiplier=1)
    holding(indicator, "2011/12", england)
    path = ees_lines([2, 7, 8, 9, 10], write_csv)

    with CaptureQueriesContext(connection) as queries:
        import_values(source=path, mappings={"enrolment_count": indicator}, dry_run=True)

    kinds = [query for query in queries if 'DISTINCT "indicators_period"."kind"' in query["sql"]]
    assert len(kinds) == 1


def test_a_bad_time_identifier_is_reported_in_its_column_and_a_bad_time_period_in_its_own(
    england, enrolments, write_csv
):
    path = write_csv(
        [
            [
                "time_period",
                "time_identifier",
                "geographic_level",
                "country_code",
                "enrolment_count",
            ],
            ["201213", "Fiscal year", "National", "E92000001", "1"],
            ["2013", "Financial year", "National", "E92000001", "2"],
            ["201213", "", "National", "E92000001", "3"],
        ]
    )

    report = import_values(source=path, mappings={"enrolment_count": enrolments})

    assert [(error.row, error.column) for error in report.errors] == [
        (2, "time_identifier"),
        (3, "time_period"),
        (4, "time_identifier"),
    ]


def test_the_preview_lists_a_years_question_and_points_to_where_it_is_answered(officer_client):
    indicator = Indicator.objects.get(slug="second-plans")
    Value.objects.filter(indicator=indicator).delete()  # nothing left to decide the reading
    file = SimpleUploadedFile(
        "d3.csv", real("ees_cin_reporting_year.csv").read_bytes(), content_type="text/csv"
    )
    preview = through_run(
        officer_client,
        officer_client.post(
            reverse("admin:indicators_value_import"), {"file": file, "file_format": "auto"}
        ),
    )
    map_percent = {
        f"map-{index}": str(indicator.pk) if row.key == "CPP_subsequent_percent" else "-"
        for index, (row, _, _) in enumerate(preview.context["mapping_fields"])
    }

    checked = through_run(
        officer_client,
        officer_client.post(
            reverse("admin:indicators_value_import_check"), posted(preview, **map_percent)
        ),
    )

    html = checked.content.decode()
    assert "The importer has 1 question about this file, below." in html
    questions = html[html.index('id="questions-heading"') : html.index('id="years-heading"')]
    assert "How are the years of “CPP_subsequent_percent” meant?" in questions
    assert 'href="#years-heading"' in questions
