import pytest

from indicators.models import Area, ComparatorGroup
from tests.factories import DISTRICTS, lancashire_areas

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas(db):
    return lancashire_areas()


def test_preston_is_compared_with_its_county_region_and_country(areas):
    preston = Area.objects.get(code="E07000123")
    assert [a.code for a in preston.comparators()] == ["E10000017", "E12000002", "E92000001"]
    assert [a.display_name for a in preston.ancestors()] == [
        "Lancashire-12",
        "North West",
        "England",
    ]


def test_unitary_authorities_roll_up_to_the_region(areas):
    blackpool = Area.objects.get(code="E06000009")
    assert [a.code for a in blackpool.ancestors()] == ["E12000002", "E92000001"]
    assert Area.objects.get(code="E10000017").children.count() == len(DISTRICTS) == 4


def test_named_comparator_groups_follow_the_hierarchy(areas):
    lancashire = Area.objects.get(code="E10000017")
    group = ComparatorGroup.objects.create(name="Neighbouring authorities")
    group.areas.add(lancashire)
    group.members.add(*Area.objects.filter(code__in=["E06000008", "E06000009", "E10000017"]))
    assert [a.code for a in lancashire.comparators()] == [
        "E12000002",
        "E92000001",
        "E06000008",
        "E06000009",
    ]
