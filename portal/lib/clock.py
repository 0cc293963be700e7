"""How a person reads the clock: 12-hour ("2:30 PM") or 24-hour ("14:30"), and their zone in
words. The preference is the person's (``User.clock``); left on "from my time zone", it follows
the country of their zone (tzdata's zone.tab), as their phone would. Activated per request by
``clients.middleware.UserTimeZoneMiddleware`` and per email by ``notifications.emails``, and
read by the ``clock`` template filter, like Django's active time zone."""

from __future__ import annotations

import contextvars
import importlib.resources
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, time
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from django.utils import dateformat, timezone
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import get_language, gettext

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
    if isinstance(value, datetime):
        return clock_formatter(fmt)(value)
    return dateformat.time_format(value, _on_the_clock(fmt, is_12_hour()))


def _on_the_clock(fmt: str, hour12: bool) -> str:
    return fmt.replace("H:i", "g:i A") if hour12 else fmt


@lru_cache(maxsize=32)
def _words(language: str | None) -> tuple[dict[int, str], ...]:
    """Month and day names, and AM/PM, in this language (the active one when called)."""
    return ({n: str(MONTHS_3[n]).title() for n in MONTHS_3}, {n: str(MONTHS[n]) for n in MONTHS},
            {n: str(WEEKDAYS[n]) for n in WEEKDAYS},
            {n: str(WEEKDAYS_ABBR[n]) for n in WEEKDAYS_ABBR},
            {0: gettext("AM"), 1: gettext("PM")})


# The format letters clock_formatter writes itself, each as Django's dateformat does.
def _letters(language: str | None) -> dict[str, Callable[[datetime], str]]:
    months_3, months, days, days_3, noon = _words(language)
    return {
        "j": lambda d: str(d.day), "d": lambda d: f"{d.day:02d}",
        "n": lambda d: str(d.month), "m": lambda d: f"{d.month:02d}",
        "M": lambda d: months_3[d.month], "F": lambda d: months[d.month],
        "D": lambda d: days_3[d.weekday()], "l": lambda d: days[d.weekday()],
        "Y": lambda d: f"{d.year:04d}", "y": lambda d: f"{d.year % 100:02d}",
        "G": lambda d: str(d.hour), "H": lambda d: f"{d.hour:02d}",
        "g": lambda d: str(d.hour % 12 or 12), "h": lambda d: f"{d.hour % 12 or 12:02d}",
        "i": lambda d: f"{d.minute:02d}", "s": lambda d: f"{d.second:02d}",
        "A": lambda d: noon[d.hour > 11],
    }


def clock_formatter(fmt: str = "H:i") -> Callable[[datetime], str]:
    """What writes datetimes in ``fmt`` on the active clock and in the active language. It is
    made once per format, clock and language and kept: Django's dateformat reads the format
    and translates the words again for every value (some 15 µs, and the ``date`` filter as
    much again). A format with a letter not in ``_letters`` is left to dateformat; a test holds
    both equal to dateformat's."""
    return _formatter(fmt, is_12_hour(), get_language())


@lru_cache(maxsize=256)
def _formatter(fmt: str, hour12: bool, language: str | None) -> Callable[[datetime], str]:
    on_the_clock = _on_the_clock(fmt, hour12)
    letters = _letters(language)
    parts: list[str | Callable[[datetime], str]] = []
    for i, piece in enumerate(dateformat.re_formatchars.split(on_the_clock)):
        if i % 2:
            if piece not in letters:
                return lambda value: dateformat.format(value, on_the_clock)
            parts.append(letters[piece])
        elif piece:
            parts.append(dateformat.re_escaped.sub(r"\1", piece))
    return lambda value: "".join(part if isinstance(part, str) else part(value)
                                 for part in parts)


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
