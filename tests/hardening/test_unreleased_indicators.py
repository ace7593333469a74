"""Finding 3 of the hardening issue: an indicator only on a draft page was public (its page,
the indicators list and its downloads showed the figures). Now an indicator is public only
when a published page shows it, or an administrator has made it public on its own."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from pages.services import create_officer
from tests.factories import (
    AreaFactory,
    IndicatorFactory,
    PeriodFactory,
    SectionFactory,
    TopicFactory,
    ValueFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def unreleased(db):
    indicator = IndicatorFactory(slug="new-measure", name="A new measure", is_public=False)
    area = AreaFactory(code="E07000123", name="Preston")
    ValueFactory(
        indicator=indicator, area=area, period=PeriodFactory(code="2012/13"), value=Decimal("41.5")
    )
    draft = TopicFactory(title="Draft page", slug="draft-page", status="draft")
    SectionFactory(topic=draft, heading="New", anchor="new", indicator=indicator)
    return indicator, area, draft


def addresses(indicator, area) -> list[str]:
    return [
        indicator.get_absolute_url(),
        reverse("indicators:indicator_download", args=[indicator.slug, "csv"]),
        reverse("indicators:values_download", args=["csv"]) + f"?indicator={indicator.slug}",
    ]


def test_an_indicator_only_on_a_draft_page_is_not_public(unreleased, client):
    indicator, area, draft = unreleased

    for address in addresses(indicator, area):
        assert client.get(address).status_code == 404, address
    assert "A new measure" not in client.get(reverse("indicators:indicator_list")).content.decode()
    assert "41.5" not in client.get(area.get_absolute_url()).content.decode()
    # An officer still sees it.
    officer = create_officer(username="officer", password="a-long-test-password")[0]
    staff = Client()
    staff.force_login(officer)
    assert staff.get(indicator.get_absolute_url()).status_code == 200


def test_it_is_public_once_a_published_page_shows_it_or_it_is_made_public(unreleased, client):
    indicator, area, draft = unreleased
    draft.status = "published"
    draft.save()

    for address in addresses(indicator, area):
        assert client.get(address).status_code == 200, address
    assert "41.5" in client.get(area.get_absolute_url()).content.decode()

    draft.status = "draft"
    draft.save()
    indicator.is_public = True
    indicator.save()
    assert client.get(indicator.get_absolute_url()).status_code == 200
    assert "A new measure" in client.get(reverse("indicators:indicator_list")).content.decode()
