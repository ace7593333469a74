"""Finding an area as a visitor does: typing into the home page's area box, choosing one of the
suggestions with the keyboard, and the find page's list of matches, with and without
JavaScript; axe-core on those pages, and screenshots of them to look at."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.support import (
    DESKTOP,
    MOBILE,
    PRESTON,
    SCREENSHOTS,
    Visitor,
    area_path,
    axe_violations,
    describe_violations,
)

FIND = "/data/areas/find/"


def type_into(page: Page, selector: str, text: str) -> None:
    """Type `text` a key at a time, and wait for the suggestions for the whole of it: those
    for its first letters may still be on the way, and would draw the list again (losing the
    choice of a key pressed next, or moving what a click meets) when they come."""
    box = page.locator(selector)
    box.click()
    box.press_sequentially(text, delay=40)
    expect(box).to_have_attribute("data-answered", text)


def test_keyboard_chooses_a_suggestion_and_lands_on_the_area(visitor: Visitor):
    page = visitor.open("/")
    type_into(page, "#home-area-q", "pres")
    box = page.locator("#home-area-q")
    options = page.locator("#home-area-q-options [role=option]")
    expect(options.first).to_contain_text("Preston")
    expect(options.first).to_contain_text("District in Lancashire-12, E07000123")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#home-area-q-status")).to_contain_text("1 area found")

    box.press("ArrowDown")
    chosen = options.first
    expect(chosen).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", chosen.get_attribute("id"))
    expect(box).to_be_focused()  # the focus stays in the box

    box.press("Enter")
    page.wait_for_url(f"**{area_path(PRESTON)}")
    expect(page.locator("h1")).to_contain_text("Preston")
    visitor.assert_no_problems()


def test_suggestions_allow_for_a_typo_and_escape_closes_them(visitor: Visitor):
    page = visitor.open("/")
    type_into(page, "#home-area-q", "blakpool")
    options = page.locator("#home-area-q-options [role=option]")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Blackpool")
    box = page.locator("#home-area-q")
    box.press("ArrowUp")  # from the bottom
    expect(options.last).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(page.locator("#home-area-q-options")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", "")
    visitor.assert_no_problems()


def test_the_header_box_suggests_on_every_page_and_a_click_chooses(visitor: Visitor):
    page = visitor.open("/a-z/")
    type_into(page, "#nav-area-q", "ribble")  # the click meets the whole word's answer
    page.locator("#nav-area-q-options [role=option]", has_text="Ribble Valley").click()
    page.wait_for_url(f"**{area_path('E07000124')}")
    visitor.assert_no_problems()


def test_without_javascript_the_form_still_finds_the_area(browser: Browser, demo_site: str):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": DESKTOP, "height": 800}
    )
    try:
        page = context.new_page()
        page.goto(demo_site + "/")
        page.fill("#home-area-q", "preston")
        page.press("#home-area-q", "Enter")
        page.wait_for_url(f"**{area_path(PRESTON)}")
        page.goto(demo_site + "/")
        page.fill("#home-area-q", "black")
        page.press("#home-area-q", "Enter")
        page.wait_for_url("**/data/areas/find/?q=black")
        expect(page.locator(".area-match__name")).to_have_count(2)
    finally:
        context.close()


@pytest.mark.parametrize("q", ["black", "Prestn", "walrus"])
@pytest.mark.parametrize("width", [DESKTOP, MOBILE])
def test_find_page_has_no_axe_violations_and_reflows(visitor: Visitor, q: str, width: int):
    page = visitor.open(f"{FIND}?q={q}", width=width)
    violations = axe_violations(page)
    assert not violations, f"axe on {page.url}:\n{describe_violations(violations)}"
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1


def test_open_suggestions_have_no_axe_violations(visitor: Visitor):
    page = visitor.open("/")
    type_into(page, "#home-area-q", "bl")
    expect(page.locator("#home-area-q-options [role=option]").first).to_be_visible()
    page.locator("#home-area-q").press("ArrowDown")
    violations = axe_violations(page)
    assert not violations, f"axe with suggestions open:\n{describe_violations(violations)}"


@pytest.mark.parametrize("width", [DESKTOP, MOBILE])
def test_screenshots(visitor: Visitor, width: int):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = visitor.open(f"{FIND}?q=black", width=width)
    page.screenshot(path=SCREENSHOTS / f"area-find-{width}.png", full_page=True)
    page = visitor.open(f"{FIND}?q=walrus", width=width)
    page.screenshot(path=SCREENSHOTS / f"area-find-none-{width}.png", full_page=True)
    page = visitor.open("/search/?q=preston", width=width)
    page.screenshot(path=SCREENSHOTS / f"search-areas-{width}.png", full_page=True)
    page = visitor.open("/", width=width)
    type_into(page, "#home-area-q", "bl")
    expect(page.locator("#home-area-q-options [role=option]").first).to_be_visible()
    page.locator("#home-area-q").press("ArrowDown")
    expect(page.locator("#home-area-q-options [aria-selected=true]")).to_have_count(1)
    page.screenshot(path=SCREENSHOTS / f"home-area-suggestions-{width}.png", full_page=False)
    visitor.assert_no_problems()
