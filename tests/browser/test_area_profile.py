"""The area profile (spine charts) in headless Chromium: no axe-core WCAG 2.2 A/AA violation at
1280 and 320 pixels, every drawing inside the page (its marker not cut off), and screenshots
for a person to look at."""

import pytest

from tests.browser.support import (
    DESKTOP,
    MOBILE,
    SCREENSHOTS,
    Visitor,
    area_path,
    axe_violations,
    describe_violations,
)

LANCASHIRE = "E10000017"

# For each spine drawing: its box on the page and its marker's, and whether the table cell that
# holds it is scrolled into a box the reader can scroll (a wide table at 320 pixels).
SPINES = """() => Array.from(document.querySelectorAll("svg.spine")).map((svg) => {
    const box = svg.getBoundingClientRect();
    const mark = svg.querySelector(".spine-mark").getBoundingClientRect();
    return {label: svg.getAttribute("aria-label"), left: box.left, right: box.right,
            markLeft: mark.left, markRight: mark.right, width: box.width};
})"""


@pytest.mark.parametrize("width", [DESKTOP, MOBILE])
@pytest.mark.parametrize("code", [LANCASHIRE, "E07000123"])
def test_area_profile_is_accessible_and_drawn_whole(visitor: Visitor, code: str, width: int):
    page = visitor.open(area_path(code), width=width)
    spines = page.evaluate(SPINES)
    assert spines, "the profile draws no spine chart"
    for spine in spines:
        assert spine["width"] == pytest.approx(200, abs=1), spine
        # The marker lies within its drawing, even at an end of the range.
        assert spine["markLeft"] >= spine["left"] - 1 and spine["markRight"] <= spine["right"] + 1
    if width == DESKTOP:
        # At 1280 pixels the whole table, drawings included, fits without scrolling sideways.
        wraps = page.evaluate(
            "() => Array.from(document.querySelectorAll('.area-profile .table-wrap'))"
            ".map((w) => w.scrollWidth - w.clientWidth)"
        )
        assert all(extra <= 1 for extra in wraps), f"the profile scrolls sideways: {wraps}"
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"area-profile-{code}-{width}.png"
    page.screenshot(path=target, full_page=True)
    assert target.read_bytes().startswith(b"\x89PNG")
    visitor.assert_no_problems()
