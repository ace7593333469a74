"""Two officers editing the same draft at once, through the admin's change form: the second to
save over a change they did not see is refused, told who made it and what it says, and keeps
their own text in the form; changes to other sections or fields are not lost either way."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from pages.models import Section, Team, Topic
from pages.services import create_officer
from tests.factories import SectionFactory, TopicFactory
from tests.pages.admin_forms import form_data, section_prefix

pytestmark = pytest.mark.django_db

TEAM = "Public health intelligence"
PASSWORD = "a-long-test-password"


@pytest.fixture
def topic(db) -> Topic:
    topic = TopicFactory(title="Smoking", slug="smoking", status="draft")
    topic.team = Team.objects.create(name=TEAM)
    topic.save()
    SectionFactory(
        topic=topic,
        heading="Prevalence",
        anchor="prevalence",
        body="Fewer adults smoke.",
        sort_order=1,
    )
    SectionFactory(
        topic=topic, heading="Quitting", anchor="quitting", body="Quit services help.", sort_order=2
    )
    return topic


def officer_client(username: str) -> Client:
    user, _ = create_officer(username=username, password=PASSWORD, team=TEAM)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def olivia(topic) -> Client:
    return officer_client("olivia")


@pytest.fixture
def tariq(topic) -> Client:
    return officer_client("tariq")


def change_url(topic: Topic) -> str:
    return reverse("admin:pages_topic_change", args=[topic.pk])


def open_form(client: Client, topic: Topic) -> dict:
    return form_data(client.get(change_url(topic)))


def body(topic: Topic, anchor: str) -> str:
    return Section.objects.get(topic=topic, anchor=anchor).body


def edit(data: dict, anchor: str, field: str, value: str) -> dict:
    return {**data, f"{section_prefix(data, anchor)}-{field}": value}


def test_the_change_form_carries_the_version_each_officer_saw(topic, olivia):
    data = open_form(olivia, topic)
    prefix = section_prefix(data, "prevalence")
    section = Section.objects.get(topic=topic, anchor="prevalence")
    assert data["seen_version"] == str(topic.edit_version)
    assert data[f"{prefix}-seen_version"] == str(section.edit_version)
    assert data["sections-TOTAL_FORMS"] == "2"


def test_a_save_over_a_newer_change_to_the_same_section_is_refused(topic, olivia, tariq):
    first, second = open_form(olivia, topic), open_form(tariq, topic)

    saved = olivia.post(
        change_url(topic), edit(first, "prevalence", "body", "Olivia: one adult in eight smokes.")
    )
    assert saved.status_code == 302
    assert body(topic, "prevalence") == "Olivia: one adult in eight smokes."

    refused = tariq.post(
        change_url(topic), edit(second, "prevalence", "body", "Tariq: smoking is at a record low.")
    )

    assert refused.status_code == 200  # the form again, with the reason
    html = refused.content.decode()
    assert "olivia saved a change to this" in html
    assert escape("Olivia: one adult in eight smokes.") in html  # what she saved
    assert "Tariq: smoking is at a record low." in html  # his text, still in the form
    again = form_data(refused)
    assert again[f"{section_prefix(again, 'prevalence')}-body"] == (
        "Tariq: smoking is at a record low."
    )
    assert body(topic, "prevalence") == "Olivia: one adult in eight smokes."
    assert body(topic, "quitting") == "Quit services help."


def test_after_reloading_the_second_officer_can_save(topic, olivia, tariq):
    first, second = open_form(olivia, topic), open_form(tariq, topic)
    olivia.post(change_url(topic), edit(first, "prevalence", "body", "Olivia's text."))
    assert (
        tariq.post(change_url(topic), edit(second, "prevalence", "body", "Tariq's.")).status_code
        == 200
    )

    reloaded = open_form(tariq, topic)
    response = tariq.post(change_url(topic), edit(reloaded, "prevalence", "body", "Tariq's."))

    assert response.status_code == 302
    assert body(topic, "prevalence") == "Tariq's."


def test_a_change_to_another_section_is_saved_and_keeps_the_first_change(topic, olivia, tariq):
    first, second = open_form(olivia, topic), open_form(tariq, topic)
    olivia.post(change_url(topic), edit(first, "prevalence", "body", "Olivia's prevalence."))

    response = tariq.post(change_url(topic), edit(second, "quitting", "body", "Tariq's quitting."))

    assert response.status_code == 302, response.context["errors"]
    assert body(topic, "quitting") == "Tariq's quitting."
    assert body(topic, "prevalence") == "Olivia's prevalence."  # not put back by Tariq's form


def test_a_save_over_a_newer_title_is_refused(topic, olivia, tariq):
    first, second = open_form(olivia, topic), open_form(tariq, topic)
    assert (
        olivia.post(change_url(topic), {**first, "title": "Smoking in adults"}).status_code == 302
    )

    refused = tariq.post(change_url(topic), {**second, "title": "Tobacco"})

    assert refused.status_code == 200
    html = refused.content.decode()
    assert "olivia saved a change to this" in html
    assert escape("title “Smoking in adults”") in html
    assert form_data(refused)["title"] == "Tobacco"
    topic.refresh_from_db()
    assert topic.title == "Smoking in adults"


def test_a_section_change_over_a_newer_title_keeps_the_title(topic, olivia, tariq):
    first, second = open_form(olivia, topic), open_form(tariq, topic)
    olivia.post(change_url(topic), {**first, "title": "Smoking in adults"})

    response = tariq.post(change_url(topic), edit(second, "quitting", "body", "Tariq's quitting."))

    assert response.status_code == 302, response.context["errors"]
    topic.refresh_from_db()
    assert topic.title == "Smoking in adults"
    assert body(topic, "quitting") == "Tariq's quitting."


def test_a_title_change_over_a_newer_section_change_keeps_the_section(topic, olivia, tariq):
    first, second = open_form(olivia, topic), open_form(tariq, topic)
    olivia.post(change_url(topic), edit(first, "prevalence", "body", "Olivia's prevalence."))

    response = tariq.post(change_url(topic), {**second, "title": "Tobacco"})

    assert response.status_code == 302, response.context["errors"]
    topic.refresh_from_db()
    assert topic.title == "Tobacco"
    assert body(topic, "prevalence") == "Olivia's prevalence."


def test_a_section_deleted_by_one_officer_is_not_brought_back_by_the_other(topic, olivia, tariq):
    first, second = open_form(olivia, topic), open_form(tariq, topic)
    prefix = section_prefix(first, "quitting")
    olivia.post(change_url(topic), {**first, f"{prefix}-DELETE": "on"})
    assert not Section.objects.filter(topic=topic, anchor="quitting").exists()

    tariq.post(change_url(topic), edit(second, "prevalence", "body", "Tariq's prevalence."))

    assert not Section.objects.filter(topic=topic, anchor="quitting").exists()


def test_saving_the_refused_form_again_is_refused_again_not_dropped(topic, olivia, tariq):
    first, second = open_form(olivia, topic), open_form(tariq, topic)
    olivia.post(change_url(topic), edit(first, "prevalence", "body", "Olivia's text."))
    refused = tariq.post(change_url(topic), edit(second, "prevalence", "body", "Tariq's text."))

    again = tariq.post(change_url(topic), form_data(refused))  # "Save" on the redisplayed form

    assert again.status_code == 200
    assert "olivia saved a change to this" in again.content.decode()
    assert body(topic, "prevalence") == "Olivia's text."


def test_a_change_kept_in_a_form_shown_again_for_another_error_is_saved_with_the_fix(topic, olivia):
    data = open_form(olivia, topic)
    data = edit(data, "prevalence", "body", "Olivia's text.")
    data = edit(data, "quitting", "body", "See {{no-such-indicator}}.")

    shown_again = olivia.post(change_url(topic), data)
    assert shown_again.status_code == 200
    assert "no-such-indicator" in shown_again.content.decode()

    fixed = edit(form_data(shown_again), "quitting", "body", "Quit services help a lot.")
    assert olivia.post(change_url(topic), fixed).status_code == 302
    assert body(topic, "prevalence") == "Olivia's text."
    assert body(topic, "quitting") == "Quit services help a lot."
