"""Imports and their undoing are logged: one event per import, whatever its size."""

import csv
from pathlib import Path

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from indicators.importing import import_values, undo_import
from tests.factories import AreaFactory, IndicatorFactory

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
HEADER = ["indicator", "area_code", "period", "value", "note"]


@pytest.fixture
def officer(django_user_model):
    return django_user_model.objects.create_user("officer")


@pytest.fixture
def write_csv(tmp_path: Path, db):
    AreaFactory(code="E07000123", name="Preston")
    AreaFactory(code="E07000117", name="Burnley")
    IndicatorFactory(slug="re-referrals", name="Re-referrals")

    def write(rows: list[list[str]], name: str = "figures.csv") -> Path:
        path = tmp_path / name
        with path.open("w", newline="") as file:
            csv.writer(file).writerows([HEADER, *rows])
        return path

    return write


def test_an_import_and_its_undo_are_logged(write_csv, officer, events):
    first = import_values(
        source=write_csv(
            [
                ["re-referrals", "E07000123", "2012/13", "11", ""],
                ["re-referrals", "E07000117", "2012/13", "12", ""],
                ["re-referrals", "E07000117", "2013/14", "13", ""],
            ]
        ),
        user=officer,
    )
    second = import_values(
        source=write_csv(
            [
                ["re-referrals", "E07000123", "2012/13", "11", ""],  # unchanged
                ["re-referrals", "E07000117", "2012/13", "15", ""],  # changed
            ],
            name="corrected.csv",
        ),
        user=officer,
    )
    assert first.applied and second.applied

    imports = events(Action.IMPORT)
    assert len(imports) == 2  # one each, not one per row
    assert [e.detail for e in imports] == [
        "File “figures.csv”: 3 new, 0 changed, 0 unchanged, 0 rejected; released at once.",
        "File “corrected.csv”: 0 new, 1 changed, 1 unchanged, 0 rejected; released at once.",
    ]
    event = imports[1]
    assert (event.actor, event.actor_name) == (officer, "officer")
    assert event.target == f"Import batch: {second.batch}"
    batch_url = reverse("admin:indicators_importbatch_change", args=[second.batch.pk])
    assert event.target_url == batch_url

    undo_import(second.batch, user=officer)

    [undone] = events(Action.IMPORT_UNDONE)
    assert (undone.actor, undone.target) == (officer, f"Import batch: {second.batch}")
    assert undone.detail == (
        "File “corrected.csv”: 0 figures it added deleted, 1 it changed restored."
    )


def test_a_preview_or_a_rejected_file_is_not_logged_as_an_import(write_csv, officer, events):
    path = write_csv([["re-referrals", "E07000123", "2012/13", "11", ""]])
    preview = import_values(source=path, user=officer, dry_run=True)
    rejected = import_values(
        source=write_csv([["re-referrals", "E07000123", "2012/13", "not a number", ""]], "bad.csv"),
        user=officer,
    )

    assert not preview.applied and not rejected.applied and rejected.rows_rejected == 1
    assert events(Action.IMPORT) == []


def test_an_import_by_a_command_has_no_actor(write_csv, events):
    import_values(source=write_csv([["re-referrals", "E07000123", "2012/13", "11", ""]]))

    [event] = events(Action.IMPORT)
    assert (event.actor, event.actor_name, event.ip_address) == (None, "", None)
