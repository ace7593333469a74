"""Hostile input: XSS payloads saved through the admin's models and an import file into every
field the public sees are shown as text on every public page type. Nothing runs (no dialog,
no marker set), and no element, attribute or URL from a payload reaches the DOM — checked
apart from the Content-Security-Policy, which would otherwise hide an escaping bug."""

from __future__ import annotations

import io

from django.urls import reverse

from indicators.importing.services import import_values
from indicators.models import Area, Indicator
from pages.models import PageAuthor, Topic
from tests.browser.support import TOPIC, Visitor

# Each payload, if it ran, would set window.__xss or open a dialog.
BASE = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=1>",
    "<svg onload=window.__xss=1>",
    "<svg><script>window.__xss=1</script></svg>",
    "<iframe src=javascript:alert(1)>",
    "<body onload=window.__xss=1>",
    "<a href=javascript:alert(1)>x</a>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "<details open ontoggle=window.__xss=1>",
    "<input autofocus onfocus=window.__xss=1>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    '"><script>window.__xss=1</script>',
    "'><img src=x onerror=alert(1)>",
    "</title><script>window.__xss=1</script>",
    "</script><script>window.__xss=1</script>",
    "<scr<script>ipt>window.__xss=1</script>",
    "%3Cscript%3Ewindow.__xss=1%3C/script%3E",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<div style=background:url(javascript:alert(1))>",
    "{{<script>window.__xss=1</script>}}",
]
PAYLOADS = BASE + [p.upper() if "script" in p else p.replace("=", " = ") for p in BASE]
assert len(PAYLOADS) == 50

FIND_INJECTED = """() => {
    const bad = [];
    for (const el of document.querySelectorAll("*")) {
        for (const attr of el.attributes) {
            const name = attr.name.toLowerCase(), value = attr.value.trim().toLowerCase();
            if (name.startsWith("on")) bad.push(el.outerHTML.slice(0, 120));
            if (["href", "src", "action", "data", "formaction"].includes(name)
                && value.startsWith("javascript:")) bad.push(el.outerHTML.slice(0, 120));
        }
        const tag = el.tagName.toLowerCase();
        if (["iframe", "object", "embed", "svg", "math", "details", "body"].includes(tag)
            && el !== document.body && !el.closest(".chart-box")) bad.push(tag);
        if (tag === "script" && el.src === "" && el.type !== "application/json") {
            bad.push(el.outerHTML.slice(0, 120));
        }
    }
    return bad;
}"""


def plant(payloads: list[str]) -> None:
    """Payloads in narrative, titles, keywords, summaries, author fields, area and indicator
    names (as the admin saves them), and in notes through an import file."""
    chunks = [payloads[i::6] for i in range(6)]
    page = Topic.objects.get(slug="child-protection")
    for section, text in zip(page.sections.all(), chunks[0], strict=False):
        section.body += f"\n\n{text}"
        section.save()
    page.summary += " " + " ".join(chunks[1])
    page.keywords += ", " + ", ".join(p.replace(",", " ") for p in chunks[2])
    page.save()
    sibling = Topic.objects.get(slug="children-in-care")
    sibling.title = chunks[1][0][:190]
    sibling.save()
    author = PageAuthor.objects.get()
    author.name, author.job_title, author.phone = chunks[3][0], chunks[3][1], chunks[3][2][:40]
    author.save()
    for area, text in zip(Area.objects.filter(area_type="district"), chunks[4], strict=False):
        area.short_name = text[:60]
        area.save()
    indicator = Indicator.objects.get(slug="referrals-rate")
    indicator.definition = " ".join(chunks[5])
    indicator.save()
    rows = ["indicator,area_code,period,value,note"]
    for n, text in enumerate(payloads[:10]):
        note = text.replace('"', '""')
        rows.append(f'referrals-rate,E10000017,{2000 + n}/{(n + 1) % 100:02d},{100 + n},"{note}"')
    report = import_values(source=io.BytesIO("\n".join(rows).encode()), file_name="xss.csv")
    assert not report.rejected, report.summary()


def test_no_payload_runs_on_any_public_page(visitor: Visitor):
    plant(PAYLOADS)
    page = visitor.page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    preston = Area.objects.get(code="E07000123")
    paths = [
        "/",
        TOPIC,
        "/a-z/",
        "/a-z/s/",
        "/a-z/c/",
        reverse("indicators:indicator_detail", args=["referrals-rate"]),
        reverse("indicators:indicator_detail", args=["referrals-rate"]) + "?sort=-value",
        preston.get_absolute_url(),
        "/data/areas/",
        "/data/indicators/",
        "/search/?q=script",
        "/search/?q=" + "<script>window.__xss=1</script>",
        "/search/?q=onerror",
    ]
    for path in paths:
        response = page.goto(visitor.base_url + path, wait_until="load")
        assert response.status == 200, path
        assert response.headers.get("content-security-policy"), path
        assert page.evaluate("() => window.__xss") is None, path
        assert page.evaluate(FIND_INJECTED) == [], path
    assert dialogs == []
    # The payloads are there, as text.
    page.goto(visitor.base_url + TOPIC)
    assert "<script>window.__xss=1</script>" in page.inner_text("main")
