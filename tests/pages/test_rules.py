"""Each step of the workflow has one rule, `workflow.can_<step>(user, topic)`, and the rule is
the whole truth about the step: for every kind of user and every state a page can be in, the
step is done exactly when the rule allows it (and otherwise refused, with the rule's reason),
and the admin offers the step's button exactly when the rule allows it.

The users are the officer who owns the page, an officer in the team that looks after it, an
officer who does not look after it, a publisher, an administrator (a member of the
Administrator group, not a superuser) and an anonymous visitor."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pages import history, workflow
from pages.models import Status, Team, Topic
from pages.permissions import AnyUser
from pages.services import ADMINISTRATOR, OFFICER, PUBLISHER, ensure_roles
from tests.factories import SectionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

USERS = ("owner", "team member", "other officer", "publisher", "administrator", "anonymous")
STATES = (
    "draft",
    "in review",
    "scheduled",
    "published",
    "published, with a draft",
    "draft of a published page",
    "draft of a published page, in review",
    "draft of an archived page",
    "archived",
)
STEP = re.compile(r'name="step" value="(\w+)"')


def later() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=1)


def earlier_moment(topic: Topic) -> datetime.datetime:
    """A moment the page can be reverted to, as its Changes offer it."""
    return next(change.at for change in history.changes(topic) if change.revertable)


# The steps: the rule that decides each, and how to take it (returning whether it was done).
Rule = Callable[[AnyUser, Topic], workflow.Verdict]
Take = Callable[[Topic, AnyUser], bool]


def succeeds(step: Callable[[Topic, AnyUser], Topic]) -> Take:
    """Take a step that refuses by raising WorkflowError: done if it returns."""
    return lambda topic, user: bool(step(topic, user))


STEPS: dict[str, tuple[Rule, Take]] = {
    # A page that is not published is edited as it is: the step gives it back, not a draft.
    "edit": (
        workflow.can_start_draft,
        lambda topic, user: workflow.start_draft(topic, user).draft_of_id == topic.pk,
    ),
    "submit": (workflow.can_submit_for_review, succeeds(workflow.submit_for_review)),
    "return": (workflow.can_return_to_draft, succeeds(workflow.return_to_draft)),
    "publish": (workflow.can_publish, succeeds(workflow.publish)),
    "schedule": (workflow.can_schedule, succeeds(lambda t, u: workflow.schedule(t, u, later()))),
    "unschedule": (workflow.can_schedule, succeeds(lambda t, u: workflow.schedule(t, u, None))),
    "archive": (workflow.can_archive, succeeds(workflow.archive)),
    "unarchive": (workflow.can_unarchive, succeeds(workflow.unarchive)),
    "discard": (workflow.can_discard, succeeds(workflow.discard)),
    "revert": (
        workflow.can_revert,
        succeeds(lambda t, u: history.revert(t, earlier_moment(t), u)),
    ),
}


@pytest.fixture
def people(db) -> dict[str, AnyUser]:
    groups = ensure_roles()
    team = Team.objects.create(name="Adult health intelligence")

    def staff(username: str, role: str) -> AnyUser:
        user = UserFactory(username=username, is_staff=True)
        user.groups.add(groups[role])
        return user

    users = {
        "owner": staff("owner", OFFICER),
        "team member": staff("member", OFFICER),
        "other officer": staff("other", OFFICER),
        "publisher": staff("publisher", PUBLISHER),
        "administrator": staff("administrator", ADMINISTRATOR),
        "anonymous": AnonymousUser(),
    }
    team.members.add(users["team member"])
    Team.objects.create(name="Another team").members.add(users["other officer"])
    return users


def build(state: str, people: dict[str, AnyUser]) -> Topic:
    """A page (owned by the owner, looked after by the team) in the given state, with a
    section and an earlier moment to revert to."""
    owner, publisher = people["owner"], people["publisher"]
    page = TopicFactory(
        title="Smoking",
        slug="smoking",
        status=Status.DRAFT if state in ("draft", "in review", "scheduled") else Status.PUBLISHED,
        owner=owner,
        team=Team.objects.get(name="Adult health intelligence"),
    )
    SectionFactory(topic=page, heading="Prevalence", anchor="prevalence", body="First.")
    if state == "in review":
        workflow.submit_for_review(page, owner)
    elif state == "scheduled":
        workflow.schedule(page, publisher, later())
    elif state == "archived":
        workflow.archive(page, publisher)
    if "with a draft" not in state and not state.startswith("draft of"):
        return page
    draft = workflow.start_draft(page, owner)
    if state.endswith("in review"):
        workflow.submit_for_review(draft, owner)
    elif state == "draft of an archived page":
        workflow.archive(page, publisher)
    return page if "with a draft" in state else draft


def offered(user: AnyUser, topic: Topic) -> set[str]:
    """The steps the topic's admin page (and its Changes) offer the user a button for."""
    client = Client()
    if user.is_authenticated:
        client.force_login(user)
    steps: set[str] = set()
    page = client.get(reverse("admin:pages_topic_change", args=[topic.pk]))
    if page.status_code == 200:
        steps.update(STEP.findall(page.content.decode()))
    changes = client.get(reverse("admin:pages_topic_changes", args=[topic.pk]))
    if changes.status_code == 200 and "Revert to this" in changes.content.decode():
        steps.add("revert")
    return steps


def take(step: Take, topic: Topic, user: AnyUser | None) -> tuple[bool, str]:
    """Take a step on the topic as it is stored, then undo it: whether it was done, and the
    reason it was refused (if it was, in words)."""
    with transaction.atomic():
        try:
            done, reason = step(Topic.objects.get(pk=topic.pk), user), ""
        except workflow.WorkflowError as error:
            done, reason = False, str(error)
        transaction.set_rollback(True)
    return done, reason


@pytest.mark.parametrize("state", STATES)
def test_each_rule_is_what_the_step_does_and_what_the_admin_offers(people, state):
    topic = build(state, people)
    mismatches = []
    for who in USERS:
        user = people[who]
        buttons = offered(user, topic)
        for name, (rule, step) in STEPS.items():
            verdict = rule(user, topic)
            allowed = bool(verdict)
            done, reason = take(step, topic, user)
            shown = name in buttons
            # The schedule is cancelled from a button only when there is one to cancel.
            expected_shown = allowed and (name != "unschedule" or topic.publish_at is not None)
            if done != allowed or shown != expected_shown or reason not in ("", verdict.reason):
                mismatches.append((who, name, verdict, done, reason, shown))
    assert mismatches == []


@pytest.mark.parametrize("state", STATES)
def test_a_scheduled_publication_is_held_to_the_same_rule(people, state):
    """The scheduler publishes as nobody in particular: the publisher approved it before."""
    topic = build(state, people)
    verdict = workflow.can_publish(None, topic, scheduled=True)
    publish = succeeds(lambda t, _: workflow.publish(t, None, scheduled=True))
    done, reason = take(publish, topic, None)
    assert (done, reason) == (bool(verdict), verdict.reason)


def test_the_rules_say_why_they_refuse(people):
    draft = build("draft", people)
    officer, other = people["owner"], people["other officer"]

    assert workflow.can_submit_for_review(officer, draft)
    assert workflow.can_submit_for_review(other, draft) == workflow.Verdict(
        False, "You may not edit this page.", forbidden=True
    )
    assert workflow.can_publish(officer, draft).reason == "Only a publisher can publish a page."
    refused = workflow.can_archive(people["publisher"], draft)
    assert (refused.reason, refused.forbidden) == ("Only a published page can be archived.", False)
