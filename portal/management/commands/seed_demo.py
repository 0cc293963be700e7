"""Create (or bring back) the demo practice: one admin, two clinicians and a coach, twelve
clients, with enough history that every part of the clinician's dashboard shows something on
first login: scores improving, worsening and flat, goals and check-ins in both lines (one
missed, one past due), an open risk flag, a path recommended and not booked, a waitlist, a
weekly series and appointments in the coming days.

Idempotent: every person is looked up by email and set to the same state, so running it twice
gives the same data. It refuses to run in production.
"""

from __future__ import annotations

import time as time_module
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import cast

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from clients.models import (
    ClientProfile,
    ClientStatus,
    ClinicianProfile,
    ConsentDocument,
    ConsentSignature,
    Role,
    ServiceLines,
    User,
)
from clients.services import (
    consent_document_new_draft,
    consent_document_publish,
    consent_sign,
    user_account_create,
)
from goals.models import CheckIn, Goal
from goals.services import check_in_reminder_plan, goal_create
from notifications.models import Notification
from portal.demo_large import seed_large
from screening.instruments import INSTRUMENTS
from screening.models import MeasureEvent, RouteRecommendation, ScreeningResponse
from screening.services import measure_event_add, measure_share_set, screening_submit_many
from sessions.measures import measure_plan_set, session_measures_plan
from sessions.models import (
    Appointment,
    AppointmentStatus,
    MeasureCadence,
    MeasurePlan,
    RecurringSeries,
    ServiceType,
    WaitlistEntry,
    WeeklyAvailability,
)
from sessions.selectors import clinician_zone, local_to_utc
from sessions.services import appointment_book, appointment_mark, series_book, waitlist_join

DEMO_PASSWORD = "tandem-demo-2026"  # noqa: S105 - printed for the demo on purpose
# Base32 secret shared by the demo staff, so an authenticator app can be set up from it; with
# `make run` the fixed code from TANDEM_DEMO_MFA_CODE works too.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPTANDEMDEMO234567"  # noqa: S105


@dataclass(frozen=True)
class Person:
    email: str
    full_name: str
    role: str
    time_zone: str = "America/New_York"
    service_lines: str = ""
    clinician: str = ""  # email of the assigned clinician
    status: str = ClientStatus.ACTIVE
    discreet: bool = False
    credentials: str = ""


ADMIN = Person("admin@tandem.example", "Morgan Hale", Role.ADMIN)
CLINICIANS = [
    Person("dr.reyes@tandem.example", "Dr. Dana Reyes", Role.CLINICIAN, "America/New_York",
           credentials="PhD, Licensed Clinical Psychologist"),
    Person("sam.okafor@tandem.example", "Sam Okafor", Role.CLINICIAN, "America/Los_Angeles",
           credentials="LMFT, ICF Professional Certified Coach"),
]
# A clinician who provides coaching only: sees no PHQ-9/GAD-7 and no therapy records.
COACH = Person("jamie.ellis@tandem.example", "Jamie Ellis", Role.CLINICIAN, "America/Chicago",
               service_lines=ServiceLines.COACHING, credentials="ICF Associate Certified Coach")
STAFF_CLINICIANS = [*CLINICIANS, COACH]
_CLIENTS = [
    ("Avery Chen", ServiceLines.THERAPY, "America/New_York"),
    ("Jordan Patel", ServiceLines.COACHING, "America/Chicago"),
    ("Riley Thompson", ServiceLines.BOTH, "America/New_York"),
    ("Casey Nguyen", ServiceLines.THERAPY, "America/Denver"),
    ("Taylor Brooks", ServiceLines.COACHING, "Europe/London"),
    ("Morgan Diaz", ServiceLines.BOTH, "America/Los_Angeles"),
    ("Quinn Foster", ServiceLines.THERAPY, "America/New_York"),
    ("Harper Kim", ServiceLines.COACHING, "America/New_York"),
    ("Rowan Silva", ServiceLines.BOTH, "America/Chicago"),
    ("Emerson Ward", ServiceLines.THERAPY, "America/Phoenix"),
    ("Skyler Adams", ServiceLines.COACHING, "Asia/Singapore"),
    ("Finley Ross", ServiceLines.BOTH, "America/New_York"),
]
CLIENTS = [
    Person(
        email=f"{name.split()[0].lower()}@client.example",
        full_name=name,
        role=Role.CLIENT,
        time_zone=zone,
        service_lines=lines,
        clinician=COACH.email if name.startswith("Harper") else CLINICIANS[i % 2].email,
        status=ClientStatus.PROSPECTIVE if i >= 10 else ClientStatus.ACTIVE,
        discreet=i % 4 == 3,
    )
    for i, (name, lines, zone) in enumerate(_CLIENTS)
]
PEOPLE = [ADMIN, *STAFF_CLINICIANS, *CLIENTS]


class Command(BaseCommand):
    help = "Create the demo practice (idempotent) and print its logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--size", choices=["small", "large"], default="small",
            help="large adds 5 clinicians, 2,000 clients, 20,000 appointments, 100,000 "
                 "check-ins and 10,000 screenings (for benchmarks).")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo makes accounts with known passwords: not in production.")
        if options["size"] == "large":
            started = time_module.monotonic()
            made = seed_large(password=DEMO_PASSWORD)
            took = time_module.monotonic() - started
            self.stdout.write(self.style.SUCCESS(
                f"Large practice: {made or 'already there'} in {took:.1f} s."))
        seeded_from = timezone.now()
        with transaction.atomic():
            created = sum(self.seed_person(person) for person in PEOPLE)
            for index, person in enumerate(CLIENTS):
                ClientProfile.objects.filter(user__email=person.email).update(
                    service_lines=person.service_lines,
                    status=person.status,
                    discreet_mode=person.discreet,
                    clinician=User.objects.get(email=person.clinician),
                )
                if person.status == ClientStatus.ACTIVE:
                    seed_screening(User.objects.get(email=person.email), index)
            for person in STAFF_CLINICIANS:
                seed_availability(User.objects.get(email=person.email))
            for index, person in enumerate(CLIENTS):
                client = User.objects.get(email=person.email)
                if person.status == ClientStatus.ACTIVE:
                    seed_appointments(client, index)
                    seed_goals(client, index)
                    seed_messages(client, index)
            for email in ("skyler@client.example", "finley@client.example"):
                seed_not_booked(User.objects.get(email=email))
            seed_waitlist_and_series()
            seed_outcomes()
            seed_consent_version()
            # Making up history is not news: the confirmations, alerts and invitations it
            # scheduled for now are not sent (later reminders still are).
            Notification.objects.filter(
                status=Notification.Status.PENDING, created_at__gte=seeded_from,
                due_at__lte=timezone.now(),
            ).update(status=Notification.Status.CANCELLED, last_error="Demo data: not sent.")
        self.stdout.write(self.style.SUCCESS(
            f"Demo practice ready: {created} accounts created, "
            f"{len(PEOPLE) - created} already there."
        ))
        self.print_logins()

    def seed_person(self, person: Person) -> bool:
        found = User.objects.filter(email=person.email).first()
        created = found is None
        user = User(email=person.email) if found is None else found
        if created:
            user.set_password(DEMO_PASSWORD)
        user.full_name = person.full_name
        user.role = person.role
        user.time_zone = person.time_zone
        user.is_active = True
        user.is_superuser = person.role == Role.ADMIN
        user_account_create(user=user)
        EmailAddress.objects.update_or_create(
            user=user, email=person.email, defaults={"verified": True, "primary": True}
        )
        if person.role == Role.CLINICIAN:
            ClinicianProfile.objects.filter(user=user).update(
                display_name=person.full_name, time_zone=person.time_zone,
                credentials=person.credentials,
                service_lines=person.service_lines or ServiceLines.BOTH,
            )
        if user.is_staff_member and not Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
        return created

    def print_logins(self) -> None:
        out = self.stdout.write
        out("")
        out(f"Every demo account's password: {DEMO_PASSWORD}")
        out(f"  admin      {ADMIN.email}")
        for person in CLINICIANS:
            out(f"  clinician  {person.email}")
        out(f"  coach      {COACH.email} (coaching only)")
        for person in CLIENTS:
            out(f"  client     {person.email:<28} {person.service_lines}")
        out("Staff accounts ask for a two-factor code: add the TOTP secret "
            f"{DEMO_TOTP_SECRET} to an authenticator app, or, under `make run`, type 000000.")


def _answers(instrument: str, total: int, **fixed: int) -> dict[str, int]:
    """Answers that add up to ``total``, spread over the scored items (the demo's numbers)."""
    items = [item for item in INSTRUMENTS[instrument].items if item.scored]
    top = max(option.value for option in items[0].options)
    answers = {item.code: 0 for item in items}
    left = total
    for item in items:
        if item.code in fixed:
            continue
        answers[item.code] = min(top, left)
        left -= answers[item.code]
    answers.update(fixed)
    if instrument == "phq9" and sum(answers.values()) > 0:
        answers["item10"] = 1
    return answers


def seed_screening(client: User, index: int) -> None:
    """Twelve weeks of screening history for an active demo client, once: three sittings whose
    measures improve, worsen or stay flat (by client), and for one client (Quinn) a safety
    answer today that opened a flag."""
    if ScreeningResponse.objects.filter(client=client).exists():
        return
    lines = client.client_profile.service_lines
    therapy = lines in (ServiceLines.THERAPY, ServiceLines.BOTH)
    coaching = lines in (ServiceLines.COACHING, ServiceLines.BOTH)
    yes = {f"t{n}": int(therapy and n <= 3 + index % 3) for n in range(1, 9)}
    yes |= {f"c{n}": int(coaching and n % 2 == index % 2) for n in range(1, 9)}
    now = timezone.now()
    # weeks ago, PHQ-9, GAD-7, WHO-5 (raw, of 25)
    sittings = TRAJECTORIES[TRAJECTORY_OF.get(client.email.split("@")[0], 0)]
    if not therapy:
        sittings = [(weeks, phq9 // 3, gad7 // 3, who5) for weeks, phq9, gad7, who5 in sittings]
    for number, (weeks, phq9, gad7, who5) in enumerate(sittings):
        answers = {"phq9": _answers("phq9", phq9), "gad7": _answers("gad7", gad7),
                   "who5": _answers("who5", who5)}
        if number == 0:
            answers = {"safety": _answers("safety", 0), **answers, "self_assessment": yes}
        screening_submit_many(client=client, answers_by_instrument=answers,
                              submitted_at=now - timedelta(weeks=weeks))
    if client.email.startswith("quinn@"):
        screening_submit_many(client=client, submitted_at=now - timedelta(hours=3),
                              answers_by_instrument={"safety": _answers("safety", 1)})


# Improving (reliable change), worsening (the newest 6 points up: on the dashboard, with a
# low WHO-5), flat.
TRAJECTORIES = [
    [(12, 16, 13, 10), (8, 11, 9, 14), (4, 7, 6, 18)],
    [(12, 8, 7, 15), (8, 11, 9, 12), (1, 17, 15, 9)],
    [(12, 12, 10, 12), (8, 12, 11, 12), (4, 11, 10, 13)],
]
# Who worsens and who stays flat (one of each for both therapists); the others improve.
TRAJECTORY_OF = {"rowan": 1, "casey": 1, "harper": 1, "riley": 2, "emerson": 2, "jordan": 2}


def seed_goals(client: User, index: int) -> None:
    """A goal in each of the client's lines with weeks of check-ins, once: a coaching goal
    measured weekly and a therapy goal set by the clinician and practised daily. One client
    (Riley) stopped checking in days ago, two coaching goals (Morgan's, Rowan's) are past
    their due date."""
    if Goal.objects.filter(client=client).exists():
        return
    profile = client.client_profile
    now = timezone.now()
    zone = client.zone
    today = timezone.localdate(now, timezone=zone)
    silent_days = 4 if client.email.startswith("riley@") else 0
    if profile.has_coaching:
        overdue = client.email.startswith(("morgan@", "rowan@"))
        goal = goal_create(
            client=client, service_line="coaching", created_by=client,
            title="Protect two hours of deep work a day", why="Ship the strategy deck",
            metric="Deep-work hours a week", unit="h", baseline=Decimal(4),
            target=Decimal(10), direction="up", cadence="daily", check_in_time=time(18),
            due_date=today - timedelta(days=10) if overdue else today + timedelta(weeks=6))
        _backfill(goal, days=42, silent_days=silent_days, zone=zone,
                  value=lambda day: Decimal(4 + day * 5 // 42 + (index + day) % 2))
    if profile.has_therapy:
        goal = goal_create(
            client=client, service_line="therapy", created_by=cast(User, profile.clinician),
            title="Notice anxious thoughts and answer them", skills="Thought record, "
            "box breathing", practice_frequency="Daily", cadence="daily",
            check_in_time=time(20))
        _backfill(goal, days=28, silent_days=silent_days, zone=zone, practice=True)


def _backfill(goal: Goal, *, days: int, silent_days: int, zone, value=None,
              practice: bool = False) -> None:
    """Daily check-ins for the past ``days`` up to ``silent_days`` ago (history, written as
    rows: the services check in for today)."""
    today = timezone.localdate(timezone=zone)
    Goal.objects.filter(pk=goal.pk).update(anchor_date=today - timedelta(days=days))
    rows = []
    for day in range(days - silent_days):
        period = today - timedelta(days=days - day)
        at = datetime.combine(period, goal.check_in_time, tzinfo=zone)
        rows.append(CheckIn(goal=goal, by=goal.client, at=at, period=period,
                            value=value(day) if value else None,
                            practice_count=(1 + day % 3) if practice else None,
                            rating=(4 + day * 4 // days) if practice else None,
                            confidence=6 + day % 4))
    CheckIn.objects.bulk_create(rows)
    goal.refresh_from_db()
    check_in_reminder_plan(goal=goal)


def seed_not_booked(client: User) -> None:
    """A prospective client who took the self-assessment ten days ago and booked nothing."""
    if ScreeningResponse.objects.filter(client=client).exists():
        return
    ago = timezone.now() - timedelta(days=10)
    screening_submit_many(client=client, submitted_at=ago, answers_by_instrument={
        "safety": _answers("safety", 0), "phq9": _answers("phq9", 6),
        "gad7": _answers("gad7", 5), "who5": _answers("who5", 15),
        "self_assessment": {**{f"t{n}": int(n == 1) for n in range(1, 9)},
                            **{f"c{n}": int(n <= 4) for n in range(1, 9)}}})
    RouteRecommendation.objects.filter(client=client).update(created_at=ago)


def seed_waitlist_and_series() -> None:
    """Jordan waits for an earlier coaching session; Avery has a weekly series of therapy
    sessions booked by Dr. Reyes from the week after next."""
    jordan = User.objects.get(email="jordan@client.example")
    coaching = ServiceType.objects.get(code="coaching-session")
    if not WaitlistEntry.objects.filter(client=jordan).exists():
        waitlist_join(client=jordan, clinician=cast(User, jordan.client_profile.clinician),
                      service_type=coaching)
    avery = User.objects.get(email="avery@client.example")
    reyes = cast(User, avery.client_profile.clinician)
    if not RecurringSeries.objects.filter(client=avery).exists():
        zone = clinician_zone(reyes)
        today = timezone.localdate(timezone=zone)
        monday = today - timedelta(days=today.weekday())
        series_book(client=avery, clinician=reyes,
                    service_type=ServiceType.objects.get(code="therapy-session"),
                    first_date=monday + timedelta(weeks=2, days=2), local_time=time(16),
                    time_zone=reyes.clinician_profile.time_zone, interval_weeks=1, count=6,
                    by=reyes)


def seed_availability(clinician: User) -> None:
    """Monday to Friday, 9:00 to 17:00 in the clinician's own zone, once."""
    if WeeklyAvailability.objects.filter(clinician=clinician).exists():
        return
    WeeklyAvailability.objects.bulk_create(
        WeeklyAvailability(clinician=clinician, weekday=day, start_time=time(9),
                           end_time=time(17)) for day in range(5))


def seed_messages(client: User, index: int) -> None:
    """A conversation in the client's first line, once: a question, answered for every other
    client (the rest wait on the clinician's dashboard)."""
    from messaging.models import Thread
    from messaging.selectors import lines_for_client
    from messaging.services import message_send

    lines = lines_for_client(client)
    if not lines or Thread.objects.filter(client=client).exists():
        return
    message_send(sender=client, client=client, service_line=lines[0],
                 body="Could we look at my plan for next week in our session?")
    if index % 2 == 0:
        message_send(sender=cast(User, client.client_profile.clinician), client=client,
                     service_line=lines[0], body="Yes, let's start with it on Thursday.")


# The one active client (Dr. Reyes's) who has not signed the privacy notice's second version.
PRIVACY_V2_UNSIGNED = "riley@client.example"
PRIVACY_V2_CHANGE = (
    "What changed: messages you send the practice through the portal are now kept for seven "
    "years, like the rest of your record, instead of two.")


def seed_consent_version() -> None:
    """A second version of the privacy notice, published once, as the admin would in Django
    admin: every active client but one signs it, so the dashboard's "New consent unsigned" shows
    someone and that client is led to re-sign on sign-in."""
    current = (ConsentDocument.objects.filter(kind="privacy", published_at__isnull=False)
               .order_by("-version").first())
    if current is None:
        raise CommandError("No published privacy notice: run the migrations first.")
    if current.version == 1:
        draft = consent_document_new_draft(document=current)
        draft.body = f"{current.body}\n\n{PRIVACY_V2_CHANGE}"
        draft.changes_summary = PRIVACY_V2_CHANGE
        draft.save(update_fields=["body", "changes_summary"])
        current = consent_document_publish(document=draft)
    for person in CLIENTS:
        if person.status == ClientStatus.ACTIVE and person.email != PRIVACY_V2_UNSIGNED:
            client = User.objects.get(email=person.email)
            consent_sign(client=client, document=current, typed_name=client.full_name,
                         understood=True, ip_address="127.0.0.1", user_agent="seed_demo")


def seed_appointments(client: User, index: int) -> None:
    """Consents signed, and for each active client: a completed intake or consultation a few
    weeks ago and a session next week, once."""
    profile = client.client_profile
    lines = [kind for kind, uses in (("therapy", profile.has_therapy),
                                     ("coaching", profile.has_coaching)) if uses]
    for kind in ["privacy", *lines]:
        if ConsentSignature.objects.filter(client=client, document__kind=kind).exists():
            continue  # signed once; a newer version is seed_consent_version's to sign (or not)
        document = (ConsentDocument.objects.filter(kind=kind, published_at__isnull=False)
                    .order_by("-version").first())
        if document is None:
            raise CommandError(f"No published {kind} document: run the migrations first.")
        consent_sign(client=client, document=document, typed_name=client.full_name,
                     understood=True, ip_address="127.0.0.1", user_agent="seed_demo")
    if Appointment.objects.filter(client=client).exists():
        return
    clinician = profile.clinician
    if clinician is None:
        return  # every demo client has a clinician; a changed table is not this function's
    zone = clinician_zone(clinician)
    therapy = profile.has_therapy
    first = ServiceType.objects.get(code="therapy-intake" if therapy else "coaching-consultation")
    then = ServiceType.objects.get(code="therapy-session" if therapy else "coaching-session")
    today = timezone.localdate(timezone=zone)
    monday = today - timedelta(days=today.weekday())
    hour = time(9 + index % 8)
    past = local_to_utc(monday - timedelta(weeks=3) + timedelta(days=index % 5), hour, zone)
    intake = appointment_book(client=client, clinician=clinician, service_type=first,
                              start=past, by=clinician)
    appointment_mark(appointment=intake, status="completed", by=clinician)
    # The first four in the coming days (the dashboard's "next seven days"), the rest next week.
    soon = _weekday_after(today, 2 + index % 3)
    upcoming = local_to_utc(soon if index < 4 else monday + timedelta(weeks=1, days=index % 5),
                            hour, zone)
    appointment_book(client=client, clinician=clinician, service_type=then, start=upcoming,
                     by=clinician)


def _weekday_after(day: date, count: int) -> date:
    """The ``count``-th Monday-to-Friday day after ``day``."""
    while count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


# The practice's measures before sessions (the defaults, written down so the admin
# shows them), one client's own plan, and what a clinician adds on the outcomes page.
PRACTICE_PLANS = {"therapy": (MeasureCadence.EVERY, ["phq9", "gad7"]),
                  "coaching": (MeasureCadence.EVERY_OTHER, ["who5"])}
# (client, days ago, text): written by the client's own clinician.
MEASURE_EVENTS = [("avery", 50, "Started a new role"), ("rowan", 12, "Medication change")]


def _clinician_of(client: User) -> User:
    clinician = client.client_profile.clinician
    if clinician is None:  # every demo client has one (handle() assigns them first)
        raise CommandError(f"{client.email} has no clinician.")
    return clinician


def seed_outcomes() -> None:
    """Measure plans, event notes and a shared measure, so the outcomes pages show something on
    first login. Idempotent: plans are set, events added once, shares set."""
    for line, (cadence, instruments) in PRACTICE_PLANS.items():
        MeasurePlan.objects.update_or_create(
            client=None, service_line=line,
            defaults={"cadence": cadence, "every_weeks": 4, "instruments": instruments})
    casey = User.objects.get(email="casey@client.example")
    measure_plan_set(client=casey, line="therapy", cadence=MeasureCadence.WEEKS, every_weeks=2,
                     instruments=["phq9"], by=_clinician_of(casey))
    for appointment in Appointment.objects.filter(
            client=casey, status=AppointmentStatus.BOOKED, start__gt=timezone.now()
    ).select_related("service_type", "client").order_by("start"):
        session_measures_plan(appointment=appointment)
    for name, days, text in MEASURE_EVENTS:
        client = User.objects.get(email=f"{name}@client.example")
        if MeasureEvent.objects.filter(client=client, text=text).exists():
            continue
        clinician = _clinician_of(client)
        measure_event_add(client=client, text=text, by=clinician,
                          occurred_on=timezone.localdate(timezone=clinician.zone)
                          - timedelta(days=days))
    # Avery's therapist shows them their PHQ-9 beside the WHO-5 shown by default.
    avery = User.objects.get(email="avery@client.example")
    measure_share_set(client=avery, instrument="phq9", shared=True,
                      by=_clinician_of(avery))
