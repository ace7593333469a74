from django import template
from django.utils.safestring import SafeString, mark_safe

from pages.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """Render officers' Markdown as sanitised HTML."""
    return mark_safe(render_markdown(text))
