"""`{% figures_link figures as link %}`: the permalink, embed and CSVW metadata addresses of a
chart's figures (`indicators.figure_links.link_for`).

Worked out from the figures the chart already holds, with no query and nothing from the
request, because charts are kept built in the database (core/prebuilt.py)."""

from __future__ import annotations

from django import template

from indicators.figure_links import FigureLink, link_for
from indicators.selectors import Figures

register = template.Library()


@register.simple_tag
def figures_link(figures: Figures | None) -> FigureLink | None:
    """The addresses of the figures of `figures` (a page's chart and its table), or None when
    they have none (no figures, or an officer's preview of staged figures)."""
    if figures is None:
        return None
    return link_for(figures.table.figures)
