from __future__ import annotations

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.management import call_command

from clients.models import (
    ClientProfile,
    ClinicianProfile,
    ConsentSignature,
    Role,
    ServiceLines,
    User,
)
from portal.management.commands.seed_demo import DEMO_PASSWORD
from screening.models import RiskFlag, ScreeningResponse
from screening.selectors import current_route
from sessions.models import Appointment, WeeklyAvailability

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "users": list(User.objects.order_by("email").values_list(
            "email", "full_name", "role", "time_zone", "is_superuser", "is_active",
            "password")),
        "clients": list(ClientProfile.objects.order_by("user__email").values_list(
            "user__email", "service_lines", "status", "clinician__email", "discreet_mode")),
        "clinicians": list(ClinicianProfile.objects.order_by("user__email").values_list(
            "user__email", "display_name", "time_zone", "credentials")),
        "emails": list(EmailAddress.objects.order_by("email").values_list(
            "email", "verified", "primary")),
        "authenticators": list(Authenticator.objects.order_by("user__email").values_list(
            "user__email", "type")),
        "responses": list(ScreeningResponse.objects.order_by("client__email", "submitted_at",
                                                             "instrument")
                          .values_list("client__email", "instrument", "total")),
        "flags": list(RiskFlag.objects.values_list("client__email", "status")),
        "appointments": list(Appointment.objects.order_by("start", "client__email")
                             .values_list("client__email", "service_type__code", "start",
                                          "status")),
        "availability": WeeklyAvailability.objects.count(),
        "signatures": list(ConsentSignature.objects.order_by("client__email", "document__kind")
                           .values_list("client__email", "document__kind")),
    }


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_practice_and_prints_logins():
    output = seed()
    assert User.objects.filter(role=Role.ADMIN).count() == 1
    assert User.objects.filter(role=Role.CLINICIAN).count() == 2
    assert User.objects.filter(role=Role.CLIENT).count() == 12
    lines = set(ClientProfile.objects.values_list("service_lines", flat=True))
    assert lines == {ServiceLines.THERAPY, ServiceLines.COACHING, ServiceLines.BOTH}
    assert not ClientProfile.objects.filter(clinician=None).exists()
    # Staff arrive with MFA set up, or they could reach nothing.
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).count() == 3
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 15
    assert "15 accounts created" in output
    assert DEMO_PASSWORD in output
    assert "admin@tandem.example" in output
    assert output.count(DEMO_PASSWORD) == 1  # printed once, not once per account
    assert User.objects.get(email="avery@client.example").check_password(DEMO_PASSWORD)
    # Screening history for the active clients, one of them at risk today.
    routes = {current_route(user) for user in User.objects.filter(role=Role.CLIENT)}
    assert routes == {"therapy", "integrated", "coaching", "crisis", None}
    assert list(RiskFlag.objects.values_list("client__email", "status")) == [
        ("quinn@client.example", "open")]
    # Weekly hours for both clinicians; each active client has a past and an upcoming visit.
    assert WeeklyAvailability.objects.count() == 10
    assert Appointment.objects.filter(status="completed").count() == 10
    assert Appointment.objects.filter(status="booked").count() == 10


def test_seed_demo_twice_gives_the_same_data():
    seed()
    first = snapshot()
    output = seed()
    assert snapshot() == first
    assert "0 accounts created, 15 already there" in output


def test_seed_demo_puts_back_what_was_changed():
    seed()
    first = snapshot()
    ClientProfile.objects.filter(user__email="avery@client.example").update(
        service_lines=ServiceLines.COACHING, clinician=None)
    User.objects.filter(email="admin@tandem.example").update(role=Role.CLIENT, full_name="Changed")
    seed()
    assert snapshot() == first


def test_demo_logins_work(client):
    seed()
    assert client.login(email="jordan@client.example", password=DEMO_PASSWORD)
