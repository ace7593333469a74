"""A topic's overview in headless Chromium: no axe-core WCAG 2.2 A/AA violation at 1280 and 320
pixels, nothing wider than the screen but the table in its own scrolling box, every figure
of the table marked in words for screen readers, and screenshots for a person to look at."""

import pytest

from tests.browser.support import (
    DESKTOP,
    MOBILE,
    SCREENSHOTS,
    TOPIC,
    Visitor,
    axe_violations,
    describe_violations,
)

OVERVIEW = f"{TOPIC}overview/"


@pytest.mark.parametrize("width", [DESKTOP, MOBILE])
def test_overview_is_accessible(visitor: Visitor, width: int):
    page = visitor.open(TOPIC, width=width)
    page.get_by_role("link", name="Overview: these indicators side by side for every area").click()
    page.wait_for_url(f"**{OVERVIEW}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    cells = page.locator("td.overview__cell")
    assert cells.count() > 0
    # Each cell reads as its figure and, where there is one, what it means: never as colour.
    for text in cells.all_inner_texts()[:40]:
        assert text.strip(), "a cell with nothing to read"
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"overview-{width}.png"
    page.screenshot(path=target, full_page=True)
    assert target.read_bytes().startswith(b"\x89PNG")
    visitor.assert_no_problems()
