"""What the public read about an indicator changes only through review: an officer's edit of
its definition, unit, polarity, small-number rule or methodology in the admin is kept as a
proposal, the indicator stays as it was until a publisher approves, and every step is in the
audit log. A publisher's own edit applies at once."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from indicators.definitions import ReviewRefused, approve, reject
from indicators.models import DefinitionChange, Indicator
from pages.services import create_officer
from tests.factories import TEAM, build_child_protection
from tests.pages.admin_forms import form_data

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


@pytest.fixture
def indicator(db) -> Indicator:
    build_child_protection(["referrals"])
    return Indicator.objects.get(slug="referrals-rate")


def client_for(username: str, **kwargs) -> tuple[Client, object]:
    user, _ = create_officer(username=username, password=PASSWORD, **kwargs)
    client = Client()
    client.force_login(user)
    return client, user


def edit(client: Client, indicator: Indicator, **changes: str):
    url = reverse("admin:indicators_indicator_change", args=[indicator.pk])
    data = form_data(client.get(url), changes, form_id="indicator_form")
    return client.post(url, data, follow=True)


def test_an_officers_change_to_the_definition_waits_for_approval(indicator, client):
    officer_client, officer = client_for("officer", team=TEAM)
    publisher_client, publisher = client_for("publisher", role="Publisher")
    before = client.get(indicator.get_absolute_url()).content.decode()
    methodology = indicator.methodology

    response = edit(
        officer_client,
        indicator,
        polarity="high",
        methodology="Counted on the date of referral.",
        fingertips_id="90812",  # not read by the public as a definition: saved at once
    )

    assert "is waiting for a publisher&#x27;s approval" in response.content.decode()
    indicator.refresh_from_db()
    assert (indicator.polarity, indicator.methodology) == ("low", methodology)
    assert indicator.fingertips_id == 90812
    assert client.get(indicator.get_absolute_url()).content.decode().count("A low rate") == (
        before.count("A low rate")
    )
    (proposal,) = DefinitionChange.objects.all()
    assert proposal.proposed == {
        "polarity": "high",
        "methodology": "Counted on the date of referral.",
    }
    assert proposal.previous == {"polarity": "low", "methodology": methodology}
    page = officer_client.get(reverse("admin:indicators_indicator_change", args=[indicator.pk]))
    assert "Waiting for a publisher's approval" in page.content.decode()
    # The officer cannot approve it.
    with pytest.raises(ReviewRefused, match="Only a publisher"):
        approve(proposal, officer)

    listing = publisher_client.post(
        reverse("admin:indicators_definitionchange_changelist"),
        {"action": "approve_selected", "_selected_action": [proposal.pk]},
        follow=True,
    )

    assert "1 change approved." in listing.content.decode()
    indicator.refresh_from_db()
    assert indicator.polarity == "high"
    assert indicator.methodology == "Counted on the date of referral."
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == ("approved", publisher)
    details = list(
        AuditEvent.objects.filter(action="review")
        .order_by("at", "pk")
        .values_list("detail", flat=True)
    )
    assert details[0].startswith("Proposed a change to polarity, methodology")
    assert details[1].startswith("Approved officer's change to polarity, methodology")


def test_a_publishers_own_edit_applies_at_once(indicator):
    publisher_client, _ = client_for("publisher", role="Publisher")

    edit(publisher_client, indicator, decimal_places="2")

    indicator.refresh_from_db()
    assert indicator.decimal_places == 2
    assert not DefinitionChange.objects.exists()


def test_a_rejected_change_is_never_applied_and_a_stale_one_is_refused(indicator):
    officer_client, _ = client_for("officer", team=TEAM)
    _, publisher = client_for("publisher", role="Publisher")
    edit(officer_client, indicator, disclosure_threshold="5")
    edit(officer_client, indicator, source="Someone else")
    first, second = DefinitionChange.objects.order_by("proposed_at")

    reject(first, publisher)
    indicator.refresh_from_db()
    assert indicator.disclosure_threshold != 5
    with pytest.raises(ReviewRefused, match="already rejected"):
        approve(first, publisher)

    Indicator.objects.filter(pk=indicator.pk).update(source="Changed meanwhile")
    with pytest.raises(ReviewRefused, match="changed after this was proposed"):
        approve(second, publisher)
    indicator.refresh_from_db()
    assert indicator.source == "Changed meanwhile"
