"""axe-core finds no WCAG 2.2 A/AA violations on the site's pages, and the pages reflow at 320
CSS pixels (WCAG 1.4.10): nothing but a wide table, inside its own scrolling box, needs
scrolling sideways."""

import pytest

from tests.browser.support import (
    MOBILE,
    PAGES,
    Visitor,
    axe_violations,
    describe_violations,
    page_path,
)


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_axe_violations(visitor: Visitor, name: str):
    page = visitor.open(page_path(name))
    violations = axe_violations(page)
    assert not violations, f"axe on {name} ({page.url}):\n{describe_violations(violations)}"


def test_not_found_page_has_no_axe_violations(visitor: Visitor):
    page = visitor.open("/no-such-topic/", status=404)
    violations = axe_violations(page)
    assert not violations, f"axe on the 404 page:\n{describe_violations(violations)}"


# Elements that stick out past the right edge of the viewport, outside a scrolling table box.
OVERFLOWING = """(width) => Array.from(document.body.querySelectorAll("*"))
    .filter((el) => el.getBoundingClientRect().right > width + 1 && !el.closest(".table-wrap"))
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                 + (el.className && typeof el.className === "string"
                    ? "." + el.className.trim().split(/\\s+/).join(".") : "")
                 + " right=" + Math.round(el.getBoundingClientRect().right))"""

CLIPPED_CAPTIONS = """(width) => Array.from(document.querySelectorAll(".table-wrap caption"))
    .filter((caption) => caption.getBoundingClientRect().right > width + 1)
    .map((caption) => caption.textContent.trim())"""


@pytest.mark.parametrize("name", PAGES)
def test_page_reflows_at_320_pixels(visitor: Visitor, name: str):
    page = visitor.open(page_path(name), width=MOBILE)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= MOBILE + 1, (
        f"{name} scrolls sideways at {MOBILE}px (scrollWidth {scroll_width}); too wide:\n"
        + "\n".join(page.evaluate(OVERFLOWING, MOBILE)[:20])
    )
    # A wide table may scroll inside its box, but its name, the caption, must be readable
    # without scrolling it.
    clipped = page.evaluate(CLIPPED_CAPTIONS, MOBILE)
    assert not clipped, f"captions wider than the screen at {MOBILE}px: {clipped}"
    violations = axe_violations(page)
    assert not violations, f"axe on {name} at {MOBILE}px:\n{describe_violations(violations)}"
