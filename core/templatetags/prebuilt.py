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


class KeptNode(template.Node):
    """`{% kept "name" %}…{% endkept %}` in the layout: the page's part `name` kept built
    (core/kept_pages.py) when the page is served from its parts; otherwise what is inside,
    rendered, and recorded for the page to keep when it is being built for that."""

    def __init__(self, name: str, nodelist: NodeList) -> None:
        self.name = name
        self.nodelist = nodelist

    def render(self, context: Any) -> str:
        parts = context.get("kept_parts")
        if parts is not None:
            return parts.get(self.name, "")
        html = self.nodelist.render(context)
        recording = getattr(context.get("request"), "_keep_parts", None)
        if recording is not None:
            recording[self.name] = str(html)
        return html


@register.tag
def kept(parser: Parser, token: Token) -> KeptNode:
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(
            '{% kept %} takes one quoted name: {% kept "content" %}.'
        )
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(bits[1][1:-1], nodelist)
