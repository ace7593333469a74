"""The charts of the topic and indicator pages are drawn by Chart.js, not left as empty
canvases."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.support import Visitor, page_path

CHARTS_READY = """() => window.Chart && Array.from(document.querySelectorAll("canvas[data-chart]"))
    .every((canvas) => window.Chart.getChart(canvas))"""

# Every canvas, whether Chart.js owns it, its size in device pixels, and how many of its pixels
# have been painted (alpha > 0): a canvas Chart.js never drew on is fully transparent.
CANVASES = """() => Array.from(document.querySelectorAll("canvas[data-chart]"), (canvas) => {
    const {width, height} = canvas;
    const pixels = canvas.getContext("2d").getImageData(0, 0, width, height).data;
    let painted = 0;
    for (let alpha = 3; alpha < pixels.length; alpha += 4) {
        if (pixels[alpha] !== 0) painted++;
    }
    return {
        id: canvas.dataset.chart,
        chart: Boolean(window.Chart && window.Chart.getChart(canvas)),
        width, height, painted,
    };
})"""


@pytest.mark.parametrize(
    ("name", "charts"),
    [
        ("topic", 9),  # one chart for each of Child protection's nine indicator sections
        ("indicator", 1),  # the indicator's trend
    ],
)
def test_every_chart_is_drawn(visitor: Visitor, name: str, charts: int):
    page = visitor.open(page_path(name))
    try:
        page.wait_for_function(CHARTS_READY, timeout=5_000)
    except PlaywrightTimeoutError:
        pass  # the checks below say which chart is missing, and why if the console knows
    visitor.assert_no_problems()
    canvases = page.evaluate(CANVASES)

    assert len(canvases) == charts
    for canvas in canvases:
        assert canvas["chart"], f"no Chart.js chart on {canvas['id']}"
        assert canvas["width"] > 200 and canvas["height"] > 200, canvas
        # Axes, labels and data together cover well over 2% of a drawn chart.
        assert canvas["painted"] > 0.02 * canvas["width"] * canvas["height"], canvas
