"""Our own template: good files land, each kind of bad row is reported with its row number,
column and what was expected, and a file with a bad row changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.importing import import_values
from indicators.models import Breakdown, ImportBatch, ImportChange, Period, Value

pytestmark = pytest.mark.django_db

HEADER = ["indicator", "area_code", "area_name", "period", "breakdown", "value", "note"]


def only_error(report):
    assert len(report.errors) == 1, report.errors
    return report.errors[0]


def test_a_good_file_is_applied_and_recorded(site, write_csv, django_user_model):
    officer = django_user_model.objects.create_user("officer")
    path = write_csv(
        [
            HEADER,
            ["re-referrals", "E07000123", "Preston", "2012/13", "", "21.5", ""],
            ["re-referrals", "E07000117", "Burnley", "2012/13", "", "18", "Provisional"],
            ["cpp-rate", "E10000017", "Lancashire", "2013-03-31", "age: 1-4", "40.2", ""],
        ]
    )

    report = import_values(source=path, file_name="march.csv", user=officer)

    assert report.status == "applied", report.summary()
    assert report.file_format == "template"
    assert (report.figures_new, report.figures_changed, report.figures_unchanged) == (3, 0, 0)
    batch = report.batch
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.file_name == "march.csv"
    assert batch.imported_by == officer
    assert len(batch.file_hash) == 64
    assert (batch.rows_added, batch.rows_rejected, batch.rows_skipped) == (3, 0, 0)
    assert batch.applied_at is not None
    burnley = Value.objects.get(area=site["burnley"])
    assert burnley.value == Decimal("18")
    assert burnley.note == "Provisional."
    assert burnley.import_batch == batch
    assert Value.objects.filter(import_batch=batch).count() == 3
    breakdown = Value.objects.get(indicator=site["rate"]).breakdown
    assert (breakdown.dimension, breakdown.label) == ("age", "1-4")
    assert set(report.periods_added) == {"2012/13", "2013-03-31"}
    assert report.breakdowns_added == ["age: 1-4"]
    assert batch.changes.count() == 3
    assert report.changes[0].action == "new"


def test_the_same_file_twice_changes_nothing_the_second_time_and_says_so(site, write_csv):
    path = write_csv(
        [HEADER, ["re-referrals", "E07000123", "Preston", "2012/13", "", "21.5", "Revised"]]
    )
    first = import_values(source=path)
    value = Value.objects.get()
    stamp = value.updated_at

    second = import_values(source=path)

    assert first.figures_new == 1
    assert second.status == "unchanged"
    assert (second.figures_new, second.figures_changed, second.figures_unchanged) == (0, 0, 1)
    assert "Nothing changed: this file's figures are already on the site." in second.summary()
    assert second.previous_import == first.batch
    value.refresh_from_db()
    assert value.updated_at == stamp
    assert value.import_batch == first.batch


def test_a_changed_figure_keeps_its_old_value_in_the_preview(site, write_csv):
    import_values(
        source=write_csv([HEADER, ["re-referrals", "E07000123", "", "2012/13", "", "21.5", ""]])
    )
    report = import_values(
        source=write_csv(
            [HEADER, ["re-referrals", "E07000123", "", "2012/13", "", "23", ""]], "v2.csv"
        )
    )
    assert report.figures_changed == 1
    (change,) = report.changes
    assert (change.action, change.old, change.new, change.row) == ("changed", "21.5%", "23.0%", 2)
    assert "21.5% → 23.0%" in str(change)
    stored = ImportChange.objects.get(batch=report.batch)
    assert stored.action == "updated"
    assert Decimal(stored.previous["value"]) == Decimal("21.5")


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (
            ["no-such-indicator", "E07000123", "", "2012/13", "", "5", ""],
            "indicator",
            "There is no indicator “no-such-indicator” on this site",
        ),
        (
            ["re-referrals", "E07000123", "", "2012/13", "", "12..3", ""],
            "value",
            "“12..3” is not a number: expected a figure such as 12",
        ),
        (
            ["re-referrals", "E07000123", "", "2012/13", "", "abc", ""],
            "value",
            "“abc” is not a number",
        ),
        (
            ["re-referrals", "E07000123", "", "March 2013", "", "5", ""],
            "period",
            "“March 2013” is not a period we can read",
        ),
        (
            ["re-referrals", "E07000123", "", "2012/13", "", "104.2", ""],
            "value",
            "A percentage must be between 0 and 100. The file gives “104.2”.",
        ),
        (
            ["re-referrals", "E07000123", "", "2012/13", "", "-1", ""],
            "value",
            "A percentage of “Re-referrals” cannot be negative (the file gives “-1”); tick "
            "“figures may be negative” on the indicator if it is a net change.",
        ),
        (
            ["cpp-rate", "E07000123", "", "2012/13", "", "-3", ""],
            "value",
            "A rate of “Child protection plan rate” cannot be negative",
        ),
        (
            ["cpp-count", "E07000123", "", "2012/13", "", "-3", ""],
            "value",
            "A count of “Child protection plans” cannot be negative",
        ),
        (
            ["re-referrals", "E0700012", "", "2012/13", "", "5", ""],
            "area_code",
            "“E0700012” is not an area code: expected an ONS GSS code",
        ),
        (["re-referrals", "", "", "2012/13", "", "5", ""], "area_code", "The area code is empty"),
        (
            ["re-referrals", "E07000123", "", "2012/13", "age 1-4", "5", ""],
            "breakdown",
            "write it as “dimension: category”",
        ),
    ],
)
def test_each_bad_row_is_reported_with_row_column_and_what_was_expected(
    site, write_csv, row, column, words
):
    path = write_csv([HEADER, ["re-referrals", "E07000117", "", "2012/13", "", "10", ""], row])

    report = import_values(source=path)

    assert report.rejected
    error = only_error(report)
    assert (error.row, error.column) == (3, column)
    assert words in error.message
    assert str(error).startswith(f"Row 3, {column}: ")
    assert not Value.objects.exists()


def test_confidence_limits_either_side_of_the_value(site, write_csv):
    path = write_csv(
        [
            ["indicator", "area_code", "period", "value", "lower_ci", "upper_ci"],
            ["re-referrals", "E07000123", "2012/13", "20", "21", "25"],
            ["re-referrals", "E07000117", "2012/13", "20", "15", "19.5"],
        ]
    )

    report = import_values(source=path)

    assert [(e.row, e.column) for e in report.errors] == [(2, "lower_ci"), (3, "upper_ci")]
    assert "lower confidence limit (21) cannot be above the value (20)" in report.errors[0].message
    assert (
        "upper confidence limit (19.5) cannot be below the value (20)" in report.errors[1].message
    )


def test_count_above_denominator_for_a_percentage(site, write_csv):
    path = write_csv(
        [
            ["indicator", "area_code", "period", "value", "count", "denominator"],
            ["re-referrals", "E07000123", "2012/13", "", "30", "20"],
            ["re-referrals", "E07000117", "2012/13", "50", "30", "20"],
        ]
    )

    report = import_values(source=path)

    assert [(e.row, e.column) for e in report.errors] == [(2, "count"), (3, "count")]
    assert (
        "count cannot exceed the denominator (the file gives 30 of 20)" in report.errors[0].message
    )
    assert "For a percentage the count cannot exceed the denominator" in report.errors[1].message


def test_the_same_figure_twice_with_different_values_rejects_both_rows(site, write_csv):
    path = write_csv(
        [
            HEADER,
            ["re-referrals", "E07000123", "", "2012/13", "", "21.5", ""],
            ["re-referrals", "E07000117", "", "2012/13", "", "18", ""],
            ["re-referrals", "E07000123", "", "2012-13", "", "22", ""],
        ]
    )

    report = import_values(source=path)

    assert report.rejected
    assert [(e.row, e.column) for e in report.errors] == [(2, "value"), (4, "value")]
    assert "as row 4, with a different figure" in report.errors[0].message
    assert "as row 2, with a different figure" in report.errors[1].message
    assert report.rows_rejected == 2
    assert not Value.objects.exists()


def test_identical_repeats_are_counted_once_not_rejected(site, write_csv):
    row = ["re-referrals", "E07000123", "", "2012/13", "", "21.5", ""]
    report = import_values(
        source=write_csv(
            [HEADER, row, row, ["re-referrals", "E07000123", "", "2012/13", "", "21.50", ""]]
        )
    )

    assert not report.rejected
    assert (report.figures_new, report.figures_duplicate) == (1, 2)
    assert "2 rows repeated an earlier row exactly and were counted once." in report.summary()


def test_one_bad_row_changes_nothing(site, write_csv):
    import_values(
        source=write_csv(
            [HEADER, ["re-referrals", "E07000123", "", "2012/13", "", "10", ""]], "old.csv"
        )
    )
    before = list(Value.objects.values_list("area__code", "value", "import_batch"))
    batches = ImportBatch.objects.count()
    path = write_csv(
        [
            HEADER,
            ["re-referrals", "E07000123", "", "2012/13", "", "11", ""],
            ["re-referrals", "E07000117", "", "2012/13", "", "12", ""],
            ["re-referrals", "E07000117", "", "2013/14", "", "two", ""],
        ]
    )

    report = import_values(source=path)

    assert report.status == "rejected"
    assert list(Value.objects.values_list("area__code", "value", "import_batch")) == before
    assert not Period.objects.filter(code="2013/14").exists()
    # The attempt is on record, as rejected, and holds no figures.
    assert ImportBatch.objects.count() == batches + 1
    rejected = report.batch
    assert rejected.status == ImportBatch.Status.REJECTED
    assert rejected.rows_rejected == 1
    assert not rejected.values.exists()
    assert "1 row has problems, so nothing was changed." in report.summary()[0]


def test_apply_valid_rows_lands_the_good_rows_and_reports_the_rest(site, write_csv):
    path = write_csv(
        [
            HEADER,
            ["re-referrals", "E07000123", "", "2012/13", "", "11", ""],
            ["re-referrals", "E07000117", "", "2012/13", "", "two", ""],
            ["re-referrals", "E07000117", "", "2013/14", "", "13", ""],
        ]
    )

    report = import_values(source=path, apply_valid_rows=True)

    assert report.status == "applied"
    assert report.rows_rejected == 1
    assert sorted(Value.objects.values_list("value", flat=True)) == [Decimal("11"), Decimal("13")]
    assert report.batch.rows_rejected == 1
    assert any("1 row with problems was left out" in line for line in report.summary())


def test_duplicate_conflict_withdraws_a_figure_already_written(site, write_csv, monkeypatch):
    """With apply_valid_rows, neither of two conflicting rows lands, even when the first was
    written in an earlier batch of the file."""
    from indicators.importing import services

    monkeypatch.setattr(services, "BATCH_SIZE", 1)
    path = write_csv(
        [
            HEADER,
            ["re-referrals", "E07000123", "", "2012/13", "", "21.5", ""],
            ["re-referrals", "E07000117", "", "2012/13", "", "18", ""],
            ["re-referrals", "E07000123", "", "2012/13", "", "22", ""],
        ]
    )

    report = import_values(source=path, apply_valid_rows=True)

    assert report.rows_rejected == 2
    assert report.figures_new == 1
    assert list(Value.objects.values_list("area__code", flat=True)) == ["E07000117"]
    assert report.batch.changes.count() == 1


def test_dry_run_reports_everything_and_saves_nothing(site, write_csv):
    path = write_csv([HEADER, ["re-referrals", "E07000123", "", "2012/13", "age: 1-4", "11", ""]])

    report = import_values(source=path, dry_run=True)

    assert report.status == "dry run"
    assert report.figures_new == 1
    assert report.changes[0].new == "11.0%"
    assert "Dry run: nothing was saved." in report.summary()
    assert not Value.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not Breakdown.objects.exists()
    assert not Period.objects.exists()


def test_statuses_and_symbols_are_stored_as_statuses_never_zero(site, write_csv):
    path = write_csv(
        [
            ["indicator", "area_code", "period", "value", "status", "note"],
            ["re-referrals", "E07000123", "2010/11", "", "suppressed", "Fewer than 5"],
            ["re-referrals", "E07000123", "2011/12", "c", "", ""],
            ["re-referrals", "E07000123", "2012/13", "[x]", "", ""],
            ["re-referrals", "E07000123", "2013/14", "", "not_applicable", ""],
            ["re-referrals", "E07000123", "2014/15", "", "", ""],
        ]
    )

    report = import_values(source=path)

    assert not report.rejected, report.errors
    stored = dict(Value.objects.values_list("period__code", "status"))
    assert stored == {
        "2010/11": "suppressed",
        "2011/12": "suppressed",
        "2012/13": "not_available",
        "2013/14": "not_applicable",
        "2014/15": "not_available",
    }
    assert not Value.objects.exclude(value=None).exists()
    notes = dict(Value.objects.values_list("period__code", "note"))
    assert notes["2010/11"] == "Fewer than 5."
    assert notes["2011/12"] == "Suppressed to protect confidentiality (c)."
    assert notes["2014/15"] == "No figure was given in the file."


def test_a_suppressed_status_with_a_figure_is_rejected(site, write_csv):
    path = write_csv(
        [
            ["indicator", "area_code", "period", "value", "status"],
            ["re-referrals", "E07000123", "2010/11", "3", "suppressed"],
        ]
    )
    error = only_error(import_values(source=path))
    assert (error.column, error.row) == ("value", 2)
    assert "never stored as zero" in error.message


def test_numbers_with_thousands_separators_and_spaces_are_read(site, write_csv):
    path = write_csv(
        [
            ["indicator", "area_code", "period", "value", "count"],
            ["cpp-count", "E10000017", "2012/13", "1,234.5", " 1,234 "],
            ["cpp-count", "E07000123", "2012/13", " 12 ", ""],
        ]
    )
    report = import_values(source=path)
    assert not report.errors
    assert Value.objects.get(area__code="E10000017").value == Decimal("1234.5")
    assert Value.objects.get(area__code="E07000123").value == Decimal("12")


def test_missing_required_column_rejects_the_file(site, write_csv):
    report = import_values(source=write_csv([["indicator", "area_code", "value"], ["a", "b", "1"]]))
    assert report.rejected
    assert report.file_errors[0] == (
        "The JSNA import template needs the columns “indicator”, “area_code” and “period” in "
        "its header row; this file has no “period”."
    )


def test_extra_columns_are_allowed_and_names_are_checked_against_ours(site, write_csv):
    path = write_csv(
        [
            ["indicator", "area_code", "area_name", "period", "value", "comments"],
            ["re-referrals", "E07000123", "Preston District", "2012/13", "11", "fine"],
            ["re-referrals", "E10000017", "LANCASHIRE-12", "2012/13", "11", ""],
        ]
    )
    report = import_values(source=path)
    assert report.status == "applied"
    assert report.warnings == [
        "Area E07000123 is called “Preston District” in the file and “Preston” on this site; "
        "it was matched by its code."
    ]


def test_area_aliases_read_old_codes_as_new_ones(site, write_csv):
    path = write_csv([HEADER, ["re-referrals", "E07000999", "", "2012/13", "", "11", ""]])
    # The file gives no name to show that E07000999 is Preston: the alias is to be confirmed.
    asked = import_values(source=path, area_aliases={"E07000999": "E07000123"})
    assert asked.rejected and [question.key for question in asked.questions] == [
        "E07000999=E07000123"
    ]
    assert not Value.objects.exists()
    report = import_values(source=path, confirmed_aliases={"E07000999": "E07000123"})
    assert report.figures_new == 1
    assert Value.objects.get().area == site["preston"]
    assert "1 row used the code E07000999, read as E07000123 (Preston)." in report.warnings


def test_queries_do_not_grow_row_by_row(site, write_csv, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import AreaFactory

    codes = [AreaFactory(code=f"E07{n:06d}").code for n in range(300)]

    def queries_for(rows: int, name: str) -> int:
        path = write_csv(
            [HEADER]
            + [["re-referrals", code, "", "2012/13", "", "11", ""] for code in codes[:rows]],
            name,
        )
        with CaptureQueriesContext(connection) as queries:
            report = import_values(source=path, dry_run=True)
        assert report.figures_new == rows
        return len(queries)

    few, many = queries_for(10, "few.csv"), queries_for(300, "many.csv")
    # The same work per batch; only the INSERTs split by SQLite's 999-parameter limit
    # (71 values or 99 change records a statement) add a few.
    assert many - few <= 8, (few, many)


def test_a_repeat_of_a_file_with_no_figures_does_not_claim_they_are_on_the_site(site, write_csv):
    path = write_csv([HEADER, ["re-referrals", "E06000099", "", "2012/13", "", "11", ""]])
    import_values(source=path)
    report = import_values(source=path)
    assert report.previous_import is not None
    assert "Nothing changed: the file holds no figures for this site." in report.summary()
