"""Every list in the admin fits a 1280 px screen, as an officer sees it: no list is wider
than the window, and no table scrolls inside its own box (so no column is out of sight to
the right, either way), and its dates are written the
one way the site writes them ("19 March 2014"). A screenshot of each list goes to
test-artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

import io
import re

from django.contrib import admin
from django.urls import reverse

from indicators.importing import import_values
from indicators.models import ImportBatch
from pages.demo import content as demo_content
from pages.services import create_officer
from tests.browser.support import DESKTOP, SCREENSHOTS, Visitor

PASSWORD = "a-long-test-password-for-the-browser"
#: Dates written otherwise: 19/03/2014, "19 Mar 2014", "9:30 a.m.".
NUMERIC_DATE = re.compile(
    r"\b\d{1,2}/\d{1,2}/\d{4}\b"
    r"|\b\d{1,2} (?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.? \d{4}"
    r"|\b[ap]\.m\."
)


def test_every_admin_list_fits_1280_px_and_writes_dates_one_way(visitor: Visitor):
    chief, _ = create_officer(
        username="chief", password=PASSWORD, role="Administrator", team=demo_content.TEAM
    )
    # A staged import with a long file name, and a refused one: the import lists have rows.
    long_name = "referrals-" + "with-a-long-name-" * 4 + ".csv"
    for name, figure in ((long_name, "700.0"), ("refused.csv", "x")):
        data = f"indicator,area_code,period,value\nreferrals-rate,E10000017,2014/15,{figure}\n"
        import_values(source=io.BytesIO(data.encode()), file_name=name, user=chief, stage=True)
    assert ImportBatch.objects.count() == 2
    page = visitor.page
    page.goto(f"{visitor.base_url}/admin/login/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    too_wide, numeric = [], []
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        page.goto(f"{visitor.base_url}{url}")
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > DESKTOP:
            too_wide.append(f"{meta.label_lower}: {width} px")
        # Django's list scrolls in its own box (.results): a column past its edge is hidden.
        hidden = page.evaluate(
            """() => {
                const box = document.querySelector('.results');
                if (!box) return [];
                const edge = box.getBoundingClientRect().right;
                return [...box.querySelectorAll('#result_list thead th')]
                    .filter(th => th.getBoundingClientRect().right > edge + 1)
                    .map(th => th.innerText.trim() || th.className);
            }"""
        )
        if hidden:
            too_wide.append(f"{meta.label_lower}: {', '.join(hidden)} out of sight")
        table = page.query_selector("#result_list")
        if table is not None and NUMERIC_DATE.search(table.inner_text()):
            numeric.append(f"{meta.label_lower}: {NUMERIC_DATE.search(table.inner_text())[0]}")
        page.screenshot(path=SCREENSHOTS / f"admin-list-{meta.app_label}-{meta.model_name}.png")
    assert too_wide == [], too_wide
    assert numeric == [], numeric
