"""The topic editor at the widths officers' screens have: at 1280 and 1024 CSS pixels the form
is no wider than the window, each narrative box is the width of its section (at least 600 px
at 1024) with its preview beneath it, and a long table or link in the narrative wraps rather
than widening the page. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pages.demo import content
from pages.models import Section, Topic
from pages.services import create_officer
from tests.browser.support import SCREENSHOTS, Visitor
from tests.pages.admin_forms import form_data, section_prefix

PASSWORD = "a-long-test-password-for-the-browser"
LONG_LINK = "https://www.example.gov.uk/" + "a-very-long-address-without-spaces-" * 6
LONG_TABLE = (
    "| Area | Referrals in 2011/12 | Referrals in 2012/13 | Re-referrals within twelve months "
    "| Notes |\n|---|---|---|---|---|\n"
    "| Lancashire-12 | 557.0 | 638.6 | 27.6 | "
    + "averylongwordthatdoesnotbreakanywhereatall" * 3
    + " |\n"
)

MEASURE = """() => {
    const width = (el) => Math.round(el.getBoundingClientRect().width);
    const bodies = [...document.querySelectorAll("textarea[name^='sections-'][name$='-body']")]
        .filter((el) => !el.closest(".empty-form"));
    return {
        window: window.innerWidth,
        page: document.documentElement.scrollWidth,
        form: width(document.querySelector("#topic_form")),
        bodies: bodies.map(width),
        previewsBeneath: bodies.map((el) => {
            const box = el.closest(".form-row").querySelector(".narrative-preview");
            return !!box && box.getBoundingClientRect().top >= el.getBoundingClientRect().bottom;
        }),
        previewsFit: [...document.querySelectorAll(".narrative-preview")].map(
            (box) => box.scrollWidth <= box.clientWidth + 1),
    };
}"""


def log_in(visitor: Visitor, username: str) -> None:
    page = visitor.page
    page.goto(f"{visitor.base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def open_draft(visitor: Visitor) -> None:
    """As an officer of the demo's team, open a draft of the Child protection page."""
    create_officer(username="analyst", password=PASSWORD, team=content.TEAM)
    log_in(visitor, "analyst")
    topic_id = Section.objects.get(anchor="about").topic_id
    page = visitor.page
    visitor.problems.clear()  # the admin's login and index pages have no favicon: not ours
    page.goto(f"{visitor.base_url}/admin/pages/topic/{topic_id}/change/")
    page.get_by_role("button", name="Edit as a draft").click()
    page.locator(".workflow-panel", has_text="changes to the published page").wait_for()


@pytest.mark.parametrize(("width", "narrowest_body"), [(1280, 800), (1024, 600)])
def test_the_editor_fits_the_screen_with_full_width_narrative(
    visitor: Visitor, width: int, narrowest_body: int
):
    page = visitor.page
    page.set_viewport_size({"width": width, "height": 900})
    open_draft(visitor)
    # A long link and a wide table in the narrative wrap inside the preview.
    body = page.locator("textarea[name$='-body']").first
    body.fill(f"See [the statistics]({LONG_LINK}) or {LONG_LINK}.\n\n{LONG_TABLE}")
    page.locator(".narrative-preview table").first.wait_for()

    measured = page.evaluate(MEASURE)

    assert measured["page"] <= width, measured  # no horizontal scrolling
    assert measured["form"] <= width, measured
    assert measured["bodies"] and min(measured["bodies"]) >= narrowest_body, measured
    assert all(measured["previewsBeneath"]), measured
    assert all(measured["previewsFit"]), measured
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#sections-0").screenshot(path=SCREENSHOTS / f"editor-section-{width}.png")
    page.locator("#links-group").screenshot(path=SCREENSHOTS / f"editor-links-{width}.png")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(
        path=SCREENSHOTS / f"editor-{width}.png",
        clip={"x": 0, "y": 0, "width": width, "height": 2400},
        full_page=True,
    )
    visitor.assert_no_problems()


def test_a_conflict_is_announced_at_the_top_with_a_link_to_the_section(visitor: Visitor):
    other, _ = create_officer(username="colleague", password=PASSWORD, team=content.TEAM)
    open_draft(visitor)
    page = visitor.page
    # The editor's previews load first: the test database (SQLite in memory, shared with the
    # live server's threads) locks a table while a request reads it.
    page.wait_for_load_state("networkidle")
    draft = Topic.objects.get(draft_of__isnull=False)
    # Another officer of the team saves the Referrals section of the same draft meanwhile.
    client = Client()
    client.force_login(other)
    url = reverse("admin:pages_topic_change", args=[draft.pk])
    data = form_data(client.get(url))
    prefix = section_prefix(data, "referrals")
    theirs = data[f"{prefix}-body"].replace("rose again", "rose for the third year")
    assert client.post(url, {**data, f"{prefix}-body": theirs}).status_code == 302

    index = int(prefix.removeprefix("sections-"))
    mine = page.locator(f"textarea[name='{prefix}-body']")
    mine.fill(mine.input_value() + "\n\nMy own paragraph.")
    page.locator(".narrative-preview", has_text="My own paragraph.").wait_for()
    summary_text = page.locator("input[name='summary'], textarea[name='summary']").first
    summary_text.fill("Child protection in Lancashire-12: my summary.")
    page.click("input[name=_continue]")

    summary = page.locator(".error-summary")
    summary.wait_for()
    box = summary.bounding_box()
    assert box is not None and box["y"] < 400  # at the top, seen without scrolling
    assert "colleague saved a change to “Referrals" in summary.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "editor-conflict-top.png")
    summary.get_by_role("link").first.click()
    section = page.locator(f"#sections-{index}")
    page.wait_for_function(
        "(el) => { const r = el.getBoundingClientRect(); return r.top >= -5 && r.top < 200; }",
        arg=section.element_handle(),
    )
    assert "removed" in section.locator(".conflict-diff").first.inner_text()
    section.screenshot(path=SCREENSHOTS / "editor-conflict-section.png")
    # The rest was saved; the refused text is still in the box.
    draft.refresh_from_db()
    assert draft.summary == "Child protection in Lancashire-12: my summary."
    assert mine.input_value().endswith("My own paragraph.")
    assert "rose for the third year" in Section.objects.get(topic=draft, anchor="referrals").body


def test_insert_a_live_figure_puts_it_in_the_narrative_with_its_figure(visitor: Visitor):
    open_draft(visitor)
    page = visitor.page
    prefix = section_prefix(
        {f"sections-{i}-anchor": a for i, a in enumerate(anchors(page))}, "referrals"
    )
    body = page.locator(f"textarea[name='{prefix}-body']")
    section = page.locator(f"#{prefix}")
    section.locator(".figure-helper summary").click()
    helper = section.locator(".figure-helper")
    # The section's own indicator comes first.
    assert helper.locator("h4").first.inner_text() == "Rate of referrals to children's social care"
    body.click()
    page.keyboard.press("Control+End")
    helper.get_by_role("button", name="Insert {{compare referrals-rate | with=England}}").click()
    assert body.input_value().endswith(" {{compare referrals-rate | with=England}}")
    preview = section.locator(".narrative-preview")
    preview.locator(".figure", has_text="higher than England (520.7 per 10,000)").last.wait_for()
    section.screenshot(path=SCREENSHOTS / "editor-insert-figure.png")
    visitor.assert_no_problems()


def anchors(page) -> list[str]:
    return page.eval_on_selector_all(
        "input[name^='sections-'][name$='-anchor']", "(inputs) => inputs.map((i) => i.value)"
    )


def test_discarding_a_draft_asks_first_and_says_what_is_lost(visitor: Visitor):
    open_draft(visitor)
    page = visitor.page
    body = page.locator("textarea[name$='-body']").first
    body.fill(body.input_value() + "\n\nA paragraph that took a morning.")
    # Saved once the preview has caught up (else leaving the page cancels its request).
    page.locator(".narrative-preview", has_text="A paragraph that took a morning.").wait_for()
    page.click("input[name=_continue]")
    page.locator(".messagelist").wait_for()
    page.wait_for_load_state("networkidle")

    page.get_by_role("button", name="Discard this draft").click()
    page.locator(".confirm-loss").wait_for()
    assert "A paragraph that took a morning." in page.locator(".confirm-loss").inner_text()
    page.screenshot(path=SCREENSHOTS / "confirm-discard.png", full_page=True)
    page.get_by_role("link", name="No, keep the draft").click()
    page.locator(".workflow-panel", has_text="changes to the published page").wait_for()
    assert Topic.objects.filter(draft_of__isnull=False).exists()
    page.wait_for_load_state("networkidle")  # the previews, before leaving the page again

    page.get_by_role("button", name="Discard this draft").click()
    page.get_by_role("button", name="Yes, discard the draft").click()
    page.locator(".messagelist", has_text="The draft is discarded").wait_for()
    assert not Topic.objects.filter(draft_of__isnull=False).exists()
    visitor.assert_no_problems()
