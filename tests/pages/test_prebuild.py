"""After a release, the task worker builds again the public pages that its figures changed
(pages/prebuild.py), so the first visitor gets a page already built."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Prebuilt
from indicators.importing import import_values
from indicators.models import Area
from pages.prebuild import pages_showing
from tests.factories import BLACKPOOL, CHILD_PROTECTION_URL, PRESTON, build_child_protection

pytestmark = pytest.mark.django_db

FILE = (
    f"indicator,area_code,period,breakdown,value,status\ncpp-rate,{PRESTON},2013-03-31,,70.1,\n"
).encode()


@pytest.fixture
def site(db):
    return build_child_protection()


def test_the_pages_a_release_changed_are_built_before_anyone_asks(
    client, site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = import_values(source=io.BytesIO(FILE), file_name="p.csv")
    assert report.figures_changed == 1
    keys = set(Prebuilt.objects.values_list("key", flat=True))
    assert any(key.startswith("topic-section:") for key in keys)
    assert any(key.startswith("indicator-trend:") for key in keys)
    assert any(key.startswith("area-figures:") for key in keys)
    # The topic page is in the page cache already: one query (the check) serves it.
    with CaptureQueriesContext(connection) as captured:
        html = client.get(CHILD_PROTECTION_URL).content.decode()
    assert len(captured) == 1
    assert "70.1" in html


def test_only_the_pages_that_show_the_figures(site):
    preston = Area.objects.get(code=PRESTON)
    indicator = site.indicators["cpp-rate"]
    paths = pages_showing([f"indicator:{indicator.pk}", f"area:{preston.pk}"])
    assert paths == [
        CHILD_PROTECTION_URL,
        indicator.get_absolute_url(),
        preston.get_absolute_url(),
    ]
    assert Area.objects.get(code=BLACKPOOL).get_absolute_url() not in paths
