"""Reads of messages, each for the person asking (STYLE.md rule 4): a thread is found for its
client, or for a clinician the firewall lets read it, and is a 404 for everyone else."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, F, Q, QuerySet
from django.http import Http404

from clients.access import clients_assigned_q, clinician_is_assigned, lines_for_staff
from clients.models import ClientStatus, ClinicianProfile, ServiceLines, User
from messaging.models import Message, MessageHours, MessagingPreference, Thread

LINE_ORDER = ("coaching", "therapy")


def messaging_preference(client: User) -> MessagingPreference:
    """The practice's choice for the client (an unsaved default when there is none)."""
    try:
        return client.messaging_preference
    except MessagingPreference.DoesNotExist:
        return MessagingPreference(client=client)


def messaging_enabled(client: User) -> bool:
    """On for active clients unless the practice turned it off; off for anyone else unless
    the practice turned it on. A closed account never messages."""
    if not client.is_client or not client.is_active:
        return False
    chosen = messaging_preference(client).enabled
    if chosen is not None:
        return chosen
    return client.client_profile.status == ClientStatus.ACTIVE


def lines_for_client(client: User) -> list[str]:
    """The conversations a client has: one per service line they use whose records their
    clinician reads (a coaching-only clinician has no therapy thread to answer), none while
    messaging is off or nobody is assigned."""
    if not messaging_enabled(client):
        return []
    clinician = client.client_profile.clinician
    if clinician is None or not clinician.is_active:
        return []
    staff_lines = lines_for_staff(clinician)
    return [line for line in client.client_profile.lines if line in staff_lines]


def thread_for_user(*, user: User, client: User, service_line: str) -> Thread:
    """The thread of ``client`` in ``service_line`` if ``user`` may read it: the client
    themselves, or their assigned clinician when the firewall lets them read that line. An
    unsaved Thread when nothing has been written yet. Http404 for everyone else."""
    if user.is_client:
        if user.pk != client.pk or service_line not in lines_for_client(client):
            raise Http404
    elif user.is_clinician:
        if not clinician_is_assigned(clinician=user, client=client) \
                or service_line not in lines_for_staff(user) \
                or service_line not in lines_for_client(client):
            raise Http404
    else:
        raise Http404
    thread = Thread.objects.filter(client=client, service_line=service_line).first()
    return thread or Thread(client=client, service_line=service_line)


def messages_of_thread(thread: Thread) -> list[Message]:
    if thread.pk is None:
        return []
    return list(thread.messages.select_related("sender", "amends").order_by("sent_at", "pk"))


def threads_for_client(client: User) -> dict[str, Thread]:
    """The client's threads by line, saved or not, in the order of LINE_ORDER."""
    lines = lines_for_client(client)
    saved = {t.service_line: t for t in Thread.objects.filter(client=client,
                                                               service_line__in=lines)}
    return {line: saved.get(line) or Thread(client=client, service_line=line)
            for line in LINE_ORDER if line in lines}


def _lines_q(clinician: User, field: str) -> Q:
    """The firewall inside the query (as lines_for_staff, without reading the profile first):
    coaching always, therapy when the clinician's profile provides it."""
    sees_therapy = Exists(ClinicianProfile.objects.filter(
        user=clinician, service_lines__in=[ServiceLines.THERAPY, ServiceLines.BOTH]))
    return Q(**{field: "coaching"}) | (Q(**{field: "therapy"}) & Q(sees_therapy))


def _clinician_threads(clinician: User) -> QuerySet[Thread]:
    return Thread.objects.filter(clients_assigned_q(clinician=clinician, prefix="client"),
                                 _lines_q(clinician, "service_line"))


def threads_for_clinician(clinician: User) -> list[Thread]:
    """Every conversation with the clinician's clients that has a message, unanswered first
    (oldest first), then the newest."""
    threads = list(_clinician_threads(clinician).filter(last_message_at__isnull=False)
                   .select_related("client").order_by("-last_message_at"))
    waiting = [t for _, t in sorted(((t.first_unanswered_at, t) for t in threads
                                     if t.first_unanswered_at is not None),
                                    key=lambda pair: pair[0])]
    return waiting + [t for t in threads if not t.first_unanswered_at]


def unanswered_for_clinician(clinician: User, *, limit: int = 20) -> list[Thread]:
    """The conversations whose client is waiting for an answer, longest wait first (the
    dashboard shows them with their age)."""
    return list(_clinician_threads(clinician).filter(first_unanswered_at__isnull=False)
                .select_related("client").order_by("first_unanswered_at")[:limit])


def crisis_messages_for_clinician(clinician: User) -> QuerySet[Message]:
    """Client messages with crisis language in the clinician's conversations (the needs-
    attention rule reads these; the newest one per client is the item's fingerprint)."""
    return Message.objects.filter(
        clients_assigned_q(clinician=clinician, prefix="thread__client"),
        _lines_q(clinician, "thread__service_line"), crisis_language=True, from_client=True)


def unread_count(*, user: User) -> int:
    """How many messages the person has not read: for a client, the care team's messages in
    their threads since they last opened them; for a clinician, their clients' messages in
    the lines they read. One query."""
    if user.is_client:
        rows = Message.objects.filter(thread__client=user, from_client=False)
        return rows.filter(Q(thread__client_read_at__isnull=True)
                           | Q(sent_at__gt=F("thread__client_read_at"))).count()
    if user.is_clinician:
        rows = Message.objects.filter(
            clients_assigned_q(clinician=user, prefix="thread__client"),
            _lines_q(user, "thread__service_line"), from_client=True)
        return rows.filter(Q(thread__staff_read_at__isnull=True)
                           | Q(sent_at__gt=F("thread__staff_read_at"))).count()
    return 0


# --- Message hours ----------------------------------------------------------------------------


def message_hours_for(clinician: User) -> MessageHours:
    try:
        return clinician.message_hours
    except MessageHours.DoesNotExist:
        return MessageHours(clinician=clinician)


def _zone(clinician: User):
    try:
        import zoneinfo

        return zoneinfo.ZoneInfo(clinician.clinician_profile.time_zone)
    except Exception:  # no profile: the account's own zone
        return clinician.zone


def within_message_hours(*, clinician: User, at: datetime) -> bool:
    hours = message_hours_for(clinician)
    local = at.astimezone(_zone(clinician))
    return str(local.weekday()) in hours.days and hours.start <= local.time() < hours.end


def next_message_hours_start(*, clinician: User, after: datetime) -> datetime:
    """``after`` itself when it is within the clinician's hours, else when they next begin."""
    if within_message_hours(clinician=clinician, at=after):
        return after
    hours = message_hours_for(clinician)
    zone = _zone(clinician)
    local = after.astimezone(zone)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if str(day.weekday()) not in hours.days:
            continue
        start = datetime.combine(day, hours.start, tzinfo=zone)
        if start > local:
            return start
    return after  # no days at all: never hold a message back


DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def message_hours_text(clinician: User) -> str:
    """"Monday to Friday, 9:00–17:00 (Chicago time)" for the boundaries box."""
    hours = message_hours_for(clinician)
    days = sorted(int(d) for d in hours.days)
    if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        when = f"{DAY_NAMES[days[0]]} to {DAY_NAMES[days[-1]]}"
    else:
        when = ", ".join(DAY_NAMES[d] for d in days)
    zone = str(_zone(clinician)).split("/")[-1].replace("_", " ")
    return f"{when}, {hours.start:%H:%M}–{hours.end:%H:%M} ({zone} time)"
