"""Findings 6 and 8 of the hardening issue: a period outside any sane range is refused by row,
with a message, in the admin's import and in `import_values` (never an HTTP 500 or a
traceback); a period after the end of next year is refused unless the indicator's figures are
projections."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from indicators.importing import import_values
from indicators.models import Period, Value
from pages.services import create_officer
from tests.factories import IndicatorFactory, lancashire_areas
from tests.indicators.runs import through_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    lancashire_areas()
    return IndicatorFactory(slug="rate", name="A rate", unit="rate", multiplier=10000)


def csv(period: str) -> bytes:
    return f"indicator,area_code,period,value\nrate,E07000123,{period},12.5\n".encode()


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("0001/02", "“0001/02” would be a period from 1 to 2: periods are read from 1900 to 2100"),
        ("31/12/9999", "periods are read from 1900 to 2100"),
        ("1899", "periods are read from 1900 to 2100"),
    ],
)
def test_an_insane_period_is_refused_by_row(site, period, message, tmp_path):
    report = import_values(source=io.BytesIO(csv(period)), file_name="f.csv")

    assert report.rejected
    (error,) = report.errors
    assert error.row == 2 and message in error.message
    path = tmp_path / "f.csv"
    path.write_bytes(csv(period))
    out = StringIO()
    with pytest.raises(CommandError, match="was rejected"):
        call_command("import_values", str(path), stdout=out, stderr=StringIO())
    assert message in out.getvalue()
    assert not Value.objects.exists()
    assert not Period.objects.filter(code__in=["0001/02", "9999-12-31", "1899"]).exists()


def test_the_admin_import_answers_with_the_row_not_a_500(site):
    user, password = create_officer(username="officer", password="a-long-test-password")
    user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)

    response = through_run(
        client,
        client.post(
            reverse("admin:indicators_value_import"),
            {
                "file": SimpleUploadedFile("f.csv", csv("0001/02"), "text/csv"),
                "file_format": "auto",
            },
        ),
    )

    assert response.status_code == 200
    assert "periods are read from 1900 to 2100" in response.content.decode()


def test_a_future_period_needs_a_projection(site):
    future = str(timezone.localdate().year + 3)

    refused = import_values(source=io.BytesIO(csv(future)), file_name="f.csv")

    assert refused.rejected
    assert "after the end of next year" in refused.errors[0].message
    next_year = import_values(
        source=io.BytesIO(csv(str(timezone.localdate().year + 1))), file_name="g.csv"
    )
    assert next_year.status == "applied"
    site.is_projection = True
    site.save()
    projected = import_values(source=io.BytesIO(csv(future)), file_name="h.csv")
    assert projected.status == "applied", projected.summary()
