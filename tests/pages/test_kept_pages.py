"""Public pages kept in parts in the database (core/kept_pages.py): a page served from its
parts is byte for byte the page built from the data, costs one query, follows every change to
what it shows (and only those), and nothing is kept from officers, addresses with a query
string, pages not found, or another release of the code."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.kept_pages import key_of
from core.models import Prebuilt
from indicators.models import Area, Indicator, Period, Value
from pages.models import Topic
from tests.factories import (
    CHILD_PROTECTION_URL,
    PRESTON,
    IndicatorFactory,
    ValueFactory,
    build_child_protection,
    child_protection_pages,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return build_child_protection()


def pages() -> dict[str, str]:
    return {**child_protection_pages(), "home": "/", "A to Z": "/a-z/"}


def get(client, url: str, status: int = 200):
    """The page at `url` with the page cache empty (its parts, if kept, are not), and the SQL
    it ran."""
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == status, url
    return response, [q["sql"] for q in captured.captured_queries]


def from_parts(response, queries) -> bool:
    """Served from its kept parts: one query, and only the layout rendered."""
    names = {t.name for t in response.templates}
    return len(queries) == 1 and names == {"base.html", "includes/area_finder.html"}


@pytest.mark.parametrize("name", ["topic", "indicator", "area", "home", "A to Z"])
def test_a_page_from_its_parts_is_the_page_built_from_the_data(client, site, name):
    url = pages()[name]
    built, built_queries = get(client, url)
    assert not from_parts(built, built_queries)
    assert Prebuilt.objects.filter(key=key_of(url)).exists()
    kept, kept_queries = get(client, url)
    assert from_parts(kept, kept_queries), kept_queries
    assert kept.content == built.content
    assert kept["Content-Type"] == built["Content-Type"]
    assert [sql for sql in kept_queries if "indicators_" in sql] == []


def test_a_figure_changed_builds_the_pages_that_show_it_and_leaves_the_rest(client, site):
    other = IndicatorFactory(name="Unrelated", slug="unrelated")
    ValueFactory(indicator=other, area=Area.objects.get(code=PRESTON), value=Decimal("10"))
    for url in pages().values():
        get(client, url)
    figure = Value.objects.get(
        indicator__slug="cpp-rate",
        area__code=PRESTON,
        breakdown__isnull=True,
        period=Period.objects.filter(values__indicator__slug="cpp-rate").latest("start_date"),
    )
    figure.value = Decimal("987.6")
    figure.save()
    for name in ("topic", "indicator", "area"):
        response, queries = get(client, pages()[name])
        assert not from_parts(response, queries), name
        assert "987.6" in response.content.decode(), name
    # The home page and the A to Z show no figure: their parts are still used.
    for name in ("home", "A to Z"):
        assert from_parts(*get(client, pages()[name])), name
    # A figure of another indicator leaves the topic page's parts in use.
    Value.objects.filter(indicator=other).update(value=Decimal("11"))
    from core.caching import changed_figures

    changed_figures([other.pk], Value.objects.filter(indicator=other))
    assert from_parts(*get(client, pages()["topic"]))
    assert from_parts(*get(client, pages()["indicator"]))


def test_narrative_and_publishing_are_followed(client, site):
    topic = Topic.objects.get(path=site.page.path)
    get(client, CHILD_PROTECTION_URL)
    section = topic.sections.first()
    section.body = "<p>A sentence written today.</p>"
    section.save()
    response, queries = get(client, CHILD_PROTECTION_URL)
    assert not from_parts(response, queries)
    assert "A sentence written today." in response.content.decode()
    assert from_parts(*get(client, CHILD_PROTECTION_URL))
    topic.status = "draft"
    topic.save()
    get(client, CHILD_PROTECTION_URL, status=404)


def test_nothing_is_kept_from_officers_query_strings_or_missing_pages(client, site, admin_user):
    client.force_login(admin_user)
    for url in pages().values():
        get(client, url)
    assert not Prebuilt.objects.filter(key__startswith="page:").exists()
    client.logout()
    get(client, "/data/indicators/cpp-rate/?area_type=district")
    get(client, "/no-such-page/", status=404)
    assert not Prebuilt.objects.filter(key__startswith="page:").exists()
    # An officer is never served the public's parts.
    get(client, CHILD_PROTECTION_URL)
    client.force_login(admin_user)
    response, queries = get(client, CHILD_PROTECTION_URL)
    assert not from_parts(response, queries)


def test_parts_from_other_code_or_over_a_day_old_are_built_again(client, site):
    get(client, CHILD_PROTECTION_URL)
    kept = Prebuilt.objects.get(key=key_of(CHILD_PROTECTION_URL))
    Prebuilt.objects.filter(pk=kept.pk).update(data={**kept.data, "_code": "an-old-release"})
    assert not from_parts(*get(client, CHILD_PROTECTION_URL))
    assert from_parts(*get(client, CHILD_PROTECTION_URL))
    Prebuilt.objects.filter(pk=kept.pk).update(
        built_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    assert not from_parts(*get(client, CHILD_PROTECTION_URL))
    assert from_parts(*get(client, CHILD_PROTECTION_URL))


def test_the_worker_keeps_the_parts_of_the_pages_a_release_changed(client, site):
    from pages.prebuild import prebuild

    indicator = Indicator.objects.get(slug="cpp-rate")
    result = prebuild([f"indicator:{indicator.pk}"])
    assert result["built"] >= 2
    assert from_parts(*get(client, CHILD_PROTECTION_URL))
    assert from_parts(*get(client, "/data/indicators/cpp-rate/"))


def test_a_long_address_is_kept_under_its_digest():
    short, long = key_of("/a/"), key_of("/" + "a" * 300 + "/")
    assert short == "page:/a/"
    assert long.startswith("page:sha256:") and len(long) <= 200
    assert key_of("/" + "b" * 300 + "/") != long


def test_parts_too_old_to_be_served_are_deleted_by_the_worker(client, site):
    from pages.tasks import publish_scheduled

    get(client, CHILD_PROTECTION_URL)
    get(client, "/a-z/")
    Prebuilt.objects.filter(key=key_of(CHILD_PROTECTION_URL)).update(
        built_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    blocks = Prebuilt.objects.exclude(key__startswith="page:").count()
    assert blocks > 0  # the topic page's sections
    assert publish_scheduled.call()["old pages forgotten"] == 1
    assert list(Prebuilt.objects.filter(key__startswith="page:").values_list("key", flat=True)) == [
        key_of("/a-z/")
    ]
    assert Prebuilt.objects.exclude(key__startswith="page:").count() == blocks
    assert from_parts(*get(client, "/a-z/"))
