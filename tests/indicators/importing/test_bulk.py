"""The bulk path: figures checked and written as tuples, with SQL of our own, give exactly what
the model and the ORM would give, in memory that does not grow with the rows read, and an import
written this way can still be undone."""

from __future__ import annotations

import csv
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from core.caching import current_version
from indicators.importing import import_values, services, undo_import
from indicators.importing.writing import DATA_FIELDS, ValueWriter, writer_for
from indicators.models import Area, ImportBatch, ImportChange, Indicator, Value
from indicators.models.values import figure_errors
from tests.factories import IndicatorFactory, PeriodFactory, ValueFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "indicator",
    "area_code",
    "period",
    "breakdown",
    "value",
    "status",
    "count",
    "denominator",
    "lower_ci",
    "upper_ci",
    "note",
    "is_illustrative",
]
YEARS = [f"{year}/{(year + 1) % 100:02d}" for year in range(2008, 2024)]


def row(indicator="re-referrals", area="E07000123", period="2012/13", **cells):
    cells = {"indicator": indicator, "area_code": area, "period": period, **cells}
    return [str(cells.get(column, "")) for column in HEADER]


def stored(value: Value) -> tuple:
    return (value.area.code, value.period.code, value.breakdown_id or 0) + tuple(
        getattr(value, name) for name in DATA_FIELDS
    )


def raw_columns(pk: int) -> dict[str, object]:
    """A value's row as the database holds it, column by column, without Django's converters."""
    table = connection.ops.quote_name(Value._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


@pytest.fixture
def years(db):
    return {code: PeriodFactory(code=code) for code in YEARS}


@pytest.fixture
def small_batches(monkeypatch):
    """Flush every few figures, so that a small file goes through many batches."""
    monkeypatch.setattr(services, "BATCH_SIZE", 3)


# --- Stored exactly as the ORM stores them -----------------------------------------------------


def test_figures_are_stored_exactly_as_the_orm_stores_them(site, write_csv, small_batches, years):
    rows = [
        row(value="12.5", count="25", denominator="200", lower_ci="9.1", upper_ci="16.7"),
        row(area="E07000117", value="0.123456789"),  # rounded to six places
        row("cpp-rate", area="E10000017", value="99999999.999999", note="Provisional"),
        row(area="E12000002", value="c"),
        row(area="E92000001", count="7", denominator="50"),  # computed, with its limits
        row(period="2013/14", value="1e1", is_illustrative="yes"),
        row(period="2014/15", value="12.50", breakdown="age: 1-4", status="available"),
        row("cpp-count", area="E07000123", value="", status="not_available"),
    ]

    report = import_values(source=write_csv([HEADER, *rows]))

    assert report.status == "applied", report.summary()
    assert report.figures_new == len(rows)
    for value in Value.objects.filter(import_batch=report.batch):
        copy = Value(indicator=IndicatorFactory(), area=value.area, period=value.period)
        copy.breakdown_id = value.breakdown_id
        for name in DATA_FIELDS:
            setattr(copy, name, getattr(value, name))
        copy.save()
        raw, orm = raw_columns(value.pk), raw_columns(copy.pk)
        for column in ("id", "indicator_id", "import_batch_id", "updated_at"):
            del raw[column], orm[column]
        assert raw == orm, value


def test_columns_the_import_does_not_set_get_their_defaults(site, write_csv):
    """A field added to Value later (such as disclosure control's) is filled in as a new
    model instance would fill it, not left to the database."""
    report = import_values(source=write_csv([HEADER, row(value="11")]))

    value = Value.objects.get()
    writer = ValueWriter(report.batch.pk)
    set_by_import = {"id", "indicator_id", "area_id", "period_id", "breakdown_id"}
    set_by_import |= {*DATA_FIELDS, "import_batch_id", "updated_at"}
    for field in Value._meta.concrete_fields:
        if field.attname not in set_by_import:
            assert getattr(value, field.attname) == field.get_default(), field.name
    assert [field.attname for field in writer.value_fields.values()] == [
        field.attname for field in Value._meta.concrete_fields
    ]


def test_each_value_knows_its_import_and_each_change_its_value(site, write_csv, small_batches):
    period = PeriodFactory(code="2012/13")
    before = timezone.now()
    held = ValueFactory(
        indicator=site["percentage"],
        area=site["preston"],
        period=period,
        value=Decimal("10"),
        count=Decimal("3"),
        note="Typed in",
    )
    held_state = Value.objects.get(pk=held.pk)
    path = write_csv(
        [
            HEADER,
            row(value="11"),  # changes the value held
            *[row(area=code, value=str(n)) for n, code in enumerate(["E07000117", "E10000017"])],
            row(area="E12000002", value="4", breakdown="sex: Female"),
        ]
    )

    report = import_values(source=path)

    batch = report.batch
    assert (report.figures_new, report.figures_changed) == (3, 1)
    for value in Value.objects.all():
        assert value.import_batch_id == batch.pk
        assert before <= value.updated_at <= batch.applied_at
    changes = {change.value_id: change for change in batch.changes.all()}
    assert set(changes) == set(Value.objects.values_list("pk", flat=True))
    for value in Value.objects.all():
        change = changes[value.pk]
        key = (value.indicator_id, value.area_id, value.period_id, value.breakdown_id)
        assert (change.indicator_id, change.area_id, change.period_id, change.breakdown_id) == key
    updated = changes[held.pk]
    assert updated.action == ImportChange.Action.UPDATED
    assert updated.row_number == 2
    assert updated.previous == {
        "value": "10.000000",
        "status": "available",
        "count": "3.000000",
        "denominator": None,
        "lower_ci": None,
        "upper_ci": None,
        "note": "Typed in",
        "is_illustrative": False,
        "import_batch": None,
        "updated_at": held_state.updated_at.isoformat(),
    }
    assert all(
        change.previous is None
        for change in changes.values()
        if change.action == ImportChange.Action.CREATED
    )


def test_new_values_never_take_the_id_of_a_deleted_one(site, write_csv):
    period = PeriodFactory(code="2012/13")
    gone = ValueFactory(indicator=site["percentage"], area=site["preston"], period=period)
    gone_id = gone.pk
    gone.delete()

    report = import_values(source=write_csv([HEADER, row(value="11"), row("cpp-rate", value="3")]))

    assert report.figures_new == 2
    assert min(Value.objects.values_list("pk", flat=True)) > gone_id
    created = Value.objects.create(
        indicator=site["count"], area=site["burnley"], period=period, value=Decimal("1")
    )
    assert created.pk > max(report.batch.changes.values_list("value_id", flat=True))


def test_importing_again_changes_nothing_whatever_the_batches(site, write_csv, years, monkeypatch):
    rows = [
        row(area=code, period=year, value=f"{n}.{n % 7}", breakdown=breakdown)
        for n, (code, year, breakdown) in enumerate(
            (code, year, breakdown)
            for code in ("E07000123", "E07000117", "E10000017")
            for year in YEARS[:4]
            for breakdown in ("", "age: 1-4", "sex: Male")
        )
    ]
    path = write_csv([HEADER, *rows])
    first = import_values(source=path)
    state = sorted(stored(value) for value in Value.objects.all())
    stamps = dict(Value.objects.values_list("pk", "updated_at"))

    for batch_size in (1, 7, 5000):
        monkeypatch.setattr(services, "BATCH_SIZE", batch_size)
        again = import_values(source=path)
        assert (again.figures_new, again.figures_changed) == (0, 0)
        assert again.figures_unchanged == len(rows) == first.figures_new

    assert sorted(stored(value) for value in Value.objects.all()) == state
    assert dict(Value.objects.values_list("pk", "updated_at")) == stamps
    assert ImportChange.objects.count() == len(rows)


def test_values_can_be_changed_by_several_imports_in_one_transaction(site, write_csv, years):
    """PostgreSQL applies changes from a temporary table: it must be reusable within one
    transaction (here, the test's)."""
    codes = ["E07000123", "E07000117", "E10000017"]
    import_values(source=write_csv([HEADER, *[row(area=c, value="1") for c in codes]], "a.csv"))
    for figure in ("2", "3"):
        path = write_csv([HEADER, *[row(area=code, value=figure) for code in codes]], "b.csv")
        report = import_values(source=path)
        assert report.figures_changed == 3
        assert set(Value.objects.values_list("value", flat=True)) == {Decimal(figure)}


def test_existing_values_are_looked_up_once_per_batch(site, write_csv, years, monkeypatch):
    """One query per batch of figures (not per figure) finds the values already held, and
    none once the indicator is known to have had none."""
    ValueFactory(indicator=site["percentage"], area=site["england"], period=years["2008/09"])
    calls: list[int] = []
    writer_class = type(writer_for(0))
    original = writer_class._fetch

    def counting(self, cursor, keys, released, staged):
        calls.append(len(keys))
        return original(self, cursor, keys, released, staged)

    monkeypatch.setattr(writer_class, "_fetch", counting)
    monkeypatch.setattr(services, "BATCH_SIZE", 40)
    codes = ["E07000123", "E07000117", "E10000017", "E12000002"]
    rows = [row(area=code, period=year, value="1") for code in codes for year in YEARS]
    rows += [row("cpp-rate", area=code, period=year, value="1") for code in codes for year in YEARS]

    report = import_values(source=write_csv([HEADER, *rows]))

    assert report.figures_new == 128
    assert calls == [40, 24]  # re-referrals had a value; cpp-rate had none


# --- The model's own rules ------------------------------------------------------------------------


_AVAILABLE_EMPTY = "Enter the figure, or choose a status such as “Suppressed”."
_NEGATIVE = (
    "cannot be negative; tick “figures may be negative” on the indicator if it is a net change."
)


@pytest.mark.parametrize(
    ("unit", "data", "expected"),
    [
        (
            "percentage",
            {"value": Decimal("100.5")},
            {"value": "A percentage must be between 0 and 100."},
        ),
        (
            "percentage",
            {"value": Decimal("-1")},
            {"value": "A percentage must be between 0 and 100."},
        ),
        ("rate", {"value": Decimal("-0.1")}, {"value": f"A rate {_NEGATIVE}"}),
        ("count", {"value": Decimal("-3")}, {"value": f"A count {_NEGATIVE}"}),
        ("percentage", {"value": None}, {"value": _AVAILABLE_EMPTY}),
        (
            "percentage",
            {"value": Decimal("4"), "status": "suppressed"},
            {
                "value": "A suppressed (small numbers) value has no figure: leave it empty (it is "
                "never stored as zero)."
            },
        ),
        (
            "percentage",
            {"value": Decimal("4"), "count": Decimal("-1")},
            {"count": "The count cannot be negative."},
        ),
        (
            "rate",
            {"value": Decimal("4"), "denominator": Decimal("0")},
            {"denominator": "The denominator must be greater than zero."},
        ),
        (
            "percentage",
            {"value": Decimal("4"), "count": Decimal("9"), "denominator": Decimal("8")},
            {"count": "For a percentage the count cannot exceed the denominator."},
        ),
        (
            "percentage",
            {"value": Decimal("4"), "lower_ci": Decimal("5"), "upper_ci": Decimal("6")},
            {"lower_ci": "The lower confidence limit (5) cannot be above the value (4)."},
        ),
        (
            "percentage",
            {"value": Decimal("4"), "upper_ci": Decimal("3")},
            {"upper_ci": "The upper confidence limit (3) cannot be below the value (4)."},
        ),
        (
            "percentage",
            {
                "value": None,
                "status": "not_available",
                "lower_ci": Decimal("3"),
                "upper_ci": Decimal("2"),
            },
            {"lower_ci": "The lower confidence limit cannot be above the upper."},
        ),
        (
            "percentage",
            {"value": Decimal("4"), "lower_ci": Decimal("3"), "upper_ci": Decimal("5")},
            {},
        ),
        ("percentage", {"value": None, "status": "suppressed", "note": "c"}, {}),
    ],
)
def test_figures_are_held_to_the_models_own_rules(unit, data, expected):
    indicator = IndicatorFactory.build(pk=1, unit=unit, multiplier=1 if unit == "count" else 100)
    fields = {
        "status": "available",
        "count": None,
        "denominator": None,
        "lower_ci": None,
        "upper_ci": None,
        "note": "",
        "is_illustrative": False,
        **data,
    }
    figure = tuple(fields[name] for name in DATA_FIELDS)
    cleaned: dict[str, list[str]] = {}
    try:
        Value(indicator=indicator, **fields).clean()
    except ValidationError as error:
        cleaned = error.message_dict

    # The model's messages, and the importer's for a figure as a tuple in DATA_FIELDS's order.
    assert cleaned == {field: [message] for field, message in expected.items()}
    assert figure_errors(indicator, *figure[:6]) == expected


# --- Signals, errors ----------------------------------------------------------------------------


def test_an_applied_import_makes_the_public_pages_notice_once(site, write_csv, years):
    path = write_csv([HEADER, *[row(period=year, value="5") for year in YEARS]])
    before = current_version()

    import_values(source=path, dry_run=True)
    assert current_version() == before
    import_values(source=write_csv([HEADER, row(value="12..3")], "bad.csv"))
    assert current_version() == before
    import_values(source=path)
    assert current_version() == before + 1


def test_a_clash_while_writing_is_reported_and_changes_nothing(site, write_csv, monkeypatch):
    """If another import staged the same figure after it was looked up, the database refuses
    the insert and the import says what happened, whichever way the rows were sent; what it
    had already written, in earlier batches of their own, is taken back."""
    monkeypatch.setattr(services, "BATCH_SIZE", 1)
    period = PeriodFactory(code="2012/13")
    other = ImportBatch.objects.create(file_name="other.csv", release=ImportBatch.Release.STAGED)
    ValueFactory(
        indicator=site["percentage"],
        area=site["preston"],
        period=period,
        is_staged=True,
        import_batch=other,
    )
    writer_class = type(writer_for(0))
    original = writer_class.look_up

    def blind_to_staged(self, keys):
        released, _ = original(self, keys)
        return released, {}

    monkeypatch.setattr(writer_class, "look_up", blind_to_staged)

    report = import_values(
        source=write_csv([HEADER, row("cpp-rate", value="2"), row(value="11")]), stage=True
    )

    assert report.status == "rejected"
    assert "changed by someone else at the same time" in report.file_errors[0]
    assert list(Value.objects.values_list("import_batch_id", flat=True)) == [other.pk]
    assert not ImportChange.objects.exists()
    assert ImportBatch.objects.exclude(pk=other.pk).get().status == ImportBatch.Status.REJECTED


def test_a_conflict_in_a_later_batch_restores_a_value_changed_earlier(
    site, write_csv, small_batches
):
    period = PeriodFactory(code="2012/13")
    held = ValueFactory(
        indicator=site["percentage"], area=site["preston"], period=period, value=Decimal("10")
    )
    stamp = Value.objects.get(pk=held.pk).updated_at
    path = write_csv(
        [
            HEADER,
            row(value="11"),
            *[row(area=code, value="1") for code in ("E07000117", "E10000017", "E12000002")],
            row(value="12"),
        ]
    )

    report = import_values(source=path, apply_valid_rows=True)

    assert report.rows_rejected == 2
    assert [(error.row, error.column) for error in report.errors] == [(2, "value"), (6, "value")]
    assert (report.figures_new, report.figures_changed) == (3, 0)
    held.refresh_from_db()
    assert (held.value, held.import_batch_id, held.updated_at) == (Decimal("10"), None, stamp)
    assert not report.batch.changes.filter(value=held).exists()


# --- The same figure twice, batches apart ---------------------------------------------------------


@pytest.fixture(params=["filter", "table"])
def figures_met(request, monkeypatch):
    """With the filter as it is, and with a filter so small that it says "perhaps" for every
    figure, so that each is looked up in the table of figures met."""
    if request.param == "table":
        monkeypatch.setattr(services, "FILTER_BITS", (8, 8))
    return request.param


def test_repeats_and_conflicts_are_found_however_far_apart(
    site, write_csv, small_batches, figures_met, years
):
    period = years["2012/13"]
    ValueFactory(indicator=site["rate"], area=site["preston"], period=period, value=Decimal("3"))
    fillers = [row(area="E12000002", period=year, value="1") for year in YEARS[8:]]
    path = write_csv(
        [
            HEADER,
            row(value="11"),  # 2: new
            row("cpp-rate", value="3"),  # 3: unchanged
            row(area="E07000117", value="5", breakdown="age: 1-4"),  # 4: new
            *fillers,  # 5-12
            row(value="11.0"),  # 13: the same figure as row 2
            row("cpp-rate", value="4"),  # 14: conflicts with row 3, which was unchanged
            row(area="E07000117", value="6", breakdown="age: 1-4"),  # 15: conflicts with row 4
            row(area="E07000117", value="5", breakdown="age: 1-4"),  # 16: same as 4, too late
        ]
    )

    report = import_values(source=path, apply_valid_rows=True)

    assert report.figures_duplicate == 1
    assert [(error.row, error.message.split(",")[0]) for error in report.errors] == [
        (row_number, "The same indicator") for row_number in (3, 4, 14, 15, 16)
    ]
    assert "as row 4," in report.errors[-1].message
    assert (report.figures_new, report.figures_changed, report.figures_unchanged) == (
        1 + len(fillers),
        0,
        0,
    )
    assert report.figures_rejected == 5
    assert not Value.objects.filter(area=site["burnley"]).exists()
    assert Value.objects.get(indicator=site["rate"]).value == Decimal("3")


def test_a_file_given_twice_over_counts_each_figure_once(site, write_csv, figures_met, years):
    rows = [
        row(area=code, period=year, value="7")
        for code in ("E07000123", "E07000117")
        for year in YEARS
    ]

    report = import_values(source=write_csv([HEADER, *rows, *rows]))

    assert (report.figures_new, report.figures_duplicate) == (len(rows), len(rows))
    assert report.status == "applied"


# --- Memory and undo ------------------------------------------------------------------------------


def write_big_file(path: Path, indicators: list[str], areas: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n, slug in enumerate(indicators):
            for m, code in enumerate(areas):
                for year in YEARS:
                    figure = f"{(n * 7 + m * 3) % 90 + 5}.{m % 10}"
                    writer.writerow(row(slug, code, year, value=figure, count=m, denominator=500))
    return path


def peak_memory_of_import(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        report = import_values(source=path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.status == "applied", report.summary()
    return report.rows_read, peak


def test_memory_does_not_grow_with_the_rows_read(db, tmp_path, monkeypatch, years):
    """Rows are read, checked and written a batch at a time, and the figures met are kept in
    the database: four times as many rows take no more memory at their peak. (A row kept in
    memory would take a kilobyte or more: its cells, its figure, its decimals.)

    Both files have the same number of indicators (what an import keeps per indicator, its
    report's lines and the pages it marks changed, is not per row): the larger has four times
    the areas."""
    monkeypatch.setattr(services, "BATCH_SIZE", 500)
    areas = [f"E07{n:06d}" for n in range(250)]
    Area.objects.bulk_create(
        Area(code=code, name=f"District {code}", area_type="district", slug=code.lower())
        for code in areas
    )
    slugs = [IndicatorFactory(slug=f"bulk-{n}").slug for n in range(7)]
    small = write_big_file(tmp_path / "small.csv", slugs[:3], areas[:50])  # 2,400 rows
    large = write_big_file(tmp_path / "large.csv", slugs[3:6], areas[50:])  # 9,600 rows
    import_values(source=write_big_file(tmp_path / "warm.csv", [slugs[6]], areas[:2]))

    small_rows, small_peak = peak_memory_of_import(small)
    large_rows, large_peak = peak_memory_of_import(large)

    assert (small_rows, large_rows) == (2_400, 9_600)
    assert large_peak < 1.25 * small_peak, (small_peak, large_peak)
    growth_per_row = (large_peak - small_peak) / (large_rows - small_rows)
    assert growth_per_row < 20, f"{growth_per_row:.0f} bytes per row"


def test_a_bulk_import_can_be_undone(db, tmp_path, monkeypatch, years):
    monkeypatch.setattr(services, "BATCH_SIZE", 250)
    areas = [f"E07{n:06d}" for n in range(40)]
    Area.objects.bulk_create(
        Area(code=code, name=f"District {code}", area_type="district", slug=code.lower())
        for code in areas
    )
    slugs = [IndicatorFactory(slug=f"bulk-{n}").slug for n in range(3)]
    indicator = Indicator.objects.get(slug="bulk-0")
    area = Area.objects.get(code=areas[0])
    held = [
        ValueFactory(indicator=indicator, area=area, period=years[year], value=Decimal("1"))
        for year in YEARS
    ]
    before = sorted(
        Value.objects.values_list(
            "indicator__slug", "area__code", "period__code", "value", "import_batch", "updated_at"
        )
    )
    path = write_big_file(tmp_path / "bulk.csv", slugs, areas)

    report = import_values(source=path)
    assert (report.figures_new, report.figures_changed) == (1_920 - len(held), len(held))

    result = undo_import(report.batch)

    assert (result.deleted, result.restored) == (1_920 - len(held), len(held))
    after = sorted(
        Value.objects.values_list(
            "indicator__slug", "area__code", "period__code", "value", "import_batch", "updated_at"
        )
    )
    assert after == before
    again = import_values(source=path)
    assert (again.figures_new, again.figures_changed) == (1_920 - len(held), len(held))


def test_an_import_changes_go_with_the_indicator_area_or_period_they_name(site, write_csv, years):
    """The import's records name their figure's indicator, area, period and breakdown with no
    check of the database's own (it cost as much as writing them): Django deletes them with
    what they name, so none is ever left pointing at nothing. (A figure itself keeps its area,
    period and breakdown from being deleted: those figures go first here.)"""
    path = write_csv(
        [
            HEADER,
            *[row(period=year, value="5") for year in YEARS[:3]],
            *[
                row(indicator="cpp-count", area="E07000117", period=year, value="7")
                for year in YEARS[:3]
            ],
            row(indicator="cpp-rate", period=YEARS[5], breakdown="Sex: Female", value="9"),
        ]
    )
    report = import_values(source=path)
    assert report.applied and ImportChange.objects.count() == 7
    site["percentage"].delete()  # its figures go with it
    assert ImportChange.objects.count() == 4
    assert not ImportChange.objects.filter(indicator_id=site["percentage"].pk).exists()
    Value.objects.filter(area=site["burnley"], period=years[YEARS[0]]).delete()
    years[YEARS[0]].delete()
    assert ImportChange.objects.count() == 3
    Value.objects.filter(area=site["burnley"]).delete()
    site["burnley"].delete()
    assert ImportChange.objects.count() == 1
    change = ImportChange.objects.get()
    assert change.breakdown is not None
    Value.objects.all().delete()
    change.breakdown.delete()
    assert ImportChange.objects.count() == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's own setting (run in the PG phase)"
)
def test_batches_do_not_wait_for_the_disk_but_the_kept_import_does(
    transactional_db, site, write_csv, years, monkeypatch
):
    """On PostgreSQL each batch's transaction commits without waiting for the disk
    (``synchronous_commit`` off for that transaction alone): every batch turns it off, and
    nothing else does (the import's last transaction, which keeps it, is not a batch), so it
    is on again once the import is done."""
    monkeypatch.setattr(services, "BATCH_SIZE", 3)
    seen: list[tuple[str, str]] = []

    def watching(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith("SET LOCAL synchronous_commit"):
            with context["connection"].cursor() as cursor:
                cursor.execute("SHOW synchronous_commit")
                seen.append((sql, cursor.fetchone()[0]))
        return result

    rows = [row(area="E07000123", period=year, value="1") for year in YEARS[:7]]
    with connection.execute_wrapper(watching):
        report = import_values(source=write_csv([HEADER, *rows]), stage=True)

    assert report.figures_new == 7
    assert seen == [("SET LOCAL synchronous_commit TO OFF", "off")] * 3  # 3 + 3 + 1 figures
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    batch = ImportBatch.objects.get()
    assert batch.rows_added == 7
    assert Value.objects.filter(import_batch=batch, is_staged=True).count() == 7
