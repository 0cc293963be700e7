"""Reads of the outbox."""

from __future__ import annotations

from datetime import datetime

from django.core import signing
from django.db.models import QuerySet

from notifications.clock import outbox_now
from notifications.models import Notification, SweepHeartbeat

Kind = Notification.Kind
Status = Notification.Status

REVIEW_STATUSES = (Status.NEEDS_REVIEW, Status.FAILED)
APPOINTMENT_KINDS = (Kind.APPOINTMENT_CONFIRMED, Kind.APPOINTMENT_CHANGED,
                     Kind.APPOINTMENT_CANCELLED, Kind.APPOINTMENT_REMINDER, Kind.WAITLIST_OFFER)
ALERT_KINDS = (Kind.RISK_ALERT,)
_REVIEW_SALT = "notifications.review"


def notifications_for_delivery(*, notification_ids: list[int]) -> list[Notification]:
    """The rows, by id, with everything rendering needs (the recipient and their discreet-mode
    setting), in one query."""
    return list(Notification.objects.select_related("recipient", "recipient__client_profile")
                .filter(pk__in=notification_ids).order_by("pk"))


PLANNER_ROW_FIELDS = ("pk", "scope", "status", "due_at", "enqueued_at", "attempts", "context",
                      "merged_into_id")
LIVE_STATUSES = (Status.PENDING, Status.SENDING)


def notification_rows_for_planner(*, scopes: list[str], kind: str) -> list[tuple]:
    """What a planner reads of the rows of some scopes: PLANNER_ROW_FIELDS, as tuples."""
    return list(Notification.objects.filter(scope__in=scopes, kind=kind)
                .values_list(*PLANNER_ROW_FIELDS))


def notifications_live_in_scope(*, scope, kind: str) -> QuerySet[Notification]:
    """Rows of ``kind`` in a scope (a value or an OuterRef) that are pending or being sent:
    for ``Exists(...)`` in a planner's set-based query."""
    return Notification.objects.filter(scope=scope, kind=kind, status__in=LIVE_STATUSES)


def sweep_last_finished(name: str = "notifications.sweep") -> tuple[datetime | None, datetime]:
    """When the sweep last finished, and the database's time now (to compare the two)."""
    heartbeat = SweepHeartbeat.objects.filter(name=name).first()
    return (heartbeat.last_finished_at if heartbeat else None), outbox_now()


def notification_review_token(notification: Notification) -> str:
    """An opaque name of a row for a URL (rows have sequential ids)."""
    return signing.dumps(notification.pk, salt=_REVIEW_SALT)


def notification_pk_from_review_token(token: str) -> int | None:
    """The row a token names, or None for a token this portal did not sign."""
    try:
        return signing.loads(token, salt=_REVIEW_SALT)
    except signing.BadSignature:
        return None


def notifications_needing_review() -> QuerySet[Notification]:
    """Failed and needs-review rows, newest first: who may see which is the workspace's
    (workspace/review.py)."""
    return (Notification.objects.filter(status__in=REVIEW_STATUSES)
            .select_related("recipient").order_by("-due_at", "-pk"))
