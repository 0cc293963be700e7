"""Create (or bring back) the demo practice: one admin, two clinicians, twelve clients.

Idempotent: every person is looked up by email and set to the same state, so running it twice
gives the same data. It refuses to run in production.
"""

from __future__ import annotations

import time as time_module
from dataclasses import dataclass
from datetime import time, timedelta
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
    Role,
    ServiceLines,
    User,
)
from clients.services import consent_sign, user_account_create
from notifications.models import Notification
from portal.demo_large import seed_large
from screening.instruments import INSTRUMENTS
from screening.models import ScreeningResponse
from screening.services import screening_submit_many
from sessions.models import Appointment, ServiceType, WeeklyAvailability
from sessions.selectors import clinician_zone, local_to_utc
from sessions.services import appointment_book, appointment_mark

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
        clinician=CLINICIANS[i % 2].email,
        status=ClientStatus.PROSPECTIVE if i >= 10 else ClientStatus.ACTIVE,
        discreet=i % 4 == 3,
    )
    for i, (name, lines, zone) in enumerate(_CLIENTS)
]
PEOPLE = [ADMIN, *CLINICIANS, *CLIENTS]


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
            for person in CLINICIANS:
                seed_availability(User.objects.get(email=person.email))
            for index, person in enumerate(CLIENTS):
                if person.status == ClientStatus.ACTIVE:
                    seed_appointments(User.objects.get(email=person.email), index)
            for index, person in enumerate(CLIENTS):
                if person.status == ClientStatus.ACTIVE:
                    seed_messages(User.objects.get(email=person.email), index)
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
    """Twelve weeks of screening history for an active demo client, once: measures improving
    over three sittings, and for one client (Quinn) a safety answer today that opened a flag."""
    if ScreeningResponse.objects.filter(client=client).exists():
        return
    lines = client.client_profile.service_lines
    therapy = lines in (ServiceLines.THERAPY, ServiceLines.BOTH)
    coaching = lines in (ServiceLines.COACHING, ServiceLines.BOTH)
    yes = {f"t{n}": int(therapy and n <= 3 + index % 3) for n in range(1, 9)}
    yes |= {f"c{n}": int(coaching and n % 2 == index % 2) for n in range(1, 9)}
    now = timezone.now()
    sittings = [(12, 16, 13, 10), (8, 11, 9, 14), (4, 7, 6, 18)]  # weeks ago, PHQ-9, GAD-7, WHO-5
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


def seed_appointments(client: User, index: int) -> None:
    """Consents signed, and for each active client: a completed intake or consultation a few
    weeks ago and a session next week, once."""
    profile = client.client_profile
    lines = [kind for kind, uses in (("therapy", profile.has_therapy),
                                     ("coaching", profile.has_coaching)) if uses]
    for kind in ["privacy", *lines]:
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
    upcoming = local_to_utc(monday + timedelta(weeks=1, days=index % 5), hour, zone)
    appointment_book(client=client, clinician=clinician, service_type=then, start=upcoming,
                     by=clinician)
