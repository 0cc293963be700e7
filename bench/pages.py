"""Who the bench signs in as, and which pages it measures (shared by run.py and inprocess.py)."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from clients.models import ServiceLines, User
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
    """Every page of the issue's table, and the outcome page (a past appointment of the
    clinician's, where they record completed or no-show). Messages are not built yet."""
    client, clinician = people.client, people.clinician
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
    ]
    past = (Appointment.objects.filter(clinician=clinician, client=client,
                                       status=AppointmentStatus.COMPLETED)
            .order_by("-start").first())
    if past is not None:
        found.append(Page("outcome", "appointment outcome", "clinician",
                          reverse("booking:clinician_appointment", args=[past.public_id])))
    return found
