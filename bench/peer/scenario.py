"""django-appointment on the bench's 4-week calendar (bench/slot_scenario.py).

Run by bench/run.py with the peer's own virtualenv (bench/.peer-venv, never committed), against a
PostgreSQL database of its own. Prints one JSON line: the free slots it finds, the median time
and the query count of finding them for 4 weeks. It asks django-appointment's own function, the
one behind its booking page: ``appointment.services.get_available_slots_for_staff``, once per
day (it answers one day at a time).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date, timedelta
from datetime import time as wall
from pathlib import Path

import django
from django.conf import settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench import slot_scenario


def configure(database_url: str) -> None:
    from urllib.parse import urlsplit

    url = urlsplit(database_url)
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-peer-not-secret",  # noqa: S106 - a throwaway database
        USE_TZ=True,
        TIME_ZONE="UTC",
        INSTALLED_APPS=["django.contrib.admin", "django.contrib.auth",
                        "django.contrib.contenttypes", "django.contrib.sessions",
                        "django.contrib.messages", "appointment"],
        DATABASES={"default": {
            "ENGINE": "django.db.backends.postgresql", "NAME": url.path.lstrip("/"),
            "USER": url.username or "", "PASSWORD": url.password or "",
            "HOST": url.hostname or "", "PORT": str(url.port or "")}},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        APPOINTMENT_SLOT_DURATION=slot_scenario.DURATION_MINUTES,
        APPOINTMENT_LEAD_TIME=(slot_scenario.OPENS, 0),
        APPOINTMENT_FINISH_TIME=(slot_scenario.CLOSES, 0),
        APPOINTMENT_BUFFER_TIME=0,
        LOGGING_CONFIG=None,
    )
    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--today", required=True)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    configure(args.database_url)

    from appointment.models import (
        Appointment,
        AppointmentRequest,
        Service,
        StaffMember,
        WorkingHours,
    )
    from appointment.services import get_available_slots_for_staff
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The package ships without migrations: Django's own apps migrate first, then its tables are
    # made from the models (they point at auth_user).
    call_command("migrate", verbosity=0)
    call_command("migrate", run_syncdb=True, verbosity=0)
    today = date.fromisoformat(args.today)
    staff_user = User.objects.create_user("clinician", "clinician@peer.example", "x")
    client_user = User.objects.create_user("client", "client@peer.example", "x")
    service = Service.objects.create(
        name="Session", duration=timedelta(minutes=slot_scenario.DURATION_MINUTES), price=0)
    staff = StaffMember.objects.create(
        user=staff_user, slot_duration=slot_scenario.DURATION_MINUTES,
        lead_time=wall(slot_scenario.OPENS), finish_time=wall(slot_scenario.CLOSES),
        appointment_buffer_time=0)
    staff.services_offered.add(service)
    # Its weekday numbers start at Sunday = 0; Python's at Monday = 0.
    for weekday in range(1, 6):
        WorkingHours.objects.create(staff_member=staff, day_of_week=weekday,
                                    start_time=wall(slot_scenario.OPENS),
                                    end_time=wall(slot_scenario.CLOSES))
    for start in slot_scenario.booked(today):
        request = AppointmentRequest.objects.create(
            date=start.date(), start_time=start.time(),
            end_time=(start + timedelta(minutes=slot_scenario.DURATION_MINUTES)).time(),
            service=service, staff_member=staff)
        Appointment.objects.create(client=client_user, appointment_request=request,
                                   phone="+12125551234", address="-")

    days = [slot_scenario.first_day(today) + timedelta(days=n)
            for n in range(slot_scenario.DAYS)]

    def four_weeks() -> list[str]:
        found = []
        for day in days:
            weekday = (day.weekday() + 1) % 7
            for slot in get_available_slots_for_staff(day, staff, weekday, service=service):
                found.append(slot.strftime("%Y-%m-%dT%H:%M"))
        return sorted(found)

    with CaptureQueriesContext(connection) as queries:
        answer = four_weeks()
    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        four_weeks()
        timings.append((time.perf_counter() - started) * 1000)
    print(json.dumps({"ms_median": round(statistics.median(timings), 2),
                      "queries": len(queries), "slots": answer,
                      "version": django.get_version()}))


if __name__ == "__main__":
    main()
