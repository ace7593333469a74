"""Hostile input: XSS payloads saved through the admin's forms and an import file into every
field the public sees are shown as text on every public page type. Nothing runs (no dialog,
no marker set), and no element, attribute or URL from a payload reaches the DOM — checked
apart from the Content-Security-Policy, which would otherwise hide an escaping bug."""

from __future__ import annotations

import io

from django.test import Client
from django.urls import reverse

from indicators.importing.services import import_values
from indicators.models import Area, Indicator
from pages.models import PageAuthor, Topic
from pages.services import create_officer
from tests.browser.support import TOPIC, Visitor
from tests.pages.admin_forms import form_data, section_prefix

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
            && el !== document.body && !el.closest(".chart-box, figure.choropleth")
            && !(tag === "svg" && el.closest(".area-profile")
                 && ["spine", "spine-key__mark"].includes(el.getAttribute("class")))) {
            // the site's own: a chart's canvas box, a district map's SVG, a profile's spines
            bad.push(tag);
        }
        if (tag === "script" && el.src === "" && el.type !== "application/json") {
            bad.push(el.outerHTML.slice(0, 120));
        }
    }
    return bad;
}"""


def _save(client: Client, url: str, changes: dict[str, str], form_id: str) -> None:
    """Post an admin change form as a browser would, with these edits; it must be accepted."""
    data = form_data(client.get(url), changes, form_id=form_id)
    data["_continue"] = "1"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""


def _edit_page(client: Client, topic: Topic, changes) -> None:
    """As a publisher: edit the published page as a draft, save the edits, publish."""
    workflow = reverse("admin:pages_topic_workflow", args=[topic.pk])
    assert client.post(workflow, {"step": "edit"}).status_code == 302
    draft = Topic.objects.get(draft_of=topic)
    url = reverse("admin:pages_topic_change", args=[draft.pk])
    data = form_data(client.get(url))
    _save(client, url, changes(data), "topic_form")
    publish = reverse("admin:pages_topic_workflow", args=[draft.pk])
    assert client.post(publish, {"step": "publish"}).status_code == 302
    assert not Topic.objects.filter(draft_of=topic).exists()


def plant(payloads: list[str]) -> None:
    """Payloads in narrative, titles, keywords, summaries, author fields, area and indicator
    names, saved through the admin's forms by a publisher (as a browser would post them), and
    in notes through an import file."""
    chunks = [payloads[i::6] for i in range(6)]
    user, _ = create_officer(username="xss-publisher", password="a-long-password", role="Publisher")
    client = Client()
    client.force_login(user)

    page = Topic.objects.get(slug="child-protection")

    def page_changes(data):
        changes = {
            "summary": data["summary"] + " " + " ".join(chunks[1]),
            "keywords": data["keywords"] + ", " + ", ".join(p.replace(",", " ") for p in chunks[2]),
        }
        anchors = [
            anchor
            for name, anchor in data.items()
            if name.startswith("sections-") and name.endswith("-anchor") and anchor
        ]
        for anchor, text in zip(anchors, chunks[0], strict=False):
            prefix = section_prefix(data, anchor)
            changes[f"{prefix}-body"] = data[f"{prefix}-body"] + f"\n\n{text}"
        return changes

    # The admin refuses a live-figure reference that names nothing; such a payload reaches a
    # page when the data it names is deleted later, so it is stored directly.
    refused = [text for text in chunks[0] if "{{" in text]
    chunks[0] = [text for text in chunks[0] if "{{" not in text]
    _edit_page(client, page, page_changes)
    section = page.sections.last()
    section.body += "\n\n" + "\n\n".join(refused)
    section.save()
    sibling = Topic.objects.get(slug="children-in-care")
    _edit_page(client, sibling, lambda data: {"title": chunks[1][0][:190]})

    author = PageAuthor.objects.get()
    _save(
        client,
        reverse("admin:pages_pageauthor_change", args=[author.pk]),
        {"name": chunks[3][0], "job_title": chunks[3][1], "phone": chunks[3][2][:40]},
        "pageauthor_form",
    )
    planted = dict(zip(Area.objects.filter(area_type="district"), chunks[4], strict=False))
    for area, text in planted.items():
        _save(
            client,
            reverse("admin:indicators_area_change", args=[area.pk]),
            {"short_name": text[:60]},
            "area_form",
        )
    indicator = Indicator.objects.get(slug="referrals-rate")
    _save(
        client,
        reverse("admin:indicators_indicator_change", args=[indicator.pk]),
        {"definition": " ".join(chunks[5])},
        "indicator_form",
    )
    rows = ["indicator,area_code,period,value,note"]
    for n, text in enumerate(payloads[:10]):
        note = text.replace('"', '""')
        rows.append(f'referrals-rate,E10000017,{2000 + n}/{(n + 1) % 100:02d},{100 + n},"{note}"')
    report = import_values(source=io.BytesIO("\n".join(rows).encode()), file_name="xss.csv")
    assert not report.rejected, report.summary()
    # What the forms saved is what was sent.
    bodies = Topic.objects.get(slug="child-protection").sections.values_list("body", flat=True)
    missing = [text for text in chunks[0] if not any(text in body for body in bodies)]
    assert not missing, (missing, list(bodies))
    assert {a.pk: a.short_name for a in Area.objects.filter(pk__in=[a.pk for a in planted])} == {
        a.pk: text[:60] for a, text in planted.items()
    }


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
