"""How a person reads the clock: 12-hour ("2:30 PM") or 24-hour ("14:30"), and their zone in
words. The preference is the person's (``User.clock``); left on "from my time zone", it follows
the country of their zone (tzdata's zone.tab), as their phone would. Activated per request by
``clients.middleware.UserTimeZoneMiddleware`` and per email by ``notifications.emails``, and
read by the ``clock`` template filter, like Django's active time zone."""

from __future__ import annotations

import contextvars
import importlib.resources
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from django.utils import dateformat, timezone

# Countries where the 12-hour clock is the everyday one (CLDR's preferred hour cycle "h").
TWELVE_HOUR_COUNTRIES = frozenset({
    "US", "CA", "AU", "NZ", "IN", "PK", "BD", "PH", "MY", "EG", "SA", "JO", "CO", "SV", "HN",
    "NI", "PR", "GU", "AS", "MP", "VI", "UM",
})

_hour12: contextvars.ContextVar[bool | None] = contextvars.ContextVar("tandem_hour12",
                                                                     default=None)


@cache
def _zone_countries() -> dict[str, str]:
    """zone name → ISO country code, from the zone.tab of the tzdata package."""
    text = importlib.resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text()
    countries = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, _coordinates, zone, *_ = line.split("\t")
            countries[zone] = code
    return countries


def zone_country(zone_name: str) -> str:
    return _zone_countries().get(zone_name, "")


def zone_uses_12_hour(zone_name: str) -> bool:
    return zone_country(zone_name) in TWELVE_HOUR_COUNTRIES


def hour12_for(*, preference: str, zone_name: str) -> bool:
    """``preference`` is a ``User.clock`` value: "12", "24" or "" (from the time zone)."""
    if preference in ("12", "24"):
        return preference == "12"
    return zone_uses_12_hour(zone_name)


@contextmanager
def override(hour12: bool) -> Iterator[None]:
    token = _hour12.set(hour12)
    try:
        yield
    finally:
        _hour12.reset(token)


def is_12_hour() -> bool:
    active = _hour12.get()
    if active is None:
        return zone_uses_12_hour(timezone.get_current_timezone_name())
    return active


def clock_format(value: datetime | time | None, fmt: str = "H:i") -> str:
    """Django's date format ``fmt`` with its "H:i" read on the active clock ("g:i A"). A
    datetime is formatted in its own zone: the template filter receives it already local."""
    if value is None or value == "":
        return ""
    if is_12_hour():
        fmt = fmt.replace("H:i", "g:i A")
    if isinstance(value, datetime):
        return dateformat.format(value, fmt)
    return dateformat.time_format(value, fmt)


def zone_words(zone_name: str, *, at: datetime | None = None) -> str:
    """"America/Chicago" → "Chicago time (CST)": the city people know, and the abbreviation in
    force now (or ``at``)."""
    city = zone_name.rsplit("/", 1)[-1].replace("_", " ")
    if zone_name == "UTC":
        return "UTC"
    try:
        abbreviation = (at or timezone.now()).astimezone(ZoneInfo(zone_name)).tzname()
    except (KeyError, ValueError):
        return city
    if abbreviation and not abbreviation.startswith(("+", "-")):
        return f"{city} time ({abbreviation})"
    return f"{city} time"
