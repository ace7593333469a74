"""The site search lists areas matching the query by name or code first, then topics and
indicators; and finds topics despite a small typo in their title or keywords."""

import re
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection

from tests.factories import CHILD_PROTECTION_URL as CHILD_PROTECTION
from tests.factories import (
    PRESTON,
    AreaFactory,
    TopicFactory,
    build_child_protection,
    lancashire_areas,
)

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"


def search(client, q, **params):
    response = client.get(f"/search/?{urlencode({'q': q, **params})}")
    assert response.status_code == 200
    return response.content.decode()


def area_links(html: str) -> list[str]:
    return re.findall(r'<a class="area-match__name" href="([^"]+)">', html)


def result_urls(html: str) -> list[str]:
    return re.findall(r'<h3 class="search-result__title"><a href="([^"]+)">', html)


@pytest.fixture
def child_protection(db):
    return build_child_protection()


def test_areas_are_listed_before_topics(client, child_protection):
    topic = TopicFactory(title="Health in Preston")
    html = search(client, "preston")
    preston = child_protection.areas[PRESTON].get_absolute_url()
    assert area_links(html) == [preston]
    results = result_urls(html)  # the Child protection page mentions Preston too
    assert results[0] == topic.get_absolute_url()
    assert html.index(preston) < html.index(results[0])
    assert "Areas matching “preston”" in html
    # The topics and indicators are counted as before.
    assert f"{len(results)} results for “preston”" in html


@pytest.mark.parametrize("q", ["E07000123", "e07000123"])
def test_an_area_is_found_by_its_code(client, child_protection, q):
    html = search(client, q)
    assert area_links(html) == [child_protection.areas[PRESTON].get_absolute_url()]
    assert "District in Lancashire-12, E07000123" in html
    assert f"No topics or indicators for “{q}”" in html
    assert "No results for" not in html


def test_a_typo_in_an_area_name_finds_it(client, child_protection):
    html = search(client, "Prestn")
    assert area_links(html) == [child_protection.areas[PRESTON].get_absolute_url()]


def test_former_areas_are_found_and_marked(client, child_protection):
    allerdale = AreaFactory(code="E07000026", name="Allerdale", is_current=False)
    html = search(client, "allerdale")
    assert area_links(html) == [allerdale.get_absolute_url()]
    assert "Former area</span>" in html


def test_areas_are_on_the_first_page_only(client, child_protection):
    for number in range(25):
        TopicFactory(title=f"Preston {number:02d}")
    assert len(area_links(search(client, "preston"))) == 1
    assert area_links(search(client, "preston", page=2)) == []


def test_a_typo_in_a_keyword_finds_the_topic(client, child_protection):
    html = search(client, "safegaurding")
    assert result_urls(html) == [CHILD_PROTECTION]
    assert "Nothing matched “safegaurding” exactly" in html
    assert "Also known as: <mark>Safeguarding</mark>" in html
    assert "No results for" not in html


def test_a_typo_in_a_title_finds_the_topic(client, child_protection):
    assert CHILD_PROTECTION in result_urls(search(client, "child protecton"))


def test_typos_are_not_offered_beside_exact_matches(client, child_protection):
    TopicFactory(title="Safeguarding adults")
    html = search(client, "safeguarding")
    assert "Nothing matched" not in html
    assert len(result_urls(html)) == 2


def test_a_word_too_far_from_any_still_finds_nothing(client, child_protection):
    html = search(client, "sfgrdng")
    assert "No results for “sfgrdng”" in html
    assert "checking the spelling" in html


def test_typos_respect_drafts(client):
    TopicFactory(title="Safeguarding", status="draft")
    assert "No results for “safegaurding”" in search(client, "safegaurding")


def test_the_demo_finds_child_protection_despite_a_typo(client, demo):
    html = search(client, "safegaurding")
    assert result_urls(html)[0] == CHILD_PROTECTION
    assert area_links(search(client, "Preston"))  # the demo's areas, by name


def test_search_queries(client, django_assert_num_queries):
    lancashire_areas()
    TopicFactory(title="Health in Preston")
    TopicFactory(title="Child protection", keywords="Safeguarding")
    # areas; topic and indicator hits (one query); topics, their sections (their parents'
    # titles need none: they are themes)
    with django_assert_num_queries(4):
        search(client, "preston")
    # areas; hits (none); the A to Z strip (the last change's number and the topics)
    with django_assert_num_queries(4):
        search(client, "E07000123")
    cache.clear()  # the A to Z, which the last search cached
    # areas; hits, with those close to a typo on PostgreSQL; the A to Z's titles and keywords
    # (to correct the typo), with the last change's number to keep them with; on SQLite the
    # hits again, corrected; the topic and its sections
    with django_assert_num_queries(6 if POSTGRES else 7):
        search(client, "safegaurding")
    # the same, but the A to Z is cached now: a check that no topic changed since
    with django_assert_num_queries(5 if POSTGRES else 6):
        search(client, "safegaurding")
