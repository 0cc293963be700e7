"""Appointment reminders go out once each through a real Celery worker against Redis, and not at
all after the appointment is cancelled (rule 6)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from notifications.tasks import sweep_due
from notifications.tests.fixtures import wait_for
from sessions.models import ServiceType
from sessions.services import appointment_book, appointment_cancel
from sessions.tests.conftest import service_type

pytestmark = [
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]


def test_reminders_are_sent_once_and_never_after_cancellation(make_client, make_user,
                                                              celery_worker, smtp_sink):
    clinician = make_user(role="clinician", email="dana@example.com", full_name="Dana Reyes")
    kept = make_client(clinician=clinician, email="kept@example.com", full_name="Kim Park")
    gone = make_client(clinician=clinician, email="gone@example.com", full_name="Lee Shaw")
    consultation = service_type("therapy-consultation")
    ServiceType.objects.filter(pk=consultation.pk).update(reminder_hours=[24])
    consultation.refresh_from_db()

    # Each reminder falls due two seconds from now (24 hours before the start).
    soon = timezone.now() + timedelta(hours=24, seconds=2)
    kept_appointment = appointment_book(client=kept, clinician=clinician,
                                        service_type=consultation, start=soon, by=clinician)
    gone_appointment = appointment_book(client=gone, clinician=clinician,
                                        service_type=consultation,
                                        start=soon + timedelta(hours=1), by=clinician)
    appointment_cancel(appointment=gone_appointment, by=gone)
    Notification.objects.filter(recipient=gone, kind="appointment_reminder").update(
        due_at=timezone.now())  # it would be due now, were it not cancelled

    time.sleep(2.5)
    sweep_due()
    sweep_due()  # a second beat tick at once: still one email
    assert wait_for(lambda: len(smtp_sink.messages_to("kept@example.com")) >= 2,
                    timeout=30), celery_worker.log()  # the confirmation and the reminder
    time.sleep(3)

    to_kept = [m.decode() for m in smtp_sink.messages_to("kept@example.com")]
    reminders = [m for m in to_kept if "Subject: You have an appointment" in m]
    assert len(reminders) == 1
    assert "Kim" in reminders[0]
    for word in ("herapy", "onsultation", "Reyes"):
        assert word not in reminders[0]
    to_gone = [m.decode() for m in smtp_sink.messages_to("gone@example.com")]
    assert not [m for m in to_gone if "Subject: You have an appointment" in m]
    row = Notification.objects.get(recipient=kept, kind="appointment_reminder")
    assert (row.status, row.attempts) == ("sent", 1)
    assert Notification.objects.get(recipient=gone,
                                    kind="appointment_reminder").status == "cancelled"
    assert kept_appointment.status == "booked"
