"""Undo: an import's figures go back to what they were, in one go, and only while nothing
has changed them since."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.importing import UndoRefused, import_values, undo_import
from indicators.models import Area, ImportBatch, Value
from tests.factories import PeriodFactory, ValueFactory

from .conftest import FINGERTIPS_HEADER, fingertips_row

pytestmark = pytest.mark.django_db

HEADER = ["indicator", "area_code", "period", "value", "note"]


def state():
    return sorted(
        Value.objects.values_list("area__code", "period__code", "value", "note", "import_batch")
    )


def test_undo_deletes_created_figures_and_restores_changed_ones(site, write_csv, django_user_model):
    officer = django_user_model.objects.create_user("officer")
    period = PeriodFactory(code="2012/13")
    kept = ValueFactory(
        indicator=site["percentage"],
        area=site["preston"],
        period=period,
        value=Decimal("10"),
        note="Hand typed",
    )
    before = state()
    path = write_csv(
        [
            HEADER,
            ["re-referrals", "E07000123", "2012/13", "11", ""],
            ["re-referrals", "E07000117", "2012/13", "12", ""],
        ]
    )
    report = import_values(source=path)
    assert (report.figures_new, report.figures_changed) == (1, 1)

    result = undo_import(report.batch, user=officer)

    assert state() == before
    kept.refresh_from_db()
    assert kept.updated_at is not None and kept.import_batch is None
    assert (result.deleted, result.restored) == (1, 1)
    batch = ImportBatch.objects.get(pk=report.batch.pk)
    assert (batch.status, batch.undone_by) == (ImportBatch.Status.UNDONE, officer)
    assert batch.undone_at is not None
    assert "1 figures it added were deleted and 1 it changed were restored" in result.summary()[0]
    with pytest.raises(UndoRefused, match="already been undone"):
        undo_import(batch)


def test_undo_refuses_when_a_later_import_changed_the_figures(site, write_csv):
    first = import_values(
        source=write_csv([HEADER, ["re-referrals", "E07000123", "2012/13", "11", ""]], "first.csv")
    )
    second = import_values(
        source=write_csv([HEADER, ["re-referrals", "E07000123", "2012/13", "12", ""]], "second.csv")
    )

    with pytest.raises(UndoRefused) as refused:
        undo_import(first.batch)

    message = str(refused.value)
    assert "The import of “first.csv” cannot be undone: 1 of the figures it set" in message
    assert "Later imports changed them: “second.csv”" in message
    assert "Undo those first, latest first." in message
    assert Value.objects.get().value == Decimal("12")

    # Undo the later one first: the earlier one can then be undone too.
    undo_import(second.batch)
    value = Value.objects.get()
    assert (value.value, value.import_batch) == (Decimal("11"), first.batch)
    undo_import(first.batch)
    assert not Value.objects.exists()


def test_undo_refuses_when_a_figure_was_edited_by_hand_since(site, write_csv):
    report = import_values(
        source=write_csv([HEADER, ["re-referrals", "E07000123", "2012/13", "11", ""]])
    )
    value = Value.objects.get()
    value.value = Decimal("13")
    value.save()

    with pytest.raises(UndoRefused, match="edited or deleted by hand"):
        undo_import(report.batch)
    assert Value.objects.get().value == Decimal("13")


def test_an_unchanged_reimport_does_not_block_undo_of_the_first(site, write_csv):
    path = write_csv([HEADER, ["re-referrals", "E07000123", "2012/13", "11", ""]])
    first = import_values(source=path)
    import_values(source=path)
    undo_import(first.batch)
    assert not Value.objects.exists()


def test_a_rejected_import_has_nothing_to_undo(site, write_csv):
    report = import_values(
        source=write_csv([HEADER, ["re-referrals", "E07000123", "2012/13", "x1", ""]])
    )
    with pytest.raises(UndoRefused, match="was rejected"):
        undo_import(report.batch)


def test_undo_removes_areas_the_import_added(site, write_csv):
    path = write_csv(
        [
            FINGERTIPS_HEADER,
            fingertips_row(
                Area_Code="E07000121", Area_Name="Lancaster", Parent_Code="E10000017", Value="4"
            ),
        ]
    )
    report = import_values(source=path, mappings={"90812": site["percentage"]}, add_areas=True)
    assert Area.objects.get(code="E07000121").parent == site["lancashire"]

    result = undo_import(report.batch)

    assert result.areas_removed == ["E07000121"]
    assert not Area.objects.filter(code="E07000121").exists()
