"""Steps that lose something ask first, saying what will be lost: discarding a draft,
archiving a page, reverting to an earlier version. Each button opens a page with what goes
and a button that confirms; without that confirmation the step does nothing, whether the
request is a GET or a POST."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from pages import history
from pages.models import Section, Status, Team, Topic
from pages.services import PUBLISHER, create_officer
from tests.factories import SectionFactory, TopicFactory
from tests.pages.admin_forms import form_data, section_prefix

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
TEAM = "Adult health intelligence"


@pytest.fixture
def site(db) -> dict[str, Topic]:
    """A published theme, with a published topic under it that the team looks after."""
    team = Team.objects.create(name=TEAM)
    health = TopicFactory(title="Health", slug="health", team=team)
    smoking = TopicFactory(title="Smoking", slug="smoking", parent=health, team=team)
    SectionFactory(topic=smoking, heading="Prevalence", anchor="prevalence", body="Published text.")
    return {"health": health, "smoking": smoking}


def logged_in(username: str, **kwargs) -> Client:
    user, _ = create_officer(username=username, password=PASSWORD, **kwargs)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def officer(site) -> Client:
    return logged_in("olivia", team=TEAM)


@pytest.fixture
def publisher(site) -> Client:
    return logged_in("petra", role=PUBLISHER)


def workflow_url(topic: Topic) -> str:
    return reverse("admin:pages_topic_workflow", args=[topic.pk])


def change_url(topic: Topic) -> str:
    return reverse("admin:pages_topic_change", args=[topic.pk])


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def draft(site, officer) -> Topic:
    """The officer's draft of Smoking, with a new sentence in Prevalence."""
    smoking = site["smoking"]
    officer.post(workflow_url(smoking), {"step": "edit"})
    draft = Topic.objects.get(draft_of=smoking)
    data = form_data(officer.get(change_url(draft)))
    prefix = section_prefix(data, "prevalence")
    data[f"{prefix}-body"] = "Published text. A new sentence that took a morning."
    assert officer.post(change_url(draft), data).status_code == 302
    return draft


# --- Discard a draft --------------------------------------------------------------------------


def test_discard_opens_a_page_that_says_what_will_be_lost(draft, officer):
    page = html(officer.get(change_url(draft)))
    # The button asks for the confirmation page; it does not post the step.
    button = re.search(
        r'<form method="get" action="([^"]+)">\s*<input type="hidden" name="step" '
        r'value="discard">',
        page,
    )
    assert button is not None and button.group(1) == workflow_url(draft)

    asked = officer.get(workflow_url(draft), {"step": "discard"})

    assert asked.status_code == 200
    text = html(asked)
    assert "Discard the draft of “Smoking”?" in text
    assert "These changes to the published page will be lost." in text
    assert '<ins><span class="diff-label">added</span> A new sentence that took a morning.' in text
    assert 'name="confirm" value="yes"' in text
    assert "No, keep the draft" in text
    assert Topic.objects.filter(pk=draft.pk).exists()


def test_discard_does_nothing_without_the_confirmation(draft, officer):
    for response in (
        officer.post(workflow_url(draft), {"step": "discard"}),  # the old button's post
        officer.get(workflow_url(draft), {"step": "discard", "confirm": "yes"}),  # a link
    ):
        assert response.status_code == 200
        assert "Yes, discard the draft" in html(response)
    assert Topic.objects.filter(pk=draft.pk).exists()

    confirmed = officer.post(workflow_url(draft), {"step": "discard", "confirm": "yes"})

    assert confirmed.status_code == 302
    assert not Topic.objects.filter(pk=draft.pk).exists()


def test_the_discard_page_is_not_shown_to_someone_who_may_not_see_the_draft(draft):
    stranger = logged_in("bryn")
    assert stranger.get(workflow_url(draft), {"step": "discard"}).status_code == 403


# --- Archive a page ---------------------------------------------------------------------------


def test_archive_says_which_pages_leave_the_public_site_and_needs_confirming(site, publisher):
    health = site["health"]
    assert 'name="step" value="archive"' in html(publisher.get(change_url(health)))

    asked = publisher.get(workflow_url(health), {"step": "archive"})

    text = html(asked)
    assert "Archive “Health”?" in text
    assert "“Health” and the 1 published page under it will be taken off the public site" in text
    assert "“Smoking” (health/smoking)" in text
    assert "page not found" in text
    not_confirmed = publisher.post(workflow_url(health), {"step": "archive"})
    assert not_confirmed.status_code == 200
    health.refresh_from_db()
    assert health.status == Status.PUBLISHED

    publisher.post(workflow_url(health), {"step": "archive", "confirm": "yes"})

    health.refresh_from_db()
    assert health.status == Status.ARCHIVED


def test_archive_refused_by_its_rule_says_why_instead_of_asking(site, officer):
    response = officer.get(workflow_url(site["health"]), {"step": "archive"}, follow=True)
    assert "Only a publisher can archive a page." in html(response)


# --- Revert to an earlier version -------------------------------------------------------------


def test_revert_shows_what_it_would_change_and_needs_confirming(draft, officer):
    first = next(change.at for change in history.changes(draft) if change.revertable)
    changes = html(officer.get(reverse("admin:pages_topic_changes", args=[draft.pk])))
    assert re.search(r'<form method="get" action="[^"]+/changes/revert/"', changes)
    url = reverse("admin:pages_topic_revert", args=[draft.pk])

    asked = officer.get(url, {"at": first.isoformat()})

    text = html(asked)
    assert asked.status_code == 200
    assert "Revert “Smoking” to" in text
    assert "What it holds now and will lose" in text
    assert (
        '<del><span class="diff-label">removed</span> A new sentence that took a morning.</del>'
        in text
    )
    officer.post(url, {"at": first.isoformat()})  # no confirmation
    assert "A new sentence" in Section.objects.get(topic=draft).body

    officer.post(url, {"at": first.isoformat(), "confirm": "yes"})

    assert Section.objects.get(topic=draft).body == "Published text."


def test_revert_of_a_published_page_says_its_draft_is_replaced(draft, site, officer):
    smoking = site["smoking"]
    first = history.changes(smoking)[-1].at
    text = html(
        officer.get(
            reverse("admin:pages_topic_revert", args=[smoking.pk]), {"at": first.isoformat()}
        )
    )
    assert "The page&#x27;s draft will hold the content as it was at" in text
    assert "The published page stays as it is until the draft is published." in text
