"""Undo (a correction) of a released import while a later import staged over its figures:
the later import keeps a snapshot of the withdrawn figure as "what it was before", and
undoing it later puts the withdrawn, erroneous figure back in public."""

from decimal import Decimal

import pytest

from indicators.importing import undo_import
from indicators.models import Value
from indicators.releases import publish_release
from tests.factories import LANCASHIRE, build_child_protection
from tests.pages.releases_review.helpers import stage

pytestmark = pytest.mark.django_db


def public():
    return (
        Value.objects.public()
        .get(indicator__slug="referrals-rate", area__code=LANCASHIRE, period__code="2012/13")
        .value
    )


def test_withdrawn_figure_comes_back(db):
    build_child_protection(["about", "referrals"])
    wrong = stage(
        b"indicator,area_code,period,value\nreferrals-rate,E10000017,2012/13,500.0\n",
        name="wrong.csv",
    )
    publish_release(wrong)
    later = stage(
        b"indicator,area_code,period,value\nreferrals-rate,E10000017,2012/13,450.0\n",
        name="later.csv",
    )
    undo_import(wrong, notice="500.0 was an error")  # correction: back to 638.6
    assert public() == Decimal("638.6")
    publish_release(later)
    assert public() == Decimal("450.0")
    undo_import(later)
    assert public() == Decimal("638.6"), (
        f"undo of the later import put back {public()}, the withdrawn figure"
    )


def test_undo_of_a_release_deletes_under_a_staged_twin(db):
    build_child_protection(["about", "referrals"])
    wrong = stage(
        b"indicator,area_code,period,value\nreferrals-rate,E10000017,2013/14,700.0\n",
        name="wrong.csv",
    )
    publish_release(wrong)
    later = stage(
        b"indicator,area_code,period,value\nreferrals-rate,E10000017,2013/14,602.5\n",
        name="later.csv",
    )
    undo_import(wrong)  # the 2013/14 figure is deleted
    publish_release(later)
    undo_import(later)
    left = list(
        Value.objects.public()
        .filter(indicator__slug="referrals-rate", period__code="2013/14")
        .values_list("value", flat=True)
    )
    assert left == [], f"undoing the later import resurrected the withdrawn figure: {left}"
