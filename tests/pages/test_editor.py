"""The topic editor in the admin, as officers use it: a save that meets someone else's newer
change refuses only the part they changed (saving the rest, showing what they saved word by
word, at the top of the form, and offering to replace it); a live figure that would show
“figure not available” is saved only once confirmed; the live-figure help offers only
references that show a figure on the page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from indicators.models import Area
from pages.admin.narrative import figure_help
from pages.models import Section, Team, Topic
from pages.services import create_officer
from tests.factories import TEAM as CHILD_PROTECTION_TEAM
from tests.factories import SectionFactory, TopicFactory, build_child_protection
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
        body="Fewer adults smoke than ten years ago.",
        sort_order=1,
    )
    SectionFactory(
        topic=topic, heading="Quitting", anchor="quitting", body="Quit services help.", sort_order=2
    )
    return topic


def officer_client(username: str, team: str = TEAM) -> Client:
    user, _ = create_officer(username=username, password=PASSWORD, team=team)
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


def body(topic: Topic, anchor: str) -> str:
    return Section.objects.get(topic=topic, anchor=anchor).body


def edit(data: dict, anchor: str, field: str, value: str) -> dict:
    return {**data, f"{section_prefix(data, anchor)}-{field}": value}


def conflict_after_olivia_saves(topic, olivia, tariq, **tariq_changes):
    """Both open the page; Olivia changes Prevalence and saves; Tariq then saves his form with
    Prevalence and the other changes given (anchor or field -> value)."""
    first, second = (
        form_data(olivia.get(change_url(topic))),
        form_data(tariq.get(change_url(topic))),
    )
    saved = olivia.post(
        change_url(topic),
        edit(first, "prevalence", "body", "Fewer adults smoke than twenty years ago."),
    )
    assert saved.status_code == 302
    data = edit(second, "prevalence", "body", "Tariq: one adult in eight smokes.")
    for name, value in tariq_changes.items():
        if name in ("quitting", "prevalence"):
            data = edit(data, name, "body", value)
        else:
            data[name] = value
    return tariq.post(change_url(topic), data)


# --- A conflict refuses only its part ---------------------------------------------------------


def test_a_conflict_saves_the_other_sections_and_refuses_only_the_conflicting_one(
    topic, olivia, tariq
):
    response = conflict_after_olivia_saves(
        topic, olivia, tariq, quitting="Tariq: quit services double success.", summary="Tobacco."
    )

    assert response.status_code == 200
    assert body(topic, "quitting") == "Tariq: quit services double success."  # saved
    topic.refresh_from_db()
    assert topic.summary == "Tobacco."  # the page's own fields too
    assert body(topic, "prevalence") == "Fewer adults smoke than twenty years ago."  # Olivia's
    html = response.content.decode()
    assert "Saved: the page&#x27;s own fields, the section “Quitting”." in html
    assert "The changes listed below were not saved." in html
    again = form_data(response)
    prefix = section_prefix(again, "prevalence")
    assert again[f"{prefix}-body"] == "Tariq: one adult in eight smokes."  # his, still there
    assert again[f"{section_prefix(again, 'quitting')}-body"] == (
        "Tariq: quit services double success."
    )


def test_what_they_saved_is_a_labelled_word_by_word_difference(topic, olivia, tariq):
    html = conflict_after_olivia_saves(topic, olivia, tariq).content.decode()

    detail = html[html.index('class="conflict-detail"') :]
    # Against what Tariq's form showed: “ten” became “twenty”, marked in words, not colour.
    assert (
        'Fewer adults smoke than <del><span class="diff-label">removed</span> ten </del>'
        '<ins><span class="diff-label">added</span> twenty </ins>years ago.'
    ) in detail
    assert "Removed words are struck through and marked “removed”" in detail


def test_the_conflict_is_announced_at_the_top_of_the_form_with_a_link_to_the_section(
    topic, olivia, tariq
):
    response = conflict_after_olivia_saves(topic, olivia, tariq)

    html = response.content.decode()
    summary = html.index('class="error-summary"')
    assert summary < html.index("<fieldset")  # above every field of the form
    index = section_prefix(form_data(response), "prevalence").removeprefix("sections-")
    link = re.search(r'<a href="#sections-(\d+)">olivia saved a change to “Prevalence”', html)
    assert link is not None and link.group(1) == index
    assert f'id="sections-{index}"' in html  # where the link goes


def test_the_other_sections_come_back_as_saved_so_the_next_save_is_not_refused(
    topic, olivia, tariq
):
    refused = conflict_after_olivia_saves(topic, olivia, tariq, quitting="Tariq's quitting.")
    data = form_data(refused)
    prefix = section_prefix(data, "prevalence")
    token = re.search(rf'name="{prefix}-replace_theirs" value="(\w+)"', refused.content.decode())
    # Tariq merges Olivia's words into his, keeps his, and goes on with Quitting: his own save
    # of Quitting a moment ago is what his form now holds, so it does not refuse him.
    data = edit(data, "prevalence", "body", "Fewer adults smoke than twenty years ago: one in 8.")
    data = edit(data, "quitting", "body", "Tariq's quitting, improved.")

    response = tariq.post(change_url(topic), {**data, f"{prefix}-replace_theirs": token.group(1)})

    assert response.status_code == 302
    assert body(topic, "quitting") == "Tariq's quitting, improved."
    assert body(topic, "prevalence") == "Fewer adults smoke than twenty years ago: one in 8."


def test_the_refused_officer_may_replace_what_they_saved_by_ticking(topic, olivia, tariq):
    refused = conflict_after_olivia_saves(topic, olivia, tariq)
    data = form_data(refused)
    prefix = section_prefix(data, "prevalence")
    html = refused.content.decode()
    box = re.search(rf'name="{prefix}-replace_theirs" value="(\w+)"', html)
    assert box is not None
    assert "Replace what olivia saved with my version" in html

    not_ticked = tariq.post(change_url(topic), data)
    assert not_ticked.status_code == 200
    assert body(topic, "prevalence") == "Fewer adults smoke than twenty years ago."

    ticked = tariq.post(change_url(topic), {**data, f"{prefix}-replace_theirs": box.group(1)})
    assert ticked.status_code == 302
    assert body(topic, "prevalence") == "Tariq: one adult in eight smokes."


def test_a_replacement_ticked_for_an_older_change_is_refused_again(topic, olivia, tariq):
    refused = conflict_after_olivia_saves(topic, olivia, tariq)
    data = form_data(refused)
    prefix = section_prefix(data, "prevalence")
    token = re.search(rf'name="{prefix}-replace_theirs" value="(\w+)"', refused.content.decode())
    # Olivia saves again while Tariq reads what she saved the first time.
    latest = form_data(olivia.get(change_url(topic)))
    olivia.post(change_url(topic), edit(latest, "prevalence", "body", "Olivia, once more."))

    response = tariq.post(change_url(topic), {**data, f"{prefix}-replace_theirs": token.group(1)})

    assert response.status_code == 200
    assert body(topic, "prevalence") == "Olivia, once more."
    assert "Olivia, once more." in response.content.decode()


def test_a_conflict_on_the_page_fields_refuses_them_and_saves_the_sections(topic, olivia, tariq):
    first, second = (
        form_data(olivia.get(change_url(topic))),
        form_data(tariq.get(change_url(topic))),
    )
    olivia.post(change_url(topic), {**first, "title": "Smoking in adults"})

    response = tariq.post(
        change_url(topic), edit({**second, "title": "Tobacco"}, "quitting", "body", "Tariq's.")
    )

    assert response.status_code == 200
    topic.refresh_from_db()
    assert topic.title == "Smoking in adults"
    assert body(topic, "quitting") == "Tariq's."
    html = response.content.decode()
    assert '<a href="#page-conflict">olivia saved a change to the page&#x27;s own fields' in html
    assert 'id="page-conflict"' in html
    assert form_data(response)["title"] == "Tobacco"


def test_a_conflict_beside_another_error_saves_nothing_and_shows_both(topic, olivia, tariq):
    response = conflict_after_olivia_saves(
        topic, olivia, tariq, quitting="See {{no-such-indicator}}."
    )

    assert response.status_code == 200
    assert body(topic, "quitting") == "Quit services help."  # nothing saved
    html = response.content.decode()
    assert "olivia saved a change to “Prevalence”" in html
    assert "There is no indicator “no-such-indicator”" in html
    assert form_data(response)[f"{section_prefix(form_data(response), 'quitting')}-body"] == (
        "See {{no-such-indicator}}."
    )


def test_a_section_added_or_deleted_beside_a_conflict_is_saved(topic, olivia, tariq):
    first, second = (
        form_data(olivia.get(change_url(topic))),
        form_data(tariq.get(change_url(topic))),
    )
    olivia.post(change_url(topic), edit(first, "prevalence", "body", "Olivia's prevalence."))
    data = edit(second, "prevalence", "body", "Tariq's prevalence.")
    data[f"{section_prefix(data, 'quitting')}-DELETE"] = "on"
    data.update(
        {
            "sections-TOTAL_FORMS": "3",
            "sections-2-heading": "Vaping",
            "sections-2-anchor": "vaping",
            "sections-2-sort_order": "3",
            "sections-2-body": "Tariq's new section.",
        }
    )

    response = tariq.post(change_url(topic), data)

    assert response.status_code == 200
    assert body(topic, "vaping") == "Tariq's new section."
    assert not Section.objects.filter(topic=topic, anchor="quitting").exists()
    assert body(topic, "prevalence") == "Olivia's prevalence."
    again = form_data(response)
    assert again["sections-TOTAL_FORMS"] == again["sections-INITIAL_FORMS"] == "2"
    assert again[f"{section_prefix(again, 'vaping')}-body"] == "Tariq's new section."
    assert again[f"{section_prefix(again, 'prevalence')}-body"] == "Tariq's prevalence."
    html = response.content.decode()
    assert "the section “Quitting” deleted" in html and "the new section “Vaping”" in html


# --- A live figure that is not available is saved only when confirmed -----------------------


@pytest.fixture
def child_protection(db):
    built = build_child_protection(["referrals"])
    built.page.status = "draft"
    built.page.save()
    return built


@pytest.fixture
def analyst(child_protection) -> Client:
    return officer_client("analyst", team=CHILD_PROTECTION_TEAM)


# A reference to an area the site has, for an indicator with no figure for it.
NOT_AVAILABLE = "{{referrals-rate | area=Preston}}"


def post_referrals(client: Client, topic: Topic, text: str, **extra):
    url = change_url(topic)
    data = edit(form_data(client.get(url)), "referrals", "body", text)
    return client.post(url, {**data, **extra})


def test_a_reference_that_would_show_not_available_needs_confirming(child_protection, analyst):
    page = child_protection.page
    text = f"Preston's rate was {NOT_AVAILABLE}."

    warned = post_referrals(analyst, page, text)

    assert warned.status_code == 200  # shown again, not saved
    assert "rose again" in body(page, "referrals")
    html = warned.content.decode()
    assert (
        f"{NOT_AVAILABLE} would show “figure not available” on the page: there is no figure "
        "for Preston." in html
    )
    label = f"Save it anyway: {NOT_AVAILABLE} will show “figure not available”"
    assert label in html
    data = form_data(warned)
    prefix = section_prefix(data, "referrals")
    assert data[f"{prefix}-body"] == text  # the edit is kept in the form
    assert f"{prefix}-confirm_missing" not in data  # not ticked for the officer
    token = re.search(rf'name="{prefix}-confirm_missing" value="(\w+)"', html).group(1)
    assert '<a href="#sections-0">“Referrals to children' in html  # in the summary at the top

    confirmed = analyst.post(change_url(page), {**data, f"{prefix}-confirm_missing": token})

    assert confirmed.status_code == 302
    assert body(page, "referrals") == text


def test_a_confirmation_is_for_the_references_it_named(child_protection, analyst):
    page = child_protection.page
    warned = post_referrals(analyst, page, f"Preston: {NOT_AVAILABLE}.")
    data = form_data(warned)
    prefix = section_prefix(data, "referrals")
    token = re.search(rf'name="{prefix}-confirm_missing" value="(\w+)"', warned.content.decode())
    other = "{{referrals-rate | area=Burnley}}"
    data[f"{prefix}-body"] = f"Burnley: {other}."

    response = analyst.post(change_url(page), {**data, f"{prefix}-confirm_missing": token.group(1)})

    assert response.status_code == 200
    assert f"Save it anyway: {other} will show" in response.content.decode()
    assert "rose again" in body(page, "referrals")


def test_a_reference_with_a_figure_is_saved_without_asking(child_protection, analyst):
    page = child_protection.page
    text = "England's rate was {{referrals-rate | area=England | period=2012/13}}."
    assert post_referrals(analyst, page, text).status_code == 302
    assert body(page, "referrals") == text


def test_a_section_not_changed_is_not_asked_about_again(child_protection, analyst):
    page = child_protection.page
    Section.objects.filter(topic=page, anchor="referrals").update(body=f"Old: {NOT_AVAILABLE}.")
    data = form_data(analyst.get(change_url(page)))
    response = analyst.post(change_url(page), {**data, "summary": "A new summary."})
    assert response.status_code == 302


def test_the_preview_warns_of_a_figure_that_is_not_available(child_protection, analyst):
    url = reverse("admin:pages_topic_preview", args=[child_protection.page.pk])
    text = f"Rate: {NOT_AVAILABLE}, {{{{trend referrals-rate}}}}."
    result = analyst.post(url, {"body": text})
    assert result.json()["warnings"] == [
        f"{NOT_AVAILABLE} would show “figure not available”: there is no figure for Preston."
    ]
    assert '<span class="figure-missing">' in result.json()["html"]


# --- The live-figure help offers only what resolves ----------------------------------------


def test_the_help_offers_only_references_that_show_a_figure_for_the_page(child_protection):
    page = Topic.objects.select_related("area").get(pk=child_protection.page.pk)

    groups = figure_help(page)

    offered = {s.code: s.shows for group in groups for s in group.suggestions}
    assert offered["{{referrals-rate}}"] == "638.6 per 10,000"
    assert offered["{{referrals-rate | area=England}}"] == "520.7 per 10,000"
    assert offered["{{compare referrals-rate | with=England}}"] == (
        "higher than England (520.7 per 10,000)"
    )
    assert offered["{{trend referrals-rate}}"].startswith("up from 557.0 per 10,000")
    # Each offered reference shows exactly that figure on the page.
    from pages import references

    resolver = references.Resolver.for_references(
        [references.find(code)[0] for code in offered], page.area
    )
    for code, shows in offered.items():
        assert resolver.figure(references.find(code)[0]) == shows, code
    # Nothing that would show "figure not available": no districts have referrals figures,
    # so there is nothing to rank them by.
    assert not [code for code in offered if code.startswith("{{rank referrals-rate | area=")]
    assert "{{referrals-rate | show=count}}" not in offered  # no counts in the data


def test_the_help_for_a_page_whose_area_has_no_figures_offers_none_for_it(child_protection):
    page = Topic.objects.select_related("area").get(pk=child_protection.page.pk)
    page.area = Area.objects.create(code="E07000999", name="Nowhere", area_type="district")
    offered = [s.code for group in figure_help(page) for s in group.suggestions]
    assert offered  # England's figures, by name
    assert "{{referrals-rate}}" not in offered
    assert all("area=" in code for code in offered)


def test_the_editor_lists_the_help_with_each_figure(child_protection, analyst):
    html = analyst.get(change_url(child_protection.page)).content.decode()
    assert "<td><code>{{compare referrals-rate | with=England}}</code></td>" in html
    assert "<td>higher than England (520.7 per 10,000)</td>" in html
    assert 'id="figure-help"' in html  # the same, for "Insert a live figure"


def test_the_help_takes_a_fixed_number_of_queries(child_protection, django_assert_num_queries):
    page = Topic.objects.select_related("area").get(pk=child_protection.page.pk)
    # sections+indicators, the area's parents (North West, England: one each), comparators,
    # the values offered from; then the resolver's indicators, areas, values, periods and
    # the figures of the areas to rank among
    with django_assert_num_queries(10):
        figure_help(page)
