"""Area pages for every area of the geography: former areas and what replaced them, what an
area replaced, statistical groupings and their members, and the list of all areas."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from indicators.models import Area, AreaChange, ChangeKind
from tests.factories import (
    CHORLEY,
    NORTH_WEST,
    PRESTON,
    AreaFactory,
    IndicatorFactory,
    PeriodFactory,
    ValueFactory,
    lancashire_areas,
)

pytestmark = pytest.mark.django_db

APRIL_2023 = datetime.date(2023, 4, 1)
OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

# Test data, shaped like ONS's: Cumbria's districts merged into Cumberland and Westmorland and
# Furness on 1 April 2023 and the county divided between them; Gateshead recoded in 2013.
# (code, name, area type, parent's code, current)
GEOGRAPHY = [
    ("E12000001", "North East", "region", "E92000001", True),
    ("E10000006", "Cumbria", "county", NORTH_WEST, False),
    ("E07000026", "Allerdale", "district", "E10000006", False),
    ("E07000027", "Barrow-in-Furness", "district", "E10000006", False),
    ("E07000028", "Carlisle", "district", "E10000006", False),
    ("E07000029", "Copeland", "district", "E10000006", False),
    ("E06000063", "Cumberland", "unitary", NORTH_WEST, True),
    ("E06000064", "Westmorland and Furness", "unitary", NORTH_WEST, True),
    ("E08000003", "Manchester", "unitary", NORTH_WEST, True),
    ("E08000020", "Gateshead", "unitary", "E12000001", False),
    ("E08000037", "Gateshead", "unitary", "E12000001", True),
    ("E11000001", "Greater Manchester", "grouping", None, True),
    ("E11000007", "Tyne and Wear", "grouping", None, True),
    ("E07000112", "Folkestone and Hythe", "district", None, True),
    ("E07000083", "Tewkesbury", "district", None, True),
]
GROUPINGS = {"E08000003": "E11000001", "E08000020": "E11000007", "E08000037": "E11000007"}


def change(old: str, new: str, kind: str, *, year=2023, date=APRIL_2023, **extra) -> AreaChange:
    old_area, new_area = Area.objects.get(code=old), Area.objects.get(code=new)
    return AreaChange.objects.create(
        old_area=old_area,
        new_area=new_area,
        old_name=extra.pop("old_name", old_area.name),
        new_name=extra.pop("new_name", new_area.name),
        kind=kind,
        year=year,
        date=date,
        **extra,
    )


@pytest.fixture
def geography():
    """The small Lancashire, and the areas and changes of GEOGRAPHY, by code."""
    areas = lancashire_areas()
    for code, name, area_type, parent, current in GEOGRAPHY:
        areas[code] = AreaFactory(
            code=code,
            name=name,
            area_type=area_type,
            parent=areas[parent] if parent else None,
            is_current=current,
        )
    for member, grouping in GROUPINGS.items():
        areas[member].groupings.add(areas[grouping])
    for district in ("E07000026", "E07000028", "E07000029"):
        change(district, "E06000063", ChangeKind.MERGED)
    change("E07000027", "E06000064", ChangeKind.MERGED)
    change("E10000006", "E06000063", ChangeKind.SPLIT)
    change("E10000006", "E06000064", ChangeKind.SPLIT)
    change("E08000020", "E08000037", ChangeKind.RECODED, year=2013, date=datetime.date(2013, 4, 1))
    change(
        "E07000112",
        "E07000112",
        ChangeKind.RENAMED,
        old_name="Shepway",
        year=2018,
        date=datetime.date(2018, 4, 1),
    )
    # Reported, not confirmed: never shown as fact.
    change(
        "E07000083",
        "E07000083",
        ChangeKind.RENAMED,
        new_name="North Gloucestershire",
        year=2025,
        date=None,
        confirmed=False,
    )
    return areas


def page(client, code: str) -> str:
    response = client.get(Area.objects.get(code=code).get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def link(code: str, text: str) -> str:
    return f'<a href="{Area.objects.get(code=code).get_absolute_url()}">{text}</a>'


def text(html: str) -> str:
    """The page's words, without tags, on one line."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


# --- a former area ---------------------------------------------------------------------------


def test_a_former_area_says_what_replaced_it_and_keeps_its_figures(geography, client):
    allerdale = geography["E07000026"]
    ValueFactory(
        indicator=IndicatorFactory(name="Smokers"),
        area=allerdale,
        period=PeriodFactory(code="2021/22"),
        value=Decimal("17.5"),
    )
    html = page(client, "E07000026")
    banner = html.split('<div class="status-banner"', 1)[1].split("<h1>", 1)[0]
    assert ">This area no longer exists</h2>" in banner
    assert f"On 1 April 2023 it was merged into {link('E06000063', 'Cumberland')}." in banner
    assert "The figures it had are kept on this page." in banner
    assert "<h1>Allerdale</h1>" in html
    assert "<dd>District (former)</dd>" in html
    assert f'{link("E10000006", "Cumbria")} <span class="muted">(county, former)</span>' in html
    # Its figures are still there, in the table.
    assert "Smokers" in html and '<td class="num">17.5%</td>' in html
    assert "There are no figures" not in html


def test_a_divided_area_names_both_successors_and_its_former_districts(geography, client):
    html = page(client, "E10000006")
    assert (
        f"On 1 April 2023 it was divided between {link('E06000063', 'Cumberland')} and "
        f"{link('E06000064', 'Westmorland and Furness')}."
    ) in html
    # No figures, and no empty table: said plainly ("yet" only for a current area).
    assert "<p>There are no figures for Cumbria on this site.</p>" in html
    assert "<table" not in html and "Download this data" not in html
    assert "The figures it had are kept" not in html
    assert "<h2>Areas in Cumbria</h2>" not in html
    former = html.split("<h2>Former areas in Cumbria</h2>", 1)[1]
    for code, name in [
        ("E07000026", "Allerdale"),
        ("E07000027", "Barrow-in-Furness"),
        ("E07000028", "Carlisle"),
        ("E07000029", "Copeland"),
    ]:
        assert f'{link(code, name)} <span class="muted">District, {code}</span>' in former


def test_a_recoded_area_gives_its_new_code(geography, client):
    old = page(client, "E08000020")
    assert ">This code is no longer used</h2>" in old
    assert (
        f"On 1 April 2013 the area was given the new code {link('E08000037', 'E08000037')}." in old
    )
    assert "This area no longer exists" not in old
    new = page(client, "E08000037")
    assert f"This area's code was {link('E08000020', 'E08000020')} until 1 April 2013." in new
    assert "status-banner" not in new
    assert "<dd>Metropolitan district</dd>" in new


def test_a_former_area_without_a_recorded_change_still_says_it_no_longer_exists(geography, client):
    AreaFactory(code="E07000999", name="Old Town", is_current=False)
    html = page(client, "E07000999")
    assert ">This area no longer exists</h2>" in html
    assert "status-banner__heading" not in html  # nothing made up about what replaced it


# --- what an area replaced, its old names, and reports not confirmed ---------------------------


def test_a_new_area_says_what_it_replaced(geography, client):
    html = page(client, "E06000063")
    assert (
        f"This area replaced {link('E07000026', 'Allerdale')}, {link('E07000028', 'Carlisle')}, "
        f"{link('E07000029', 'Copeland')} and part of {link('E10000006', 'Cumbria')} on "
        "1 April 2023."
    ) in html
    assert "status-banner" not in html
    assert "<p>There are no figures for Cumberland on this site yet.</p>" in html
    assert "<table" not in html


def test_a_renamed_area_gives_its_old_name(geography, client):
    html = page(client, "E07000112")
    assert "<p>Called Shepway until 1 April 2018.</p>" in html
    assert "status-banner" not in html


def test_an_unconfirmed_change_is_reported_never_stated(geography, client):
    html = page(client, "E07000083")
    assert (
        '<p class="reported"><strong>Reported, not confirmed by ONS:</strong> renamed North '
        "Gloucestershire (2025).</p>"
    ) in html
    assert "Called" not in html and "status-banner" not in html
    assert "<h1>Tewkesbury</h1>" in html


def test_an_unconfirmed_merger_is_reported_on_both_areas(geography, client):
    AreaFactory(code="E06000999", name="Central Lancashire", area_type="unitary")
    for district in (PRESTON, CHORLEY):
        change(district, "E06000999", ChangeKind.MERGED, year=2028, date=None, confirmed=False)
    preston = page(client, PRESTON)
    assert (
        "<strong>Reported, not confirmed by ONS:</strong> merged into "
        f"{link('E06000999', 'Central Lancashire')} (2028)."
    ) in preston
    assert "status-banner" not in preston and "This area no longer exists" not in preston
    central = page(client, "E06000999")
    assert (
        "<strong>Reported, not confirmed by ONS:</strong> replacing "
        f"{link(CHORLEY, 'Chorley')} and {link(PRESTON, 'Preston')} (2028)."
    ) in central
    assert "This area replaced" not in central


def test_names_in_notices_are_escaped(geography, client):
    AreaFactory(code="E06000998", name="<b>Bold</b> & Co", area_type="unitary")
    change("E07000026", "E06000998", ChangeKind.SPLIT, confirmed=False, year=2030, date=None)
    html = page(client, "E07000026")
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co</a>" in html
    assert "<b>Bold</b>" not in html


# --- statistical groupings -------------------------------------------------------------------


def test_an_area_names_its_statistical_grouping(geography, client):
    html = page(client, "E08000003")
    assert (
        f"<p>Part of the ONS statistical grouping {link('E11000001', 'Greater Manchester')} "
        "(not a tier of local government).</p>"
    ) in html
    assert f'{link(NORTH_WEST, "North West")} <span class="muted">(region)</span>' in html


def test_an_area_in_two_groupings_names_both(geography, client):
    geography["E08000003"].groupings.add(geography["E11000007"])
    html = page(client, "E08000003")
    assert (
        f"<p>Part of the ONS statistical groupings {link('E11000001', 'Greater Manchester')} and "
        f"{link('E11000007', 'Tyne and Wear')} (not tiers of local government).</p>"
    ) in html


def test_a_grouping_lists_its_current_and_former_areas(geography, client):
    html = page(client, "E11000007")
    assert "<dd>Statistical grouping</dd>" in html
    assert "Tyne and Wear is an ONS statistical grouping" in html
    assert "not a tier of local government" in html
    current = html.split("<h2>Areas in Tyne and Wear</h2>", 1)[1].split("</ul>", 1)[0]
    former = html.split("<h2>Former areas in Tyne and Wear</h2>", 1)[1].split("</ul>", 1)[0]
    assert "E08000037" in current and "E08000020" not in current
    assert link("E08000020", "Gateshead") in former and "E08000037" not in former


def test_a_region_lists_its_current_and_former_areas_apart(geography, client):
    html = page(client, NORTH_WEST)
    current = html.split("<h2>Areas in North West</h2>", 1)[1].split("</ul>", 1)[0]
    former = html.split("<h2>Former areas in North West</h2>", 1)[1].split("</ul>", 1)[0]
    assert link("E06000063", "Cumberland") in current and "Cumbria" not in current
    assert link("E10000006", "Cumbria") in former and "Cumberland" not in former


def test_every_area_page_credits_ons(geography, client):
    for code in ("E07000026", "E11000001", PRESTON):
        words = text(page(client, code))
        assert (
            "Area codes and names: Source: Office for National Statistics licensed under the "
            "Open Government Licence v.3.0. Contains OS data © Crown copyright and database "
            "right 2023."
        ) in words
    assert f'<a href="{OGL}">Open Government Licence v.3.0</a>' in page(client, PRESTON)


# --- queries stay fixed ----------------------------------------------------------------------


def test_area_page_queries_do_not_grow_with_children_or_predecessors(
    geography, client, django_assert_num_queries
):
    cumberland = Area.objects.get(code="E06000063").get_absolute_url()
    # content version, area with its parent chain, comparator groups, the areas around it (and
    # whether it has changes), its changes with their areas, the block of its latest figures
    # kept in the database and the changes since; to build it, its latest period per
    # indicator (none); the block kept, and the page's parts (core/kept_pages.py)
    with django_assert_num_queries(10):
        client.get(cumberland)
    cumbria = geography["E10000006"]
    for n in range(8):
        old = AreaFactory(code=f"E07000{900 + n}", name=f"Old {n}", parent=cumbria)
        old.is_current = False
        old.save()
        change(old.code, "E06000063", ChangeKind.MERGED)
        AreaFactory(code=f"E07000{950 + n}", name=f"Within {n}", parent=geography["E06000063"])
    cache.clear()  # as the first time: no cached page to check first
    with django_assert_num_queries(10):
        html = client.get(cumberland).content.decode()
    assert "Old 7" in html and "Within 7" in html
    # An area without changes skips the query for them.
    greater_manchester = Area.objects.get(code="E11000001").get_absolute_url()
    with django_assert_num_queries(9):
        client.get(greater_manchester)


# --- the list of areas -----------------------------------------------------------------------


def test_area_list_groups_current_areas_by_type_then_lists_former_areas(geography, client):
    html = client.get(reverse("indicators:area_list")).content.decode()
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", html)
    assert headings == [
        "Countries",
        "Regions",
        "Counties",
        "Unitary authorities and metropolitan districts",
        "Districts",
        "Statistical groupings",
        "Former areas",
    ]
    current, former = html.split('<h2 id="areas-former">Former areas</h2>', 1)
    assert link("E11000001", "Greater Manchester") in current
    assert link("E07000026", "Allerdale") not in current
    assert (
        f'{link("E07000026", "Allerdale")} <span class="muted">District, E07000026</span> — '
        f"merged into {link('E06000063', 'Cumberland')}, 1 April 2023"
    ) in former
    assert (
        f"divided between {link('E06000063', 'Cumberland')} and "
        f"{link('E06000064', 'Westmorland and Furness')}, 1 April 2023"
    ) in former
    assert f"given the new code {link('E08000037', 'E08000037')}, 1 April 2013" in former
    assert "Tewkesbury" not in former  # a reported renaming ends nothing
    assert f'<a href="{OGL}">Open Government Licence v.3.0</a>' in former
    assert "Contains OS data © Crown copyright and database right 2023." in former


def test_unitary_heading_names_what_is_listed(db, client):
    AreaFactory(code="E09000001", name="City of London", area_type="unitary")
    html = client.get(reverse("indicators:area_list")).content.decode()
    assert '<h2 id="areas-unitary">London boroughs</h2>' in html
    AreaFactory(code="E06000001", name="Hartlepool", area_type="unitary")
    AreaFactory(code="E08000001", name="Bolton", area_type="unitary")
    html = client.get(reverse("indicators:area_list")).content.decode()
    assert (
        '<h2 id="areas-unitary">Unitary authorities, metropolitan districts and London '
        "boroughs</h2>"
    ) in html


def bulk_areas(count: int, *, current: bool) -> list[Area]:
    """`count` more districts, written in one go (without `save()`, so with their slugs)."""
    prefix = "E07100" if current else "E07200"
    areas = [
        Area(
            code=f"{prefix}{n:03d}",
            name=f"{'Place' if current else 'Old place'} {n}",
            area_type="district",
            slug=f"place-{prefix}{n:03d}",
            is_current=current,
        )
        for n in range(count)
    ]
    return Area.objects.bulk_create(areas)


def test_area_list_of_all_england_is_read_in_three_queries(
    geography, client, django_assert_num_queries
):
    # ~340 current areas and ~60 former ones, as England's geography has
    bulk_areas(320, current=True)
    olds = bulk_areas(55, current=False)
    cumberland = geography["E06000063"]
    AreaChange.objects.bulk_create(
        AreaChange(
            old_area=old,
            new_area=cumberland,
            old_name=old.name,
            new_name="Cumberland",
            kind=ChangeKind.MERGED,
            year=2023,
            date=APRIL_2023,
        )
        for old in olds
    )
    # content version (with the page's kept parts), every area, what replaced the former ones
    # (with their successors); then the page's parts kept
    with django_assert_num_queries(4):
        html = client.get(reverse("indicators:area_list")).content.decode()
    assert html.count(f"merged into {link('E06000063', 'Cumberland')}, 1 April 2023") == 58
    # A list this long opens with its headings to jump to.
    contents = html.split('<h2 id="contents-heading">On this page</h2>', 1)[1].split("</nav>")[0]
    assert '<a href="#areas-district">Districts</a> <span class="muted">(326)</span>' in contents
    assert '<a href="#areas-former">Former areas</a> <span class="muted">(61)</span>' in contents
    assert '<a href="#areas-grouping">Statistical groupings</a>' in contents


def test_a_short_list_has_no_jump_list_and_no_former_section(db, client):
    lancashire_areas()
    html = client.get(reverse("indicators:area_list")).content.decode()
    assert "On this page" not in html and "Former areas" not in html
    assert "Contains OS data © Crown copyright and database right 2023." in html
