"""An officer edits narrative in the admin, inserts a live figure from the help panel, sees it
in the preview, saves, and the public page shows the figure."""

from pages.models import Section
from pages.services import create_officer
from tests.browser.support import Visitor, page_path

PASSWORD = "a-long-test-password-for-the-browser"


def test_officer_inserts_a_live_figure_and_the_public_page_shows_it(visitor: Visitor):
    create_officer(username="analyst", password=PASSWORD)
    page = visitor.page
    page.goto(f"{visitor.base_url}/admin/login/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    section = Section.objects.select_related("topic").get(anchor="about")
    page.goto(f"{visitor.base_url}/admin/pages/topic/{section.topic_id}/change/")

    # The help panel offers the reference; copy it from there into the section's body.
    reference = page.locator(
        "#reference-help code", has_text="{{compare referrals-rate | with=England}}"
    )
    text = reference.first.inner_text()
    body = page.locator("textarea[name$='-body']").first
    body.fill(body.input_value() + f"\n\nReferrals were {text}.")
    preview = page.locator(".narrative-preview").first
    preview.locator(".figure", has_text="higher than England (520.7 per 10,000)").wait_for()

    page.click("input[name=_save]")
    page.wait_for_url("**/admin/pages/topic/")
    public = visitor.open(page_path("topic"))
    about = public.locator("#about")
    assert "Referrals were higher than England (520.7 per 10,000)." in about.inner_text()
