"""Small template helpers shared by the base layout and the pages."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str, *args) -> str:
    """A navigation link that tells assistive technology which page is the current one."""
    url = reverse(url_name, args=args)
    request = context.get("request")
    current = request is not None and request.path == url
    return format_html(
        '<a class="nav-link" href="{}"{}>{}</a>',
        url,
        format_html(' aria-current="page"') if current else "",
        label,
    )


@register.simple_tag
def practice_name() -> str:
    """The practice's name without a request: the 500 page renders with an empty context."""
    return settings.PRACTICE_NAME
