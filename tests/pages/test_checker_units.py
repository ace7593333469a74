"""The typed-number checker passes over numbers that are part of a unit, an age, an age band,
a duration, a date or a label, and still lists a figure typed where a live one should be; an
officer can dismiss a number it lists wrongly, until the section's text changes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pages import workflow
from pages.checker import check_sections, dismiss, typed_numbers
from pages.models import DismissedNumber, Section
from pages.services import create_officer
from tests.factories import TEAM, build_child_protection


def found(text: str) -> list[str]:
    return [n.text for n in typed_numbers(Section(body=text), [])]


@pytest.mark.parametrize(
    "text",
    [
        "The number of children aged under 18 in Lancashire-12.",
        "Re-referrals within 12 months of a previous referral.",
        "Most children with a plan were aged 1-4, then 10-15 and 10–15.",
        "In 2012/13 the rate rose, and in 2013/14.",
        "Services for under-5s, under-18s and over-65s.",
        "Young people aged 16 to 24; 16 to 24 year olds; people 16 to 24.",
        "Plans lasting 3 years or more, and 18 months or more.",
        "On 31 March 2014 there were more plans than on March 31 2013.",
        "Children under 16 and people over 65; those aged 65 and over; the 65+ group.",
        "16-year-olds, an 18-month plan, a 12-month period, within 45 days, 24 hours.",
        "Young people aged between 16 and 24, and aged from 5 to 16.",
        "The rate per 10,000 children, per 100,000 population and per 1,000 births.",
        "Section 47 enquiries rose; Key Stage 2 results; Year 10 pupils; Tier 3 services.",
    ],
)
def test_numbers_that_are_part_of_something_else_are_not_listed(text):
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "listed"),
    [
        ("The rate was 43.5 per 10,000.", ["43.5"]),
        ("27.6% of children aged under 18 were re-referred.", ["27.6%"]),
        ("Referrals rose from 30 to 45 a week.", ["30", "45"]),
        ("Plans lasted an average of 1.5 years.", ["1.5"]),  # a statistic, not a duration
        ("In the last year 45 children were adopted.", ["45"]),
        ("About 30 councils took part, and 12 districts.", ["30", "12"]),
        ("The figure 612.4 is out of date.", ["612.4"]),
        ("There were 878 children with a plan on 31 March 2013.", ["878"]),
        ("Between 520 and 640 referrals.", ["520", "640"]),  # not an age band
    ],
)
def test_a_typed_figure_is_still_listed(text, listed):
    assert found(text) == listed


# --- Dismissing a number that is not a figure -------------------------------------------------


@pytest.fixture
def section(db) -> Section:
    build_child_protection(["referrals"])
    section = Section.objects.select_related("topic", "indicator").get(anchor="referrals")
    section.body = "About 30 councils took part. The rate was 43.5 per 10,000."
    section.save()
    return section


def listed(section: Section) -> list[str]:
    fresh = Section.objects.select_related("topic", "indicator").get(pk=section.pk)
    return [n.text for n in check_sections([fresh])]


def test_a_dismissed_number_is_not_listed_until_the_text_changes(section):
    thirty = next(n for n in check_sections([section]) if n.text == "30")

    assert dismiss(section, thirty.start, "30")

    assert listed(section) == ["43.5"]
    [number] = [n for n in check_sections([section], with_dismissed=True) if n.dismissed]
    assert number.text == "30"
    # Any change to the text, even elsewhere in it, lists it again: the text is what was judged.
    section.body = section.body.replace("took part.", "took part in 2013.")
    section.save()
    assert listed(section) == ["30", "43.5"]


def test_a_dismissal_is_for_one_number_in_one_text(section):
    thirty = next(n for n in check_sections([section]) if n.text == "30")
    assert not dismiss(section, thirty.start + 1, "30")  # not where the number is
    dismiss(section, thirty.start, "30")
    assert DismissedNumber.objects.count() == 1
    other = Section.objects.create(
        topic=section.topic, heading="Other", anchor="other", body="About 30 schools."
    )
    assert listed(other) == ["30"]


def test_a_dismissal_holds_in_a_draft_of_the_page(section):
    dismiss(section, next(n.start for n in check_sections([section]) if n.text == "30"), "30")
    owner, _ = create_officer(username="olivia", password="a-long-test-password", team=TEAM)
    draft = workflow.start_draft(section.topic, owner)
    copy = Section.objects.get(topic=draft, anchor="referrals")
    assert listed(copy) == ["43.5"]


def test_an_officer_dismisses_a_number_from_the_report(section):
    user, _ = create_officer(username="olivia", password="a-long-test-password", team=TEAM)
    client = Client()
    client.force_login(user)
    url = reverse("admin:pages_topic_numbers", args=[section.topic_id])
    number = next(n for n in check_sections([section]) if n.text == "30")
    page = client.get(url).content.decode()
    assert 'name="action" value="dismiss"' in page
    assert f'name="key" value="{number.key}"' in page

    response = client.post(
        url,
        {
            "action": "dismiss",
            "section": section.pk,
            "start": number.start,
            "text": "30",
            "key": number.key,
        },
        follow=True,
    )

    html = response.content.decode()
    assert "“30” in “Referrals to children&#x27;s social care” is no longer listed" in html
    assert "Dismissed: not figures" in html
    assert listed(section) == ["43.5"]
    # The review page no longer counts it either.
    review = client.get(reverse("admin:pages_topic_review")).content.decode()
    assert "<code>30</code>" not in review and "<code>43.5</code>" in review

    client.post(url, {"action": "restore", "key": number.key})
    assert listed(section) == ["30", "43.5"]


def test_a_dismissal_from_a_report_made_before_the_text_changed_is_refused(section):
    user, _ = create_officer(username="olivia", password="a-long-test-password", team=TEAM)
    client = Client()
    client.force_login(user)
    url = reverse("admin:pages_topic_numbers", args=[section.topic_id])
    number = next(n for n in check_sections([section]) if n.text == "30")
    section.body = "About 30 councils took part, as before. The rate was 43.5 per 10,000."
    section.save()

    response = client.post(
        url,
        {"action": "dismiss", "section": section.pk, "start": number.start, "text": "30",
         "key": number.key},
        follow=True,
    )  # fmt: skip

    assert "has changed since this report was made: nothing was dismissed" in (
        response.content.decode()
    )
    assert not DismissedNumber.objects.exists()
