"""Permalinks and embeds in Chromium, on the demo: the “Link to this” under the Child protection
page's referrals chart keeps showing the same figures after a newer release revises one of
them, with a “Newer figures are available” note; the chart's embeddable page, without the
site's header and footer, passes axe-core (WCAG 2.2 A/AA) at 1280 and 320 pixels and does not
scroll sideways. Screenshots go to test-artifacts/screenshots/permalink-*.png."""

from __future__ import annotations

import io

from indicators.importing import import_values
from indicators.releases import publish_release
from pages.demo import content
from tests.browser.support import (
    DESKTOP,
    MOBILE,
    SCREENSHOTS,
    TOPIC,
    Visitor,
    axe_violations,
    describe_violations,
)

OLD, NEW = "638.6", "512.4"


def release_revision() -> None:
    """A newer release: Lancashire-12's 2012/13 referrals rate revised from 638.6 to 512.4."""
    data = (
        f"indicator,area_code,period,value\nreferrals-rate,{content.PAGE_AREA},2012/13,{NEW}\n"
    ).encode()
    report = import_values(source=io.BytesIO(data), file_name="revision.csv", stage=True)
    assert report.status == "applied", report.summary()
    publish_release(report.batch)


def lancashire_row(page) -> str:
    return (
        page.locator("table.figures tbody tr")
        .filter(has=page.locator("th", has_text="Lancashire-12"))
        .first.inner_text()
    )


def table_rows(page) -> list[str]:
    return [row.inner_text() for row in page.locator("table.figures tbody tr").all()]


def chart_drawn(page) -> bool:
    """Whether charts.js drew the chart on the canvas (Chart.js keeps it by its canvas)."""
    return page.evaluate(
        "() => { const c = document.querySelector('canvas[data-chart]');"
        " return Boolean(c && window.Chart && window.Chart.getChart(c)); }"
    )


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"permalink-{name}.png"), full_page=True)


def test_a_charts_permalink_keeps_its_figures_after_a_newer_release(visitor: Visitor):
    page = visitor.open(TOPIC)
    link = page.locator("#referrals a", has_text="Link to this").first
    address = link.get_attribute("href")
    assert address and address.startswith("/data/figures/?indicator=referrals-rate")

    # The permalink shows the same figures as the chart's table on the topic page.
    topic_rows = table_rows(page.locator("#referrals"))
    page = visitor.open(address)
    assert chart_drawn(page)
    assert table_rows(page) == topic_rows
    assert OLD in lancashire_row(page)
    assert page.locator(".permalink-newer").count() == 0
    citation = page.locator("#citation").inner_text()
    assert citation.startswith(f"Lancashire JSNA, {page.locator('h1').inner_text()}, released ")
    assert citation.endswith(visitor.base_url + address)

    release_revision()

    # Later: the same address, the same figures, and a note that newer ones exist.
    page = visitor.open(address)
    assert chart_drawn(page)
    assert table_rows(page) == topic_rows
    assert OLD in lancashire_row(page) and NEW not in lancashire_row(page)
    note = page.locator(".permalink-newer")
    assert "Newer figures are available" in note.inner_text()
    shoot(page, "old-1280")
    page.set_viewport_size({"width": MOBILE, "height": 800})
    shoot(page, "old-320")
    page.set_viewport_size({"width": DESKTOP, "height": 800})

    # The note leads to the current figures; the topic page's link now names the new release.
    note.locator("a").click()
    page.wait_for_load_state("load")
    assert NEW in lancashire_row(page)
    assert page.locator(".permalink-newer").count() == 0
    page = visitor.open(TOPIC)
    new_address = page.locator("#referrals a", has_text="Link to this").first.get_attribute("href")
    assert new_address != address
    assert NEW in lancashire_row(visitor.open(new_address))


def test_the_embed_page_passes_axe_and_reflows(visitor: Visitor):
    page = visitor.open(TOPIC)
    address = page.locator("#referrals a", has_text="Link to this").first.get_attribute("href")
    assert address
    page = visitor.open(address)
    embed_code = page.locator("#embed-code").input_value()
    assert embed_code.startswith(f'<iframe src="{visitor.base_url}/data/figures/embed/?')
    violations = axe_violations(page)
    assert not violations, f"axe on the permalink page:\n{describe_violations(violations)}"
    shoot(page, "page-1280")
    embed = address.replace("/data/figures/?", "/data/figures/embed/?")
    for width in (DESKTOP, MOBILE):
        page = visitor.open(embed, width=width)
        assert page.locator("header, footer, nav").count() == 0
        assert page.locator("table.figures").count() == 1
        assert chart_drawn(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        violations = axe_violations(page)
        assert not violations, f"axe on the embed at {width}px:\n{describe_violations(violations)}"
        shoot(page, f"embed-{width}")
    page = visitor.open(address, width=MOBILE)
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE + 1
    violations = axe_violations(page)
    assert not violations, f"axe on the permalink at 320px:\n{describe_violations(violations)}"
    shoot(page, "page-320")


def test_the_embed_draws_in_another_sites_iframe(visitor: Visitor):
    """Framed by a page of another site (http://embedder.localhost, served by the browser's own
    routing), the embed loads and draws: neither X-Frame-Options nor the CSP stops it, while
    the permalink page itself, like every other page of the site, may not be framed."""
    page = visitor.open(TOPIC)
    address = page.locator("#referrals a", has_text="Link to this").first.get_attribute("href")
    assert address
    embed = visitor.base_url + address.replace("/data/figures/?", "/data/figures/embed/?")
    other = visitor.page.context.new_page()
    other.route(
        "http://embedder.localhost/",
        lambda route: route.fulfill(
            content_type="text/html",
            body=f'<!DOCTYPE html><title>Other</title><iframe src="{embed}" title="Chart" '
            'width="800" height="900"></iframe>',
        ),
    )
    # The site's responses reach the frame through Playwright, headers and all (so Chromium
    # still applies their X-Frame-Options and CSP), since Chromium's Private Network Access
    # would otherwise refuse a frame of a local server in a page of another address.
    other.route(f"{visitor.base_url}/**", lambda route: route.fulfill(response=route.fetch()))
    other.goto("http://embedder.localhost/", wait_until="load")
    frame = other.frame_locator("iframe")
    assert OLD in frame.locator("table.figures").inner_text(timeout=10_000)
    framed = next(f for f in other.frames if "/data/figures/embed/" in f.url)
    framed.wait_for_function(
        "() => Boolean(window.Chart && window.Chart.getChart(document.querySelector('canvas')))"
    )
    # The same page with the permalink page in the frame: refused.
    other.unroute("http://embedder.localhost/")
    other.route(
        "http://embedder.localhost/",
        lambda route: route.fulfill(
            content_type="text/html",
            body=f'<!DOCTYPE html><title>Other</title><iframe src="{visitor.base_url}{address}" '
            'title="Chart" width="800" height="900"></iframe>',
        ),
    )
    other.goto("http://embedder.localhost/", wait_until="load")
    other.wait_for_timeout(500)
    assert other.frame_locator("iframe").locator("table.figures").count() == 0
    other.close()
