"""The small Child protection site (tests/factories.py), with everything the public must not
see through the API beside what it may:

- Burnley's count of children with a plan on 31 March 2013 is 3, withheld by the small-number
  rule (and Chorley's 47 with it, as a second figure that would give it away);
- an indicator no published page shows (`hidden-indicator`, figure 4242.4), and another shown
  only on a draft page (`draft-only-indicator`, figure 5151.5);
- a staged import: Lancashire-12's 2012/13 referrals rate as 500.0 (released: 638.6) and a
  new period 2014/15 (602.5), neither released;
- a released import (its release listed by /changes).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

import pytest

from indicators.importing import import_values
from indicators.models import ImportBatch, Indicator, Period
from indicators.releases import publish_release
from pages.models import Topic
from tests.factories import (
    LANCASHIRE,
    ChildProtection,
    IndicatorFactory,
    SectionFactory,
    TopicFactory,
    ValueFactory,
    build_child_protection,
)
from tests.pages.releases_review.helpers import small_numbers

BURNLEY, CHORLEY = "E07000117", "E07000118"
#: Figures the public must never be given, in any form.
SECRETS = ("4242.4", "5151.5", "500.0", "602.5", "2014/15")
STAGED = (
    b"indicator,area_code,period,value\n"
    b"referrals-rate,E10000017,2012/13,500.0\n"
    b"referrals-rate,E10000017,2014/15,602.5\n"
)
RELEASED = b"indicator,area_code,period,value\nre-referrals,E10000017,2013/14,28.1\n"


def import_file(data: bytes, name: str) -> ImportBatch:
    report = import_values(source=io.BytesIO(data), file_name=name, user=None, stage=True)
    assert report.status == "applied", report.summary()
    assert report.batch is not None
    return report.batch


@dataclass
class ApiSite:
    built: ChildProtection
    withheld: Indicator
    hidden: Indicator
    draft_only: Indicator
    draft: Topic
    staged: ImportBatch
    released: ImportBatch


@pytest.fixture
def site(db) -> ApiSite:
    built = build_child_protection()
    withheld, _counts = small_numbers()  # Burnley 3 withheld, Chorley 47 with it
    lancashire = built.areas[LANCASHIRE]
    period = Period.objects.get(code="2012/13")
    hidden = IndicatorFactory(slug="hidden-indicator", name="Hidden indicator", is_public=False)
    ValueFactory(indicator=hidden, area=lancashire, period=period, value=Decimal("4242.4"))
    draft_only = IndicatorFactory(
        slug="draft-only-indicator", name="Draft-only indicator", is_public=False
    )
    ValueFactory(indicator=draft_only, area=lancashire, period=period, value=Decimal("5151.5"))
    draft = TopicFactory(slug="draft-page", title="A draft page", status="draft", area=lancashire)
    SectionFactory(topic=draft, indicator=draft_only, anchor="draft-section")
    released = publish_release(import_file(RELEASED, "released.csv"), note="2013/14 added.")
    staged = import_file(STAGED, "staged.csv")
    return ApiSite(built, withheld, hidden, draft_only, draft, staged, released)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    """Tests make hundreds of requests from one address: the limit is off unless a test is
    about it (tests/api/test_http.py sets its own)."""
    settings.API_RATE_LIMIT = ""
