"""Calendar files with the icalendar library: one event per appointment, UID stable for its
life, SEQUENCE raised on every change, METHOD REQUEST or CANCEL, the zone's VTIMEZONE included.

Titles and descriptions are neutral (rule 7): "Appointment with <practice>", never the service
line or anything clinical; in discreet mode just "Appointment".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from sessions.models import Appointment, AppointmentStatus, Location

PRODID = "-//Tandem//Appointments//EN"


def event_uid(appointment: Appointment) -> str:
    return f"{appointment.public_id}@tandem"


def event_title(*, discreet: bool) -> str:
    return "Appointment" if discreet else f"Appointment with {settings.PRACTICE_NAME}"


def _location(appointment: Appointment) -> str:
    service_type = appointment.service_type
    if service_type.location == Location.VIDEO:
        # The room's link stays in the portal (sessions.selectors.join_link): a calendar file
        # is copied, forwarded and synced to other services.
        return "Video call: join from the portal"
    return service_type.location_detail or settings.PRACTICE_NAME


def _event(appointment: Appointment, *, zone: ZoneInfo, discreet: bool, cancelled: bool,
           stamp: datetime) -> Event:
    event = Event()
    event.add("uid", event_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", appointment.start.astimezone(zone))
    event.add("dtend", appointment.end.astimezone(zone))
    event.add("summary", event_title(discreet=discreet))
    event.add("description", f"Sign in for the details: {settings.SITE_URL}/")
    event.add("location", _location(appointment))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def appointment_ics(*, appointment: Appointment, zone_name: str, discreet: bool = False) -> str:
    """The .ics for a confirmation, a change (REQUEST) or a cancellation (CANCEL), in the
    recipient's zone."""
    cancelled = appointment.status not in (AppointmentStatus.BOOKED,
                                           AppointmentStatus.COMPLETED,
                                           AppointmentStatus.NO_SHOW)
    calendar = _calendar("CANCEL" if cancelled else "REQUEST")
    calendar.add_component(_event(appointment, zone=ZoneInfo(zone_name), discreet=discreet,
                                  cancelled=cancelled, stamp=timezone.now()))
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()


def feed_ics(*, appointments: Iterable[Appointment], zone_name: str, discreet: bool) -> bytes:
    """A subscription feed (METHOD PUBLISH) of booked appointments."""
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", event_title(discreet=discreet).replace("Appointment with",
                                                                           "Appointments,"))
    zone = ZoneInfo(zone_name)
    stamp = timezone.now()
    for appointment in appointments:
        calendar.add_component(_event(appointment, zone=zone, discreet=discreet,
                                      cancelled=False, stamp=stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()
