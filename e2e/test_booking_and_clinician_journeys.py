"""Journeys 4 and 5 of issue 14, in a real browser against gunicorn, a worker and an SMTP sink.

4. A client books a consultation, moves it, cancels it; and cancels another one late, after the
   warning that says so. Each change reaches their mail server with a calendar file.
5. A clinician's day: password and a two-factor code, the dashboard with today's session, the
   client's timeline, the session marked completed, a private note; the client then sees on
   "Who has accessed your record" that their clinician looked."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_factory, mfa_enable
from e2e.conftest import Camera
from e2e.test_crisis_journey import main_text, sign_in
from notifications.tests.fixtures import wait_for
from sessions.models import Appointment
from sessions.services import appointment_book
from sessions.tests.conftest import service_type, sign_consent, weekdays_nine_to_five

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis, pytest.mark.e2e,
              pytest.mark.django_db(transaction=True)]


@pytest.fixture
def practice(make_user):
    dana = make_user(role="clinician", email="dana.reyes@example.com", full_name="Dana Reyes",
                     time_zone="America/New_York")
    secret = mfa_enable(dana)
    weekdays_nine_to_five(dana)
    avery = client_factory(clinician=dana, email="avery@example.com", full_name="Avery Lane",
                           service_lines="therapy")
    for kind in ("privacy", "therapy"):
        sign_consent(avery, kind)
    return dana, secret, avery


def test_book_move_and_cancel(portal, new_page, smtp_sink, practice, celery_worker):
    dana, _, avery = practice
    camera = Camera("booking")
    page = new_page()
    sign_in(page, portal, avery.email)

    page.goto(portal.url(reverse("booking:pick_time", args=["therapy-consultation"])))
    camera.shoot(page, "times offered")
    page.locator("main a[href*='confirm']").first.click()
    page.wait_for_load_state("networkidle")
    camera.shoot(page, "confirm")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Booked:" in main_text(page)
    booked = Appointment.objects.get(client=avery)
    camera.shoot(page, "booked")

    page.goto(portal.url(reverse("booking:reschedule", args=[booked.public_id])))
    page.locator("main a[href*='start=']").nth(1).click()
    page.wait_for_load_state("networkidle")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Moved to" in main_text(page)
    moved = Appointment.objects.get(pk=booked.pk)
    assert moved.start != booked.start and moved.sequence == 1
    camera.shoot(page, "moved")

    page.goto(portal.url(reverse("booking:cancel", args=[booked.public_id])))
    assert "late cancellation" not in main_text(page)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert Appointment.objects.get(pk=booked.pk).status == "cancelled"
    camera.shoot(page, "cancelled")

    # Another one, three hours from now (booked by the clinician): cancelling is late.
    soon = appointment_book(client=avery, clinician=dana,
                            service_type=service_type("therapy-consultation"),
                            start=timezone.now().replace(microsecond=0) + timedelta(hours=3),
                            by=dana)
    page.goto(portal.url(reverse("booking:cancel", args=[soon.public_id])))
    assert "This would be a late cancellation." in main_text(page)
    camera.shoot(page, "late cancel warning")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert Appointment.objects.get(pk=soon.pk).status == "late_cancelled"
    camera.shoot(page, "cancelled late")

    # Booked, moved, cancelled, booked, cancelled: five messages with a calendar file each.
    # The questionnaire before each session (issue 17) has no calendar file: left out here.
    def appointment_mails() -> list[str]:
        return [message.decode() for message in smtp_sink.messages_to(avery.email)
                if b"questionnaire" not in message]

    assert wait_for(lambda: len(appointment_mails()) >= 5, timeout=60), celery_worker.log()
    mails = appointment_mails()
    assert all("text/calendar" in mail for mail in mails)
    for mail in mails:
        assert "consultation" not in mail.split("\r\n\r\n", 1)[0].lower()  # not in headers
    assert camera.problems == [] and page.problems == []


def test_a_clinicians_day(portal, new_page, practice):
    dana, secret, avery = practice
    # Half an hour ago, but today on Dana's clock (the dashboard lists today's sessions): in
    # the first half hour after her midnight, at her midnight.
    now = timezone.now().replace(microsecond=0)
    midnight = datetime.combine(now.astimezone(dana.zone).date(), time(), tzinfo=dana.zone)
    started = max(now - timedelta(minutes=30), midnight.astimezone(UTC))
    session = appointment_book(client=avery, clinician=dana,
                               service_type=service_type("therapy-consultation"),
                               start=started, by=dana)
    camera = Camera("clinician")
    page = new_page()
    sign_in(page, portal, dana.email, totp_secret=secret)
    text = main_text(page)
    assert "Avery Lane" in text and "Mark completed" in text
    camera.shoot(page, "dashboard")

    page.click("main button[value=completed]")
    page.wait_for_load_state("networkidle")
    assert Appointment.objects.get(pk=session.pk).status == "completed"
    camera.shoot(page, "session completed")

    page.goto(portal.url(reverse("caseload:timeline", args=[avery.public_id])))
    page.fill("textarea[name=text]", "Consultation: sleep and work stress; intake next.")
    page.click("main form:has(textarea[name=text]) button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Consultation: sleep and work stress" in main_text(page)
    camera.shoot(page, "note on the timeline")

    client = new_page()
    sign_in(client, portal, avery.email)
    client.goto(portal.url(reverse("account_rights:access")))
    text = main_text(client)
    assert "Dana Reyes" in text and "Client timeline" in text
    assert "sleep and work stress" not in text  # the note is the clinician's
    camera.shoot(client, "who looked")
    assert camera.problems == [] and page.problems == [] and client.problems == []
