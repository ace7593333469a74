"""Every change to a page, who made it and when; the difference between two versions, word by
word; and reverting to an earlier version, through the admin's Changes screen."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.models import AuditEvent
from indicators.models import Area, Period, Value
from pages.models import Section, Status, Team, Topic
from pages.services import PUBLISHER, create_officer
from pages.workflow import publish_due
from tests.factories import IndicatorFactory, SectionFactory, TopicFactory
from tests.pages.admin_forms import form_data, section_prefix

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
TEAM = "Adult health intelligence"


def logged_in(username: str, **kwargs) -> tuple[Client, object]:
    user, _ = create_officer(username=username, password=PASSWORD, **kwargs)
    client = Client()
    client.force_login(user)
    return client, user


@pytest.fixture
def team(db) -> Team:
    return Team.objects.create(name=TEAM)


@pytest.fixture
def officer(team) -> Client:
    return logged_in("olivia", team=TEAM)[0]


@pytest.fixture
def publisher(db) -> Client:
    return logged_in("petra", role=PUBLISHER)[0]


@pytest.fixture
def draft(team) -> Topic:
    topic = TopicFactory(title="Smoking", slug="smoking", status=Status.DRAFT, team=team)
    SectionFactory(topic=topic, heading="Prevalence", anchor="prevalence", sort_order=1,
                   body="Fewer adults smoke than ten years ago.")  # fmt: skip
    SectionFactory(topic=topic, heading="Quitting", anchor="quitting", sort_order=2,
                   body="Quit services help.")  # fmt: skip
    return topic


def change_url(topic: Topic) -> str:
    return reverse("admin:pages_topic_change", args=[topic.pk])


def changes_url(topic: Topic) -> str:
    return reverse("admin:pages_topic_changes", args=[topic.pk])


def save(client: Client, topic: Topic, changes: dict[str, str], **sections: str):
    """Save the topic's change form with `changes`, and `sections` (anchor=new body)."""
    data = form_data(client.get(change_url(topic)))
    data.update(changes)
    for anchor, body in sections.items():
        data[f"{section_prefix(data, anchor)}-body"] = body
    response = client.post(change_url(topic), data)
    assert response.status_code == 302, response.context["errors"]
    return response


def bodies(topic: Topic) -> dict[str, str]:
    return dict(Section.objects.filter(topic=topic).values_list("anchor", "body"))


def revert_times(page: str) -> list[str]:
    """The moments the Changes screen offers to revert to, newest first."""
    return re.findall(r'name="at" value="([^"]+)"', page)


def offered(client: Client, topic: Topic, at: datetime.datetime) -> str:
    """The "Revert to this" button's moment for the change made at `at`."""
    (value,) = [v for v in revert_times(client.get(changes_url(topic)).content.decode())
                if parse_datetime(v) == at]  # fmt: skip
    return value


def newest_change(client: Client, topic: Topic) -> datetime.datetime:
    return client.get(changes_url(topic)).context["changes"][0].at


def compare_links(page: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]*/changes/compare/[^"]*)"', page)]


def test_every_save_in_the_admin_records_who_and_when(officer, draft):
    before = timezone.now()

    save(officer, draft, {"title": "Smoking in adults"}, prevalence="One adult in eight smokes.")

    page = Topic.history.filter(id=draft.pk).latest("history_date")
    section = Section.history.filter(topic_id=draft.pk).latest("history_date")
    for record in (page, section):
        assert record.history_user.username == "olivia"
        assert before <= record.history_date <= timezone.now()
    assert (page.title, page.history_type) == ("Smoking in adults", "~")
    assert (section.body, section.history_type) == ("One adult in eight smokes.", "~")
    assert Section.history.filter(topic_id=draft.pk, history_user__isnull=False).count() == 1


def test_the_changes_screen_lists_each_change_with_its_author(officer, draft, team):
    other, _ = logged_in("tariq", team=TEAM)
    save(officer, draft, {}, prevalence="One adult in eight smokes.")
    save(other, draft, {"title": "Smoking in adults"})

    response = officer.get(changes_url(draft))

    assert response.status_code == 200
    table = response.content.decode().split('<table class="topic-changes">')[1]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("</table>")[0], flags=re.S)[1:]
    assert "tariq" in rows[0] and "Page changed" in rows[0]
    assert "olivia" in rows[1] and "Section “Prevalence” changed" in rows[1]
    assert "(the system)" in rows[-1]  # made by the factories, outside a request
    assert len(rows) == 5  # the page and two sections created, then two changes
    assert [c.user.username for c in response.context["changes"][:2]] == ["tariq", "olivia"]


def test_compare_shows_the_words_changed_in_a_section(officer, draft):
    save(officer, draft, {}, prevalence="Fewer adults smoke than five years ago.")
    changes = officer.get(changes_url(draft)).content.decode()

    response = officer.get(compare_links(changes)[0])  # the newest change, with the one before

    assert response.status_code == 200
    (difference,) = response.context["differences"]
    assert difference.what == "Section “Prevalence”: narrative"
    assert "<del>ten</del><ins>five</ins>" in difference.html
    page = response.content.decode()
    assert "Fewer adults smoke than <del>ten</del><ins>five</ins> years ago." in page


def test_compare_shows_what_a_draft_changes_on_its_published_page(officer, team):
    page = TopicFactory(title="Smoking", slug="smoking", team=team)
    SectionFactory(topic=page, heading="Prevalence", anchor="prevalence", body="Old words.")
    officer.post(reverse("admin:pages_topic_workflow", args=[page.pk]), {"step": "edit"})
    pending = Topic.objects.get(draft_of=page)
    save(officer, pending, {}, prevalence="New words.")

    response = officer.get(reverse("admin:pages_topic_compare", args=[pending.pk]), {"draft": "1"})

    assert "<del>Old</del><ins>New</ins> words." in response.content.decode()


def test_reverting_a_draft_puts_back_its_text_and_sections(officer, draft):
    save(officer, draft, {"title": "Smoking in adults"}, prevalence="Changed text.")
    saved_at = newest_change(officer, draft)
    data = form_data(officer.get(change_url(draft)))
    quitting = section_prefix(data, "quitting")
    data.update({
        "title": "Tobacco",
        f"{section_prefix(data, 'prevalence')}-body": "Changed again.",
        f"{quitting}-DELETE": "on",
        "sections-TOTAL_FORMS": "3",
        "sections-2-heading": "Vaping",
        "sections-2-anchor": "vaping",
        "sections-2-body": "A new section.",
        "sections-2-sort_order": "3",
    })  # fmt: skip
    assert officer.post(change_url(draft), data).status_code == 302
    assert bodies(draft) == {"prevalence": "Changed again.", "vaping": "A new section."}

    version = offered(officer, draft, saved_at)
    response = officer.post(
        reverse("admin:pages_topic_revert", args=[draft.pk]), {"at": version, "confirm": "yes"}
    )

    assert response.status_code == 302
    assert response["Location"] == change_url(draft)
    draft.refresh_from_db()
    assert draft.title == "Smoking in adults"
    assert bodies(draft) == {"prevalence": "Changed text.", "quitting": "Quit services help."}
    assert list(draft.sections.values_list("anchor", flat=True)) == ["prevalence", "quitting"]
    record = Topic.history.filter(id=draft.pk).latest("history_date")
    assert record.history_user.username == "olivia"
    assert record.history_change_reason.startswith("Reverted to the version of")
    assert AuditEvent.objects.filter(action="revert", target="Topic: Smoking in adults").exists()


def test_reverting_a_published_page_makes_a_draft_and_leaves_the_public_page(
    client, officer, publisher, team
):
    page = TopicFactory(title="Smoking", slug="smoking", team=team)
    SectionFactory(topic=page, heading="Prevalence", anchor="prevalence", body="First words.")
    workflow = reverse("admin:pages_topic_workflow", args=[page.pk])
    officer.post(workflow, {"step": "edit"})
    pending = Topic.objects.get(draft_of=page)
    save(officer, pending, {}, prevalence="Second words.")
    publisher.post(reverse("admin:pages_topic_workflow", args=[pending.pk]), {"step": "publish"})
    assert "Second words." in client.get(page.get_absolute_url()).content.decode()
    (written,) = [  # the page as it was first published: once its section was written
        change.at
        for change in officer.get(changes_url(page)).context["changes"]
        if (change.kind, change.action, change.in_draft) == ("section", "created", False)
    ]
    first = offered(officer, page, written)

    response = officer.post(
        reverse("admin:pages_topic_revert", args=[page.pk]), {"at": first, "confirm": "yes"}
    )

    reverted = Topic.objects.get(draft_of=page)
    assert response["Location"] == change_url(reverted)
    assert bodies(reverted) == {"prevalence": "First words."}
    assert bodies(page) == {"prevalence": "Second words."}
    public = client.get(page.get_absolute_url()).content.decode()
    assert "Second words." in public and "First words." not in public

    publisher.post(reverse("admin:pages_topic_workflow", args=[reverted.pk]), {"step": "publish"})

    public = client.get(page.get_absolute_url()).content.decode()
    assert "First words." in public and "Second words." not in public
    assert not Topic.objects.filter(draft_of=page).exists()


def test_reverting_a_page_with_a_pending_draft_says_the_draft_is_replaced(officer, team):
    page = TopicFactory(title="Smoking", slug="smoking", team=team)
    SectionFactory(topic=page, heading="Prevalence", anchor="prevalence", body="First words.")
    first = offered_first(officer, page)
    officer.post(reverse("admin:pages_topic_workflow", args=[page.pk]), {"step": "edit"})
    pending = Topic.objects.get(draft_of=page)
    save(officer, pending, {}, prevalence="Unpublished words.")

    response = officer.post(
        reverse("admin:pages_topic_revert", args=[page.pk]),
        {"at": first, "confirm": "yes"},
        follow=True,
    )

    assert "replacing what the draft held" in response.content.decode()
    assert Topic.objects.get(draft_of=page).pk == pending.pk  # the same draft, its text replaced
    assert bodies(pending) == {"prevalence": "First words."}
    record = Section.history.filter(topic_id=pending.pk, body="Unpublished words.")
    assert record.exists()  # what it held is in its history


def offered_first(client: Client, topic: Topic) -> str:
    """The moment its first section was written, as the Changes screen offers it (once a
    later change makes it a moment to go back to)."""
    SectionFactory(topic=topic, heading="Later", anchor="later", body="Later words.")
    (written,) = [
        change.at
        for change in client.get(changes_url(topic)).context["changes"]
        if change.parts == ["Section “Prevalence” created"]
    ]
    return offered(client, topic, written)


def test_an_officer_who_does_not_look_after_the_page_cannot_revert_it(draft):
    owner, _ = logged_in("olivia", team=TEAM)
    save(owner, draft, {}, prevalence="Changed text.")
    (version,) = revert_times(owner.get(changes_url(draft)).content.decode())[:1]
    stranger, _ = logged_in("bryn")

    assert stranger.get(changes_url(draft)).status_code == 403
    response = stranger.post(
        reverse("admin:pages_topic_revert", args=[draft.pk]), {"at": version, "confirm": "yes"}
    )

    assert response.status_code == 403
    assert bodies(draft)["prevalence"] == "Changed text."


def test_value_edits_in_the_admin_are_in_the_values_history(officer, draft):
    indicator = IndicatorFactory(slug="smoking-prevalence", name="Smoking prevalence")
    Section.objects.filter(topic=draft, anchor="prevalence").update(indicator=indicator)
    area = Area.objects.create(code="E07000123", name="Preston", area_type="district")
    period = Period.objects.create(code="2012/13", label="2012/13", kind="fy",
                                   start_date="2012-04-01", end_date="2013-03-31")  # fmt: skip
    value = Value.objects.create(indicator=indicator, area=area, period=period, value="12.5")
    url = reverse("admin:indicators_value_change", args=[value.pk])
    data = form_data(officer.get(url), form_id="value_form")

    response = officer.post(url, {**data, "value": "13.1"})

    assert response.status_code == 302, response.context["errors"]
    record = Value.history.filter(id=value.pk).latest("history_date")
    assert (record.value, record.history_user.username) == (Decimal("13.1"), "olivia")
    history = officer.get(reverse("admin:indicators_value_history", args=[value.pk]))
    assert "olivia" in history.content.decode()


def test_reverting_keeps_who_looks_after_the_page(officer, publisher, draft, team):
    """Ownership is not content: an officer's revert does not give the page back to whoever
    looked after it then (which would take it from them, and they may not change it)."""
    stranger, _ = create_officer(username="bryn", password=PASSWORD)
    Topic.objects.filter(pk=draft.pk).update(team=None, owner=stranger)
    save(publisher, draft, {"title": "Smoking then"})
    version_at = newest_change(publisher, draft)
    save(publisher, draft, {"title": "Smoking now", "owner": "", "team": str(team.pk)})

    response = officer.post(
        reverse("admin:pages_topic_revert", args=[draft.pk]),
        {"at": offered(officer, draft, version_at), "confirm": "yes"},
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Smoking then"
    assert (draft.owner, draft.team) == (None, team)


def test_reverting_to_an_address_another_page_has_taken_is_refused_in_words(officer, draft, team):
    old_at = newest_change(officer, draft)
    save(officer, draft, {"slug": "smoking-and-tobacco"})
    save(officer, draft, {}, prevalence="Changed text.")
    TopicFactory(title="Smoking (new)", slug="smoking", status=Status.DRAFT)

    response = officer.post(
        reverse("admin:pages_topic_revert", args=[draft.pk]),
        {"at": offered(officer, draft, old_at), "confirm": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    assert "Another theme has this slug." in response.content.decode()
    draft.refresh_from_db()
    assert draft.slug == "smoking-and-tobacco"
    assert bodies(draft)["prevalence"] == "Changed text."


def test_a_published_pages_changes_include_those_made_in_its_drafts(officer, publisher, team):
    page = TopicFactory(title="Smoking", slug="smoking", team=team)
    SectionFactory(topic=page, heading="Prevalence", anchor="prevalence", body="First words.")
    officer.post(reverse("admin:pages_topic_workflow", args=[page.pk]), {"step": "edit"})
    pending = Topic.objects.get(draft_of=page)
    save(officer, pending, {"title": "Smoking in adults"}, prevalence="Second words.")
    publisher.post(reverse("admin:pages_topic_workflow", args=[pending.pk]), {"step": "publish"})

    response = publisher.get(changes_url(page))

    changes = response.context["changes"]
    by_olivia = [c for c in changes if c.in_draft and c.user.username == "olivia"]
    parts = [part for change in by_olivia for part in change.parts]
    assert "Section “Prevalence” changed in a draft" in parts
    assert "Page changed in a draft" in parts
    # Her save of the title and the section is one entry, not two.
    assert any(len(change.parts) == 2 for change in by_olivia)
    assert changes[0].user.username == "petra" and not changes[0].in_draft
    page_html = response.content.decode()
    assert "olivia" in page_html and "in a draft" in page_html
    # A draft's changes are not moments of the published page: nothing to revert to there.
    assert len(revert_times(page_html)) == len([c for c in changes if not c.in_draft]) - 1


def test_an_officer_cannot_take_another_pages_figure_through_its_history_form(draft):
    stranger, bryn = logged_in("bryn")
    mine = IndicatorFactory(slug="obesity", name="Obesity")
    SectionFactory(topic=TopicFactory(title="Obesity", slug="obesity", owner=bryn), indicator=mine)
    theirs = IndicatorFactory(slug="smoking-prevalence", name="Smoking prevalence")
    area = Area.objects.create(code="E07000123", name="Preston", area_type="district")
    period = Period.objects.create(code="2012/13", label="2012/13", kind="fy",
                                   start_date="2012-04-01", end_date="2013-03-31")  # fmt: skip
    value = Value.objects.create(indicator=theirs, area=area, period=period, value="12.5")
    record = value.history.latest("history_date")
    assert (
        stranger.get(reverse("admin:indicators_value_change", args=[value.pk])).status_code == 200
    )
    url = reverse("admin:indicators_value_simple_history", args=[value.pk, record.history_id])
    data = {"indicator": mine.pk, "area": area.pk, "period": period.pk, "value": "99",
            "status": "available"}  # fmt: skip

    response = stranger.post(url, data)

    assert response.status_code == 403
    value.refresh_from_db()
    assert (value.indicator, value.value) == (theirs, Decimal("12.5"))


def test_a_scheduled_publication_is_one_version_of_the_page(officer, publisher, team):
    """Outside a request (the scheduler) the records of one publication share a save id, so
    the page's Changes offer the whole publication, not a half-published page."""
    page = TopicFactory(title="Smoking", slug="smoking", team=team)
    SectionFactory(topic=page, heading="Prevalence", anchor="prevalence", body="First words.")
    SectionFactory(topic=page, heading="Quitting", anchor="quitting", body="Quit words.")
    officer.post(reverse("admin:pages_topic_workflow", args=[page.pk]), {"step": "edit"})
    pending = Topic.objects.get(draft_of=page)
    save(officer, pending, {}, prevalence="Second words.")
    when = timezone.now() + datetime.timedelta(hours=1)
    workflow_url = reverse("admin:pages_topic_workflow", args=[pending.pk])
    publisher.post(workflow_url, {"step": "schedule", "publish_at": f"{when:%Y-%m-%dT%H:%M}"})
    assert publish_due(now=when + datetime.timedelta(minutes=5)) == [page]

    newest = publisher.get(changes_url(page)).context["changes"][0]
    assert not newest.in_draft and newest.save_id
    # The page, the draft it replaced, the two sections that gave way and the two that moved
    # over: one entry.
    assert len(newest.parts) == 6, newest.parts
    assert "Page deleted in a draft: Published: this draft replaced the published page" in (
        newest.parts
    )
    records = Section.history.filter(save_id=newest.save_id, topic_id=page.pk)
    assert records.count() == 4


def test_the_demo_pages_arrive_as_one_version(demo):
    from pages.demo import content

    page = Topic.objects.get(path=content.CHILD_PROTECTION)
    ids = set(Section.history.filter(topic_id=page.pk).values_list("save_id", flat=True))
    ids |= set(Topic.history.filter(id=page.pk).values_list("save_id", flat=True))
    assert len(ids) == 1 and "" not in ids
