"""A staged import is released after the released figure it revises (or the figure it adds)
was changed by someone else: the release overwrites silently, and undoing it afterwards
puts back a figure from before the other change, or deletes the other import's figure."""

import io
from decimal import Decimal

import pytest

from indicators.importing import UndoRefused, import_values, undo_import
from indicators.models import Value
from indicators.releases import publish_release
from tests.factories import LANCASHIRE, build_child_protection
from tests.pages.releases_review.helpers import stage

pytestmark = pytest.mark.django_db


def public(period="2012/13"):
    return (
        Value.objects.public()
        .filter(indicator__slug="referrals-rate", area__code=LANCASHIRE, period__code=period)
        .first()
    )


@pytest.fixture
def page(db):
    return build_child_protection(["about", "referrals"])


def test_a_figure_released_at_once_while_another_import_has_it_staged_is_refused(page):
    """An administrator's load released at once (import_values --publish) cannot slip a
    figure in under a staged import's: two versions of one figure would wait for release.
    It is refused by row, saying which import to release or discard first, and changes
    nothing; the staged import is then released and undone as usual."""
    assert public().value == Decimal("638.6")
    staged = stage(b"indicator,area_code,period,value\nreferrals-rate,E10000017,2012/13,500.0\n")
    direct = import_values(
        source=io.BytesIO(
            b"indicator,area_code,period,value\nreferrals-rate,E10000017,2012/13,610.0\n"
        ),
        file_name="direct.csv",
        stage=False,
    )
    assert direct.status == "rejected"
    assert f"Import #{staged.pk} has already staged a different figure" in direct.errors[0].message
    assert public().value == Decimal("638.6")
    publish_release(staged)
    assert public().value == Decimal("500.0")
    undo_import(staged)  # a correction: the staged import's figures withdrawn
    assert public().value == Decimal("638.6")


def test_undo_after_release_restores_over_an_admin_edit(page):
    staged = stage(b"indicator,area_code,period,value\nreferrals-rate,E10000017,2012/13,500.0\n")
    v = public()
    v.value = Decimal("600.0")
    v.save()  # an officer corrects the published figure in the admin meanwhile
    publish_release(staged)
    undo_import(staged)
    assert public().value == Decimal("600.0"), f"undo put back {public().value}, losing the edit"


def test_undo_of_a_release_that_added_a_figure_keeps_a_figure_released_since(page):
    staged = stage(b"indicator,area_code,period,value\nreferrals-rate,E10000017,2013/14,602.5\n")
    publish_release(staged)
    stage(
        b"indicator,area_code,period,value\nreferrals-rate,E10000017,2013/14,590.0\n",
        name="direct.csv",
        stage=False,
    )
    assert public("2013/14").value == Decimal("590.0")
    staged.refresh_from_db()
    with pytest.raises(UndoRefused):  # its figure was changed since: undo says so
        undo_import(staged)
    assert public("2013/14").value == Decimal("590.0")
