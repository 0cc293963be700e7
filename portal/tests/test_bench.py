"""The bench's limit references (bench/urls.py) never reach the portal's own URLs; its slot
scenario's known answer holds together. Figures are never asserted: `make bench QUICK=1` in CI
checks the harness end to end."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import date

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve

from bench import cpu, slot_scenario

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


def _spin(seconds: float, clock=time.thread_time) -> None:
    """Use ``seconds`` of CPU (not of the wall clock: the machine may be busy)."""
    until = clock() + seconds
    while clock() < until:
        pass


def test_the_cpu_meter_gives_each_group_what_it_used():
    """A worker process (under a parent, as `timeout` runs the bench's) and a thread of this
    process each use 0.3 s of CPU: each is counted in its own group, not in another."""
    child = subprocess.Popen(
        ["timeout", "60", sys.executable, "-c",
         "import time, sys\nuntil = time.process_time() + 0.3\n"
         "while time.process_time() < until: pass\nprint('done', flush=True)\nsys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    started, spun, finish = threading.Event(), threading.Event(), threading.Event()
    # The thread stays alive until the second snapshot, as the sink's does in the bench.
    spinner = threading.Thread(target=lambda: (started.wait(), _spin(0.3), spun.set(),
                                               finish.wait()))
    spinner.start()
    try:
        before = cpu.snapshot(spinner.ident)
        started.set()
        assert child.stdout.readline() == "done\n"
        assert spun.wait(10)
        after = cpu.snapshot(spinner.ident)
    finally:
        finish.set()
        spinner.join()
        child.terminate()  # timeout passes it on
        child.communicate(timeout=10)
    spent = cpu.spent(before, after, units=2, workers=[child.pid], thread_name="spinner")
    per = spent["ms_per_unit"]
    # 0.3 s over two units: 150 ms each (a clock tick is 10 ms; the child also started Python).
    assert 140 <= per["workers"] <= 400, per
    assert 140 <= per["spinner"] <= 200, per
    assert per["bench"] < 140, per
    assert spent["machine_ms_per_unit"] >= per["workers"] + per["spinner"] - 20
