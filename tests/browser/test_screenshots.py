"""Full-page screenshots of the main pages, for a person to look at: written to
test-artifacts/screenshots/ (ignored by git)."""

import pytest

from tests.browser.support import DESKTOP, MOBILE, SCREENSHOTS, Visitor, page_path

SHOTS = [
    ("home", DESKTOP),
    ("a-z", DESKTOP),
    ("search", DESKTOP),
    ("topic", DESKTOP),
    ("topic", MOBILE),
    ("indicator", DESKTOP),
    ("area", DESKTOP),
]


@pytest.mark.parametrize(("name", "width"), SHOTS, ids=[f"{n}-{w}" for n, w in SHOTS])
def test_screenshot(visitor: Visitor, name: str, width: int):
    page = visitor.open(page_path(name), width=width)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}-{width}.png"
    page.screenshot(path=target, full_page=True)
    assert target.read_bytes().startswith(b"\x89PNG")
