"""Which messages needing a person each staff member may act on (the outbox's review page).

The outbox sits below the apps and knows nobody's caseload; who may see a client is
clients/access.py, so the rule is composed here."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from clients.access import clients_assigned_q
from clients.models import User
from notifications.models import Notification
from notifications.selectors import (
    ALERT_KINDS,
    APPOINTMENT_KINDS,
    notification_pk_from_review_token,
    notifications_needing_review,
)


def review_filter(user: User) -> Q | None:
    """A practice admin every row; a clinician the appointment messages of their own clients
    (clients.access) and their own, and the alerts sent to them. Anyone else none."""
    if user.is_practice_admin:
        return Q()
    if user.is_clinician:
        return (Q(recipient=user, kind__in=APPOINTMENT_KINDS + ALERT_KINDS)
                | (clients_assigned_q(clinician=user, prefix="recipient")
                   & Q(kind__in=APPOINTMENT_KINDS)))
    return None


def notifications_needing_review_for(*, user: User, limit: int = 200) -> QuerySet[Notification]:
    """Failed and needs-review rows this person may act on, newest first."""
    allowed = review_filter(user)
    if allowed is None:
        return Notification.objects.none()
    return notifications_needing_review().filter(allowed)[:limit]


def notification_needing_review_for(*, user: User, token: str) -> Notification | None:
    """The row a token names, if this person may act on it (else None: the view 404s)."""
    allowed = review_filter(user)
    pk = notification_pk_from_review_token(token)
    if allowed is None or pk is None:
        return None
    return notifications_needing_review().filter(allowed, pk=pk).first()
