"""The message pages: a client's conversations and one thread; a clinician's conversations
with their clients and one thread. Boundaries are shown where people write (response time,
not for emergencies, message hours); crisis language in a client's message shows the crisis
resources in the same response."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from clients.access import client_for_staff, lines_for_staff
from clients.http import AuthenticatedRequest
from clients.models import AccessLog
from clients.services import access_log_record_many
from messaging import services
from messaging.forms import MessageForm
from messaging.selectors import (
    message_hours_text,
    messages_of_thread,
    messaging_preference,
    thread_for_user,
    threads_for_client,
    threads_for_clinician,
)
from portal.lib.access import client_required, clinician_required
from screening.forms import form_add_service_errors

LINE_TITLES = {"coaching": "Coaching", "therapy": "Therapy"}


def _boundaries(clinician) -> dict[str, str]:
    return {"response_time": settings.MESSAGING_RESPONSE_TIME,
            "hours": message_hours_text(clinician) if clinician else ""}


@client_required
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    client = request.user
    threads = threads_for_client(client)
    rows = [{"line": line, "title": LINE_TITLES[line], "thread": thread,
             "unread": bool(thread.last_staff_message_at and (
                 thread.client_read_at is None
                 or thread.last_staff_message_at > thread.client_read_at))}
            for line, thread in threads.items()]
    clinician = client.client_profile.clinician
    return render(request, "messaging/inbox.html", {
        "rows": rows, "clinician": clinician, **_boundaries(clinician)})


def _thread_page(request: AuthenticatedRequest, *, client, line: str, template_context: dict,
                 back_url: str, action_url: str) -> HttpResponse:
    thread = thread_for_user(user=request.user, client=client, service_line=line)
    crisis = False
    form = MessageForm()
    if request.method == "POST":
        form = MessageForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["attachments"]
            try:
                message = services.message_send(
                    sender=request.user, client=client, service_line=line,
                    body=form.cleaned_data["body"], attachments=[upload] if upload else [])
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                if not message.crisis_language:
                    flash.success(request, "Your message was sent.")
                    return redirect(action_url)
                # Help in the same response: no redirect that a closed tab could lose.
                crisis = True
                form = MessageForm()
                thread = thread_for_user(user=request.user, client=client, service_line=line)
    services.thread_mark_read(thread=thread, user=request.user)
    clinician = client.client_profile.clinician
    items = messages_of_thread(thread)
    attached = _attachments(items)
    for item in items:
        item.attached = attached.get(item.pk, [])  # type: ignore[attr-defined]
    may_start = request.user.is_clinician or messaging_preference(client).client_may_start \
        or thread.last_staff_message_at is not None
    context = {
        "thread": thread, "items": items, "form": form, "crisis": crisis,
        "line_title": LINE_TITLES[line], "client": client, "clinician": clinician,
        "back_url": back_url, "action_url": action_url, "may_write": may_start,
        **_boundaries(clinician), **template_context,
    }
    return render(request, "messaging/thread.html", context, status=200)


def _attachments(items) -> dict[int, list]:
    from documents.models import SharedDocument

    ids = [item.pk for item in items]
    found: dict[int, list] = {}
    if not ids:
        return found
    for document in SharedDocument.objects.filter(message_id__in=ids).order_by("pk"):
        if document.message_id is not None:
            found.setdefault(document.message_id, []).append(document)
    return found


@client_required
def thread(request: AuthenticatedRequest, line: str) -> HttpResponse:
    return _thread_page(request, client=request.user, line=line, template_context={},
                        back_url=reverse("messaging:inbox"),
                        action_url=reverse("messaging:thread", args=[line]))


@clinician_required
def clinician_inbox(request: AuthenticatedRequest) -> HttpResponse:
    threads = threads_for_clinician(request.user)
    access_log_record_many(request=request, clients=[t.client for t in threads],
                           what=AccessLog.What.LIST, detail="messages")
    return render(request, "messaging/clinician_inbox.html", {
        "threads": threads, "line_titles": LINE_TITLES})


@clinician_required
def clinician_thread(request: AuthenticatedRequest, client_id, line: str) -> HttpResponse:
    if line not in lines_for_staff(request.user):  # the firewall, before anything is read
        raise Http404
    client = client_for_staff(request=request, public_id=client_id,
                              what=AccessLog.What.MESSAGES, detail="messages")
    return _thread_page(
        request, client=client, line=line, template_context={"staff": True},
        back_url=reverse("messaging:clinician_inbox"),
        action_url=reverse("messaging:clinician_thread", args=[client.public_id, line]))
