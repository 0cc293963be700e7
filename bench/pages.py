"""Who the bench signs in as, and which pages it measures (shared by run.py and inprocess.py)."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from clients.access import lines_for_staff
from clients.models import ServiceLines, User
from messaging.selectors import lines_for_client
from portal.demo_large import MARKER
from sessions.models import Appointment, AppointmentStatus

SMALL_CLINICIAN = "dr.reyes@tandem.example"
# The slot picker's service type: a consultation, which any client may book with their own
# clinician (no consent or intake needed), so the picker always computes times.
SLOT_PICKER_CODE = "therapy-consultation"


@dataclass(frozen=True)
class Page:
    name: str
    label: str
    who: str  # "client" or "clinician"
    url: str


@dataclass(frozen=True)
class Personas:
    clinician: User
    client: User


def personas(size: str) -> Personas:
    """Large: the first large-practice clinician and their first client in both lines. Small:
    the demo's Dr Reyes and theirs. The clinician gets a TOTP authenticator (the staff MFA
    middleware sends staff without one to the set-up page)."""
    clinician = User.objects.get(email=MARKER if size == "large" else SMALL_CLINICIAN)
    if not Authenticator.objects.filter(user=clinician).exists():
        TOTP.activate(clinician, generate_totp_secret())
    profiles = clinician.assigned_clients.select_related("user").order_by("pk")
    profile = profiles.filter(service_lines=ServiceLines.BOTH).first() or profiles.first()
    if profile is None:
        raise SystemExit(f"{clinician.email} has no clients: seed the practice first")
    return Personas(clinician=clinician, client=profile.user)


def pages(people: Personas) -> list[Page]:
    """Every page of the issue's table, the outcome page (a past appointment of the
    clinician's, where they record completed or no-show), the message pages (the persona's
    thread in a line both of them have: coaching when they share it) and the outcome measures
    (the clinician's page for the client, the client's progress page)."""
    client, clinician = people.client, people.clinician
    shared = [line for line in lines_for_staff(clinician) if line in lines_for_client(client)]
    if not shared:
        raise SystemExit(f"{client.email} has no conversation with {clinician.email}")
    line = "coaching" if "coaching" in shared else shared[0]
    found = [
        Page("client_home", "client home", "client", reverse("home")),
        Page("appointments", "appointments list", "client", reverse("booking:appointments")),
        Page("booking", "booking page", "client", reverse("booking:choose_type")),
        Page("goals_check_in", "goals check-in", "client", reverse("goals:check_in")),
        Page("slot_picker", "slot picker", "client",
             reverse("booking:pick_time", args=[SLOT_PICKER_CODE])),
        Page("timeline", "client timeline", "clinician",
             reverse("caseload:timeline", args=[client.public_id])),
        Page("caseload", "caseload", "clinician", reverse("caseload:caseload")),
        Page("dashboard", "clinician dashboard", "clinician", reverse("home")),
        Page("client_thread", "client message thread", "client",
             reverse("messaging:thread", args=[line])),
        Page("clinician_inbox", "clinician message inbox", "clinician",
             reverse("messaging:clinician_inbox")),
        Page("clinician_thread", "clinician message thread", "clinician",
             reverse("messaging:clinician_thread", args=[client.public_id, line])),
        Page("client_outcomes", "client outcomes (clinician)", "clinician",
             reverse("screening:client_outcomes", args=[client.public_id])),
        Page("progress", "client progress", "client", reverse("goals:progress")),
    ]
    past = (Appointment.objects.filter(clinician=clinician, client=client,
                                       status=AppointmentStatus.COMPLETED)
            .order_by("-start").first())
    if past is not None:
        found.append(Page("outcome", "appointment outcome", "clinician",
                          reverse("booking:clinician_appointment", args=[past.public_id])))
    return found
