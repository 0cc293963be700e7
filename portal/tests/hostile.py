"""Hypothesis strategies for what a hostile or unlucky person types (issue 13): very long
strings, NUL and control characters, right-to-left marks, HTML and script, SQL fragments,
emoji, boundary numbers, impossible and DST-missing local times, 29 February, year 9999.

The examples per test come from the "tandem" profile (conftest.py): few enough that the whole
fuzz suite stays well under a minute in ``make test``; ``make fuzz`` runs many more.
"""

from __future__ import annotations

from hypothesis import strategies as st

CLASSIC_TEXT = [
    "", " ", "\x00", "a\x00b", "\x01\x02\x1b[31m", "\r\n\r\n", "\t",
    "\u202e\u202dlive\u200f", "\u200b\ufeff", "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>', "{{ 7*7 }}{% debug %}", "'; DROP TABLE goals_goal; --",
    "1' OR '1'='1", "\\x00\\", "😀👩🏽‍💻🏳️‍🌈", "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇", "=cmd|' /C calc'!A0",
    "a" * 199, "a" * 200, "a" * 201, "b" * 2000, "b" * 2001, "c" * 4001, "d" * 10_001,
    "é" * 150, "𝕏" * 120,
]
CLASSIC_NUMBERS = [
    "", " ", "-1", "0", "1", "10", "11", "52", "53", "999", "1000", "1001", "32767", "32768",
    "65536", "2147483647", "2147483648", "9223372036854775807", "9223372036854775808",
    "99999999999999999999999", "-99999999999", "1e309", "1e-309", "NaN", "inf", "-inf", "0x10",
    "1_000", "٣", "１２", "3.5", "-0", "00000000000000000000001", "\x00", "1\x00",
]
CLASSIC_DATES = [
    "", "2027-02-29", "2028-02-29", "2027-02-30", "2027-13-01", "2027-00-10", "2027-03-14",
    "2027-11-07", "9999-12-31", "0001-01-01", "10000-01-01", "0000-00-00", "-2027-01-01",
    "2027-1-1", "31/12/2027", "\x00", "2027-03-14\x00", "today",
]
CLASSIC_TIMES = [
    "", "00:00", "02:30", "01:30", "23:59", "24:00", "23:59:60", "25:61", "-01:00", "12:60",
    "12:00:00.999999999", "2:30 AM", "\x00", "12:00\x00",
]
CLASSIC_DATETIMES = [
    "", "2027-03-14T02:30:00-05:00", "2027-03-14T07:30:00Z", "2027-11-07T01:30:00",
    "9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
    "2027-02-29T10:00:00Z", "2028-02-29T10:00:00+00:00", "2027-06-01T10:00:00+25:00",
    "\x00", "2027-06-01T10:00:00Z\x00",
]

_printable = st.characters(codec="utf-8", exclude_categories=("Cs",))


def hostile_text(max_size: int = 60) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(CLASSIC_TEXT), st.text(_printable, max_size=max_size))


def hostile_number() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(CLASSIC_NUMBERS),
                     st.integers(min_value=-2**70, max_value=2**70).map(str))


def hostile_date() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(CLASSIC_DATES),
                     st.dates().map(lambda d: d.isoformat()))


def hostile_time() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(CLASSIC_TIMES),
                     st.times().map(lambda t: t.isoformat(timespec="minutes")))


def hostile_datetime() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(CLASSIC_DATETIMES),
                     st.datetimes().map(lambda d: d.isoformat() + "Z"))


def hostile_choice(*valid: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(list(valid)), hostile_text(20))
