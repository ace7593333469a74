"""Every endpoint and filter of /api/v1/ on the small Child protection site (conftest.py):
what it lists, in which shape, paged by cursor, as JSON and as CSV."""

from __future__ import annotations

import pytest
from django.utils import timezone

from indicators.models import Value
from tests.api.conftest import BURNLEY, CHORLEY
from tests.api.helpers import csv_rows, every_item
from tests.factories import (
    BLACKBURN,
    BLACKPOOL,
    ENGLAND,
    LANCASHIRE,
    NORTH_WEST,
    PRESTON,
    RIBBLE_VALLEY,
)

pytestmark = pytest.mark.django_db

DEMO_INDICATORS = {
    "cpp-count",
    "cpp-rate",
    "referrals-rate",
    "re-referrals",
    "cpp-two-years",
    "cpp-ethnicity",
}


def values(client, query: str = "") -> list[dict]:
    return every_item(client, f"/api/v1/values?limit=1000&{query}")


def test_the_index_links_every_endpoint(site, client):
    answer = client.get("/api/v1/").json()
    assert set(answer["endpoints"]) == {
        "indicators",
        "areas",
        "periods",
        "breakdowns",
        "topics",
        "values",
        "changes",
    }
    assert answer["docs"].endswith("/api/v1/docs")
    assert answer["openapi"].endswith("/api/v1/openapi.json")


def test_indicators_are_the_public_ones_with_their_metadata(site, client):
    listed = {i["slug"]: i for i in every_item(client, "/api/v1/indicators")}
    assert set(listed) == DEMO_INDICATORS  # not the hidden one, nor the draft page's
    rate = listed["referrals-rate"]
    assert rate["unit"] == "rate" and rate["multiplier"] == 10000
    assert rate["unit_label"] == site.built.indicators["referrals-rate"].unit_label
    assert rate["polarity"] == site.built.indicators["referrals-rate"].polarity
    assert rate["source"] and rate["definition"]
    assert rate["url"] == "/data/indicators/referrals-rate/"
    assert rate["values"] == "/api/v1/values?indicator=referrals-rate"
    assert client.get("/api/v1/indicators/referrals-rate").json() == rate


def test_indicators_as_csv(site, client):
    rows = csv_rows(client.get("/api/v1/indicators?format=csv"))
    assert {r["slug"] for r in rows} == DEMO_INDICATORS
    assert rows[0]["is_projection"] in ("yes", "no")


def test_areas_have_their_hierarchy(site, client):
    areas = {a["code"]: a for a in every_item(client, "/api/v1/areas?limit=2")}
    assert len(areas) == len(site.built.areas)
    preston = areas[PRESTON]
    assert preston["parent"] == LANCASHIRE
    assert preston["ancestors"] == [LANCASHIRE, NORTH_WEST, ENGLAND]
    assert preston["type"] == "district" and preston["is_current"]
    assert client.get(f"/api/v1/areas/{PRESTON}").json() == preston
    assert client.get(f"/api/v1/areas/{PRESTON.lower()}").json() == preston


def test_areas_filtered_by_type_parent_and_currency(site, client):
    def codes(query):
        return {a["code"] for a in every_item(client, f"/api/v1/areas?{query}")}

    assert codes("type=unitary") == {BLACKBURN, BLACKPOOL}
    assert codes(f"parent={LANCASHIRE}") == {BURNLEY, CHORLEY, PRESTON, RIBBLE_VALLEY}
    assert codes("current=false") == set()
    assert len(codes("current=true")) == len(site.built.areas)
    assert client.get("/api/v1/areas?parent=E99999999").status_code == 404


def test_an_area_lists_its_successors_and_groupings(site, client):
    from indicators.models import Area, AreaChange

    old = Area.objects.create(code="E07000999", name="Old district", area_type="district")
    old.is_current = False
    old.save()
    preston = Area.objects.get(code=PRESTON)
    grouping = Area.objects.create(
        code="E11000001", name="Greater Manchester", area_type="grouping"
    )
    preston.groupings.add(grouping)
    AreaChange.objects.create(
        old_area=old, new_area=preston, old_name="Old", new_name="Preston", kind="merged", year=2023
    )
    old_item = client.get("/api/v1/areas/E07000999").json()
    assert old_item["is_current"] is False
    assert old_item["successors"] == [
        {
            "code": PRESTON,
            "name": "Preston",
            "kind": "merged",
            "year": 2023,
            "date": None,
            "confirmed": True,
        }
    ]
    item = client.get(f"/api/v1/areas/{PRESTON}").json()
    assert item["predecessors"][0]["code"] == "E07000999"
    assert item["groupings"] == ["E11000001"]
    rows = {r["code"]: r for r in csv_rows(client.get("/api/v1/areas?format=csv"))}
    assert rows["E07000999"]["successors"] == PRESTON


def test_periods_and_breakdowns_are_those_of_public_figures(site, client):
    periods = {p["code"]: p for p in every_item(client, "/api/v1/periods")}
    assert {"2011-03-31", "2012/13", "2013/14"} <= set(periods)
    assert "2014/15" not in periods  # only the staged import has it
    assert periods["2012/13"]["start_date"] == "2012-04-01"
    assert periods["2012/13"]["kind"] == "fy"
    assert {p["code"] for p in every_item(client, "/api/v1/periods?kind=snapshot")} == {
        "2011-03-31",
        "2012-03-31",
        "2013-03-31",
    }
    breakdowns = every_item(client, "/api/v1/breakdowns")
    assert {b["dimension"] for b in breakdowns} == {"age", "ethnicity"}
    ages = every_item(client, "/api/v1/breakdowns?dimension=age")
    assert [b["label"] for b in ages][:2] == ["Under 1", "1-4"]
    assert csv_rows(client.get("/api/v1/periods?format=csv"))[0]["code"]
    assert csv_rows(client.get("/api/v1/breakdowns?format=csv"))[0]["dimension"]


def test_topics_are_the_published_pages(site, client):
    topics = {t["path"]: t for t in every_item(client, "/api/v1/topics?limit=2")}
    page = site.built.page
    assert page.path in topics and "draft-page" not in topics
    item = topics[page.path]
    assert item["title"] == page.title and item["url"] == page.get_absolute_url()
    assert item["summary"] == page.summary
    assert item["area"] == LANCASHIRE
    assert item["indicators"][:2] == ["cpp-count", "cpp-rate"]
    assert set(item["indicator_ids"]) == {i.pk for i in site.built.indicators.values()}
    assert item["author"]["name"] == page.author.name
    assert item["sections"][0] == {
        "anchor": "about",
        "heading": "About this page",
        "indicator": None,
    }
    # As the page shows it: the later of the officer's date, the narrative and the figures
    # (the small-number figures were written today).
    assert item["last_updated"] == str(
        max(v.updated_at for v in Value.objects.filter(indicator=site.withheld)).date()
    )
    assert client.get(f"/api/v1/topics/{page.pk}").json() == item
    assert [t["path"] for t in every_item(client, f"/api/v1/topics?path={page.path}")] == [
        page.path
    ]
    assert page.path in {
        t["path"] for t in every_item(client, "/api/v1/topics?indicator=referrals-rate")
    }
    rows = csv_rows(client.get("/api/v1/topics?format=csv"))
    assert {r["path"] for r in rows} == set(topics)
    assert next(r for r in rows if r["path"] == page.path)["author_name"] == page.author.name


def test_values_are_the_released_figures_rounded_as_shown(site, client):
    everything = values(client)
    public = Value.objects.public().exclude(indicator__in=[site.hidden, site.draft_only])
    assert {v["id"] for v in everything} == set(public.values_list("pk", flat=True))
    lancashire_rate = next(
        v
        for v in everything
        if v["indicator"] == "referrals-rate"
        and v["area"] == LANCASHIRE
        and v["period"] == "2012/13"
    )
    assert lancashire_rate["value"] == 638.6  # not the staged 500.0
    assert lancashire_rate["illustrative"] is False
    assert lancashire_rate["status"] == "available"
    illustrative = next(v for v in everything if v["illustrative"])
    assert illustrative["value"] is not None


def test_values_name_the_release_that_made_them_public(site, client):
    (released,) = values(client, "indicator=re-referrals&period=2013/14")
    site.released.refresh_from_db()
    assert released["release"] == site.released.pk
    assert released["released_on"] == timezone.localdate(site.released.published_at).isoformat()
    # A figure no release made public (loaded with the demo's builder) names none.
    (loaded,) = values(client, "indicator=referrals-rate&area=E10000017&period=2012/13")
    assert loaded["release"] is None and loaded["released_on"] is None


def test_values_filtered_by_indicator_and_area(site, client):
    found = values(client, f"indicator=re-referrals&area={LANCASHIRE}")
    assert {(v["indicator"], v["area"]) for v in found} == {("re-referrals", LANCASHIRE)}
    assert [v["period"] for v in found] == ["2011/12", "2012/13", "2013/14"]
    several = values(client, f"indicator=re-referrals&indicator=cpp-two-years&area={ENGLAND}")
    assert {v["indicator"] for v in several} == {"re-referrals"}  # cpp-two-years: county only


def test_values_children_of_and_comparators_of(site, client):
    children = values(client, f"indicator=cpp-rate&children_of={LANCASHIRE}")
    assert {v["area"] for v in children} == {BURNLEY, CHORLEY, PRESTON, RIBBLE_VALLEY}
    comparators = values(client, f"indicator=cpp-rate&comparators_of={PRESTON}")
    assert {v["area"] for v in comparators} == {LANCASHIRE, NORTH_WEST, ENGLAND}
    both = values(client, f"indicator=cpp-rate&area={PRESTON}&comparators_of={PRESTON}")
    assert {v["area"] for v in both} == {PRESTON, LANCASHIRE, NORTH_WEST, ENGLAND}


def test_values_filtered_by_period_and_range(site, client):
    one = values(client, "indicator=referrals-rate&period=2011/12")
    assert {v["period"] for v in one} == {"2011/12"}
    ranged = values(client, "indicator=cpp-rate&from=2012-03-31&to=2013-03-31")
    assert {v["period"] for v in ranged} == {"2012-03-31", "2013-03-31"}
    by_code = values(client, "indicator=re-referrals&from=2012/13")
    assert {v["period"] for v in by_code} == {"2012/13", "2013/14"}
    assert values(client, "indicator=re-referrals&to=2011-01-01") == []


def test_values_filtered_by_breakdown(site, client):
    whole = values(client, "indicator=cpp-count&breakdown=none")
    assert all(v["breakdown"] is None for v in whole) and whole
    ages = values(client, "indicator=cpp-count&breakdown=age")
    assert {v["breakdown"]["dimension"] for v in ages} == {"age"} and len(ages) == 5
    one_id = ages[0]["breakdown"]["id"]
    assert [v["id"] for v in values(client, f"breakdown={one_id}")] == [ages[0]["id"]]
    assert client.get("/api/v1/values?breakdown=shoe-size").status_code == 404


def test_values_pages_follow_their_cursor(site, client):
    response = client.get("/api/v1/values?limit=3&indicator=cpp-rate")
    first = response.json()
    assert len(first["data"]) == 3 and "cursor=" in first["next"]
    assert response["Link"] == f'<{first["next"]}>; rel="next"'
    assert "Link" in response["Access-Control-Expose-Headers"]
    second = client.get(first["next"]).json()
    assert second["data"][0]["id"] > first["data"][-1]["id"]
    assert [v["id"] for v in values(client, "indicator=cpp-rate")] == sorted(
        v["id"] for v in values(client, "indicator=cpp-rate")
    )


def test_values_as_csv_have_the_download_columns(site, client):
    from indicators.exports import COLUMNS

    response = client.get(f"/api/v1/values?format=csv&indicator=referrals-rate&area={LANCASHIRE}")
    assert response.streaming
    rows = csv_rows(response)
    assert tuple(rows[0]) == COLUMNS
    assert {r["period"]: r["value"] for r in rows} == {"2011/12": "557.0", "2012/13": "638.6"}
    assert {r["illustrative"] for r in rows} == {"yes", "no"}


def test_changes_list_releases_since_a_date(site, client):
    releases = every_item(client, "/api/v1/changes")
    assert [r["id"] for r in releases] == [site.released.pk]  # not the staged import
    release = releases[0]
    assert release["note"] == "2013/14 added."
    assert release["indicators"] == [
        {
            "indicator": "re-referrals",
            "name": site.built.indicators["re-referrals"].name,
            "added": 1,
            "revised": 0,
            "corrected": False,
            "new_periods": ["2013/14"],
        }
    ]
    today = release["release_date"]
    assert [r["id"] for r in every_item(client, f"/api/v1/changes?since={today}")] == [
        site.released.pk
    ]
    assert every_item(client, "/api/v1/changes?since=2999-01-01") == []
    assert csv_rows(client.get("/api/v1/changes?format=csv"))[0]["indicators"] == "re-referrals"


def test_a_revision_carries_its_mark_and_what_it_was(site, client):
    from indicators.releases import publish_release

    publish_release(site.staged)
    revised = values(client, f"indicator=referrals-rate&area={LANCASHIRE}&period=2012/13")[0]
    assert revised["value"] == 500.0
    assert revised["revised_on"] is not None
    assert revised["previous_value"] == 638.6
    release = every_item(client, "/api/v1/changes")[-1]
    assert release["id"] == site.staged.pk
    assert release["indicators"][0]["revised"] == 1
    assert release["indicators"][0]["new_periods"] == ["2014/15"]


def test_a_page_of_values_costs_the_same_queries_however_many_rows(
    site, client, django_assert_num_queries
):
    # content version, the values (with their indicator, area, period, breakdown), and
    # the public indicators' check (one query, with its subqueries)
    with django_assert_num_queries(2):
        client.get("/api/v1/values?limit=5")
    with django_assert_num_queries(2):
        client.get("/api/v1/values?limit=1000")
    # content version, indicator, area, its comparators (three parents, groups), values
    with django_assert_num_queries(8):
        client.get(f"/api/v1/values?indicator=cpp-rate&comparators_of={PRESTON}")


def test_a_list_of_areas_costs_the_same_queries_however_long(
    site, client, django_assert_num_queries
):
    # content version, areas with their parents, groupings, comparator groups, successions
    # and predecessions
    with django_assert_num_queries(6):
        client.get("/api/v1/areas?limit=2")
    with django_assert_num_queries(6):
        client.get("/api/v1/areas?limit=1000")


@pytest.mark.parametrize("breakdown", ["²", "9" * 40, "-1"])
def test_an_odd_breakdown_is_a_404_in_words(site, client, breakdown):
    for query in (f"breakdown={breakdown}", f"breakdown={breakdown}&format=csv"):
        response = client.get(f"/api/v1/values?{query}")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/problem+json")
        assert "There is no breakdown" in response.json()["detail"]


def test_too_many_values_of_one_filter_are_refused(site, client):
    query = "&".join(["period=2012/13"] * 101)
    response = client.get(f"/api/v1/values?{query}")
    assert response.status_code == 400
    assert "at most 100 values of “period”" in response.json()["detail"]
    assert client.get(f"/api/v1/values?{'&'.join(['period=2012/13'] * 100)}").status_code == 200


def test_withdrawing_a_release_that_added_a_period_is_listed_as_a_correction(site, client):
    from indicators.importing.undo import undo_import

    # The release added re-referrals for 2013/14, a period no other figure has: taking it back
    # removes the period too, and the withdrawal must still say which indicator it corrected.
    result = undo_import(site.released, notice="Sent in error.")
    assert result.correction is not None
    (listed,) = [
        r for r in every_item(client, "/api/v1/changes") if r["id"] == result.correction.pk
    ]
    assert listed["corrects"] == site.released.pk
    assert listed["correction_notice"] == "Sent in error."
    assert [(i["indicator"], i["corrected"]) for i in listed["indicators"]] == [
        ("re-referrals", True)
    ]
    assert client.get("/api/v1/values?indicator=re-referrals&period=2013/14").status_code == 404
