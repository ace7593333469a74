"""The successor table in the figure importer, on a site that holds England's geography.

sfr_wide.csv (tests/fixtures/real/MANIFEST.md, file 4) is DfE's SFR36/2013 underlying data:
line 15 gives Northumberland its code before 1 April 2013, E06000048, which ONS recoded
E06000057 (same area, same name); line 14 gives Cumbria, E10000006, divided on 1 April 2023
between Cumberland and Westmorland and Furness. The recoding is applied, saying so; the split
is not: Cumbria's figure stays Cumbria's, and nothing is given to its successors."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from indicators.importing import import_values
from indicators.models import Value
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db

SFR = Path(__file__).resolve().parents[2] / "fixtures" / "real" / "sfr_wide.csv"
NORTHUMBERLAND_OLD, NORTHUMBERLAND = "E06000048", "E06000057"
CUMBRIA, CUMBERLAND, WESTMORLAND = "E10000006", "E06000063", "E06000064"
OTHER_MEASURES = ("CLA_Rate2013", "CLA_InBound", "CLA_Outbound", "CLA_ExtPl", "CLA_NetGain")


@pytest.fixture
def looked_after(db):
    call_command("load_geography", stdout=StringIO())
    return IndicatorFactory(
        slug="cla-count", name="Children looked after", unit="count", multiplier=1
    )


def sfr_import(indicator, **options):
    return import_values(
        source=SFR,
        mappings={"CLA_Mar2013": indicator} | dict.fromkeys(OTHER_MEASURES),
        period="2013-03-31",
        **options,
    )


def test_a_recoding_is_applied_and_a_split_is_not(looked_after):
    report = sfr_import(looked_after)

    assert report.status == "applied", report.summary()
    held = dict(Value.objects.values_list("area__code", "value"))
    assert held[NORTHUMBERLAND] == Decimal("316")
    assert NORTHUMBERLAND_OLD not in held
    assert held[CUMBRIA] == Decimal("629")  # on the former area, kept as it was published
    assert CUMBERLAND not in held and WESTMORLAND not in held
    assert (
        "1 row used E06000048, Northumberland's code until 1 April 2013, when it was recoded "
        "E06000057: read as E06000057 (Northumberland), as the successor table records."
    ) in report.warnings
    (former,) = [w for w in report.warnings if w.startswith("Rows for areas that have been")]
    assert former == (
        "Rows for areas that have been replaced since: Cumbria (E10000006), divided between "
        "Cumberland (E06000063) and Westmorland and Furness (E06000064) on 1 April 2023 (1 "
        "row). Their figures are kept on those former areas, not given to the areas that "
        "replaced them."
    )
    # Every area of the file is now on the site: none skipped, Inner and Outer London kept
    # under their groupings.
    assert report.rows_area_skipped == 0
    assert held["E13000001"] == Decimal("4440") and held["E13000002"] == Decimal("5650")


def test_the_preview_says_so_before_anything_is_saved(looked_after):
    out = StringIO()
    call_command(
        "import_values",
        str(SFR),
        "--dry-run",
        *("--period", "2013-03-31", "--map", "CLA_Mar2013=cla-count"),
        *(arg for column in OTHER_MEASURES for arg in ("--map", f"{column}=-")),
        stdout=out,
        stderr=StringIO(),
    )

    text = out.getvalue()
    assert "read as E06000057 (Northumberland), as the successor table records" in text
    assert "Cumbria (E10000006), divided between Cumberland (E06000063)" in text
    assert not Value.objects.exists()


def test_an_alias_that_gives_a_split_areas_figures_to_a_successor_is_refused(looked_after):
    report = sfr_import(looked_after, area_aliases={CUMBRIA: CUMBERLAND}, dry_run=True)

    assert report.rejected
    assert report.file_errors == [
        "The alias E10000006=E06000063 would put the figures for Cumbria (E10000006) on "
        "Cumberland (E06000063), but E10000006 was divided between Cumberland (E06000063) and "
        "Westmorland and Furness (E06000064) on 1 April 2023: an area's figures are never given "
        "to the area that replaced it. Its figures are kept on Cumbria as a former area, whose "
        "page links to what replaced it: leave the alias out."
    ]


def test_an_alias_is_held_to_the_recodings_of_the_successor_table(looked_after):
    wrong = sfr_import(looked_after, area_aliases={NORTHUMBERLAND_OLD: "E06000009"}, dry_run=True)

    assert wrong.rejected
    assert wrong.file_errors == [
        "The alias E06000048=E06000009 reads E06000048 as Blackpool (E06000009), but E06000048 "
        "was Northumberland's code until 1 April 2013, when it was recoded E06000057, and that "
        "recoding is applied without an alias. Leave the alias out, or check the codes."
    ]

    # The alias the table agrees with is accepted without a question (the old code is a
    # former area of the site, which would otherwise need confirming).
    right = sfr_import(looked_after, area_aliases={NORTHUMBERLAND_OLD: NORTHUMBERLAND})

    assert right.status == "applied", right.summary()
    assert not right.questions and not right.file_errors
    assert Value.objects.get(area__code=NORTHUMBERLAND).value == Decimal("316")
