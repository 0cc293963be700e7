"""clock_formatter and clock_format (the format read once and kept) write what Django's dateformat
does, with "H:i" on the person's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import dateformat, translation

from portal.lib import clock
from portal.lib.links import public_id_link

FORMATS = ["j M Y", "j M, H:i", "j M Y, H:i", "l j F Y, H:i", "D d/m/y G:i:s", "H:i",
           "N j, Y", r"\a\t H:i e", "c", "jS F"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("hour12", [False, True])
@pytest.mark.parametrize("zone", ["UTC", "America/Chicago", "Asia/Kolkata"])
def test_the_formatter_writes_what_dateformat_does(fmt, hour12, zone):
    start = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    on_the_clock = fmt.replace("H:i", "g:i A") if hour12 else fmt
    with clock.override(hour12):
        write = clock.clock_formatter(fmt)
        for hours in range(0, 24 * 366, 7):  # every month, weekday and hour of the day
            value = (start + timedelta(hours=hours, minutes=hours % 60)).astimezone(
                ZoneInfo(zone))
            expected = dateformat.format(value, on_the_clock)
            assert write(value) == expected
            assert clock.clock_format(value, fmt) == expected


def test_the_formatter_speaks_the_active_language():
    value = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)
    with translation.override("de"), clock.override(False):
        assert clock.clock_formatter("j M Y")(value) == dateformat.format(value, "j M Y")
        assert clock.clock_format(value, "l j F") == dateformat.format(value, "l j F")
    with clock.override(False):
        assert clock.clock_format(value, "l j F") == dateformat.format(value, "l j F")


def test_a_public_id_link_is_the_reversed_url():
    from django.urls import reverse

    public_id = "3f2c8a1e-7b4d-4e0a-9c55-1d2e3f4a5b6c"
    assert public_id_link("caseload:timeline")(public_id) == reverse(
        "caseload:timeline", args=[public_id])
