"""clock_formatter (a page's many times, the format read once) writes what clock_format does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from portal.lib import clock
from portal.lib.links import public_id_link

FORMATS = ["j M Y", "j M, H:i", "j M Y, H:i", "l j F Y, H:i", "D d/m/y G:i:s", "H:i",
           "N j, Y", r"\a\t H:i e", "c", "jS F"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("hour12", [False, True])
@pytest.mark.parametrize("zone", ["UTC", "America/Chicago", "Asia/Kolkata"])
def test_the_formatter_writes_what_clock_format_does(fmt, hour12, zone):
    start = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    with clock.override(hour12):
        write = clock.clock_formatter(fmt)
        for hours in range(0, 24 * 366, 7):  # every month, weekday and hour of the day
            value = (start + timedelta(hours=hours, minutes=hours % 60)).astimezone(
                ZoneInfo(zone))
            assert write(value) == clock.clock_format(value, fmt)


def test_the_formatter_speaks_the_active_language():
    value = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)
    with translation.override("de"), clock.override(False):
        assert clock.clock_formatter("j M Y")(value) == clock.clock_format(value, "j M Y")


def test_a_public_id_link_is_the_reversed_url():
    from django.urls import reverse

    public_id = "3f2c8a1e-7b4d-4e0a-9c55-1d2e3f4a5b6c"
    assert public_id_link("caseload:timeline")(public_id) == reverse(
        "caseload:timeline", args=[public_id])
