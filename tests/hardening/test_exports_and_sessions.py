"""Findings 7 and 13 of the hardening issue: the admin's exports (django-import-export) must
not write live spreadsheet formulas, as the public downloads do not; and an officer's login
lasts until the browser closes, and 12 hours at the most."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from indicators.resources import AreaResource, IndicatorResource, ValueResource
from pages.services import create_officer
from tests.factories import AreaFactory, IndicatorFactory, PeriodFactory, ValueFactory

pytestmark = pytest.mark.django_db


def test_admin_exports_neutralise_formulas_and_keep_negative_figures():
    area = AreaFactory(code="E07000123", name='=HYPERLINK("http://evil.example","Preston")')
    indicator = IndicatorFactory(
        slug="net-gain", name="+SUM(A1:A9)", unit="count", multiplier=1, allows_negative=True
    )
    ValueFactory(
        indicator=indicator,
        area=area,
        period=PeriodFactory(code="2012/13"),
        value=Decimal("-40"),
        note="@cmd|' /C calc'!A0",
    )

    values = ValueResource().export()
    areas = AreaResource().export()
    indicators = IndicatorResource().export()

    row = values.dict[0]
    assert row["note"] == "'@cmd|' /C calc'!A0"
    assert str(row["value"]).startswith("-40")  # a figure, not text with an apostrophe
    assert areas.dict[0]["name"].startswith("'=HYPERLINK")
    assert indicators.dict[0]["name"] == "'+SUM(A1:A9)"


def test_an_officers_login_ends_with_the_browser_and_after_12_hours():
    user, password = create_officer(username="officer", password="a-long-test-password")
    client = Client()

    response = client.post(reverse("admin:login"), {"username": "officer", "password": password})

    assert response.status_code == 302
    session = client.session
    assert session.get_expire_at_browser_close()
    assert session.get_expiry_age() == 12 * 60 * 60
    assert client.cookies["sessionid"]["expires"] == ""  # a cookie for this browser session
