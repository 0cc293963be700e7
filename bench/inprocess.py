"""In-process figures of one practice: queries and render time of every page, and the slot
finder on the 4-week scenario. Run by bench/run.py once per size, as
``python -m bench.inprocess --size large``; prints one JSON object.

Pages go through Django's test client (the whole middleware stack, no HTTP); times are medians.
The slot scenario's rows are made inside a transaction that is rolled back.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import slot_scenario  # noqa: E402
from bench.pages import pages as pages_of  # noqa: E402
from bench.pages import personas  # noqa: E402
from clients.models import ClinicianProfile, Role, User  # noqa: E402
from sessions.models import Appointment, ServiceType, WeeklyAvailability  # noqa: E402
from sessions.selectors import available_slots  # noqa: E402


def _median_ms(call, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 2)


def measure_pages(size: str, runs: int) -> dict:
    people = personas(size)
    browsers = {"client": Client(), "clinician": Client()}
    browsers["client"].force_login(people.client)
    browsers["clinician"].force_login(people.clinician)
    found = {}
    for page in pages_of(people):
        browser = browsers[page.who]
        response = browser.get(page.url)  # warm: templates compiled, connections open
        with CaptureQueriesContext(connection) as queries:
            response = browser.get(page.url)
        if response.status_code != 200:
            raise SystemExit(f"{page.name} ({page.url}): HTTP {response.status_code}")
        found[page.name] = {
            "label": page.label, "url": page.url, "queries": len(queries),
            "bytes": len(response.content),
            "ms_median": _median_ms(lambda b=browser, u=page.url: b.get(u), runs),
        }
    return found


def measure_slots(runs: int) -> dict:
    """Ours on the scenario shared with the peer, then the large practice's real calendar."""
    today = timezone.now().date()
    result: dict = {}
    with transaction.atomic():
        clinician = User.objects.create(email="bench-slots@tandem.example", role=Role.CLINICIAN,
                                        full_name="Bench Slots", time_zone="UTC")
        ClinicianProfile.objects.create(user=clinician, display_name="Bench Slots",
                                        time_zone="UTC")
        WeeklyAvailability.objects.bulk_create(
            WeeklyAvailability(clinician=clinician, weekday=day,
                               start_time=f"{slot_scenario.OPENS:02d}:00",
                               end_time=f"{slot_scenario.CLOSES:02d}:00") for day in range(5))
        service_type = ServiceType.objects.create(
            code="bench-hour", name="Bench hour", service_line="therapy", kind="session",
            duration_minutes=slot_scenario.DURATION_MINUTES, buffer_before_minutes=0,
            buffer_after_minutes=0, min_notice_hours=0, horizon_days=90, is_active=False)
        duration = timedelta(minutes=slot_scenario.DURATION_MINUTES)
        some_client = User.objects.filter(role=Role.CLIENT).order_by("pk").first()
        Appointment.objects.bulk_create(
            Appointment(client=some_client, clinician=clinician, service_type=service_type,
                        start=start.replace(tzinfo=UTC), end=start.replace(tzinfo=UTC) + duration,
                        block_start=start.replace(tzinfo=UTC),
                        block_end=start.replace(tzinfo=UTC) + duration, status="booked",
                        created_by=clinician, updated_by=clinician)
            for start in slot_scenario.booked(today))
        first = datetime.combine(slot_scenario.first_day(today), datetime.min.time(), tzinfo=UTC)
        window: dict[str, Any] = {"clinician": clinician, "service_type": service_type,
                                  "start": first,
                  "end": first + timedelta(days=slot_scenario.DAYS)}
        for grid in (60, 15):
            with override_settings(BOOKING_SLOT_GRID_MINUTES=grid):
                with CaptureQueriesContext(connection) as queries:
                    answer = [s.strftime("%Y-%m-%dT%H:%M")
                              for s in available_slots(**window)]
                result[f"scenario_grid_{grid}"] = {
                    "ms_median": _median_ms(lambda: available_slots(**window), runs),
                    "queries": len(queries), "slots": len(answer),
                    "same_answer_as_expected": answer == slot_scenario.expected_free(today)
                    if grid == 60 else None,
                }
        transaction.set_rollback(True)

    # The large practice: the first clinician's real calendar, 4 weeks of therapy sessions.
    people = personas("large")
    session = ServiceType.objects.get(code="therapy-session")
    now = timezone.now()
    window = {"clinician": people.clinician, "service_type": session, "start": now,
              "end": now + timedelta(days=28)}
    with CaptureQueriesContext(connection) as queries:
        found = available_slots(**window)
    result["large_clinician_4_weeks"] = {
        "ms_median": _median_ms(lambda: available_slots(**window), runs),
        "queries": len(queries), "slots": len(found),
        "appointments_in_window": Appointment.objects.filter(
            clinician=people.clinician, start__gte=now, start__lt=window["end"]).count(),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=["small", "large"], required=True)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    out = {"pages": measure_pages(args.size, args.runs)}
    if args.size == "large":
        out["slots"] = measure_slots(args.runs)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
