"""Every email is three templates rendered by one helper: ``templates/emails/<kind>-subject.txt``,
``<kind>-body.txt`` and ``<kind>-body.html``.

Rule 7 of DESIGN.md applies to everything rendered here: no clinical content, no service-line
word in a subject, and a neutral sender and wording for clients in discreet mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from clients.models import User
from notifications.models import Notification


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


def notification_email_build(*, notification: Notification) -> EmailMultiAlternatives:
    recipient = notification.recipient
    discreet = recipient_is_discreet(recipient)
    context = {
        # The row's own values first, so they can never override the ones below.
        **notification.context,
        "first_name": recipient.full_name.split()[0] if recipient.full_name.strip() else "",
        "discreet": discreet,
        "practice_name": settings.PRACTICE_NAME,
        "site_url": settings.SITE_URL,
        "sign_in_url": f"{settings.SITE_URL}/",
    }
    # Times in an email are the recipient's local times (rule 5).
    with timezone.override(recipient.zone):
        rendered = email_render(kind=notification.kind, context=context)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=sender_for(recipient),
        to=[recipient.email],
    )
    message.attach_alternative(rendered.html, "text/html")
    return message
