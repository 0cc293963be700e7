from __future__ import annotations

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.management import call_command

from clients.models import (
    ClientProfile,
    ClinicianProfile,
    ConsentDocument,
    ConsentSignature,
    Role,
    ServiceLines,
    User,
)
from portal.management.commands.seed_demo import DEMO_PASSWORD
from screening.models import MeasureEvent, MeasureShare, RiskFlag, ScreeningResponse
from screening.selectors import current_route
from sessions.models import Appointment, MeasurePlan, SessionMeasures, WeeklyAvailability

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
        "measure_plans": list(MeasurePlan.objects.order_by("client__email", "service_line")
                              .values_list("client__email", "service_line", "cadence",
                                           "every_weeks", "instruments")),
        "measure_events": list(MeasureEvent.objects.order_by("client__email", "text")
                               .values_list("client__email", "author__email", "text",
                                            "occurred_on")),
        "measure_shares": list(MeasureShare.objects.order_by("client__email", "instrument")
                               .values_list("client__email", "instrument", "shared")),
        "session_measures": list(SessionMeasures.objects.order_by("appointment__start")
                                 .values_list("client__email", "instruments")),
    }


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_practice_and_prints_logins():
    output = seed()
    assert User.objects.filter(role=Role.ADMIN).count() == 1
    assert User.objects.filter(role=Role.CLINICIAN).count() == 3
    assert User.objects.filter(role=Role.CLIENT).count() == 12
    lines = set(ClientProfile.objects.values_list("service_lines", flat=True))
    assert lines == {ServiceLines.THERAPY, ServiceLines.COACHING, ServiceLines.BOTH}
    assert not ClientProfile.objects.filter(clinician=None).exists()
    # Staff arrive with MFA set up, or they could reach nothing.
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).count() == 4
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 16
    assert "16 accounts created" in output
    assert DEMO_PASSWORD in output
    assert "admin@tandem.example" in output
    assert output.count(DEMO_PASSWORD) == 1  # printed once, not once per account
    assert User.objects.get(email="avery@client.example").check_password(DEMO_PASSWORD)
    # Screening history for the active clients, one of them at risk today.
    routes = {current_route(user) for user in User.objects.filter(role=Role.CLIENT)}
    assert routes == {"therapy", "integrated", "coaching", "crisis"}
    assert list(RiskFlag.objects.values_list("client__email", "status")) == [
        ("quinn@client.example", "open")]
    # Weekly hours for both clinicians; each active client has a past and an upcoming visit.
    assert WeeklyAvailability.objects.count() == 15
    assert Appointment.objects.filter(status="completed").count() == 10
    # One upcoming each, and Avery's weekly series of six.
    assert Appointment.objects.filter(status="booked").count() == 16


def test_seed_demo_twice_gives_the_same_data():
    seed()
    first = snapshot()
    output = seed()
    assert snapshot() == first
    assert "0 accounts created, 16 already there" in output


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


def test_every_part_of_the_dashboard_shows_something_on_first_login():
    """Dr. Reyes's first look: every needs-attention rule has someone in it (a new version of
    the privacy notice one client has not signed too), and the coming days have appointments.
    Goals and check-ins in both lines, scores that improve, worsen and stay flat, a coaching-only
    coach, a waitlist and a series."""
    from datetime import timedelta

    from django.utils import timezone

    from goals.models import CheckIn, Goal
    from sessions.models import RecurringSeries, WaitlistEntry
    from workspace.attention import Rule, needs_attention_for_clinician

    seed()
    reyes = User.objects.get(email="dr.reyes@tandem.example")
    attention = needs_attention_for_clinician(clinician=reyes)
    rules = {item.rule for item in attention}
    # Not on track (issue 17): the flat trajectory stays at caseness past eight weeks.
    assert rules == {Rule.RISK_FLAG, Rule.SCORE_WORSENED, Rule.WELLBEING, Rule.NOT_ON_TRACK,
                     Rule.MISSED_CHECK_INS, Rule.NO_BOOKING, Rule.GOAL_OVERDUE, Rule.CONSENT}
    assert [item.client.email for item in attention if item.rule == Rule.CONSENT] == [
        "riley@client.example"]
    privacy = ConsentDocument.objects.filter(kind="privacy").order_by("version")
    assert [d.version for d in privacy if d.published_at] == [1, 2]
    assert "kept for seven years" in privacy.last().changes_summary
    soon = Appointment.objects.filter(clinician=reyes, status="booked",
                                      start__lt=timezone.now() + timedelta(days=7))
    assert soon.count() >= 2
    for line in ("coaching", "therapy"):
        assert CheckIn.objects.filter(goal__service_line=line).count() >= 50
    assert Goal.objects.filter(service_line="therapy", approved_at__isnull=False).exists()
    newest_phq9 = {}
    for email, total in (ScreeningResponse.objects.filter(instrument="phq9")
                         .order_by("submitted_at").values_list("client__email", "total")):
        newest_phq9.setdefault(email, []).append(total)
    trends = {("up" if t[-1] > t[0] else "down" if t[-1] < t[0] else "flat")
              for t in newest_phq9.values() if len(t) >= 3}
    assert {"up", "down"} <= trends and len({t[-1] - t[0] for t in newest_phq9.values()}) >= 3
    jamie = ClinicianProfile.objects.get(user__email="jamie.ellis@tandem.example")
    assert jamie.service_lines == ServiceLines.COACHING
    assert ClientProfile.objects.filter(clinician=jamie.user).exists()
    assert WaitlistEntry.objects.filter(status="waiting").count() == 1
    assert RecurringSeries.objects.get().appointments.count() == 6


def test_the_outcomes_pages_show_something_on_first_login(client):
    """Measure plans for both lines and one client's own, event notes on the chart, and a
    measure the therapist shared: the clinician's outcomes page and the client's progress page
    are not empty on first login."""
    from django.urls import reverse

    seed()
    assert set(MeasurePlan.objects.filter(client=None).values_list("service_line", "cadence")) \
        == {("therapy", "every"), ("coaching", "every_other")}
    casey = User.objects.get(email="casey@client.example")
    assert MeasurePlan.objects.get(client=casey).instruments == ["phq9"]
    # Casey's upcoming therapy sessions ask for PHQ-9 only, by their own plan.
    assert set(map(tuple, SessionMeasures.objects.filter(client=casey,
                                                         appointment__status="booked")
                   .values_list("instruments", flat=True))) == {("phq9",)}
    assert MeasureEvent.objects.count() == 2
    avery = User.objects.get(email="avery@client.example")
    reyes = User.objects.get(email="dr.reyes@tandem.example")
    client.force_login(reyes)
    page = client.get(reverse("screening:client_outcomes", args=[avery.public_id]))
    assert page.status_code == 200
    assert "Started a new role" in page.content.decode()
    client.force_login(avery)
    body = client.get(reverse("goals:progress")).content.decode()
    assert 'data-series="phq9"' in body and 'data-series="who5"' in body
