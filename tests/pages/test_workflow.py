"""Draft, review, publish, schedule and archive, as officers and publishers do them in the
admin, and what the public (and officers) see at each step."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from pages.models import Section, Status, Team, Topic, TopicLink
from pages.services import PUBLISHER, create_officer
from pages.workflow import publish_due
from tests.factories import SectionFactory, TopicFactory
from tests.pages.admin_forms import form_data, section_prefix

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
TEAM = "Adult health intelligence"
BANNER = "Draft: not published"
NOTICE = "This page has a draft of changes"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def site(db) -> dict[str, Topic]:
    """A published theme with a published topic and a draft topic under it; the team looks
    after both topics."""
    team = Team.objects.create(name=TEAM)
    health = TopicFactory(title="Health", slug="health")
    smoking = TopicFactory(title="Smoking", slug="smoking", parent=health, team=team)
    SectionFactory(topic=smoking, heading="Prevalence", anchor="prevalence", body="Published text.")
    vaping = TopicFactory(
        title="Vaping", slug="vaping", parent=health, team=team, status=Status.DRAFT,
        keywords="E-cigarettes", summary="Young people and vapes.",
    )  # fmt: skip
    SectionFactory(topic=vaping, heading="Use", anchor="use", body="Draft text about vapes.")
    link = TopicLink(topic=vaping, title="Vaping survey report")
    link.file.save("vaping-survey.pdf", ContentFile(PDF), save=False)
    link.full_clean()
    link.save()
    return {"health": health, "smoking": smoking, "vaping": vaping, "link": link}


def logged_in(username: str, **kwargs) -> Client:
    user, _ = create_officer(username=username, password=PASSWORD, **kwargs)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def officer(site) -> Client:
    """An officer of the team that looks after the topics."""
    return logged_in("olivia", team=TEAM)


@pytest.fixture
def other_officer(site) -> Client:
    return logged_in("bryn")


@pytest.fixture
def publisher(site) -> Client:
    return logged_in("petra", role=PUBLISHER)


def step(client: Client, topic: Topic, name: str, **data):
    url = reverse("admin:pages_topic_workflow", args=[topic.pk])
    return client.post(url, {"step": name, **data})


def change_url(topic: Topic) -> str:
    return reverse("admin:pages_topic_change", args=[topic.pk])


def html(response) -> str:
    return response.content.decode()


def save_section(client: Client, topic: Topic, anchor: str, body: str):
    data = form_data(client.get(change_url(topic)))
    data[f"{section_prefix(data, anchor)}-body"] = body
    response = client.post(change_url(topic), data)
    assert response.status_code == 302, response.context["errors"]
    return response


def reload(topic: Topic) -> Topic:
    return Topic.objects.get(pk=topic.pk)


# --- What a draft shows, and to whom -------------------------------------------------------


def test_a_draft_is_nowhere_on_the_public_site(client, site):
    vaping, smoking = site["vaping"], site["smoking"]

    assert client.get(vaping.get_absolute_url()).status_code == 404
    assert client.get(site["link"].href).status_code == 404
    found = html(client.get(reverse("pages:search"), {"q": "vaping"}))
    assert vaping.get_absolute_url() not in found and "No results" in found
    assert smoking.get_absolute_url() in html(client.get(reverse("pages:search"), {"q": "smoking"}))
    a_z = html(client.get(reverse("pages:a_z")))
    assert "Smoking" in a_z
    assert "Vaping" not in a_z and "E-cigarettes" not in a_z
    home = html(client.get(reverse("pages:home")))
    assert "Smoking" in home and "Vaping" not in home
    theme = html(client.get(site["health"].get_absolute_url()))
    assert smoking.get_absolute_url() in theme and vaping.get_absolute_url() not in theme
    assert "Vaping survey report" not in theme


@pytest.mark.parametrize("who", ["officer", "publisher"])
def test_officers_who_may_see_a_draft_get_it_with_a_banner(request, site, who):
    client = request.getfixturevalue(who)
    response = client.get(site["vaping"].get_absolute_url())
    assert response.status_code == 200
    page = html(response)
    assert BANNER in page
    assert "Draft text about vapes." in page
    assert site["link"].href in page  # the draft's own download, for checking
    assert client.get(site["link"].href).status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_an_officer_who_does_not_look_after_a_draft_gets_page_not_found(other_officer, site):
    assert other_officer.get(site["vaping"].get_absolute_url()).status_code == 404


def test_the_public_never_see_the_banner(client, officer, site):
    officer.get(site["smoking"].get_absolute_url())  # an officer's visit is never cached...
    page = html(client.get(site["smoking"].get_absolute_url()))
    assert BANNER not in page and NOTICE not in page
    assert "Published text." in page


# --- Editing a published page through a draft ------------------------------------------------


def start_editing(client: Client, topic: Topic) -> Topic:
    response = step(client, topic, "edit")
    draft = Topic.objects.get(draft_of=topic)
    assert response.status_code == 302
    assert response["Location"] == change_url(draft)
    return draft


def test_edit_as_a_draft_makes_one_draft_with_the_pages_content(officer, site):
    smoking = site["smoking"]
    draft = start_editing(officer, smoking)

    assert (draft.status, draft.title, draft.path, draft.parent) == (
        Status.DRAFT, "Smoking", smoking.path, smoking.parent,
    )  # fmt: skip
    assert list(draft.sections.values_list("anchor", "body")) == [("prevalence", "Published text.")]
    assert draft.team == smoking.team
    assert start_editing(officer, smoking) == draft  # again: the same draft
    assert Topic.objects.filter(draft_of=smoking).count() == 1
    assert "You are editing a draft of this page" in html(officer.get(change_url(draft)))


def test_the_published_page_cannot_be_changed_in_place(officer, site):
    smoking = site["smoking"]
    data = form_data(officer.get(change_url(site["vaping"])))  # any form will do
    response = officer.post(change_url(smoking), {**data, "title": "Changed in place"})
    assert response.status_code == 403
    assert reload(smoking).title == "Smoking"
    assert "Edit as a draft" in html(officer.get(change_url(smoking)))


def test_a_pending_draft_is_seen_only_by_its_officers_and_only_when_asked_for(
    client, officer, other_officer, site
):
    smoking = site["smoking"]
    draft = start_editing(officer, smoking)
    save_section(officer, draft, "prevalence", "Draft text.")
    url = smoking.get_absolute_url()

    public = html(client.get(url))
    assert "Published text." in public and "Draft text." not in public
    assert NOTICE not in public and BANNER not in public
    public = html(client.get(url, {"draft": "1"}))
    assert "Published text." in public and "Draft text." not in public and BANNER not in public

    own = html(officer.get(url))
    assert "Published text." in own and NOTICE in own and BANNER not in own
    own = html(officer.get(url, {"draft": "1"}))
    assert "Draft text." in own and "Published text." not in own and BANNER in own

    other = html(other_officer.get(url, {"draft": "1"}))
    assert "Published text." in other and NOTICE not in other and BANNER not in other


def test_submit_and_publish_put_the_draft_on_the_published_page(client, officer, publisher, site):
    smoking = site["smoking"]
    draft = start_editing(officer, smoking)
    save_section(officer, draft, "prevalence", "New text.")
    assert "Published text." in html(client.get(smoking.get_absolute_url()))

    step(officer, draft, "submit")
    assert reload(draft).status == Status.REVIEW
    response = step(publisher, draft, "publish")

    assert response.status_code == 302
    assert response["Location"] == change_url(smoking)
    assert not Topic.objects.filter(pk=draft.pk).exists()
    published = reload(smoking)
    assert published.status == Status.PUBLISHED
    assert published.get_absolute_url() == smoking.get_absolute_url()
    assert published.published_by.username == "petra"
    assert published.last_published_at > smoking.first_published_at
    assert list(published.sections.values_list("body", flat=True)) == ["New text."]
    assert Section.objects.filter(anchor="prevalence").count() == 1
    page = html(client.get(smoking.get_absolute_url()))
    assert "New text." in page and "Published text." not in page
    event = AuditEvent.objects.get(action=AuditEvent.Action.PUBLISH)
    assert event.actor.username == "petra"
    assert event.target == "Topic: Smoking"


def test_publishing_a_new_draft_puts_it_on_the_site(client, publisher, site):
    vaping = site["vaping"]
    step(publisher, vaping, "publish")
    vaping = reload(vaping)
    assert vaping.status == Status.PUBLISHED
    assert vaping.first_published_at == vaping.last_published_at
    assert client.get(vaping.get_absolute_url()).status_code == 200
    assert "Vaping" in html(client.get(reverse("pages:a_z")))
    assert client.get(site["link"].href).status_code == 200


def test_an_officer_cannot_publish_and_is_told_why(officer, site):
    response = officer.post(
        reverse("admin:pages_topic_workflow", args=[site["vaping"].pk]),
        {"step": "publish"},
        follow=True,
    )
    assert "Only a publisher can publish a page." in html(response)
    assert reload(site["vaping"]).status == Status.DRAFT
    assert not AuditEvent.objects.filter(action="publish").exists()


def test_an_officer_cannot_send_someone_elses_draft_for_review(other_officer, site):
    assert step(other_officer, site["vaping"], "submit").status_code == 403
    assert reload(site["vaping"]).status == Status.DRAFT


def test_a_publisher_returns_a_page_in_review_to_draft(officer, publisher, site):
    vaping = site["vaping"]
    step(officer, vaping, "submit")
    assert reload(vaping).status == Status.REVIEW

    step(officer, vaping, "return")
    assert reload(vaping).status == Status.REVIEW  # officers cannot

    response = step(publisher, vaping, "return", note="Add the 2024 survey.")
    assert response.status_code == 302
    assert reload(vaping).status == Status.DRAFT
    record = Topic.history.filter(id=vaping.pk).latest("history_date")
    assert record.history_change_reason == "Returned to draft: Add the 2024 survey."


def test_a_draft_of_a_published_page_cannot_take_another_pages_address(publisher, site):
    """Two pages under one parent may not share a slug; a draft may seem to, until published."""
    smoking = site["smoking"]
    draft = start_editing(publisher, smoking)
    Topic.objects.filter(pk=draft.pk).update(slug="vaping")
    step(publisher, site["vaping"], "publish")

    response = publisher.post(
        reverse("admin:pages_topic_workflow", args=[draft.pk]), {"step": "publish"}, follow=True
    )

    assert response.status_code == 200
    assert "Another page under the same parent has this slug." in html(response)
    assert reload(smoking).slug == "smoking"
    assert Topic.objects.filter(pk=draft.pk).exists()


def test_a_draft_cannot_put_its_published_page_under_its_own_child(publisher, site):
    health, smoking = site["health"], site["smoking"]
    draft = start_editing(publisher, health)
    Topic.objects.filter(pk=draft.pk).update(parent=smoking)

    response = publisher.post(
        reverse("admin:pages_topic_workflow", args=[draft.pk]), {"step": "publish"}, follow=True
    )

    assert "A page cannot sit under itself or its own sub-pages." in html(response)
    assert reload(health).parent is None
    assert reload(smoking).path == "health/smoking"


# --- Archive ----------------------------------------------------------------------------------


def test_archive_hides_the_page_and_its_children(client, officer, publisher, site):
    health, smoking = site["health"], site["smoking"]
    assert client.get(smoking.get_absolute_url()).status_code == 200

    step(officer, health, "archive", confirm="yes")
    assert reload(health).status == Status.PUBLISHED  # officers cannot

    step(publisher, health, "archive", confirm="yes")

    assert reload(health).status == Status.ARCHIVED
    assert client.get(health.get_absolute_url()).status_code == 404
    assert client.get(smoking.get_absolute_url()).status_code == 404
    assert "Smoking" not in html(client.get(reverse("pages:a_z")))
    assert "Health" not in html(client.get(reverse("pages:home")))
    assert AuditEvent.objects.filter(action="archive", target="Topic: Health").exists()

    step(publisher, health, "unarchive")
    assert reload(health).status == Status.DRAFT
    assert client.get(smoking.get_absolute_url()).status_code == 404  # until it is published


# --- Scheduled publishing ---------------------------------------------------------------------


def schedule(client: Client, topic: Topic, when: datetime.datetime):
    local = timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")  # as the datetime-local input
    return client.post(
        reverse("admin:pages_topic_workflow", args=[topic.pk]),
        {"step": "schedule", "publish_at": local},
        follow=True,
    )


def test_a_scheduled_draft_is_published_when_its_time_comes(client, publisher, site):
    vaping = site["vaping"]
    when = timezone.now() + datetime.timedelta(days=2)

    response = schedule(publisher, vaping, when)

    assert "It will be published on" in html(response)
    scheduled = reload(vaping)
    assert scheduled.publish_at == when.replace(second=0, microsecond=0)
    assert scheduled.published_by.username == "petra"
    assert AuditEvent.objects.filter(action="schedule").count() == 1

    call_command("publish_scheduled", verbosity=0)
    assert reload(vaping).status == Status.DRAFT
    assert publish_due(now=when - datetime.timedelta(minutes=1)) == []
    assert client.get(vaping.get_absolute_url()).status_code == 404

    Topic.objects.filter(pk=vaping.pk).update(publish_at=timezone.now() - datetime.timedelta(1))
    call_command("publish_scheduled", verbosity=0)

    published = reload(vaping)
    assert published.status == Status.PUBLISHED
    assert published.publish_at is None
    assert published.published_by.username == "petra"
    assert client.get(vaping.get_absolute_url()).status_code == 200
    event = AuditEvent.objects.get(action="publish")
    assert event.detail == "As scheduled."
    assert event.actor.username == "petra"


def test_publish_due_publishes_a_scheduled_draft_of_a_published_page(client, publisher, site):
    smoking = site["smoking"]
    draft = start_editing(publisher, smoking)
    save_section(publisher, draft, "prevalence", "Scheduled text.")
    when = timezone.now() + datetime.timedelta(hours=3)
    schedule(publisher, draft, when)

    assert publish_due(now=when - datetime.timedelta(minutes=1)) == []
    assert publish_due(now=when + datetime.timedelta(minutes=1)) == [reload(smoking)]

    assert not Topic.objects.filter(pk=draft.pk).exists()
    assert "Scheduled text." in html(client.get(smoking.get_absolute_url()))


def test_a_time_in_the_past_is_refused(publisher, site):
    response = schedule(publisher, site["vaping"], timezone.now() - datetime.timedelta(hours=1))
    assert "Choose a date and time in the future, or publish now." in html(response)
    assert reload(site["vaping"]).publish_at is None


def test_officers_cannot_schedule(officer, site):
    response = schedule(officer, site["vaping"], timezone.now() + datetime.timedelta(days=1))
    assert "Only a publisher can schedule a page." in html(response)
    assert reload(site["vaping"]).publish_at is None


def test_a_schedule_can_be_cancelled(publisher, site):
    vaping = site["vaping"]
    schedule(publisher, vaping, timezone.now() + datetime.timedelta(days=1))
    step(publisher, vaping, "unschedule")
    assert (reload(vaping).publish_at, reload(vaping).published_by) == (None, None)
    assert publish_due(now=timezone.now() + datetime.timedelta(days=2)) == []


def test_a_draft_is_told_at_once_that_its_address_or_parent_cannot_be(officer, site):
    draft = start_editing(officer, site["smoking"])
    data = form_data(officer.get(change_url(draft)))

    response = officer.post(change_url(draft), {**data, "slug": "vaping"})
    assert response.status_code == 200
    assert "Another page under the same parent has this slug." in html(response)

    response = officer.post(change_url(draft), {**data, "parent": str(site["smoking"].pk)})
    assert response.status_code == 200
    assert "A page cannot sit under itself or its own sub-pages." in html(response)
    assert reload(draft).parent == site["health"]


def test_a_scheduled_page_that_cannot_be_published_does_not_hold_up_the_others(
    publisher, site, caplog
):
    draft = start_editing(publisher, site["smoking"])
    Topic.objects.filter(pk=draft.pk).update(slug="vaping")  # another page's address
    when = timezone.now() + datetime.timedelta(hours=1)
    schedule(publisher, draft, when)
    schedule(publisher, site["vaping"], when + datetime.timedelta(minutes=5))

    published = publish_due(now=when + datetime.timedelta(hours=1))

    assert published == [reload(site["vaping"])]
    assert reload(draft).publish_at == when.replace(second=0, microsecond=0)  # still scheduled
    assert "was not published: Another page under the same parent has this slug." in caplog.text


# --- Discarding a draft; a draft of an archived page ---------------------------------------------


def test_an_officer_discards_a_draft_and_the_published_page_is_unchanged(
    client, officer, other_officer, site
):
    smoking = site["smoking"]
    step(officer, smoking, "edit")
    draft = Topic.objects.get(draft_of=smoking)
    save_section(officer, draft, "prevalence", "Text that will be thrown away.")

    step(other_officer, draft, "discard", confirm="yes")  # not theirs
    assert Topic.objects.filter(pk=draft.pk).exists()

    response = step(officer, draft, "discard", confirm="yes")
    assert response.status_code == 302 and response.url == change_url(smoking)
    assert not Topic.objects.filter(pk=draft.pk).exists()
    assert "Published text." in html(client.get(smoking.get_absolute_url()))
    assert Topic.history.filter(id=draft.pk, history_change_reason="Draft discarded").exists()


def test_a_draft_of_an_archived_page_is_not_published_until_the_page_is_back(
    client, officer, publisher, site
):
    smoking = site["smoking"]
    step(officer, smoking, "edit")
    draft = Topic.objects.get(draft_of=smoking)
    step(publisher, smoking, "archive", confirm="yes")

    response = publisher.post(
        reverse("admin:pages_topic_workflow", args=[draft.pk]), {"step": "publish"}, follow=True
    )
    assert "has been archived: bring it back" in html(response)
    assert reload(smoking).status == Status.ARCHIVED
    assert client.get(smoking.get_absolute_url()).status_code == 404


def test_publish_scheduled_dry_run_lists_and_publishes_nothing(publisher, site):
    from io import StringIO

    vaping = site["vaping"]
    schedule(publisher, vaping, timezone.now() + datetime.timedelta(hours=1))
    Topic.objects.filter(pk=vaping.pk).update(
        publish_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    out = StringIO()
    call_command("publish_scheduled", "--dry-run", stdout=out)
    assert "Due: “Vaping”" in out.getvalue() and "1 page(s) due" in out.getvalue()
    assert reload(vaping).status == Status.DRAFT
    call_command("publish_scheduled", stdout=StringIO())
    assert reload(vaping).status == Status.PUBLISHED
