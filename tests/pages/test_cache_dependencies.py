"""The page cache is emptied by dependency (core/caching.py): a change empties the cached pages
that show what changed and leaves every other page cached, with the cache in this process's
memory and in Redis (when REDIS_URL is set, as in CI's PostgreSQL run).

A page served from the cache costs exactly one query (the check that nothing it shows has
changed); one built again costs more. That is how these tests tell the two apart, and each
also checks the page shows the change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from core.caching import batched_changes, changed, tag
from indicators.models import Area, Indicator, Period, Value
from pages.models import Section, Topic
from tests.factories import (
    BLACKPOOL,
    CHILD_PROTECTION_URL,
    PRESTON,
    TopicFactory,
    child_protection_and_an_unrelated_indicator,
)

pytestmark = pytest.mark.django_db

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
USES_REDIS = "redis" in settings.CACHES["default"]["BACKEND"].lower()


@pytest.fixture(params=["local memory", "redis"])
def page_cache(request):
    """Each test once with the cache in local memory, once in Redis (when configured)."""
    if request.param == "redis":
        if not USES_REDIS:
            pytest.skip("REDIS_URL is not set: the Redis cache runs in CI's PostgreSQL run")
        cache.clear()
        yield request.param
        cache.clear()
        return
    with override_settings(CACHES=LOCMEM):
        cache.clear()
        yield request.param
        cache.clear()


@pytest.fixture
def site(page_cache):
    return child_protection_and_an_unrelated_indicator()


def queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response.content.decode()


def served_from_cache(client, url: str) -> bool:
    """One query (the check) and no template rendered: the cached bytes, not the page's kept
    parts (core/kept_pages.py), which render the layout."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured) == 1 and not response.templates


PAGES = {
    "topic": CHILD_PROTECTION_URL,
    "cpp indicator": "/data/indicators/cpp-rate/",
    "unrelated indicator": "/data/indicators/unrelated/",
    "home": "/",
    "indicator list": "/data/indicators/",
    "area list": "/data/areas/",
}


def urls() -> dict[str, str]:
    return {
        **PAGES,
        "preston": Area.objects.get(code=PRESTON).get_absolute_url(),
        "blackpool": Area.objects.get(code=BLACKPOOL).get_absolute_url(),
    }


def warm(client) -> dict[str, str]:
    found = urls()
    for url in found.values():
        client.get(url)
    for name, url in found.items():
        assert served_from_cache(client, url), f"{name} was not cached"
    return found


def still_cached(client, pages: dict[str, str]) -> set[str]:
    return {name for name, url in pages.items() if served_from_cache(client, url)}


def test_a_figure_of_one_indicator_empties_its_pages_and_its_areas_only(client, site):
    pages = warm(client)
    figure = Value.objects.get(indicator__slug="unrelated")
    figure.value = Decimal("17.5")
    figure.save()

    assert still_cached(client, pages) == {
        "topic",
        "cpp indicator",
        "home",
        "indicator list",
        "area list",
        "preston",
    }
    assert "17.5" in client.get(pages["unrelated indicator"]).content.decode()
    assert "17.5" in client.get(pages["blackpool"]).content.decode()


def test_a_figure_on_the_topic_page_empties_it_and_leaves_the_others(client, site):
    pages = warm(client)
    figure = Value.objects.get(
        indicator__slug="cpp-rate", area__code=PRESTON, period__code="2013-03-31"
    )
    figure.value = Decimal("81.9")
    figure.save()

    kept = still_cached(client, pages)
    assert "topic" not in kept and "cpp indicator" not in kept and "preston" not in kept
    assert {"unrelated indicator", "home", "indicator list", "area list"} <= kept
    assert "81.9" in client.get(pages["topic"]).content.decode()


def test_an_import_empties_the_pages_of_what_it_imported(client, site, tmp_path):
    from indicators.importing import import_values

    pages = warm(client)
    path = tmp_path / "unrelated.csv"
    path.write_text(
        "indicator,area_code,period,breakdown,value,status\n"
        f"unrelated,{BLACKPOOL},2013-03-31,,11.5,\n",
        encoding="utf-8",
    )
    report = import_values(source=path)
    assert report.figures_changed == 1, report

    assert still_cached(client, pages) == {
        "topic",
        "cpp indicator",
        "home",
        "indicator list",
        "area list",
        "preston",
    }
    assert "11.5" in client.get(pages["unrelated indicator"]).content.decode()


def test_narrative_empties_its_page_only_and_a_title_the_lists_too(client, site):
    pages = warm(client)
    section = Section.objects.get(anchor="about")
    section.body = "Words written today."
    section.save()

    assert still_cached(client, pages) == set(pages) - {"topic"}
    assert "Words written today." in client.get(pages["topic"]).content.decode()

    topic = Topic.objects.get(path=CHILD_PROTECTION_URL.strip("/"))
    topic.title = "Keeping children safe"
    topic.save()
    kept = still_cached(client, pages)
    assert "topic" not in kept and "home" not in kept
    # Indicator pages name the page's area; the lists and the indicator pages follow CONTENT.
    assert {"area list"} <= kept
    assert "Keeping children safe" in client.get(pages["topic"]).content.decode()


def test_a_draft_changes_nothing_the_public_see(client, site):
    pages = warm(client)
    draft = TopicFactory(title="A draft", status="draft")
    draft.summary = "Still being written."
    draft.save()
    assert still_cached(client, pages) == set(pages)


def test_a_parent_page_title_empties_the_pages_under_it(client, site):
    pages = warm(client)
    topic = Topic.objects.get(path=CHILD_PROTECTION_URL.strip("/"))
    parent = Topic.objects.get(pk=topic.parent_id)
    parent.title = "Social care for children"
    parent.save()
    assert not served_from_cache(client, pages["topic"])
    assert "Social care for children" in client.get(pages["topic"]).content.decode()


def test_an_area_renamed_empties_every_page_that_names_areas(client, site):
    pages = warm(client)
    preston = Area.objects.get(code=PRESTON)
    preston.name = "City of Preston"
    preston.save()
    del pages["preston"]  # its address changes with its name
    kept = still_cached(client, pages)
    assert "topic" not in kept and "area list" not in kept and "blackpool" not in kept
    assert "home" in kept
    assert "City of Preston" in client.get(pages["topic"]).content.decode()


def test_changes_in_a_batch_are_marked_once_at_the_end(site):
    from core.caching import current_version

    before = current_version()
    with batched_changes():
        for value in Value.objects.filter(indicator__slug="cpp-rate")[:5]:
            value.save()
        assert current_version() == before
    assert current_version() == before + 1


def test_a_failed_batch_marks_nothing(site):
    from core.caching import current_version

    before = current_version()
    with pytest.raises(RuntimeError), batched_changes():
        Value.objects.filter(indicator__slug="cpp-rate").first().save()
        raise RuntimeError("the bulk work failed")
    assert current_version() == before


def test_another_process_sees_a_change_at_once(client, site):
    """The tags' numbers are in the database: a change made elsewhere (here, by hand, as
    another worker would) empties this process's cached pages that show it."""
    pages = warm(client)
    indicator = Indicator.objects.get(slug="cpp-rate")
    Value.objects.filter(indicator=indicator).update(value=Decimal("1"))  # no signals
    assert served_from_cache(client, pages["topic"])  # nobody said what changed
    changed(tag("indicator", indicator.pk))
    assert not served_from_cache(client, pages["topic"])
    assert served_from_cache(client, pages["unrelated indicator"])


def test_a_new_period_changes_the_pages_that_show_periods(client, site):
    pages = warm(client)
    Period.objects.get_or_create_from_code("2014/15")
    kept = still_cached(client, pages)
    assert "home" in kept and "topic" not in kept


def test_undoing_an_import_shows_the_figures_put_back(client, site, tmp_path):
    from indicators.importing import import_values, undo_import

    pages = warm(client)
    path = tmp_path / "unrelated.csv"
    path.write_text(
        "indicator,area_code,period,breakdown,value,status\n"
        f"unrelated,{BLACKPOOL},2013-03-31,,11.5,\n",
        encoding="utf-8",
    )
    report = import_values(source=path)
    assert "11.5" in client.get(pages["unrelated indicator"]).content.decode()
    undo_import(report.batch)
    html = client.get(pages["unrelated indicator"]).content.decode()
    # The figure put back, marked as a revision of the one the public saw.
    assert "10.0" in html and "previously 11.5%" in html
    assert served_from_cache(client, pages["topic"])
