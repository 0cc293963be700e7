"""Reads of the outbox."""

from __future__ import annotations

from notifications.models import Notification


def notification_for_delivery(*, notification_id: int) -> Notification:
    """The row with everything rendering needs (recipient and their discreet-mode setting)."""
    return Notification.objects.select_related("recipient", "recipient__client_profile").get(
        pk=notification_id
    )
