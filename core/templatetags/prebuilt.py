"""`{% prebuilt slot %}…{% endprebuilt %}`: the block kept in the database for `slot`
(core/prebuilt.py) when it is up to date; otherwise what is inside, rendered, for the view
to keep. With no slot (an officer's preview), what is inside, rendered and not kept."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token

register = template.Library()


class PrebuiltNode(template.Node):
    def __init__(self, slot: FilterExpression, nodelist: NodeList) -> None:
        self.slot = slot
        self.nodelist = nodelist

    def render(self, context: Any) -> str:
        slot = self.slot.resolve(context)
        if slot is not None and slot.html is not None:
            return slot.html
        html = self.nodelist.render(context)
        if slot is not None:
            slot.built_as(html)  # kept by the view (core.prebuilt.keep) once rendered
        return html


@register.tag
def prebuilt(parser: Parser, token: Token) -> PrebuiltNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% prebuilt %} takes one argument: the slot.")
    nodelist = parser.parse(("endprebuilt",))
    parser.delete_first_token()
    return PrebuiltNode(parser.compile_filter(bits[1]), nodelist)
