"""Finding 10 of the hardening issue: a topic with more than about 60 sections could not be
saved (Django's 1,000-field limit; each section posts about 16 fields) and the edit was lost
behind a bare HTTP 400. The limit is raised deliberately, with this test of a long page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pages.models import Section, Team
from pages.services import create_officer
from tests.factories import SectionFactory, TopicFactory
from tests.pages.admin_forms import form_data, section_prefix

pytestmark = pytest.mark.django_db

SECTIONS = 150


def test_a_page_of_150_sections_is_saved_with_an_edit_to_its_last(db):
    topic = TopicFactory(title="Long page", slug="long-page", status="draft")
    topic.team = Team.objects.create(name="Public health intelligence")
    topic.save()
    for n in range(SECTIONS):
        SectionFactory(
            topic=topic, heading=f"Part {n}", anchor=f"part-{n}", body="Text.", sort_order=n
        )
    user, _ = create_officer(
        username="olivia", password="a-long-test-password", team="Public health intelligence"
    )
    client = Client()
    client.force_login(user)
    url = reverse("admin:pages_topic_change", args=[topic.pk])
    data = form_data(client.get(url))
    assert len(data) > 1_000  # beyond Django's default limit
    last = section_prefix(data, f"part-{SECTIONS - 1}")
    data[f"{last}-body"] = "The last part, edited."

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:500]
    assert Section.objects.get(topic=topic, anchor=f"part-{SECTIONS - 1}").body == (
        "The last part, edited."
    )
    assert Section.objects.filter(topic=topic).count() == SECTIONS
