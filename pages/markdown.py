"""Officers' narrative: Markdown in, sanitised HTML out.

Raw HTML in the source is not interpreted (markdown-it's `html` option is off), and the
output passes an allow-list (nh3) so that nothing from the database can run in a browser."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

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


def render_markdown(text: str, *, resolver=None) -> str:
    """Markdown to clean HTML; with a resolver, live figure references are filled in."""
    from pages.references import PLACEHOLDER, Resolver, substitute

    text, references = substitute(text)
    html = _parser.render(text)
    # Headings inside a section start below the section's own h2.
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
    if references:
        resolver = resolver or Resolver.for_references(
            [r for r in references if r.kind != "invalid"], None
        )
        for index in range(len(references)):
            html = html.replace(PLACEHOLDER.format(index), resolver.render(references[index]))
    return html
