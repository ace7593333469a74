"""Everything that can be clicked can be reached with Tab, starting at the skip link, which
works, and the focused element can always be seen (WCAG 2.1.1, 2.4.1, 2.4.7)."""

import pytest

from tests.browser.support import Visitor, page_path

# How an element is drawn: a focus indicator is an outline, or a change of shadow or background
# from how the element looks without the focus (buttons have a shadow at rest).
LOOK = """(el) => {
    const style = getComputedStyle(el);
    return {outline: style.outlineStyle, shadow: style.boxShadow,
            background: style.backgroundColor};
}"""

# Number every visible, enabled link and control in document order; note how each looks at rest.
MARK_FOCUSABLE = f"""() => {{
    const look = {LOOK};
    const found = Array.from(document.querySelectorAll("a[href], button, input, select, textarea"))
        .filter((el) => !el.disabled && el.type !== "hidden" && el.checkVisibility());
    return found.map((el, i) => {{
        el.dataset.kb = String(i);
        return {{html: el.outerHTML.slice(0, 120), ...look(el)}};
    }});
}}"""

# What has the focus now, and how it looks.
ACTIVE = f"""() => {{
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    return {{kb: el.dataset.kb ?? null, html: el.outerHTML.slice(0, 120),
             text: el.textContent.trim(), ...({LOOK})(el)}};
}}"""


def shows_focus(focused: dict, rest: dict | None) -> bool:
    if focused["outline"] != "none":
        return True
    if rest is None:  # focusable, but not one of the controls we listed (a scrolling box, say)
        return focused["shadow"] != "none"
    return focused["shadow"] != rest["shadow"] or focused["background"] != rest["background"]


@pytest.mark.parametrize("name", ["home", "topic"])
def test_tab_reaches_every_control_with_a_visible_focus(visitor: Visitor, name: str):
    page = visitor.open(page_path(name))
    controls = page.evaluate(MARK_FOCUSABLE)
    assert controls

    # Scrollable table regions (tabindex="0") are tab stops too, so that keyboard users can
    # scroll them; allow for them in the number of presses.
    regions = page.evaluate("() => document.querySelectorAll('[tabindex=\"0\"]').length")
    visits = []
    for _ in range(len(controls) + regions + 5):
        page.keyboard.press("Tab")
        visits.append(page.evaluate(ACTIVE))

    assert visits[0] and visits[0]["text"] == "Skip to main content", visits[0]
    reached = {int(v["kb"]) for v in visits if v and v["kb"] is not None}
    missed = [c["html"] for i, c in enumerate(controls) if i not in reached]
    assert not missed, "Tab never reaches:\n" + "\n".join(missed)
    unseen = {
        v["html"]
        for v in visits
        if v and not shows_focus(v, controls[int(v["kb"])] if v["kb"] is not None else None)
    }
    assert not unseen, "no visible focus indicator on:\n" + "\n".join(sorted(unseen))

    # The skip link takes the focus past the header, to the main content.
    page.focus("a.skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    visitor.assert_no_problems()
