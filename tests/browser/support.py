"""What the browser tests share: where things are, the pages they visit, and a `Visitor` that
opens pages and records everything that goes wrong on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Frame, Page, Request, Response

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

DESKTOP = 1280
MOBILE = 320

TOPIC = "/children-and-young-people/childrens-social-care/child-protection/"
PRESTON = "E07000123"


def area_path(code: str = PRESTON) -> str:
    from indicators.models import Area

    return Area.objects.get(code=code).get_absolute_url()


# The site's main pages by name. The area page's address comes from the database (its slug).
PAGES = {
    "home": "/",
    "a-z": "/a-z/",
    "a-z-letter": "/a-z/c/",
    "search": "/search/?q=referrals",
    "topic": TOPIC,
    "indicator": "/data/indicators/referrals-rate/",
    "area": area_path,
}


def page_path(name: str) -> str:
    path = PAGES[name]
    return path() if callable(path) else path


@dataclass
class Visitor:
    """A page in its own browser context, and a record of everything that went wrong on it:
    console errors, uncaught exceptions, failed requests and error responses."""

    page: Page
    base_url: str
    problems: list[str] = field(default_factory=list)
    expected_error_url: str | None = None

    # Which document of the tab a request came from: a page the visitor has left may have
    # requests still loading, which Chromium aborts on the way out; those are not the new
    # page's problems.
    document: int = 0
    _documents: dict[Request, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("request", self._on_request)
        self.page.on("requestfailed", self._on_request_failed)
        self.page.on("requestfinished", lambda request: self._documents.pop(request, None))
        self.page.on("framenavigated", self._on_navigated)
        self.page.on("response", self._on_response)

    def _on_navigated(self, frame: Frame) -> None:
        if frame == self.page.main_frame:
            self.document += 1

    def _on_request(self, request: Request) -> None:
        self._documents[request] = self.document

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if self.expected_error_url and message.location.get("url") == self.expected_error_url:
            return  # Chromium logs the status of a page that is meant to be an error page.
        self.problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def _on_request_failed(self, request: Request) -> None:
        issued_by = self._documents.pop(request, self.document)
        aborted = "ERR_ABORTED" in (request.failure or "")
        if aborted and not request.is_navigation_request() and issued_by < self.document:
            return  # an icon or script of a page the visitor had already left
        if aborted and request.resource_type in ("fetch", "xhr"):
            # A script's own request, cancelled: by the script (a newer question replaces an
            # older one) or by a click that leaves the page while it is on its way. Chromium
            # may report that second case before it reports the new document, so the check
            # above cannot be relied on for it.
            return
        if request.url.endswith("/favicon.svg") and aborted:
            return  # the tab's icon, still loading when the test moved on to the next page
        self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _on_response(self, response: Response) -> None:
        if response.status >= 400 and response.url != self.expected_error_url:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, path: str, *, status: int = 200, width: int = DESKTOP) -> Page:
        """Load `path` `width` CSS pixels wide; check its status and that nothing failed."""
        url = self.base_url + path
        self.expected_error_url = url if status >= 400 else None
        self.problems.clear()
        # Whatever the page being left still has loading belongs to it, not to `path`: Chromium
        # may report those requests aborted before it reports the new document (a test that
        # logs in and opens a page as soon as the admin index is drawn leaves its icons loading).
        self.document += 1
        self.page.set_viewport_size({"width": width, "height": 800})
        response = self.page.goto(url, wait_until="load")
        assert response is not None, f"no response for {path}"
        assert response.status == status, f"{path} answered {response.status}, not {status}"
        self.assert_no_problems()
        return self.page

    def assert_no_problems(self) -> None:
        assert not self.problems, f"{self.page.url}:\n" + "\n".join(self.problems)


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core (from npm, injected from node_modules) over the page's WCAG 2.x A/AA rules."""
    # Evaluated through the DevTools protocol rather than added as an inline <script>, which
    # the site's Content-Security-Policy (rightly) blocks.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary,
                                            html: n.html})),
            }));
        }""",
        AXE_TAGS,
    )


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}: {node['html'][:200]}")
            lines.extend(f"      {line}" for line in (node["summary"] or "").splitlines())
    return "\n".join(lines)
