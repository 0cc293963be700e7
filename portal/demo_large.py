"""A realistic large practice for benchmarks and query-count tests (`seed_demo --size large`):
5 clinicians, 2,000 clients, 20,000 appointments, 100,000 check-ins, 10,000 screenings, and
200 coaching conversations (1,200 messages).

Written with bulk inserts, not the services: the services send email, plan reminders and check
eligibility one row at a time, which is right for people and far too slow for 130,000 rows. The
rows still obey every database rule (no overlapping appointments, one open flag per client).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from clients.models import ClientProfile, ClientStatus, ClinicianProfile, Role, ServiceLines, User
from goals.models import CheckIn, Goal
from goals.services import goals_last_check_in_refresh
from screening.instruments import GAD7, PHQ9, WHO5
from sessions.models import Appointment, ServiceType, WeeklyAvailability

CLINICIANS = 5
CLIENTS = 2_000
APPOINTMENTS = 20_000
GOALS_PER_CLIENT = 2
CHECK_INS_PER_GOAL = 25  # 2,000 × 2 × 25 = 100,000
SCREENINGS_PER_CLIENT = 5  # 10,000
THREADS_PER_CLINICIAN = 40  # coaching conversations with their first clients: 200
MESSAGES_PER_THREAD = 6  # 1,200
MARKER = "large-clinician-1@tandem.example"
BATCH = 5_000
# Client i's lines: a third each in therapy only, coaching only and both.
LINES = [ServiceLines.THERAPY, ServiceLines.COACHING, ServiceLines.BOTH]


def exists() -> bool:
    return User.objects.filter(email=MARKER).exists()


@transaction.atomic
def seed_large(*, password: str, seed: int = 7) -> dict[str, int]:
    """Create the large practice once; returns what it made (nothing if it is already there)."""
    if exists():
        return {}
    rng = random.Random(seed)  # noqa: S311 - made-up demo data, not secrets
    now = timezone.now()
    hashed = make_password(password)  # one hash for all: hashing 2,000 times takes minutes

    clinicians = User.objects.bulk_create(
        User(email=MARKER.replace("-1@", f"-{n}@"), full_name=f"Large Clinician {n}",
             role=Role.CLINICIAN, time_zone="America/New_York", password=hashed)
        for n in range(1, CLINICIANS + 1))
    ClinicianProfile.objects.bulk_create(
        ClinicianProfile(user=c, display_name=c.full_name, time_zone=c.time_zone)
        for c in clinicians)
    clients = User.objects.bulk_create(
        (User(email=f"large-client-{n}@client.example", full_name=f"Client {n:04d} Large",
              role=Role.CLIENT, time_zone="America/New_York", password=hashed)
         for n in range(1, CLIENTS + 1)), batch_size=BATCH)
    ClientProfile.objects.bulk_create(
        (ClientProfile(user=c, clinician=clinicians[i % CLINICIANS],
                       service_lines=LINES[i % 3], status=ClientStatus.ACTIVE)
         for i, c in enumerate(clients)), batch_size=BATCH)
    EmailAddress.objects.bulk_create(
        (EmailAddress(user=u, email=u.email, verified=True, primary=True)
         for u in [*clinicians, *clients]), batch_size=BATCH)
    # Monday to Friday, 9:00 to 17:00 in their zone, like the small practice's clinicians: the
    # slot picker then has a full calendar to search.
    WeeklyAvailability.objects.bulk_create(
        WeeklyAvailability(clinician=c, weekday=day, start_time=time(9), end_time=time(17))
        for c in clinicians for day in range(5))

    # Appointments: each clinician's on a grid of working days, half past, half ahead,
    # so no two ever overlap (the exclusion constraint holds them to that).
    session = ServiceType.objects.get(code="therapy-session")
    coaching = ServiceType.objects.get(code="coaching-session")
    per_clinician = APPOINTMENTS // CLINICIANS
    appointments = []
    for ci, clinician in enumerate(clinicians):
        mine = [c for i, c in enumerate(clients) if i % CLINICIANS == ci]
        first_day = (now - timedelta(days=per_clinician // 16)).date()
        for k in range(per_clinician):
            day = first_day + timedelta(days=k // 8)
            # 90 minutes apart: the longest session plus its buffer fits in between.
            start = datetime.combine(day, time(12), tzinfo=UTC) + timedelta(minutes=90 * (k % 8))
            kind = session if k % 2 else coaching
            end = start + timedelta(minutes=kind.duration_minutes)
            status = ("completed" if start < now else "booked") if k % 17 else "cancelled"
            client = mine[k % len(mine)]
            appointments.append(Appointment(
                client=client, clinician=clinician, service_type=kind, start=start, end=end,
                block_start=start, block_end=end + kind.buffer_after, status=status,
                created_by=clinician, updated_by=clinician))
    Appointment.objects.bulk_create(appointments, batch_size=BATCH)

    # Goals and check-ins.
    goals = []
    for client in clients:
        for g in range(GOALS_PER_CLIENT):
            goals.append(Goal(
                client=client, service_line="coaching", title=f"Goal {g + 1}", metric="hours",
                unit="h", baseline=Decimal(2), target=Decimal(10), direction="up",
                cadence="daily", anchor_date=(now - timedelta(days=60)).date(),
                created_by=client))
    goals = Goal.objects.bulk_create(goals, batch_size=BATCH)
    check_ins = []
    for goal in goals:
        for d in range(CHECK_INS_PER_GOAL):
            at = now - timedelta(days=CHECK_INS_PER_GOAL - d, hours=rng.randint(0, 6))
            check_ins.append(CheckIn(goal=goal, by=goal.client, at=at, period=at.date(),
                                     value=Decimal(2 + d % 9), confidence=rng.randint(3, 9)))
    CheckIn.objects.bulk_create(check_ins, batch_size=BATCH)
    goals_last_check_in_refresh(goals=Goal.objects.filter(pk__in=[goal.pk for goal in goals]))

    # Screenings: a PHQ-9, GAD-7 or WHO-5 every few weeks.
    from screening.models import ScreeningResponse

    responses = []
    instruments = [PHQ9, GAD7, WHO5]
    for client in clients:
        for s in range(SCREENINGS_PER_CLIENT):
            instrument = instruments[s % 3]
            answers = {item.code: rng.choice([o.value for o in item.options])
                       for item in instrument.items if item.scored}
            if instrument is PHQ9:
                answers["item9"] = 0
            total = sum(answers.values())
            score = instrument.scorer(instrument.clean(
                answers | ({"item10": 1} if instrument is PHQ9 and total else {})))
            responses.append(ScreeningResponse(
                client=client, instrument=instrument.code, version=instrument.version,
                answers=answers, total=score.total, band=score.band, flags=list(score.flags),
                subscores=dict(score.subscores),
                submitted_at=now - timedelta(weeks=4 * (SCREENINGS_PER_CLIENT - s))))
    ScreeningResponse.objects.bulk_create(responses, batch_size=BATCH)
    messages = seed_messages(clinicians=clinicians, clients=clients, now=now)
    return {"clinicians": len(clinicians), "clients": len(clients),
            "appointments": len(appointments), "check_ins": len(check_ins),
            "screenings": len(responses), "messages": messages}


def seed_messages(*, clinicians: list[User], clients: list[User], now: datetime) -> int:
    """Coaching conversations between each clinician and their first clients in that line
    (the bench's personas among them), so the message pages have something to show: turns
    taken in both directions, every third one waiting for the clinician's answer."""
    from messaging.models import Message, Thread

    threads, messages = [], []
    for ci, clinician in enumerate(clinicians):
        mine = [c for i, c in enumerate(clients)
                if i % CLINICIANS == ci and LINES[i % 3] != ServiceLines.THERAPY]
        for t, client in enumerate(mine[:THREADS_PER_CLINICIAN]):
            waiting = t % 3 == 0  # the client wrote last
            times = [now - timedelta(days=MESSAGES_PER_THREAD - m, hours=t % 12)
                     for m in range(MESSAGES_PER_THREAD)]
            # From the client on even turns; a waiting thread ends on the client's turn.
            senders = [(m + (1 if waiting else 0)) % 2 == 1 for m in range(MESSAGES_PER_THREAD)]
            client_times = [at for at, mine_ in zip(times, senders, strict=True) if mine_]
            staff_times = [at for at, mine_ in zip(times, senders, strict=True) if not mine_]
            thread = Thread(client=client, service_line="coaching", created_at=times[0],
                            last_message_at=times[-1], last_client_message_at=client_times[-1],
                            last_staff_message_at=staff_times[-1],
                            first_unanswered_at=times[-1] if waiting else None,
                            client_read_at=staff_times[-1], staff_read_at=client_times[-1])
            threads.append(thread)
            for at, from_client in zip(times, senders, strict=True):
                messages.append((thread, Message(
                    sender=client if from_client else clinician, from_client=from_client,
                    sent_at=at, body=("How did this week go?" if not from_client
                                      else "Better than last week, thank you."))))
    Thread.objects.bulk_create(threads, batch_size=BATCH)
    for thread, message in messages:
        message.thread = thread
    Message.objects.bulk_create([m for _, m in messages], batch_size=BATCH)
    return len(messages)
