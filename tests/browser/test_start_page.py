"""The officers' start page (/admin/) in Chromium, for an officer and for a publisher, 1280 and
1024 pixels wide: its panels are there with their counts and links, nothing sticks out past the
edge of the window, axe finds nothing wrong in the panels, and a screenshot of each is written to
test-artifacts/screenshots/ (start-page-<who>-<width>.png) for a person to look at."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Q
from django.utils import timezone

from indicators.models import DefinitionChange, ImportBatch, Indicator
from indicators.releases import schedule_release
from pages import workflow
from pages.demo import content
from pages.models import Section, Status, Topic
from pages.services import PUBLISHER, create_officer
from tests.browser.support import (
    AXE,
    AXE_TAGS,
    DESKTOP,
    SCREENSHOTS,
    Visitor,
    describe_violations,
)

PASSWORD = "a-long-test-password-for-the-browser"
NARROW = 1024
NOTE = "Please say which year the rate in the second paragraph is for."

# Elements that stick out past the right edge of the window (but those only screen readers read).
OVERFLOWING = """(width) => Array.from(document.body.querySelectorAll("*"))
    .filter((el) => el.getBoundingClientRect().right > width + 1 && !el.closest(".visually-hidden"))
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                 + " right=" + Math.round(el.getBoundingClientRect().right))"""


def log_in(visitor: Visitor, username: str) -> None:
    page = visitor.page
    page.context.clear_cookies()
    page.goto(f"{visitor.base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def make_work() -> None:
    """Work of every kind for the demo's officer and a publisher: a draft of the Child
    protection page in review, a new page returned with a note, a scheduled page, staged,
    scheduled and refused imports, a change to an indicator's definition, and a broken live
    figure."""
    analyst = create_officer(
        username="analyst", email="analyst@example.gov.uk", password=PASSWORD, team=content.TEAM
    )[0]
    analyst.first_name, analyst.last_name = "Asha", "Patel"
    analyst.save()
    approver = create_officer(
        username="approver", email="approver@example.gov.uk", password=PASSWORD, role=PUBLISHER
    )[0]
    page = Topic.objects.get(path=content.CHILD_PROTECTION)
    draft = workflow.start_draft(page, analyst)
    workflow.submit_for_review(draft, analyst)
    sibling = Topic.objects.filter(parent=page.parent, status=Status.PUBLISHED).exclude(pk=page.pk)
    returned = workflow.start_draft(sibling.first(), analyst)
    workflow.submit_for_review(returned, analyst)
    workflow.return_to_draft(returned, approver, NOTE)
    new = Topic.objects.create(
        title="Young carers: support and outcomes in Lancashire-12",
        slug="young-carers",
        parent=page.parent,
        team=page.team,
        area=page.area,
    )
    workflow.schedule(new, approver, timezone.now() + datetime.timedelta(days=2))
    Section.objects.filter(topic=page, anchor="referrals").update(
        body="Referrals in Preston: {{referrals-rate | area=Preston}}; in all districts, "
        "{{no-such-indicator}}."
    )
    Topic.objects.filter(Q(pk=page.pk) | Q(pk=sibling.last().pk)).update(
        review_due=timezone.localdate() - datetime.timedelta(days=10)
    )
    for n, (name, added, changed) in enumerate(
        [("referrals-2013-14.csv", 120, 14), ("cpp-by-age.xlsx", 40, 0), ("plans.csv", 8, 2)]
    ):
        batch = ImportBatch.objects.create(
            file_name=name,
            file_format="template",
            imported_by=analyst,
            release=ImportBatch.Release.STAGED,
            rows_added=added,
            rows_changed=changed,
            rows_unchanged=300,
        )
        if n == 2:
            schedule_release(batch, timezone.now() + datetime.timedelta(days=5), user=approver)
    ImportBatch.objects.create(
        file_name="fingertips-export-with-a-very-long-name-2014-03.csv",
        file_format="fingertips",
        imported_by=analyst,
        status=ImportBatch.Status.REJECTED,
        rows_rejected=3,
        notes="3 rows have problems, so nothing was changed. Correct them and import the file "
        "again, or choose to apply only the valid rows.",
    )
    indicator = Indicator.objects.get(slug="referrals-rate")
    DefinitionChange.objects.create(
        indicator=indicator,
        previous={"definition": indicator.definition},
        proposed={"definition": "Referrals to children's social care per 10,000 children."},
        proposed_by=analyst,
    )


def panel_violations(page) -> list[dict]:
    """axe over the panels (the admin's own header and lists are Django's)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run({include: [["#content-main"]]},
                                          {runOnly: {type: "tag", values: tags}});
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({target: n.target.join(" "),
                                            summary: n.failureSummary, html: n.html})),
            }));
        }""",
        AXE_TAGS,
    )


@pytest.mark.parametrize("width", [DESKTOP, NARROW])
def test_the_start_page_for_an_officer_and_a_publisher(visitor: Visitor, width: int):
    make_work()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for who, panels in [
        ("analyst", ["My pages", "Recent imports", "Broken live figures"]),
        ("approver", ["Awaiting my approval", "My pages", "Recent imports", "Broken live figures"]),
    ]:
        log_in(visitor, who)
        page = visitor.open("/admin/", width=width)
        page.screenshot(path=SCREENSHOTS / f"start-page-{who}-{width}.png", full_page=True)
        headings = page.locator(".start-panel > h2").all_inner_texts()
        assert [h.rsplit(" ", 1)[0] for h in headings] == panels
        assert page.locator("#all-lists").is_visible()
        assert page.get_by_role("link", name="Topics", exact=True).first.is_visible()
        overflowing = page.evaluate(OVERFLOWING, width)
        assert overflowing == [], overflowing
        violations = panel_violations(page)
        assert not violations, f"axe on the start page:\n{describe_violations(violations)}"
        broken = page.locator("#broken-figures").inner_text()
        assert "{{referrals-rate | area=Preston}}" in broken
        assert "{{no-such-indicator}}" in broken

        if who == "analyst":
            returned = page.locator("#my-pages .start-list", has_text="Returned to you")
            assert NOTE in returned.inner_text()
            assert "approver" in returned.inner_text()
            assert "Awaiting my approval" not in page.content()
        else:
            review = page.locator("#awaiting-approval .start-list", has_text="sent for review")
            assert "Child protection" in review.inner_text()
            assert "Asha Patel (analyst)" in review.inner_text()
            review.get_by_role("link", name="Child protection").click()
            page.wait_for_url("**/admin/pages/topic/*/change/")
            assert page.locator(".workflow-panel").inner_text().startswith("In review")
