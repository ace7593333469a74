"""Finding 12 of the hardening issue: a published page's Changes list showed its pending
draft's headings to officers who may not see that draft."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pages.models import Section
from pages.services import create_officer
from pages.workflow import start_draft
from tests.factories import TEAM, build_child_protection

pytestmark = pytest.mark.django_db

SECRET = "Referrals: the 2013/14 figures, before release"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_pending_drafts_changes_are_listed_only_to_those_who_may_see_it():
    page = build_child_protection(["about", "referrals"]).page
    owner = create_officer(username="owner", password="a-long-test-password", team=TEAM)[0]
    stranger = create_officer(username="stranger", password="a-long-test-password")[0]
    draft = start_draft(page, owner)
    section = Section.objects.get(topic=draft, anchor="referrals")
    section.heading = SECRET
    section.save()
    url = reverse("admin:pages_topic_changes", args=[page.pk])

    seen_by_owner = client_for(owner).get(url)
    seen_by_stranger = client_for(stranger).get(url)

    assert seen_by_owner.status_code == seen_by_stranger.status_code == 200
    assert SECRET in seen_by_owner.content.decode()
    assert SECRET not in seen_by_stranger.content.decode()
