"""Finding an area by name or GSS code: the find page (`/data/areas/find/?q=`), which goes
straight to one clear match and lists the others, and the suggestions as the visitor types
(`/data/areas/suggest/?q=`, JSON)."""

import re

import pytest
from django.urls import reverse

from indicators.area_search import Kind, edit_distance, find_areas
from indicators.models import AreaChange
from tests.factories import PRESTON, AreaFactory, lancashire_areas

pytestmark = pytest.mark.django_db

FIND = reverse("indicators:area_find")
SUGGEST = reverse("indicators:area_suggest")


@pytest.fixture
def areas():
    """The small Lancashire, and Allerdale, merged into Cumberland in 2023."""
    areas = lancashire_areas()
    cumberland = AreaFactory(code="E06000063", name="Cumberland", area_type="unitary")
    allerdale = AreaFactory(
        code="E07000026", name="Allerdale", area_type="district", is_current=False
    )
    AreaChange.objects.create(
        old_area=allerdale,
        new_area=cumberland,
        old_name="Allerdale",
        new_name="Cumberland",
        kind="merged",
        year=2023,
    )
    return {**areas, "allerdale": allerdale, "cumberland": cumberland}


def found_names(html: str) -> list[str]:
    return re.findall(r'<a class="area-match__name" href="[^"]+">([^<]+)</a>', html)


# --- Going straight to the area ------------------------------------------------------------


@pytest.mark.parametrize("q", ["Preston", "preston", "  PRESTON ", "E07000123", "e07000123"])
def test_an_exact_name_or_code_goes_to_the_area(client, areas, q):
    response = client.get(FIND, {"q": q})
    assert response.status_code == 302
    assert response.url == areas[PRESTON].get_absolute_url()


def test_the_area_page_it_goes_to_exists(client, areas):
    response = client.get(FIND, {"q": "Preston"}, follow=True)
    assert response.status_code == 200
    assert response.context["area"] == areas[PRESTON]


def test_a_short_name_counts_as_the_name(client, areas):
    response = client.get(FIND, {"q": "lancashire-12"})
    assert response.status_code == 302
    assert response.url == areas["E10000017"].get_absolute_url()


def test_a_former_area_is_found_and_its_page_says_what_replaced_it(client, areas):
    response = client.get(FIND, {"q": "Allerdale"}, follow=True)
    assert response.redirect_chain == [(areas["allerdale"].get_absolute_url(), 302)]
    assert "Cumberland" in response.content.decode()


def test_two_areas_of_one_name_are_listed_not_guessed(client, areas):
    AreaFactory(code="E07000999", name="Preston", is_current=False)
    response = client.get(FIND, {"q": "Preston"})
    assert response.status_code == 200
    html = response.content.decode()
    assert found_names(html) == ["Preston", "Preston"]  # the current one first
    assert html.count("Former area</span>") == 1


# --- Lists of matches ----------------------------------------------------------------------


def test_the_start_of_a_name_lists_the_matches_with_type_and_parent(client, areas):
    response = client.get(FIND, {"q": "black"})
    assert response.status_code == 200
    html = " ".join(response.content.decode().split())
    assert found_names(html) == ["Blackpool", "Blackburn with Darwen"]  # shorter, closer
    assert "2 areas matching “black”" in html
    assert "Unitary authority in North West, E06000008" in html


def test_matches_are_ranked_exact_then_prefix_then_word_then_typo(areas):
    AreaFactory(code="E07000901", name="Ribble", area_type="district")
    AreaFactory(code="E07000902", name="South Ribble", area_type="district")
    AreaFactory(code="E07000903", name="Ribbel Vale", area_type="district")
    matches = find_areas("ribble")
    assert [(m.area.name, m.kind) for m in matches] == [
        ("Ribble", Kind.NAME),
        ("Ribble Valley", Kind.PREFIX),
        ("South Ribble", Kind.WORD),
        ("Ribbel Vale", Kind.TYPO),
    ]


def test_a_former_area_is_listed_and_marked(client, areas):
    html = client.get(FIND, {"q": "aller"}).content.decode()
    assert found_names(html) == ["Allerdale"]
    assert 'Allerdale</a>\n      <span class="badge badge--former">Former area</span>' in html


@pytest.mark.parametrize(("q", "expected"), [("Prestn", "Preston"), ("blakpool", "Blackpool")])
def test_a_typo_finds_the_area(client, areas, q, expected):
    response = client.get(FIND, {"q": q})
    assert response.status_code == 200  # a guess is offered, never followed
    html = response.content.decode()
    assert found_names(html)[0] == expected
    assert f"No area is called “{q}”. Did you mean" in html


def test_the_start_of_a_code_lists_its_areas(client, areas):
    html = client.get(FIND, {"q": "E0600000"}).content.decode()
    assert found_names(html) == ["Blackburn with Darwen", "Blackpool"]


def test_no_match_says_so_and_suggests_other_ways(client, areas):
    response = client.get(FIND, {"q": "Walrus <b>Bay</b>"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "No area called “Walrus &lt;b&gt;Bay&lt;/b&gt;”" in html
    assert "<b>Bay" not in html
    assert f'href="{reverse("indicators:area_list")}"' in html
    assert 'href="/search/?q=Walrus%20%3Cb%3EBay%3C/b%3E"' in html
    assert found_names(html) == []


@pytest.mark.parametrize("q", ["", "   ", "\x00", "'; drop table areas --", "x" * 5000, "%_"])
def test_empty_and_odd_queries_give_a_page(client, areas, q):
    response = client.get(FIND, {"q": q})
    assert response.status_code == 200
    assert "\x00" not in response.content.decode()


def test_without_a_query_the_page_explains_and_links_every_area(client, areas):
    html = client.get(FIND).content.decode()
    assert "Former areas, replaced by a boundary change, are found too." in html
    assert 'id="area-q" class="area-finder__input" type="search" name="q" value=""' in html


def test_the_query_is_kept_in_the_box(client, areas):
    html = client.get(FIND, {"q": "black"}).content.decode()
    assert 'id="area-q" class="area-finder__input" type="search" name="q" value="black"' in html


def test_find_page_queries(client, areas, django_assert_num_queries):
    with django_assert_num_queries(1):  # the areas, with their parents
        assert client.get(FIND, {"q": "Preston"}).status_code == 302
    with django_assert_num_queries(1):
        assert client.get(FIND, {"q": "black"}).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(FIND).status_code == 200


# --- Suggestions ---------------------------------------------------------------------------


def test_suggestions_are_json(client, areas):
    response = client.get(SUGGEST, {"q": "pre"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    preston = areas[PRESTON]
    assert response.json() == {
        "query": "pre",
        "results": [
            {
                "name": "Preston",
                "code": PRESTON,
                "type": "District",
                "parent": "Lancashire-12",
                "former": False,
                "url": preston.get_absolute_url(),
            }
        ],
    }


def test_suggestions_mark_former_areas(client, areas):
    (result,) = client.get(SUGGEST, {"q": "alle"}).json()["results"]
    assert result["name"] == "Allerdale"
    assert result["former"] is True


def test_suggestions_are_ten_at_most_best_first(client, areas):
    for number in range(15):
        AreaFactory(code=f"E07000{900 + number}", name=f"Prestbury {number:02d}")
    results = client.get(SUGGEST, {"q": "prest"}).json()["results"]
    assert len(results) == 10
    assert results[0]["name"] == "Preston"  # the shortest name starting so
    assert [r["name"] for r in results[1:4]] == ["Prestbury 00", "Prestbury 01", "Prestbury 02"]
    assert client.get(SUGGEST, {"q": "PRESTN"}).json()["results"][0]["name"] == "Preston"


@pytest.mark.parametrize("q", ["", "zzzzzz", "\x00"])
def test_suggestions_for_nothing_are_empty(client, areas, q):
    assert client.get(SUGGEST, {"q": q}).json()["results"] == []


def test_suggestion_queries(client, areas, django_assert_num_queries):
    with django_assert_num_queries(1):  # the areas, with their parents
        client.get(SUGGEST, {"q": "pre"})
    with django_assert_num_queries(0):
        client.get(SUGGEST, {"q": ""})


# --- Typos ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("preston", "preston", 0), ("prestn", "preston", 1), ("blakpool", "blackpool", 1)],
)
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b, 2) == distance


def test_edit_distance_stops_past_its_limit():
    assert edit_distance("walrus", "preston", 2) == 3


def test_short_words_allow_no_typo(areas):
    AreaFactory(code="E07000904", name="Ely", area_type="district")
    assert [m.area.name for m in find_areas("Ely")] == ["Ely"]
    assert find_areas("Elx") == []


# --- Ways in -------------------------------------------------------------------------------


def test_home_page_and_navigation_have_the_area_finder(client, areas):
    html = client.get("/").content.decode()
    assert html.count(f'action="{FIND}" method="get" data-area-finder') == 2  # home, header
    assert 'id="home-area-q"' in html and 'id="nav-area-q"' in html
    assert f'data-suggest-url="{SUGGEST}"' in html
    assert f'<li><a href="{reverse("indicators:area_list")}">Areas</a></li>' in html
    assert '<script src="/static/indicators/area-finder.js" defer></script>' in html
