"""Officers' narrative: Markdown in, sanitised HTML out.

Raw HTML in the source is not interpreted (markdown-it's `html` option is off), and the
output passes an allow-list (nh3) so that nothing from the database can run in a browser."""

from __future__ import annotations

import re

import nh3
from django.utils.html import escape, strip_tags
from markdown_it import MarkdownIt

#: A tag of the rendered HTML, kept by `re.split` (odd positions are tags).
_TAG = re.compile(r"(<[^>]*>)")

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "pre",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": set()}


#: What live figures add to the narrative, allowed by the sanitiser and nothing else.
FIGURE_CLASSES = {"span": {"figure", "figure-missing"}}


def render_markdown(text: str, *, resolver=None) -> str:
    """Markdown to clean HTML; with a resolver, live figure references are filled in. The
    sanitiser runs last, on the page as it will be shown, so that a reference written inside
    a link's address or title can never put markup there."""
    from pages.references import PLACEHOLDER, Resolver, substitute

    text, references = substitute(text)
    html = _parser.render(text)
    # Headings inside a section start below the section's own h2.
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    if references:
        resolver = resolver or Resolver.for_references(
            [r for r in references if r.kind != "invalid"], None
        )
        shown = [resolver.render(reference) for reference in references]
        # In text a live figure is its markup; inside a tag (a link's address or title) only
        # its words, escaped, so that it can never add markup there.
        parts = _TAG.split(html)
        for position, part in enumerate(parts):
            inside = position % 2 == 1
            for index, figure in enumerate(shown):
                marker = PLACEHOLDER.format(index)
                if marker in part:
                    text = escape(strip_tags(figure)) if inside else figure
                    part = part.replace(marker, text)
            parts[position] = part
        html = "".join(parts)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS | {"span"},
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=FIGURE_CLASSES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
