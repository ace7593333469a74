"""England's geography: the shipped ONS files loaded (`load_geography`), ONS lookups of any
year imported (`import_areas`), all or nothing, and officers' names kept.

Counts are checked against the shipped files themselves (indicators/geography/data), read
here with the csv module, not against numbers written into the tests."""

from __future__ import annotations

import csv
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from indicators.geography import DATA
from indicators.models import Area, AreaChange, AreaType, ChangeKind, ComparatorGroup
from tests.factories import AreaFactory, lancashire_areas

pytestmark = pytest.mark.django_db

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"
LANCASHIRE, NORTH_WEST, ENGLAND = "E10000017", "E12000002", "E92000001"
LANCASHIRE_DISTRICTS = [f"E07000{n}" for n in range(117, 129)]
PREFIX_TYPES = {
    "E92": AreaType.COUNTRY,
    "E12": AreaType.REGION,
    "E10": AreaType.COUNTY,
    "E06": AreaType.UNITARY,
    "E08": AreaType.UNITARY,
    "E09": AreaType.UNITARY,
    "E07": AreaType.DISTRICT,
}


def shipped(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot() -> list[tuple]:
    return list(
        Area.objects.order_by("code").values_list(
            "code", "name", "ons_name", "area_type", "parent__code", "is_current"
        )
    ) + [("changes", AreaChange.objects.count(), ComparatorGroup.objects.count())]


def refused(*files: Path) -> str:
    """Run import_areas on files that must be refused; what it wrote to stderr."""
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("import_areas", *map(str, files), stdout=StringIO(), stderr=err)
    return err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- load_geography -----------------------------------------------------------------------


def test_load_geography_loads_every_area_of_the_shipped_files_by_type():
    run("load_geography")

    areas = shipped("areas.csv")
    successors = shipped("successors.csv")
    ended = {
        row["old_code"]
        for row in successors
        if row["kind"] != ChangeKind.RENAMED and not row["note"].startswith("UNCONFIRMED")
    }
    named = {row["code"] for row in areas}
    new_codes = {row["new_code"] for row in successors} - named
    # Every area of the list, by type; the types from the codes' prefixes.
    expected = Counter(PREFIX_TYPES[row["code"][:3]] for row in areas)
    held = Counter(Area.objects.filter(code__in=named).values_list("area_type", flat=True))
    assert held == expected
    # The 296 districts and unitary authorities of April 2023 (as the file's counts).
    lads = [row for row in areas if row["code"][:3] in ("E06", "E07", "E08", "E09")]
    assert Area.objects.filter(code__in=[r["code"] for r in lads]).count() == len(lads) == 296
    # The groupings, each with its members, and no member under a grouping.
    groupings = shipped("statistical-groupings.csv")
    assert Area.objects.filter(area_type=AreaType.GROUPING).count() == len(
        {row["code"] for row in groupings}
    )
    for row in groupings:
        member = Area.objects.get(code=row["member_code"])
        assert member.groupings.filter(code=row["code"]).exists()
        assert member.parent.area_type == AreaType.REGION
    assert not Area.objects.filter(parent__area_type=AreaType.GROUPING).exists()
    # The successor table, every line; the areas it ends are former areas, and only they.
    assert AreaChange.objects.count() == len(successors)
    assert set(Area.objects.filter(is_current=False).values_list("code", flat=True)) == ended
    # Areas the list does not have: the former ones, and the 2025 codes.
    assert set(Area.objects.exclude(code__in=named).values_list("code", flat=True)) == (
        ended - named
    ) | (new_codes - ended) | {row["code"] for row in groupings}
    # Every current district or unitary authority: the list's, with 2025's recodes applied.
    current_lads = set(
        Area.objects.current()
        .filter(area_type__in=[AreaType.UNITARY, AreaType.DISTRICT])
        .values_list("code", flat=True)
    )
    assert len(current_lads) == 296
    assert current_lads == ({r["code"] for r in lads} - ended) | (new_codes - ended)


def test_lancashire_nests_district_county_region_england():
    run("load_geography")

    for code in LANCASHIRE_DISTRICTS:
        district = Area.objects.get(code=code)
        assert district.area_type == AreaType.DISTRICT
        assert [a.code for a in district.ancestors()] == [LANCASHIRE, NORTH_WEST, ENGLAND]
    assert Area.objects.get(code=LANCASHIRE).children.count() == 12
    for code in ("E06000008", "E06000009"):  # Blackburn with Darwen, Blackpool
        assert [a.code for a in Area.objects.get(code=code).ancestors()] == [NORTH_WEST, ENGLAND]
    assert Area.objects.get(code="E06000010").name == "Kingston upon Hull, City of"


def test_load_geography_again_changes_nothing_and_says_so():
    run("load_geography")
    before = snapshot()

    text = run("load_geography")

    assert "Nothing to change" in text
    assert "Added" not in text
    assert snapshot() == before


def test_an_officers_name_is_kept_and_reported_unless_asked_to_use_onss():
    run("load_geography")
    Area.objects.filter(code="E07000123").update(name="Preston City")
    lancashire = Area.objects.get(code=LANCASHIRE)
    lancashire.name = "Lancashire-12 (Lancashire County Council)"
    lancashire.save()

    text = run("load_geography")

    assert Area.objects.get(code="E07000123").name == "Preston City"
    assert Area.objects.get(code=LANCASHIRE).name.startswith("Lancashire-12")
    assert "Kept the name “Preston City” given to E07000123 on this site; ONS calls it " in text
    assert "Nothing to change" in text

    text = run("load_geography", "--use-ons-names")

    assert "Renamed E07000123 “Preston City” to “Preston”." in text
    assert Area.objects.get(code="E07000123").name == "Preston"


def test_a_name_only_a_file_gave_takes_onss_and_a_renaming_by_ons_is_followed():
    # Areas first made by figure imports, before the geography was loaded.
    AreaFactory(code=ENGLAND, name="ENGLAND", area_type="country")
    AreaFactory(code=NORTH_WEST, name="NORTH WEST region (statistical)", area_type="region")
    AreaFactory(code="E07000112", name="Shepway", area_type="district")

    text = run("load_geography")

    assert Area.objects.get(code=NORTH_WEST).name == "North West"
    assert Area.objects.get(code=ENGLAND).name == "England"
    assert "Renamed E12000002 “NORTH WEST region (statistical)” to “North West”." in text
    # Shepway was renamed Folkestone and Hythe in 2018: not an officer's name, ONS's old one.
    assert "Kept the name “Shepway”" in text  # a name that is not another spelling: kept…
    shepway = Area.objects.get(code="E07000112")
    assert shepway.ons_name == "Folkestone and Hythe"
    # …but once ONS's name is known, a later ONS renaming is followed.
    Area.objects.filter(code="E07000112").update(name="Folkestone and Hythe")
    Area.objects.filter(code="E07000112").update(ons_name="Folkestone and Hythe")
    assert "E07000112" not in run("load_geography")


def test_former_areas_keep_their_place_and_point_to_what_replaced_them():
    run("load_geography")

    allerdale = Area.objects.get(code="E07000026")
    assert not allerdale.is_current
    assert allerdale.parent.code == "E10000006"  # Cumbria, itself former
    assert not allerdale.parent.is_current
    assert allerdale.parent.parent.code == NORTH_WEST
    cumberland = Area.objects.get(code="E06000063")
    assert cumberland.is_current
    assert {c.old_area.code for c in cumberland.predecessions.all()} == {
        "E07000026",
        "E07000028",
        "E07000029",
        "E10000006",
    }
    gateshead = AreaChange.objects.get(old_area__code="E08000020")
    assert (gateshead.kind, gateshead.new_area.code, gateshead.when) == (
        "recoded",
        "E08000037",
        "1 April 2013",
    )
    # 2025: Barnsley recoded; its new code current, in the same region and grouping.
    barnsley = Area.objects.get(code="E08000038")
    assert barnsley.is_current and barnsley.parent.code == "E12000003"
    assert list(barnsley.groupings.values_list("code", flat=True)) == ["E11000003"]
    assert AreaChange.objects.get(new_area=barnsley).when == "2025"
    # A renaming the sources disagree about is recorded, not applied.
    tewkesbury = Area.objects.get(code="E07000083")
    assert tewkesbury.name == "Tewkesbury" and tewkesbury.is_current
    assert not AreaChange.objects.get(old_area=tewkesbury).confirmed


# --- import_areas: ONS lookups ------------------------------------------------------------


def test_an_ons_lookup_builds_the_hierarchy_and_keeps_groupings_out_of_it():
    text = run("import_areas", str(REAL / "ons_lad_cty_rgn_lookup.csv"))

    assert "ONS lookup, 15 rows" in text
    for code in LANCASHIRE_DISTRICTS:
        assert Area.objects.get(code=code).parent.code == LANCASHIRE
    assert Area.objects.get(code=LANCASHIRE).parent.code == NORTH_WEST
    manchester = Area.objects.get(code="E08000003")
    assert manchester.parent.code == NORTH_WEST
    assert manchester.area_type == AreaType.UNITARY
    assert list(manchester.groupings.values_list("code", flat=True)) == ["E11000001"]
    greater_manchester = Area.objects.get(code="E11000001")
    assert (greater_manchester.area_type, greater_manchester.parent) == (AreaType.GROUPING, None)
    assert Area.objects.get(code="E09000007").parent.code == "E12000007"


def test_lookups_of_other_years_and_column_orders_agree_with_the_shipped_geography():
    run("load_geography")
    before = snapshot()

    text = run(
        "import_areas",
        str(REAL / "ons_lad18_cty18_lookup.csv"),
        str(REAL / "ons_lad21_cty21_lookup.csv"),
        str(REAL / "ons_lad_rgn_lookup.csv"),
    )

    assert "Nothing to change" in text
    assert snapshot() == before  # Aylesbury Vale and Allerdale stay former areas
    assert not Area.objects.get(code="E07000004").is_current


def test_a_re_parenting_is_previewed_then_applied():
    areas = lancashire_areas()  # Burnley and others under Lancashire-12 (E10000017)
    burnley = areas["E07000117"]
    burnley.parent = areas[NORTH_WEST]  # as a figure import once left it
    burnley.save()
    before = snapshot()

    preview = run("import_areas", "--dry-run", str(REAL / "ons_lad_cty_rgn_lookup.csv"))

    assert snapshot() == before
    assert "Would move Burnley (E07000117) from North West (E12000002) to " in preview
    assert "Dry run: nothing was changed." in preview

    done = run("import_areas", str(REAL / "ons_lad_cty_rgn_lookup.csv"))

    assert "Moved Burnley (E07000117) from North West (E12000002) to " in done
    assert Area.objects.get(code="E07000117").parent.code == LANCASHIRE
    # The file's name for Lancashire is ONS's; the demo's “Lancashire-12” is kept.
    assert Area.objects.get(code=LANCASHIRE).short_name == "Lancashire-12"


def test_a_district_to_region_lookup_keeps_a_districts_county(tmp_path):
    run("load_geography")
    before = snapshot()
    lookup = write(tmp_path, "lad_rgn.csv", "LAD22CD,LAD22NM,RGN22CD,RGN22NM\n")
    lookup.write_text(lookup.read_text() + "E07000117,Burnley,E12000002,North West\n")

    assert "Nothing to change" in run("import_areas", str(lookup))
    assert snapshot() == before

    lookup.write_text("LAD22CD,LAD22NM,RGN22CD,RGN22NM\nE07000117,Burnley,E12000003,Yorkshire\n")
    err = refused(lookup)
    assert "Burnley (E07000117) is in Lancashire (E10000017) on this site" in err
    assert snapshot() == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            # Missing parent: a non-metropolitan district with no county.
            "LAD23CD,LAD23NM,CTY23CD,CTY23NM,RGN23CD,RGN23NM\n"
            "E07000117,Burnley,E10000017,Lancashire,E12000002,North West\n"
            "E07000118,Chorley,,,E12000002,North West\n",
            "Row 3, CTY23CD: E07000118 is a non-metropolitan district, which is always in a "
            "county, but its CTY23CD is empty: the parent is missing.",
        ),
        (
            # Missing parent: named by code only, and not on the site.
            "LAD23CD,LAD23NM,CTY23CD\nE07000117,Burnley,E10000099\n",
            "Row 2, CTY23CD: Burnley (E07000117) is in E10000099, which is neither on this "
            "site nor named in the file: the parent is missing.",
        ),
        (
            # A county's code in the district column.
            "LAD23CD,LAD23NM,RGN23CD,RGN23NM\n"
            "E06000008,Blackburn with Darwen,E12000002,North West\n"
            "E10000017,Lancashire,E12000002,North West\n",
            "Row 3, LAD23CD: E10000017 is a county's code, but a LAD23CD column holds district "
            "and unitary authority codes (E06, E07, E08, E09): the code or the column is wrong.",
        ),
        (
            # One code, two names.
            "LAD23CD,LAD23NM,RGN23CD,RGN23NM\n"
            "E06000009,Blackpool,E12000002,North West\n"
            "E06000009,Blackburn with Darwen,E12000002,North West\n",
            "Row 3, LAD23NM: E06000009 is called “Blackburn with Darwen” here and “Blackpool” "
            "on row 2: one code cannot be two areas",
        ),
        (
            "LAD23CD,LAD23NM,RGN23CD,RGN23NM\nE06000009,Blackpool,E1200002,North West\n",
            "Row 2, RGN23CD: “E1200002” is not an ONS GSS code",
        ),
    ],
)
def test_a_bad_lookup_is_refused_row_by_row_with_nothing_changed(tmp_path, text, message):
    run("load_geography")
    Area.objects.filter(code="E07000117").update(parent=None)  # something a good file would fix
    before = snapshot()
    good = REAL / "ons_lad_cty_rgn_lookup.csv"

    err = refused(good, write(tmp_path, "bad.csv", text))

    assert message in err
    assert snapshot() == before


def test_a_file_of_no_known_kind_is_refused_saying_what_was_expected(tmp_path):
    err = refused(write(tmp_path, "x.csv", "Area,Value\nE07000117,3\n"))
    assert "This is not a geography file this site reads" in err
    assert "The header was: Area, Value." in err


# --- import_areas: successor tables and comparator groups -----------------------------------


def test_a_successor_table_is_importable_and_checked(tmp_path):
    run("import_areas", str(DATA / "areas.csv"))
    assert not AreaChange.objects.exists()
    table = write(
        tmp_path,
        "changes.csv",
        "old_code,old_name,new_code,new_name,date,kind\n"
        "E08000020,Gateshead,E08000037,Gateshead,2013-04-01,recoded\n"
        "E07000026,Allerdale,E06000063,Cumberland,2023-04-01,merged\n",
    )

    text = run("import_areas", str(table))

    assert "Added 2 areas" in text and "Recorded 2 boundary and code changes" in text
    assert not Area.objects.get(code="E08000020").is_current
    assert Area.objects.get(code="E08000020").parent.code == "E12000001"  # as Gateshead's now
    assert Area.objects.get(code="E07000026").parent.code == "E12000002"  # Cumbria unknown here

    bad = write(
        tmp_path,
        "bad.csv",
        "old_code,new_code,date,kind\n"
        "E08000020,E08000037,2013-04-01,moved\n"
        "E07000026,E07000026,2023-04-01,merged\n"
        "E07000028,E06000063,1 April 2023,merged\n",
    )
    err = refused(bad)
    assert "Row 2, kind: “moved” is not a kind of change" in err
    assert "Row 3, new_code: A change of kind “merged” gives the area a new code" in err
    assert "Row 4, date: “1 April 2023” is not a date" in err


def test_comparator_groups_are_imported_and_updated_all_or_nothing(tmp_path):
    lancashire_areas()
    group_file = write(
        tmp_path,
        "neighbours.csv",
        "group,member_code,area_code,members_called\n"
        "Lancashire's statistical neighbours,E06000008,E10000017,statistical neighbours\n"
        "Lancashire's statistical neighbours,E06000009,E10000017,statistical neighbours\n",
    )

    text = run("import_areas", str(group_file))

    group = ComparatorGroup.objects.get(name="Lancashire's statistical neighbours")
    assert set(group.members.values_list("code", flat=True)) == {"E06000008", "E06000009"}
    assert list(group.areas.values_list("code", flat=True)) == [LANCASHIRE]
    assert group.noun == "statistical neighbours"
    assert "Added the comparator group “Lancashire's statistical neighbours” with 2 members" in (
        text
    )

    group_file.write_text(
        "group,member_code\nLancashire's statistical neighbours,E06000008\n"
        "Lancashire's statistical neighbours,E12000002\n"
    )
    text = run("import_areas", str(group_file))
    assert "North West joined; Blackpool left" in text
    assert set(group.members.values_list("code", flat=True)) == {"E06000008", "E12000002"}

    before = snapshot()
    group_file.write_text("group,member_code\nLancashire's statistical neighbours,E06000999\n")
    err = refused(group_file)
    assert "E06000999, in the group “Lancashire's statistical neighbours”, is not an area" in err
    assert snapshot() == before
    assert group.members.count() == 2


def test_after_the_start_commands_loads_the_areas_page_lists_every_local_authority(client):
    """What `scripts/dev.py start` runs: load_geography, then the demo, whose name for
    Lancashire (“Lancashire-12”) is kept."""
    run("load_geography")
    call_command("load_demo", stdout=StringIO())
    run("load_geography")

    html = client.get("/data/areas/").content.decode()

    lads = Area.objects.current().filter(area_type__in=[AreaType.UNITARY, AreaType.DISTRICT])
    assert lads.count() == 296
    for area in lads:
        assert f'href="{area.get_absolute_url()}"' in html, area
    assert "Lancashire-12" in html
