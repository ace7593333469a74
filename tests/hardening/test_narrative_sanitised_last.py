"""Finding 11 of the hardening issue: live figures were put into the narrative after it was
sanitised, so a reference written inside a link's address or title landed inside the
attribute as markup. The sanitiser now runs last."""

from __future__ import annotations

import re

import pytest

from pages.markdown import render_markdown
from tests.factories import build_lancashire

pytestmark = pytest.mark.django_db


def attributes(html: str) -> list[str]:
    return re.findall(r'(?:href|title)="([^"]*)"', html)


def test_a_reference_inside_a_link_puts_no_markup_in_its_attributes():
    build_lancashire("cpp-rate")

    html = render_markdown(
        '[the rate](https://example.org/{{cpp-rate | area=Preston}} "Rate {{cpp-rate}}") is '
        "{{cpp-rate | area=Preston}}."
    )

    assert attributes(html), html
    for value in attributes(html):
        assert "<" not in value and ">" not in value, html
    # Outside the link the live figure is shown, as ever.
    assert '<span class="figure">73.3 per 10,000</span>.' in html


def test_the_sanitiser_keeps_only_the_live_figures_own_markup():
    build_lancashire("cpp-rate")

    html = render_markdown("{{cpp-rate | area=Preston}} {{no-such}}")

    assert '<span class="figure">' in html and '<span class="figure-missing">' in html
    assert render_markdown('<span class="figure" onclick="x()">9</span>').count("<span") == 0
