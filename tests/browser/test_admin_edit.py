"""An officer edits a published page as a draft in the admin, inserts a live figure from the
help panel, sees it in the preview, saves, previews the draft at the page's public address
under a "draft" banner while the public still see the published text; a publisher then
publishes it and the public page shows the figure."""

from pages.demo import content
from pages.models import Section
from pages.services import create_officer
from tests.browser.support import SCREENSHOTS, Visitor, page_path

PASSWORD = "a-long-test-password-for-the-browser"
SENTENCE = "Referrals were higher than England (520.7 per 10,000)."


def log_in(visitor: Visitor, username: str) -> None:
    page = visitor.page
    page.context.clear_cookies()
    page.goto(f"{visitor.base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_officer_drafts_a_live_figure_and_a_publisher_publishes_it(visitor: Visitor):
    create_officer(username="analyst", password=PASSWORD, team=content.TEAM)
    create_officer(username="approver", password=PASSWORD, role="Publisher")
    page = visitor.page
    log_in(visitor, "analyst")
    section = Section.objects.select_related("topic").get(anchor="about")
    page.goto(f"{visitor.base_url}/admin/pages/topic/{section.topic_id}/change/")

    # A published page is changed through a draft.
    page.get_by_role("button", name="Edit as a draft").click()
    page.locator(".workflow-panel", has_text="changes to the published page").wait_for()

    # The help panel offers the reference; copy it from there into the section's body.
    reference = page.locator(
        "#reference-help code", has_text="{{compare referrals-rate | with=England}}"
    )
    text = reference.first.inner_text()
    body = page.locator("textarea[name$='-body']").first
    body.fill(body.input_value() + f"\n\nReferrals were {text}.")
    preview = page.locator(".narrative-preview").first
    preview.locator(".figure", has_text="higher than England (520.7 per 10,000)").wait_for()
    page.click("input[name=_continue]")
    page.locator(".messagelist").wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "admin-draft.png", full_page=True)

    # The officer previews the draft at the public address, under the banner ...
    page.get_by_role("link", name="Preview it on the site").click()
    page.locator(".draft-banner", has_text="Draft: not published").wait_for()
    assert SENTENCE in page.locator("#about").inner_text()
    page.screenshot(path=SCREENSHOTS / "topic-draft-preview.png", full_page=True)

    # ... while the public see the published text, and no banner.
    page.context.clear_cookies()
    public = visitor.open(page_path("topic"))
    assert SENTENCE not in public.locator("#about").inner_text()
    assert public.locator(".draft-banner").count() == 0

    # A publisher publishes the draft; the public page shows the figure.
    log_in(visitor, "approver")
    page.goto(f"{visitor.base_url}/admin/pages/topic/{section.topic_id}/change/")
    page.get_by_role("link", name="draft").first.click()
    page.get_by_role("button", name="Publish now").click()
    page.locator(".messagelist", has_text="is published").wait_for()
    page.context.clear_cookies()
    public = visitor.open(page_path("topic"))
    assert SENTENCE in public.locator("#about").inner_text()
