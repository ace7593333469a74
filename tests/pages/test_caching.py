from decimal import Decimal

import pytest

from core.caching import current_version
from indicators.models import Value
from pages.models import Section
from tests.factories import CHILD_PROTECTION_URL as URL
from tests.factories import build_child_protection

pytestmark = pytest.mark.django_db


@pytest.fixture
def child_protection(db):
    return build_child_protection(["about", "district-rates"])


def preston():
    return Value.objects.get(
        area__code="E07000123", indicator__slug="cpp-rate", period__code="2013-03-31"
    )


def test_cached_page_costs_one_query(client, child_protection, django_assert_num_queries):
    first = client.get(URL)
    with django_assert_num_queries(1):  # the content version
        second = client.get(URL)
    assert second.content == first.content


def test_a_data_change_shows_at_once(client, child_protection):
    assert "73.3" in client.get(URL).content.decode()
    value = preston()
    value.value = Decimal("81.9")
    value.save()
    html = client.get(URL).content.decode()
    assert "81.9" in html


def test_narrative_and_deletes_bump_the_version(client, child_protection):
    before = current_version()
    section = Section.objects.get(anchor="about")
    section.body = "New words."
    section.save()
    assert current_version() == before + 1
    assert "New words." in client.get(URL).content.decode()
    preston().delete()
    assert current_version() == before + 2


def test_officers_are_never_served_a_cached_page(
    client, child_protection, admin_user, django_assert_max_num_queries
):
    client.get(URL)
    client.force_login(admin_user)
    response = client.get(URL)
    assert response.status_code == 200
    assert len(response.content) > 0
