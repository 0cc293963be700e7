"""The bench's limit references (bench/urls.py) never reach the portal's own URLs; its slot
scenario's known answer holds together. Figures are never asserted: `make bench QUICK=1` in CI
checks the harness end to end."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve

from bench import slot_scenario

REFERENCES = ["/bench/minimal/", "/bench/one-query/"]


@pytest.mark.parametrize("path", REFERENCES)
def test_the_portal_never_serves_the_bench_references(client, db, path):
    with pytest.raises(Resolver404):
        resolve(path)
    assert client.get(path).status_code == 404


@override_settings(ROOT_URLCONF="bench.urls")
def test_the_bench_urlconf_serves_them_in_front_of_every_portal_url(client, db):
    response = client.get("/bench/minimal/")
    assert response.status_code == 200 and response.content == b"ok"
    response = client.get("/bench/one-query/")
    assert response.status_code == 200 and b"service types" in response.content
    assert resolve("/healthz").url_name == "healthz"


def test_the_slot_scenario_books_six_of_eight_hours_of_every_working_day():
    today = date(2026, 12, 1)
    days = slot_scenario.working_days(today)
    assert len(days) == 20 and all(day.weekday() < 5 for day in days)
    assert days[0] > today and days[0].weekday() == 0
    booked = {start.strftime("%Y-%m-%dT%H:%M") for start in slot_scenario.booked(today)}
    free = set(slot_scenario.expected_free(today))
    assert len(booked) == 120 and len(free) == 40 and not booked & free
