"""The header's Messages link with the unread count (messaging.unread: read from the cache)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from portal.lib.reverse import reverse_cached

register = template.Library()


@register.simple_tag(takes_context=True)
def messages_nav_link(context, url_name: str, section: str) -> str:
    url = reverse_cached(url_name)
    request = context.get("request")
    current = request is not None and request.path.startswith(section)
    unread = context.get("unread_messages") or 0
    badge = format_html(' <span class="badge badge--warning nav-badge">{}<span '
                        'class="visually-hidden"> unread</span></span>', unread) if unread else ""
    return format_html('<a class="nav-link" href="{}"{}>Messages{}</a>', url,
                       mark_safe(' aria-current="page"') if current else "", badge)
