"""Every email is three templates rendered by one helper: ``templates/emails/<kind>-subject.txt``,
``<kind>-body.txt`` and ``<kind>-body.html``.

Rule 7 of DESIGN.md applies to everything rendered here: no clinical content, no service-line
word in a subject, and a neutral sender and wording for clients in discreet mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from notifications.models import Notification
from portal.lib import clock

if TYPE_CHECKING:  # the layers point one way: the outbox imports no app above it
    from clients.models import User


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def email_render(*, kind: str, context: dict[str, Any]) -> RenderedEmail:
    prefix = f"emails/{kind}"
    # A header cannot span lines: whatever the template's line breaks, the subject is one line.
    subject = " ".join(render_to_string(f"{prefix}-subject.txt", context).split())
    context = {**context, "subject": subject}
    text = render_to_string(f"{prefix}-body.txt", context).strip() + "\n"
    html = render_to_string(f"{prefix}-body.html", context)
    return RenderedEmail(subject=subject, text=text, html=html)


def recipient_is_discreet(user: User) -> bool:
    try:
        return bool(user.client_profile.discreet_mode)
    except ObjectDoesNotExist:  # staff have no client profile
        return False


def sender_for(user: User) -> str:
    if recipient_is_discreet(user):
        return formataddr((settings.DISCREET_FROM_NAME, settings.PRACTICE_EMAIL_ADDRESS))
    return settings.DEFAULT_FROM_EMAIL


def _template_values(context: dict[str, Any]) -> dict[str, Any]:
    """The row's context for the templates: "*_at" ISO strings become datetimes."""
    values = dict(context)
    for key, value in context.items():
        if key.endswith("_at") and isinstance(value, str):
            values[key] = datetime.fromisoformat(value)
    return values


def notification_email_build(*, notification: Notification) -> EmailMultiAlternatives:
    recipient = notification.recipient
    discreet = recipient_is_discreet(recipient)
    context = {
        # The row's own values first, so they can never override the ones below.
        **_template_values(notification.context),
        "first_name": recipient.greeting_name,
        # Staff get the same events worded for the one who holds the session, not attends it.
        "for_staff": recipient.is_staff_member,
        "discreet": discreet,
        "practice_name": settings.PRACTICE_NAME,
        "site_url": settings.SITE_URL,
        "sign_in_url": f"{settings.SITE_URL}/",
        # For times in the email: the zone they are shown in, and which day is tomorrow there.
        "time_zone": clock.zone_words(recipient.time_zone),
        "tomorrow": timezone.localdate(timezone=recipient.zone) + timedelta(days=1),
    }
    # Times in an email are the recipient's local times (rule 5).
    with timezone.override(recipient.zone), clock.override(recipient.hour12):
        rendered = email_render(kind=notification.kind, context=context)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=sender_for(recipient),
        to=[recipient.email],
    )
    message.attach_alternative(rendered.html, "text/html")
    if ics := notification.context.get("ics"):
        method = "CANCEL" if "METHOD:CANCEL" in ics else "REQUEST"
        message.attach("appointment.ics", ics, f"text/calendar; method={method}")
    return message
