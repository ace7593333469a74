"""The pages of a former area and of the area that replaced it, on a desktop and a phone: the
notices are shown, nothing sticks out sideways, axe finds nothing, and full-page screenshots
are written to test-artifacts/screenshots/ (ignored by git) for a person to look at."""

import datetime
from decimal import Decimal

import pytest

from indicators.models import Area, AreaChange, ChangeKind, Indicator, Period
from tests.browser.support import (
    DESKTOP,
    SCREENSHOTS,
    Visitor,
    area_path,
    axe_violations,
    describe_violations,
)
from tests.factories import AreaFactory, ValueFactory

PHONE = 375  # a common phone's width in CSS pixels
NORTH_WEST = "E12000002"
ALLERDALE, CUMBERLAND, CUMBRIA = "E07000026", "E06000063", "E10000006"
APRIL_2023 = datetime.date(2023, 4, 1)


@pytest.fixture
def cumbria(visitor: Visitor) -> Visitor:
    """The demo, with Cumbria's 2023 reorganisation (test data shaped like ONS's): three of its
    districts merged into Cumberland and the county divided, and a figure for Allerdale."""
    north_west = Area.objects.get(code=NORTH_WEST)
    county = AreaFactory(
        code=CUMBRIA, name="Cumbria", area_type="county", parent=north_west, is_current=False
    )
    new = {
        code: AreaFactory(code=code, name=name, area_type="unitary", parent=north_west)
        for code, name in ((CUMBERLAND, "Cumberland"), ("E06000064", "Westmorland and Furness"))
    }
    for code, name in (
        (ALLERDALE, "Allerdale"),
        ("E07000028", "Carlisle"),
        ("E07000029", "Copeland"),
    ):
        old = AreaFactory(code=code, name=name, parent=county, is_current=False)
        AreaChange.objects.create(
            old_area=old,
            new_area=new[CUMBERLAND],
            old_name=name,
            new_name="Cumberland",
            kind=ChangeKind.MERGED,
            year=2023,
            date=APRIL_2023,
        )
    for successor in new.values():
        AreaChange.objects.create(
            old_area=county,
            new_area=successor,
            old_name="Cumbria",
            new_name=successor.name,
            kind=ChangeKind.SPLIT,
            year=2023,
            date=APRIL_2023,
        )
    ValueFactory(
        indicator=Indicator.objects.get(slug="referrals-rate"),
        area=Area.objects.get(code=ALLERDALE),
        period=Period.objects.get(code="2012/13"),
        value=Decimal("512.3"),
    )
    return visitor


SHOTS = [
    ("area-former", ALLERDALE, "This area no longer exists"),
    ("area-successor", CUMBERLAND, "This area replaced Allerdale, Carlisle, Copeland and part"),
    ("area-list", None, "Allerdale"),
]


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
@pytest.mark.parametrize(("name", "code", "words"), SHOTS, ids=[s[0] for s in SHOTS])
def test_area_geography_screens(cumbria: Visitor, name: str, code: str, words: str, width: int):
    page = cumbria.open(area_path(code) if code else "/data/areas/", width=width)
    assert page.get_by_text(words).first.is_visible()
    if name == "area-former":
        banner = page.locator(".status-banner")
        assert banner.is_visible()
        assert "On 1 April 2023 it was merged into Cumberland." in banner.inner_text()
        assert page.locator("#area-comparison").is_visible()  # its figures, still shown
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width + 1, f"{name} scrolls sideways at {width}px ({scroll_width})"
    violations = axe_violations(page)
    assert not violations, f"axe on {name} at {width}px:\n{describe_violations(violations)}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}-{width}.png"
    page.screenshot(path=target, full_page=True)
    assert target.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_long_area_list_opens_with_a_jump_list(cumbria: Visitor, width: int):
    """With England's 400 areas the list is long: it opens with its headings to jump to."""
    AreaFactory(code="E11000001", name="Greater Manchester", area_type="grouping")
    for n in range(60):
        AreaFactory(code=f"E07000{300 + n}", name=f"District {n}")
    page = cumbria.open("/data/areas/", width=width)
    contents = page.locator("nav.page-contents")
    assert contents.is_visible()
    contents.get_by_role("link", name="Former areas").click()
    assert page.url.endswith("#areas-former")
    assert page.locator("#areas-former").is_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width + 1, f"the long list scrolls sideways at {width}px"
    violations = axe_violations(page)
    assert not violations, f"axe on the long list at {width}px:\n{describe_violations(violations)}"
    page.evaluate("window.scrollTo(0, 0)")
    target = SCREENSHOTS / f"area-list-long-{width}.png"
    page.screenshot(path=target, full_page=True)
    assert target.read_bytes().startswith(b"\x89PNG")
