"""The choropleth map of the Child protection page's district rates, in Chromium: drawn without
a script at 320 and 1280 pixels wide, every district reached with Tab and shown focused,
named with its figure, no accessibility violations and nothing blocked by the
Content-Security-Policy. Screenshots for a person to look at: test-artifacts/screenshots/."""

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

MAP = "#district-rates figure.choropleth"
DISTRICTS = 12  # Lancashire-12's districts, all with a figure in the demo

# The focused element, and how its shape is drawn.
ACTIVE = """() => {
    const el = document.activeElement;
    const path = el && el.querySelector("path");
    const style = path && getComputedStyle(path);
    return {
        tag: el.tagName.toLowerCase(), cls: el.getAttribute("class"),
        code: el.dataset.code || null, label: el.getAttribute("aria-label"),
        title: el.querySelector("title") ? el.querySelector("title").textContent : null,
        fill: style && style.fill, strokeWidth: style && style.strokeWidth,
        focusVisible: el.matches(":focus-visible"),
    };
}"""


@pytest.mark.parametrize("width", [MOBILE, DESKTOP])
def test_the_map_is_drawn_and_fits(visitor: Visitor, width: int):
    page = visitor.open(TOPIC, width=width)
    figure = page.locator(MAP)
    figure.scroll_into_view_if_needed()
    svg = figure.locator("svg.choropleth__map").bounding_box()
    assert svg is not None
    assert svg["width"] <= width and svg["width"] >= min(width - 40, 300), svg
    assert svg["height"] > 200, svg
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= width, f"the page scrolls sideways at {width}px: {overflow}"
    # Every district is drawn (its shape has a size) and filled by its class's colour.
    areas = figure.locator("a.map-area")
    assert areas.count() == DISTRICTS
    for i in range(DISTRICTS):
        box = areas.nth(i).locator("path").bounding_box()
        assert box is not None and box["width"] > 3 and box["height"] > 3
        fill = areas.nth(i).locator("path").evaluate("(p) => getComputedStyle(p).fill")
        assert fill.startswith("rgb(") and fill not in ("rgb(0, 0, 0)", "rgb(255, 221, 0)"), fill
    assert figure.locator(".map-legend li").count() >= 4
    assert "Contains OS data © Crown copyright" in figure.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"map-{width}.png"
    figure.screenshot(path=target)
    assert target.read_bytes().startswith(b"\x89PNG")
    # The whole section: the chart, the table and the map together.
    page.locator("#district-rates").screenshot(path=SCREENSHOTS / f"map-section-{width}.png")
    visitor.assert_no_problems()


@pytest.mark.parametrize("width", [MOBILE, DESKTOP])
def test_tab_reaches_each_district_with_a_visible_focus_and_its_figure(
    visitor: Visitor, width: int
):
    page = visitor.open(TOPIC, width=width)
    # Start on the last link before the map (under the chart and its table: "Link to this",
    # the embed, the column descriptions), then Tab through the districts.
    page.locator("#district-rates .figure-links a").last.focus()
    seen = []
    for _ in range(DISTRICTS):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(ACTIVE))

    assert [s["cls"] for s in seen] == ["map-area"] * DISTRICTS, seen
    assert len({s["code"] for s in seen}) == DISTRICTS
    for s in seen:
        name, _, figure = s["label"].partition(": ")
        assert name and " per 10,000" in figure, s
        assert s["title"] == s["label"]
        assert s["focusVisible"]
        assert s["fill"] == "rgb(255, 221, 0)" and s["strokeWidth"] == "4px", s  # the focus
    assert {s["label"].partition(": ")[0] for s in seen} >= {"Preston", "Ribble Valley"}
    preston = next(s for s in seen if s["label"].startswith("Preston"))
    assert preston["label"] == "Preston: 73.3 per 10,000"
    if width == DESKTOP:
        page.locator(MAP).screenshot(path=SCREENSHOTS / "map-focus-1280.png")
    visitor.assert_no_problems()


def test_the_page_with_its_map_has_no_accessibility_violations(visitor: Visitor):
    for width in (MOBILE, DESKTOP):
        page = visitor.open(TOPIC, width=width)
        violations = axe_violations(page)
        assert not violations, describe_violations(violations)
        visitor.assert_no_problems()


def test_hidden_figures_are_hatched_and_named(visitor: Visitor):
    from indicators.models import Value

    rates = Value.objects.filter(
        indicator__slug="cpp-rate", period__code="2013-03-31", breakdown=None
    )
    burnley = rates.get(area__code="E07000117")
    burnley.withheld = "primary"  # as disclosure control marks a small number
    burnley.save()
    chorley = rates.get(area__code="E07000118")
    chorley.value, chorley.status = None, "not_available"
    chorley.save()

    page = visitor.open(TOPIC, width=DESKTOP)
    figure = page.locator(MAP)
    fills = {
        code: figure.locator(f'a[data-code="{code}"] path').evaluate(
            "(p) => getComputedStyle(p).fill"
        )
        for code in ("E07000117", "E07000118")
    }
    assert "withheld" in fills["E07000117"] and fills["E07000117"].startswith("url("), fills
    assert "not-available" in fills["E07000118"], fills
    assert figure.locator('a[data-code="E07000117"]').get_attribute("aria-label") == (
        "Burnley: suppressed (small numbers)"
    )
    legend = figure.locator(".map-legend").inner_text()
    assert "Figure withheld: Burnley" in legend and "Not available: Chorley" in legend
    figure.screenshot(path=SCREENSHOTS / "map-hidden-1280.png")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    visitor.assert_no_problems()
