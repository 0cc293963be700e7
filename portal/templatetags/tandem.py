"""Small template helpers shared by the base layout and the pages."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from portal.lib import clock as _clock
from portal.lib.reverse import reverse_cached

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str, *args, section: str = "") -> str:
    """A navigation link that tells assistive technology which page is the current one.

    With ``section`` (a path prefix) the link is current on every page under it, e.g. the
    header's Account link on all account pages.
    """
    url = reverse(url_name, args=args) if args else reverse_cached(url_name)
    request = context.get("request")
    path = request.path if request is not None else ""
    current = path == url or (bool(section) and path.startswith(section))
    return format_html(
        '<a class="nav-link" href="{}"{}>{}</a>',
        url,
        mark_safe(' aria-current="page"') if current else "",
        label,
    )


@register.simple_tag
def practice_name() -> str:
    """The practice's name without a request: the 500 page renders with an empty context."""
    return settings.PRACTICE_NAME


@register.inclusion_tag("includes/practice_contact.html")
def practice_contact(*, compact: bool = False) -> dict:
    """How to reach the practice, from settings (TANDEM_PRACTICE_PHONE, _CONTACT_EMAIL,
    _ADDRESS); needs no request, so the error pages show it too."""
    phone = settings.PRACTICE_PHONE
    return {"compact": compact, "name": settings.PRACTICE_NAME, "phone": phone,
            "phone_href": "tel:" + "".join(c for c in phone if c.isdigit() or c == "+"),
            "hours": settings.PRACTICE_PHONE_HOURS, "email": settings.PRACTICE_CONTACT_EMAIL,
            "address": settings.PRACTICE_ADDRESS}


@register.filter(expects_localtime=True)
def clock(value, fmt: str = "H:i") -> str:
    """A date format whose "H:i" reads on the person's clock: ``{{ start|clock:"l j F, H:i" }}``
    is "Tuesday 3 March, 2:30 PM" for a reader in the US, "…, 14:30" for one in Berlin."""
    return _clock.clock_format(value, fmt)


@register.filter
def zone_words(zone_name: str) -> str:
    """ "America/Chicago" → "Chicago time (CST)"."""
    return _clock.zone_words(str(zone_name))


@register.simple_tag
def now_clock() -> str:
    """The time now, on the active clock and in the active zone."""
    from django.utils import timezone

    return _clock.clock_format(timezone.localtime(), "H:i")
