"""Rule 4 under load: fifty clients fire at one slot at once, from fifty threads with fifty
database connections. Exactly one gets it; every other one gets SlotUnavailable, nothing else."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, connections, transaction

from clients.models import ClinicianProfile
from sessions.models import Appointment
from sessions.services import SlotUnavailable, appointment_book
from sessions.tests.conftest import service_type, weekdays_nine_to_five

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]

CONTENDERS = 50


def test_fifty_concurrent_bookings_of_one_slot_make_one_appointment(clinician, make_client):
    ClinicianProfile.objects.filter(user=clinician).update(time_zone="America/New_York")
    weekdays_nine_to_five(clinician)
    consultation = service_type("therapy-consultation")
    clients = [make_client(clinician=None) for _ in range(CONTENDERS)]
    # The next weekday at 10:00 in New York, at least two days away (past the notice).
    day = datetime.now(UTC).astimezone(ZoneInfo("America/New_York")).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = datetime(day.year, day.month, day.day, 10, tzinfo=ZoneInfo("America/New_York"))

    barrier = threading.Barrier(CONTENDERS, timeout=30)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(person) -> None:
        try:
            barrier.wait()
            appointment_book(client=person, clinician=clinician, service_type=consultation,
                             start=start)
            result = "booked"
        except SlotUnavailable:
            result = "taken"
        except Exception as exc:  # anything else is a failure of the test
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=book, args=(person,)) for person in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    assert len(outcomes) == CONTENDERS
    assert [o for o in outcomes if o.startswith("error")] == []
    assert outcomes.count("booked") == 1
    assert outcomes.count("taken") == CONTENDERS - 1
    assert Appointment.objects.filter(clinician=clinician, status="booked").count() == 1


def test_the_database_itself_refuses_an_overlap(clinician, client_user, stranger):
    """Without the service's recheck, the exclusion constraint still says no."""
    consultation = service_type("therapy-consultation")
    start = datetime(2030, 1, 7, 15, 0, tzinfo=UTC)

    def row(person, minutes):
        begin = start + timedelta(minutes=minutes)
        return Appointment(client=person, clinician=clinician, service_type=consultation,
                           start=begin, end=begin + timedelta(minutes=20), block_start=begin,
                           block_end=begin + timedelta(minutes=30), created_by=clinician,
                           updated_by=clinician)

    row(client_user, 0).save()
    with pytest.raises(IntegrityError, match="booking_appointment_no_overlap"), \
            transaction.atomic():
        row(stranger, 25).save()
    cancelled = row(stranger, 25)
    cancelled.status = "cancelled"
    cancelled.save()  # cancelled appointments take no time
    row(stranger, 30).save()  # touching, not overlapping: [15:00, 15:30) and [15:30, ...)
    assert Appointment.objects.count() == 3
    assert connections["default"].vendor == "postgresql"
