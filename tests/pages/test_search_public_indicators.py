"""The site search finds the indicators the public may see, as `Indicator.objects.public()`
decides: those a published page shows, and those an administrator has made public on their
own (`Indicator.is_public`), which it used to miss; never one only on a draft page."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from indicators.models import Indicator
from pages.search import find, parse_query
from tests.factories import IndicatorFactory, SectionFactory, TopicFactory

pytestmark = pytest.mark.django_db


def found_indicators(q: str) -> set[int]:
    return {hit.pk for hit in find(parse_query(q)).hits if hit.kind == "indicator"}


def result_urls(client, q: str) -> list[str]:
    response = client.get(f"/search/?{urlencode({'q': q})}")
    assert response.status_code == 200
    return re.findall(
        r'<h3 class="search-result__title"><a href="([^"]+)">', response.content.decode()
    )


def test_an_indicator_public_on_its_own_is_found_one_on_a_draft_page_only_is_not(client):
    on_its_own = IndicatorFactory(name="Walrus sightings", slug="walrus-sightings", is_public=True)
    draft = TopicFactory(title="Seals", status="draft")
    drafted = IndicatorFactory(name="Walrus strandings", slug="walrus-strandings", is_public=False)
    SectionFactory(topic=draft, indicator=drafted, heading="Strandings")
    shown = IndicatorFactory(name="Walrus counts", slug="walrus-counts", is_public=False)
    SectionFactory(topic=TopicFactory(title="Coasts"), indicator=shown, heading="Counts")

    assert set(Indicator.objects.public().filter(name__startswith="Walrus")) == {
        on_its_own,
        shown,
    }
    assert found_indicators("walrus") == {on_its_own.pk, shown.pk}
    urls = result_urls(client, "walrus")
    assert on_its_own.get_absolute_url() in urls
    assert shown.get_absolute_url() in urls
    assert drafted.get_absolute_url() not in urls


def test_an_indicator_neither_public_nor_on_a_published_page_is_not_found(client):
    IndicatorFactory(name="Walrus tusks", is_public=False)

    assert found_indicators("walrus") == set()
    assert result_urls(client, "walrus") == []
