"""Charts on phones (issue 17): at a phone's 320 px, as at a desktop's 1280 px, every bar of a
chart keeps its label and no legend entry is cut.

What is checked is what Chart.js draws: the ticks left on the category axis after its
layout (Chart.js's autoSkip used to drop every other district at 320 px), each label's lines
measured in the font it is drawn in, and the legend's entries where Chart.js placed them. The
labels are compared with the table beside the chart, which names every area of the chart."""

import re

import pytest

from tests.browser.support import DESKTOP, MOBILE, TOPIC, Visitor

CHARTS_READY = """() => window.Chart && Array.from(document.querySelectorAll("canvas[data-chart]"))
    .every((canvas) => window.Chart.getChart(canvas))"""

# For each chart: its data, the labels drawn on its category axis (each as its lines) with
# their widths and places, its legend's entries as drawn, and the row headers of its table.
DRAWN = """() => Array.from(document.querySelectorAll("canvas[data-chart]"), (canvas) => {
    const chart = window.Chart.getChart(canvas);
    const spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    const lines = (text) => (Array.isArray(text) ? text : [text]).map(String);
    const ctx = chart.ctx;
    const widest = (texts, font) => {
        ctx.save();
        ctx.font = font.string;
        const width = Math.max(0, ...texts.map((t) => ctx.measureText(t).width));
        ctx.restore();
        return width;
    };
    const axis = chart.options.indexAxis === "y" ? "y" : "x";
    const scale = chart.scales[axis];
    const tickFont = window.Chart.helpers.toFont(scale.options.ticks.font);
    const ticks = scale.ticks.map((tick, i) => ({
        lines: lines(tick.label),
        width: widest(lines(tick.label), tickFont),
        at: scale.getPixelForTick(i),
    }));
    const legend = chart.legend;
    const legendFont = window.Chart.helpers.toFont(legend.options.labels.font);
    const table = document.querySelector(
        `.table-wrap[aria-labelledby="${canvas.dataset.chart}-caption"] table`);
    return {
        id: canvas.dataset.chart,
        type: spec.type,
        labels: spec.labels,
        width: chart.width,
        height: chart.height,
        canvasWidth: canvas.getBoundingClientRect().width,
        indexAxis: axis,
        autoSkip: scale.options.ticks.autoSkip,
        rotation: scale.labelRotation,
        scale: {left: scale.left, right: scale.right, top: scale.top, bottom: scale.bottom,
                width: scale.width, padding: scale.options.ticks.padding},
        tickLineHeight: tickFont.lineHeight,
        ticks,
        legend: {
            display: legend.options.display,
            left: legend.left, right: legend.right, top: legend.top, bottom: legend.bottom,
            width: legend.width,
            fontSize: legendFont.size,
            lineHeight: legendFont.lineHeight,
            // (Chart.js places the entries of a legend it shows only.)
            items: legend.legendItems.map((item, i) => ({
                lines: lines(item.text),
                width: widest(lines(item.text), legendFont),
                left: (legend.legendHitBoxes[i] || {}).left,
                top: (legend.legendHitBoxes[i] || {}).top,
                height: (legend.legendHitBoxes[i] || {}).height,
            })),
        },
        shown: chart.data.datasets.filter((_, i) => chart.isDatasetVisible(i)).length,
        rows: table ? Array.from(table.querySelectorAll("tbody th[scope=row]"),
                                 (th) => th.innerText.trim()) : null,
    };
})"""

ILLUSTRATIVE = " (illustrative)"
# The table's last row of a chart by area is the whole area ("Lancashire-12 (all districts)"),
# drawn as the reference line and named in the legend ("Lancashire-12: 40.3 per 10,000").
WHOLE_AREA = re.compile(r"^(?P<name>.+) \(all [^)]+\)$")
SLACK = 0.5  # pixels: Chart.js and the measurements here round differently

WIDTHS = [MOBILE, DESKTOP]
PAGES = [
    ("topic", TOPIC, 3),  # Child protection: by district, by age, by ethnicity
    ("indicator", "/data/indicators/cpp-rate/", 1),  # an indicator whose chart is by district
]


def drawn_charts(visitor: Visitor, path: str, width: int) -> list[dict]:
    page = visitor.open(path, width=width)
    page.wait_for_function(CHARTS_READY, timeout=5_000)
    # Let a resize that the first layout caused (a taller box for bars across) settle.
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50)))")
    visitor.assert_no_problems()
    return page.evaluate(DRAWN)


def label_text(lines: list[str]) -> str:
    text = " ".join(lines)
    return text.removesuffix(ILLUSTRATIVE)


def check_bar_labels(chart: dict, width: int) -> None:
    name = f"{chart['id']} at {width}px"
    assert chart["autoSkip"] is False, f"{name}: Chart.js may skip category labels"
    if width == MOBILE or len(chart["labels"]) > 6:
        assert chart["indexAxis"] == "y", f"{name}: the bars should run across"

    drawn = [label_text(tick["lines"]) for tick in chart["ticks"]]
    assert drawn == chart["labels"], f"{name}: labels drawn {drawn}"

    # Every area (or group) in the table has its label on the chart; the whole area is the
    # reference line, named in the legend.
    assert chart["rows"], f"{name}: no table beside the chart"
    legend_texts = [" ".join(item["lines"]) for item in chart["legend"]["items"]]
    for row in chart["rows"]:
        whole = WHOLE_AREA.match(row)
        if row in drawn:
            continue
        assert whole and any(t.startswith(whole["name"] + ":") for t in legend_texts), (
            f"{name}: {row!r} of the table has no label on the chart (drawn: {drawn})"
        )

    # Each label fits where it is drawn: beside bars across, within the axis and the bar's own
    # height; under upright bars, within its bar's slot and not turned.
    ticks = chart["ticks"]
    spacing = min(
        (abs(b["at"] - a["at"]) for a, b in zip(ticks, ticks[1:], strict=False)),
        default=chart["height"],
    )
    for tick in ticks:
        text = " / ".join(tick["lines"])
        if chart["indexAxis"] == "y":
            assert chart["scale"]["left"] >= -SLACK
            assert tick["width"] <= chart["scale"]["width"] + SLACK, (
                f"{name}: {text!r} ({tick['width']:.0f}px) is wider than its axis "
                f"({chart['scale']['width']:.0f}px), so cut at the canvas's edge"
            )
            assert len(tick["lines"]) * chart["tickLineHeight"] <= spacing + SLACK, (
                f"{name}: {text!r} runs into the next bar's label"
            )
        else:
            assert chart["rotation"] == 0, f"{name}: labels turned, not wrapped"
            assert tick["width"] <= spacing + SLACK, f"{name}: {text!r} overlaps its neighbours"


def check_legend(chart: dict, width: int) -> None:
    name = f"{chart['id']} at {width}px"
    legend = chart["legend"]
    if not legend["display"]:
        return
    items = legend["items"]
    assert len(items) == chart["shown"], f"{name}: {len(items)} legend entries"
    assert legend["width"] <= chart["width"] + SLACK, f"{name}: legend wider than the chart"
    assert legend["left"] >= -SLACK and legend["right"] <= chart["width"] + SLACK
    assert chart["width"] <= chart["canvasWidth"] + SLACK
    # With a point symbol, Chart.js draws it a font size wide and half a font size before the
    # text; every line of the text ends inside the legend.
    symbol = legend["fontSize"] * 1.5
    for item in items:
        text = " / ".join(item["lines"])
        assert item["left"] >= legend["left"] - SLACK, f"{name}: {text!r} starts off the chart"
        assert item["left"] + symbol + item["width"] <= legend["right"] + SLACK, (
            f"{name}: legend entry {text!r} is cut at the chart's edge"
        )
        # Its last line (drawn a line height under the one before, the first centred on its
        # row) stays above the next row and inside the legend.
        lines = len(item["lines"])
        bottom = item["top"] + item["height"] / 2 + (lines - 0.5) * legend["lineHeight"]
        assert bottom <= legend["bottom"] + SLACK, f"{name}: {text!r} runs out of the legend"
        for other in items:
            if other["top"] > item["top"] + SLACK:
                assert bottom <= other["top"] + SLACK, f"{name}: {text!r} overlaps the next row"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("name", "path", "bar_charts"), PAGES, ids=[p[0] for p in PAGES])
def test_every_bar_keeps_its_label(
    visitor: Visitor, name: str, path: str, bar_charts: int, width: int
):
    charts = drawn_charts(visitor, path, width)
    bars = [chart for chart in charts if chart["type"] == "bar"]
    assert len(bars) == bar_charts, [chart["id"] for chart in charts]
    for chart in bars:
        check_bar_labels(chart, width)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("name", "path", "bar_charts"), PAGES, ids=[p[0] for p in PAGES])
def test_legends_are_not_cut(visitor: Visitor, name: str, path: str, bar_charts: int, width: int):
    charts = drawn_charts(visitor, path, width)
    assert any(chart["legend"]["display"] for chart in charts)
    for chart in charts:
        check_legend(chart, width)


def test_bars_across_have_room(visitor: Visitor):
    """At 320 px the chart of the 12 districts grows to fit them all rather than squeezing
    them into the box the CSS gives other charts."""
    charts = drawn_charts(visitor, TOPIC, MOBILE)
    chart = next(c for c in charts if c["id"] == "district-rates-data")
    ticks = chart["ticks"]
    assert len(ticks) == 12
    spacing = min(abs(b["at"] - a["at"]) for a, b in zip(ticks, ticks[1:], strict=False))
    assert spacing >= 28, f"only {spacing:.0f}px for each district's bar and label"
    assert "Ribble Valley" in [label_text(t["lines"]) for t in ticks]
