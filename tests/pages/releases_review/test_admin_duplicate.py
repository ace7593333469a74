"""Adding a figure in the admin for a key that already has a released figure: the unique
constraints now include is_staged (not a form field), so the form's check is skipped and the
save fails with an IntegrityError (a 500) instead of “There is already a value …”."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from indicators.models import Value
from tests.factories import LANCASHIRE, build_child_protection

pytestmark = pytest.mark.django_db


def test_admin_add_of_a_duplicate_value_is_a_form_error_not_a_crash(db):
    build_child_protection(["about", "referrals"])
    existing = Value.objects.get(
        indicator__slug="referrals-rate", area__code=LANCASHIRE, period__code="2012/13"
    )
    admin = get_user_model().objects.create_superuser("root", "r@example.org", "a-long-pass-123")
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    response = client.post(
        reverse("admin:indicators_value_add"),
        {
            "indicator": existing.indicator_id,
            "area": existing.area_id,
            "period": existing.period_id,
            "breakdown": "",
            "value": "1.0",
            "status": "available",
            "note": "",
            "count": "",
            "denominator": "",
            "lower_ci": "",
            "upper_ci": "",
        },
    )
    assert response.status_code == 200 and b"There is already a value" in response.content
