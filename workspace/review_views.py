"""The staff page of messages that need a person: failed ones, and ones that may or may not
have arrived (``needs_review``). Practice admins see every row; a clinician sees the appointment
messages of their own clients and their own, and the alerts sent to them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clients.http import AuthenticatedRequest
from clients.models import AccessLog
from clients.services import access_log_record_many
from notifications.selectors import notification_review_token
from notifications.services import ResendRefused, notification_close, notification_resend
from portal.lib.access import staff_required
from workspace.review import notification_needing_review_for, notifications_needing_review_for


@staff_required
def review_list(request: AuthenticatedRequest) -> HttpResponse:
    rows = list(notifications_needing_review_for(user=request.user))
    # Whether each reason still holds is checked when someone presses Resend, not here: the
    # list stays at a fixed number of queries.
    items = [{"row": row, "token": notification_review_token(row)} for row in rows]
    # The list names its recipients: a staff read of each client named (rule 8).
    access_log_record_many(request=request, clients=[row.recipient for row in rows],
                           what=AccessLog.What.LIST, detail="messages to review")
    return render(request, "workspace/review.html", {"items": items})


@staff_required
@require_POST
def review_resend(request: AuthenticatedRequest, token: str) -> HttpResponse:
    notification = notification_needing_review_for(user=request.user, token=token)
    if notification is None:
        raise Http404("No such message.")
    try:
        resent = notification_resend(notification=notification, by=request.user)
    except ResendRefused as refusal:
        messages.error(request, f"Not resent: {refusal}")
    else:
        if resent:
            messages.success(request, "Queued to send again, with the same Message-ID.")
        else:
            messages.warning(request, "Not resent: it is no longer failed or waiting for review.")
    return redirect("notifications:review")


@staff_required
@require_POST
def review_close(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """It arrived (found in the mail log, or the recipient says so): clear it, send nothing."""
    notification = notification_needing_review_for(user=request.user, token=token)
    if notification is None:
        raise Http404("No such message.")
    if notification_close(notification=notification, by=request.user):
        messages.success(request, "Closed without sending again.")
    else:
        messages.warning(request, "Not closed: it is no longer failed or waiting for review.")
    return redirect("notifications:review")
