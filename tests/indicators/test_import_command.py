"""python manage.py import_values: the same validation and report, a non-zero exit for a
rejected file, and --dry-run."""

from __future__ import annotations

import csv
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from indicators.models import ImportBatch, SourceMapping, Value
from tests.factories import AreaFactory, IndicatorFactory

pytestmark = pytest.mark.django_db

HEADER = ["indicator", "area_code", "period", "value"]


@pytest.fixture
def preston(db):
    return AreaFactory(code="E07000123", name="Preston")


@pytest.fixture
def indicator(db):
    return IndicatorFactory(slug="re-referrals")


def write(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_values", *[str(arg) for arg in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_is_imported_and_reported(tmp_path, preston, indicator, django_user_model):
    django_user_model.objects.create_user("officer")
    path = write(tmp_path / "figures.csv", [HEADER, ["re-referrals", "E07000123", "2012/13", "11"]])

    out, _ = run(path, "--user", "officer")

    assert "figures.csv: the JSNA import template, CSV (UTF-8)." in out
    assert "Read 1 row (the JSNA import template): 1 new figure, 0 changed, 0 unchanged." in out
    batch = ImportBatch.objects.get()
    assert f"Recorded as import #{batch.pk}." in out
    assert batch.imported_by.username == "officer"
    assert Value.objects.get().value == Decimal("11")


def test_a_rejected_file_exits_non_zero_and_changes_nothing(tmp_path, preston, indicator):
    path = write(
        tmp_path / "bad.csv",
        [
            HEADER,
            ["re-referrals", "E07000123", "2012/13", "11"],
            ["re-referrals", "E07000123", "2013/14", "12..3"],
        ],
    )
    out = StringIO()

    with pytest.raises(CommandError, match="“bad.csv” was rejected: nothing was changed"):
        call_command("import_values", str(path), stdout=out, stderr=StringIO())

    text = out.getvalue()
    assert "1 row has problems, so nothing was changed." in text
    assert "Row 3, value: “12..3” is not a number" in text
    assert not Value.objects.exists()


def test_a_file_that_is_not_a_table_exits_non_zero(tmp_path, db):
    path = tmp_path / "chart.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_values", str(path), stdout=out, stderr=StringIO())
    assert "is a PNG image" in out.getvalue()


def test_dry_run_reports_and_saves_nothing(tmp_path, preston, indicator):
    path = write(tmp_path / "figures.csv", [HEADER, ["re-referrals", "E07000123", "2012/13", "11"]])

    out, _ = run(path, "--dry-run", "--verbosity", "2")

    assert "Dry run: nothing was saved." in out
    assert "Row 2: " in out and "new, 11.0%" in out
    assert not Value.objects.exists()
    assert not ImportBatch.objects.exists()


def test_map_applies_and_remembers_a_fingertips_mapping(tmp_path, preston, indicator):
    path = write(
        tmp_path / "fingertips.csv",
        [
            [
                "Indicator ID",
                "Indicator Name",
                "Area Code",
                "Area Name",
                "Sex",
                "Age",
                "Time period",
                "Value",
            ],
            [
                "90812",
                "Re-referrals",
                "E07000123",
                "Preston",
                "Persons",
                "<18 yrs",
                "2012/13",
                "21.4",
            ],
            ["93000", "Admissions", "E07000123", "Preston", "Persons", "All ages", "2012/13", "5"],
        ],
    )

    out, _ = run(path, "--map", "90812=re-referrals")

    assert "93000 “Admissions” (1 row)" in out
    assert "--map 93000=INDICATOR_SLUG" in out
    assert Value.objects.get().indicator == indicator
    assert SourceMapping.objects.get().key == "90812"


def test_an_unknown_slug_in_map_is_an_error_before_anything_is_read(tmp_path, indicator):
    path = write(tmp_path / "f.csv", [HEADER])
    with pytest.raises(CommandError, match="There is no indicator “nope” on this site"):
        run(path, "--map", "90812=nope")
    with pytest.raises(CommandError, match="Write --map as SOURCE_KEY=INDICATOR_SLUG"):
        run(path, "--map", "90812")


def test_an_unknown_user_or_file_is_an_error(tmp_path, db):
    with pytest.raises(CommandError, match="There is no file"):
        run(tmp_path / "missing.csv")
    path = write(tmp_path / "f.csv", [HEADER])
    with pytest.raises(CommandError, match="There is no user “nobody”"):
        run(path, "--user", "nobody")


def test_progress_is_written_to_stderr(tmp_path, preston, indicator, monkeypatch):
    from indicators.importing import services
    from indicators.management.commands import import_values as command

    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(command, "PROGRESS_EVERY", 4)
    rows = [
        ["re-referrals", "E07000123", f"{year}/{(year + 1) % 100:02d}", "11"]
        for year in range(2000, 2009)
    ]
    path = write(tmp_path / "figures.csv", [HEADER, *rows])

    _, err = run(path)

    assert err.splitlines() == ["  … 4 rows read", "  … 8 rows read"]


def test_aliases_and_add_areas_are_passed_on(tmp_path, preston, indicator):
    path = write(
        tmp_path / "figures.csv",
        [
            ["indicator", "area_code", "area_name", "area_type", "period", "value"],
            ["re-referrals", "E07000999", "Old Preston", "district", "2012/13", "11"],
            ["re-referrals", "E07000120", "Hyndburn", "district", "2012/13", "12"],
        ],
    )
    # “Old Preston” is not Preston's name: the alias is confirmed.
    out, _ = run(path, "--confirm-alias", "e07000999=e07000123", "--add-areas")
    assert "1 area was added from the file's codes and names: E07000120." in out
    assert "1 row used the code E07000999, read as E07000123 (Preston)." in out
    assert set(Value.objects.values_list("area__code", flat=True)) == {"E07000123", "E07000120"}
