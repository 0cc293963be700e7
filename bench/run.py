"""`make bench`: the portal against the limit of this machine, a peer, and its own workers.

Run as ``python -m bench.run [--quick]`` with DATABASE_URL (PostgreSQL) and REDIS_URL set; the
databases it uses are DATABASE_URL's name plus ``_bench_small``, ``_bench_large`` and
``_bench_peer``, made afresh every run. It writes ``bench/results/latest.json`` and
``latest.md`` (``quick.*`` with --quick). bench/README.md says what every figure means.

Every process it starts (gunicorn, Celery workers) runs under ``timeout`` and is stopped in a
``finally``; every port is a free one on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import itertools
import json
import logging
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from bench import cpu

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
VAR = BENCH / "var"
PEER_VENV = BENCH / ".peer-venv"
PEER_REQUIREMENTS = ["django-appointment==3.12.0", "psycopg[binary]==3.3.9"]
PYTHON = sys.executable
CONNECTIONS = (1, 20)
GUNICORN_WORKERS = 4
FANOUT_WORKERS = 2
CONTENTION_CLIENTS, CONTENTION_SLOTS = 50, 10
# Nothing the bench starts may outlive it by much, even if this process is killed.
PROCESS_LIFETIME = "1800"


@dataclass
class Config:
    quick: bool
    rounds: int
    seconds: int
    fanout_rows: int
    noop_tasks: int
    runs: int
    out: str


def config(quick: bool) -> Config:
    if quick:
        return Config(quick=True, rounds=1, seconds=2, fanout_rows=300, noop_tasks=300, runs=5,
                      out="quick")
    return Config(quick=False, rounds=3, seconds=4, fanout_rows=10_000, noop_tasks=10_000,
                  runs=30, out="latest")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def loop_ms() -> float:
    """The machine's speed for this process just now: ms for a fixed pure-Python loop (the
    best of three). The machine is a share of a larger one whose speed varies (seen: 1.5x within
    minutes at a load under 1), so absolute figures are read beside it."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for n in range(1_000_000):
            total += n
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def database_url(base: str, suffix: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{suffix}"))


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def analyze_database(url: str) -> None:
    """Planner statistics for the freshly seeded rows. A live database has them (autovacuum
    analyzes a table after enough changes); right after a bulk seed it may not yet, and the
    planner then picks plans no deployment would (a GiST scan of 18,000 entries for one
    client's five appointments)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def manage(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    return done.stdout


# --- the report -------------------------------------------------------------------------------


@dataclass
class Report:
    cfg: Config
    data: dict = field(default_factory=dict)

    def part(self, name: str) -> dict:
        """Start a part: its load average and the machine's speed are taken now, before it
        runs."""
        entry = {"load_before": load_average(), "loop_ms_before": loop_ms()}
        self.data.setdefault("parts", {})[name] = entry
        log(f"{name} (load {entry['load_before']}, loop {entry['loop_ms_before']} ms)")
        return entry


# --- gunicorn and HTTP --------------------------------------------------------------------------


class Server:
    """gunicorn with the production configuration (DJANGO_ENV=production, --workers 4), the
    bench URLconf (bench/settings.py) and its own port."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.log_path = VAR / "gunicorn.log"
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "wb") as out:
            self.process = subprocess.Popen(
                ["timeout", PROCESS_LIFETIME, str(Path(PYTHON).parent / "gunicorn"),
                 "portal.wsgi", "--workers", str(GUNICORN_WORKERS), "--bind", self.host,
                 "--timeout", "30", "--graceful-timeout", "5"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{self.log_path.read_text()}")
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer /healthz:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def headers(self, cookies: dict[str, str] | None = None) -> dict[str, str]:
        # The TLS proxy of a deployment says the request came over HTTPS (README, Production).
        headers = {"X-Forwarded-Proto": "https", "Host": self.host}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        return headers

    def get(self, path: str, cookies: dict[str, str] | None = None
            ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path, headers=self.headers(cookies))
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def post(self, path: str, form: dict[str, str], cookies: dict[str, str]
             ) -> tuple[int, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            headers = self.headers(cookies) | {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{self.host}"}
            conn.request("POST", path, body=urlencode(form), headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status, dict(response.getheaders())
        finally:
            conn.close()


def wrk(server: Server, path: str, *, connections: int, seconds: int,
        cookies: dict[str, str] | None) -> dict:
    command = ["wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{seconds}s",
               "--timeout", "10s", "-s", str(BENCH / "wrk_report.lua")]
    for name, value in server.headers(cookies).items():
        if name != "Host":
            command += ["-H", f"{name}: {value}"]
    command.append(f"http://{server.host}{path}")
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60,
                          check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH-JSON "))
    raw = json.loads(line.removeprefix("BENCH-JSON "))
    seconds_run = raw["duration_us"] / 1e6
    return {
        "rps": round(raw["requests"] / seconds_run, 1),
        "requests": raw["requests"],
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "errors": sum(raw["errors"].values()),
        "error_kinds": raw["errors"],
    }


# --- parts ----------------------------------------------------------------------------------------


def part_pages(report: Report, server: Server, targets: list[dict]) -> None:
    """Every target at 1 and 20 connections, in rounds; the ratios of a page to the references
    are taken within each round and their median reported."""
    cfg = report.cfg
    entry = report.part("pages")
    entry["rounds"] = []
    for target in targets:
        status, headers, _ = server.get(target["url"], target["cookies"])
        if status != 200:
            raise SystemExit(f"{target['name']} ({target['url']}) answered {status} "
                             f"{headers.get('Location', '')} before the load: fix the set-up")
    for number in range(cfg.rounds):
        round_entry: dict[str, Any] = {"load_before": load_average(), "results": {}}
        for target in targets:
            for connections in CONNECTIONS:
                round_entry["results"][f"{target['name']}@{connections}"] = wrk(
                    server, target["url"], connections=connections, seconds=cfg.seconds,
                    cookies=target["cookies"])
        entry["rounds"].append(round_entry)
        log(f"pages: round {number + 1}/{cfg.rounds} done")

    summary = {}
    for target in targets:
        for connections in CONNECTIONS:
            key = f"{target['name']}@{connections}"
            runs = [r["results"][key] for r in entry["rounds"]]

            def ratio(ref: str, runs=runs, connections=connections) -> float:
                return round(statistics.median(
                    run["rps"] / r["results"][f"{ref}@{connections}"]["rps"]
                    for run, r in zip(runs, entry["rounds"], strict=True)), 3)

            summary[key] = {
                "label": target["label"], "connections": connections,
                "rps": round(statistics.median(r["rps"] for r in runs), 1),
                "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
                "p95_ms": round(statistics.median(r["p95_ms"] for r in runs), 2),
                "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 2),
                "errors": sum(r["errors"] for r in runs),
                "of_minimal_anonymous": ratio("minimal_anonymous"),
                "of_minimal_session": ratio("minimal_session"),
            }
    entry["summary"] = summary
    # What being signed in costs (the session and the user): the signed-in minimal view's time
    # per request beyond the anonymous one's, in ms of the machine and in anonymous requests.
    entry["session_cost"] = {}
    for connections in CONNECTIONS:
        anonymous = summary[f"minimal_anonymous@{connections}"]["rps"]
        signed_in = summary[f"minimal_session@{connections}"]["rps"]
        if anonymous and signed_in:
            entry["session_cost"][str(connections)] = {
                "ms_per_request": round(1000 / signed_in - 1000 / anonymous, 3),
                "in_anonymous_requests": round(anonymous / signed_in - 1, 2)}


def part_queries(report: Report, env_for: dict[str, dict[str, str]]) -> None:
    entry = report.part("queries")
    for size in ("small", "large"):
        done = subprocess.run([PYTHON, "-m", "bench.inprocess", "--size", size,
                               "--runs", str(report.cfg.runs)],
                              cwd=ROOT, env=env_for[size], capture_output=True, text=True,
                              timeout=900)
        if done.returncode:
            raise SystemExit(f"bench.inprocess --size {size} failed:\n{done.stderr[-4000:]}")
        entry[size] = json.loads(done.stdout.strip().splitlines()[-1])


def peer_install() -> str | None:
    """The peer's virtualenv, made once (bench/.peer-venv is ignored by git). Returns why it
    could not be made, or None."""
    python = PEER_VENV / "bin" / "python"
    marker = PEER_VENV / ".installed"
    if marker.exists() and marker.read_text() == " ".join(PEER_REQUIREMENTS):
        return None
    try:
        if not python.exists():
            base = shutil.which("python3.11") or shutil.which("python3") or "python3"
            subprocess.run([base, "-m", "venv", str(PEER_VENV)], check=True,
                           capture_output=True, timeout=120)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEER_REQUIREMENTS],
                       check=True, capture_output=True, text=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        return f"could not install {' '.join(PEER_REQUIREMENTS)}: {str(detail)[-500:]}"
    marker.write_text(" ".join(PEER_REQUIREMENTS))
    return None


PEER_CANNOT_EXPRESS = [
    "buffers before and after a session per service type (it has one staff-wide gap on both "
    "sides)",
    "minimum notice and booking horizon per service type",
    "hours per service line, extra hours on a date and part-day time off",
    "a clinician's own time zone with wall-clock hours across DST (it keeps naive times in the "
    "site's one zone)",
    "a range: it answers one day per call, so 4 weeks are 28 calls",
    "a guarantee against double booking in the database (no constraint, no lock)",
]


def part_peer(report: Report, peer_url: str, ours: dict) -> None:
    entry = report.part("slots_vs_peer")
    entry["scenario"] = ("4 weeks, Monday to Friday 09:00-17:00 UTC, 60-minute sessions on "
                         "the hour, no buffers, 6 of 8 hours booked every working day")
    entry["ours"] = ours
    entry["peer_cannot_express"] = PEER_CANNOT_EXPRESS
    reason = peer_install()
    if reason:
        entry["peer"] = {"error": reason}
        return
    recreate_database(peer_url)
    from django.utils import timezone

    done = subprocess.run(
        [str(PEER_VENV / "bin" / "python"), str(BENCH / "peer" / "scenario.py"),
         "--database-url", peer_url, "--today", timezone.now().date().isoformat(),
         "--runs", str(report.cfg.runs)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode:
        entry["peer"] = {"error": done.stderr[-1500:]}
        return
    peer = json.loads(done.stdout.strip().splitlines()[-1])
    from bench import slot_scenario

    expected = slot_scenario.expected_free(timezone.now().date())
    entry["peer"] = {"package": PEER_REQUIREMENTS[0], "ms_median": peer["ms_median"],
                     "queries": peer["queries"], "slots": len(peer["slots"]),
                     "same_answer_as_expected": peer["slots"] == expected}
    ours_ms = ours["scenario_grid_60"]["ms_median"]
    entry["peer_ms_over_ours"] = round(peer["ms_median"] / ours_ms, 1) if ours_ms else None


def _session_cookie(user) -> dict[str, str]:
    from django.conf import settings
    from django.test import Client

    browser = Client()
    browser.force_login(user)
    return {settings.SESSION_COOKIE_NAME: browser.cookies[settings.SESSION_COOKIE_NAME].value}


def part_contention(report: Report, server: Server) -> None:
    """50 clients of one clinician press "Book" at the same moment over HTTP, five on each of
    10 times; exactly 10 appointments may exist afterwards, none overlapping."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.urls import reverse

    from clients.models import ClientProfile, ClinicianProfile, Role, ServiceLines, User
    from sessions.forms import slot_query
    from sessions.models import Appointment, AppointmentStatus, ServiceType, WeeklyAvailability
    from sessions.selectors import available_slots

    entry = report.part("contention")
    tag = uuid.uuid4().hex[:8]
    clinician = User.objects.create(email=f"bench-{tag}@tandem.example", role=Role.CLINICIAN,
                                    full_name="Bench Contention", time_zone="America/New_York")
    ClinicianProfile.objects.create(user=clinician, display_name="Bench Contention",
                                    time_zone="America/New_York")
    WeeklyAvailability.objects.bulk_create(
        WeeklyAvailability(clinician=clinician, weekday=d, start_time="09:00",
                           end_time="17:00") for d in range(5))
    password = make_password(None)
    clients = User.objects.bulk_create(
        User(email=f"bench-{tag}-{n}@client.example", full_name=f"Bench Client {n}",
             role=Role.CLIENT, time_zone="America/New_York", password=password)
        for n in range(CONTENTION_CLIENTS))
    ClientProfile.objects.bulk_create(
        ClientProfile(user=c, clinician=clinician, service_lines=ServiceLines.THERAPY)
        for c in clients)
    service_type = ServiceType.objects.get(code="therapy-consultation")
    now = datetime.now(UTC)
    free = available_slots(clinician=clinician, service_type=service_type, start=now,
                           end=now + timedelta(days=service_type.horizon_days))
    slots: list[datetime] = []
    for slot in free:  # an hour apart, so no two of the ten overlap
        if not slots or slot >= slots[-1] + timedelta(hours=1):
            slots.append(slot)
        if len(slots) == CONTENTION_SLOTS:
            break
    url = reverse("booking:confirm", args=[service_type.code])
    prepared = []
    for n, client in enumerate(clients):
        cookies = _session_cookie(client)
        path = f"{url}?{slot_query(start=slots[n % CONTENTION_SLOTS])}"
        status, headers, body = server.get(path, cookies)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        csrf = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", ""))
        if status != 200 or not token or not csrf:
            raise SystemExit(f"contention: the confirm page answered {status} without a form")
        prepared.append((path, {**cookies, settings.CSRF_COOKIE_NAME: csrf.group(1)},
                         token.group(1).decode()))

    barrier = threading.Barrier(CONTENTION_CLIENTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def press(path: str, cookies: dict[str, str], token: str) -> None:
        barrier.wait(timeout=60)
        try:
            status, headers = server.post(path, {"csrfmiddlewaretoken": token}, cookies)
            location = headers.get("Location", "")
            outcome = ("booked" if status == 302 and "/appointments/" in location
                       and "/book/" not in location
                       else "taken" if status == 302 else f"http {status}")
        except OSError as exc:
            outcome = f"error {exc.__class__.__name__}"
        with lock:
            outcomes.append(outcome)

    started = time.perf_counter()
    threads = [threading.Thread(target=press, args=p) for p in prepared]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - started
    booked = list(Appointment.objects.filter(clinician=clinician,
                                             status=AppointmentStatus.BOOKED)
                  .order_by("block_start").values_list("block_start", "block_end"))
    overlaps = sum(1 for (_, a_end), (b_start, _) in itertools.pairwise(booked)
                   if b_start < a_end)
    entry.update({
        "clients": CONTENTION_CLIENTS, "slots": len(slots), "seconds": round(elapsed, 2),
        "http_booked": outcomes.count("booked"), "http_taken": outcomes.count("taken"),
        "http_other": [o for o in outcomes if o not in ("booked", "taken")],
        "appointments_booked": len(booked), "overlaps": overlaps,
        "exactly_slots_booked": len(booked) == len(slots) and overlaps == 0,
    })


class Sink:
    """An aiosmtpd server counting what it receives, per recipient."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        # aiosmtpd logs every command at INFO, which the portal's logging prints: some 1 ms of
        # this process per email, taken from the workers it shares the machine with.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.lock = threading.Lock()
        self.per_recipient: dict[str, int] = {}
        self.total = 0
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                     ready_timeout=10)

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.total += 1
            for rcpt in envelope.rcpt_tos:
                self.per_recipient[rcpt] = self.per_recipient.get(rcpt, 0) + 1
        return "250 Message accepted"

    def count(self) -> int:
        with self.lock:
            return self.total

    def thread_id(self) -> int | None:
        """The thread running the sink's event loop (for its CPU time), once started."""
        thread = getattr(self.controller, "_thread", None)
        return thread.ident if thread is not None else None


def start_workers(env: dict[str, str], queue: str) -> tuple[list[subprocess.Popen], list[str]]:
    from portal.celery import app

    workers = []
    nodes = []
    for n in range(FANOUT_WORKERS):
        node = f"{queue}-{n}@bench"
        nodes.append(node)
        out = open(VAR / f"worker-{n}.log", "wb")  # noqa: SIM115 - closed with the process
        workers.append(subprocess.Popen(
            ["timeout", PROCESS_LIFETIME, PYTHON, "-m", "celery", "-A", "portal", "worker",
             "--pool=solo", "-Q", queue, "-n", node, "--include", "bench.noop",
             "--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "warning"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(w.poll() is not None for w in workers):
            raise SystemExit("a Celery worker exited at start: see bench/var/worker-*.log")
        if len(app.control.ping(destination=nodes, timeout=0.5) or []) == len(nodes):
            return workers, nodes
    raise SystemExit("the Celery workers did not answer a ping in 60 s")


def stop_processes(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def part_fanout(report: Report, worker_env: dict[str, str], queue: str, sink: Sink) -> None:
    """N due reminder rows through the outbox as it is (the sweep, the delivery task, SMTP),
    with two worker processes; then N no-op tasks through the same workers."""
    import redis
    from django.conf import settings

    from bench.noop import COUNTER_KEY, noop
    from clients.models import Role, User
    from notifications import services as outbox
    from notifications.models import Notification
    from notifications.tasks import sweep_due

    cfg = report.cfg
    entry = report.part("fanout")
    recipients = list(User.objects.filter(role=Role.CLIENT, email__startswith="large-client-")
                      .order_by("pk"))
    now = datetime.now(UTC)
    start_at = (now + timedelta(hours=2)).isoformat()
    Notification.objects.bulk_create(
        (Notification(recipient=recipients[n % len(recipients)],
                      kind=Notification.Kind.APPOINTMENT_REMINDER,
                      dedupe_key=f"bench-fanout:{now.timestamp()}:{n}",
                      due_at=now - timedelta(minutes=1), context={"start_at": start_at})
         for n in range(cfg.fanout_rows)), batch_size=5000)
    rows = Notification.objects.filter(dedupe_key__startswith=f"bench-fanout:{now.timestamp()}:")
    from portal.celery import app

    workers, nodes = start_workers(worker_env, queue)
    worker_pids = [w.pid for w in workers]
    sink_thread = sink.thread_id()
    try:
        cpu_before = cpu.snapshot(sink_thread)
        started = time.perf_counter()
        sweeps = []  # (rows handed over, seconds) of each sweep that handed over any
        while True:
            began = time.perf_counter()
            handed = sweep_due()["enqueued"]
            if not handed:
                break
            sweeps.append((handed, time.perf_counter() - began))
        handed_over = time.perf_counter() - started
        deadline = time.monotonic() + max(120, cfg.fanout_rows / 5)
        while sink.count() < cfg.fanout_rows and time.monotonic() < deadline:
            time.sleep(0.1)
        elapsed_send = time.perf_counter() - started
        cpu_reminders = cpu.spent(cpu_before, cpu.snapshot(sink_thread),
                                  units=sink.count(), workers=worker_pids)
        # Let any late duplicate arrive before counting.
        time.sleep(1)
        sent = rows.filter(status=Notification.Status.SENT).count()
        expected_each = {r.email: 0 for r in recipients}
        for n in range(cfg.fanout_rows):
            expected_each[recipients[n % len(recipients)].email] += 1
        with sink.lock:
            received = dict(sink.per_recipient)
        duplicates = sum(max(0, received.get(a, 0) - c) for a, c in expected_each.items())
        losses = sum(max(0, c - received.get(a, 0)) for a, c in expected_each.items())
        batch = getattr(outbox, "SWEEP_BATCH_SIZE", None)
        # As deployed, beat starts one sweep every OUTBOX_SWEEP_INTERVAL seconds; each goes on
        # while rows are due (within its time budget). The last row is handed over when the
        # last of these sweeps ends: the sweeps before it each took one tick (or longer).
        interval = settings.OUTBOX_SWEEP_INTERVAL
        deployed = sum(max(seconds, interval) for _, seconds in sweeps[:-1]) + \
            (sweeps[-1][1] if sweeps else 0)
        entry["reminders"] = {
            "rows": cfg.fanout_rows, "workers": FANOUT_WORKERS, "sweeps": len(sweeps),
            "rows_per_sweep": [n for n, _ in sweeps],
            "handover_seconds_back_to_back": round(handed_over, 2),
            "seconds": round(elapsed_send, 2),
            "emails_per_second": round(min(sink.count(), cfg.fanout_rows) / elapsed_send, 1),
            "rows_sent": sent, "emails_received": sink.count(), "duplicates": duplicates,
            "losses": losses,
            "sweep_batch_size": batch,
            "sweep_interval_seconds": interval,
            "handover_seconds_as_deployed": round(deployed, 1),
            "handover_minutes_as_deployed": round(deployed / 60, 2),
            "cpu": cpu_reminders,
        }

        # The no-op tasks are all queued before the workers take any (they stop consuming
        # meanwhile): the drain rate is then the workers', not this process's publishing rate.
        counter = redis.Redis.from_url(settings.REDIS_URL)
        counter.delete(COUNTER_KEY)
        app.control.cancel_consumer(queue, destination=nodes, reply=True, timeout=10)
        started = time.perf_counter()
        for _ in range(cfg.noop_tasks):
            noop.delay()
        published = time.perf_counter() - started
        cpu_before = cpu.snapshot(sink_thread)
        started = time.perf_counter()
        app.control.add_consumer(queue, destination=nodes, reply=True, timeout=10)
        deadline = time.monotonic() + max(120, cfg.noop_tasks / 20)
        while int(counter.get(COUNTER_KEY) or 0) < cfg.noop_tasks and time.monotonic() < deadline:
            time.sleep(0.05)
        drained = time.perf_counter() - started
        done = int(counter.get(COUNTER_KEY) or 0)
        cpu_noop = cpu.spent(cpu_before, cpu.snapshot(sink_thread), units=done,
                             workers=worker_pids)
        counter.delete(COUNTER_KEY)
        entry["noop"] = {"tasks": cfg.noop_tasks, "done": done,
                         "publish_seconds": round(published, 2),
                         "seconds": round(drained, 2),
                         "tasks_per_second": round(done / drained, 1),
                         "cpu": cpu_noop}
        entry["reminders_over_noop"] = round(
            entry["reminders"]["emails_per_second"] / entry["noop"]["tasks_per_second"], 3)
    finally:
        stop_processes(workers)


# --- writing ------------------------------------------------------------------------------------


REQUIRED = {
    "parts": {"build", "pages", "queries", "slots_vs_peer", "contention", "fanout"},
}


def validate(data: dict) -> list[str]:
    """What a well-formed report must hold; `make bench QUICK=1` fails on any problem."""
    problems = []
    parts = data.get("parts", {})
    for name in sorted(REQUIRED["parts"] - set(parts)):
        problems.append(f"part {name} missing")
    for name, part in parts.items():
        if not isinstance(part.get("load_before"), list) or len(part["load_before"]) != 3:
            problems.append(f"{name}: no load average")
    summary = parts.get("pages", {}).get("summary", {})
    for key, row in summary.items():
        for column in ("rps", "p50_ms", "p95_ms", "p99_ms", "errors", "of_minimal_anonymous",
                       "of_minimal_session"):
            if not isinstance(row.get(column), int | float):
                problems.append(f"pages {key}: {column} is not a number")
    for size in ("small", "large"):
        if not parts.get("queries", {}).get(size, {}).get("pages"):
            problems.append(f"queries at the {size} size missing")
    if "exactly_slots_booked" not in parts.get("contention", {}):
        problems.append("contention has no verdict")
    for key in ("reminders", "noop"):
        if key not in parts.get("fanout", {}):
            problems.append(f"fanout: {key} missing")
        elif not isinstance(parts["fanout"][key].get("cpu", {}).get("machine_ms_per_unit"),
                            int | float):
            problems.append(f"fanout: {key} has no CPU figures")
    peer = parts.get("slots_vs_peer", {})
    if "ours" not in peer or "peer" not in peer:
        problems.append("slots_vs_peer incomplete")
    return problems


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def markdown(data: dict) -> str:
    parts = data["parts"]
    meta = data["meta"]
    quick = " (QUICK: a check of the harness, the figures mean nothing)" if meta["quick"] else ""
    lines = [f"# Tandem bench: {meta['finished']}{quick}",
             "",
             f"{meta['cores']} cores, gunicorn --workers {GUNICORN_WORKERS} with the "
             f"production configuration, PostgreSQL, Redis, wrk on loopback; "
             f"{meta['rounds']} round(s) of {meta['seconds']} s per page and connection count; "
             "ratios are medians of the ratios within each round.", "",
             "## Load average and speed before each part", "",
             "Load: 1, 5 and 15 minutes. Loop: ms for a fixed pure-Python loop in the bench's "
             "process (lower is faster; the machine's speed varies with its neighbours).", "",
             "| part | load | loop ms |", "| --- | --- | ---: |"]
    for name, part in parts.items():
        lines.append(f"| {name} | {' / '.join(str(x) for x in part['load_before'])} | "
                     f"{_fmt(part.get('loop_ms_before'))} |")
    pages = parts["pages"]
    lines += ["", "## Pages over HTTP", "",
              "| page | conns | req/s | p50 ms | p95 ms | p99 ms | errors | of minimal "
              "anonymous | of minimal with session |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in pages["summary"].values():
        lines.append(f"| {row['label']} | {row['connections']} | {_fmt(row['rps'])} | "
                     f"{_fmt(row['p50_ms'], 2)} | {_fmt(row['p95_ms'], 2)} | "
                     f"{_fmt(row['p99_ms'], 2)} | {row['errors']} | "
                     f"{_fmt(row['of_minimal_anonymous'], 3)} | "
                     f"{_fmt(row['of_minimal_session'], 3)} |")
    for connections, cost in pages.get("session_cost", {}).items():
        lines.append("")
        lines.append(f"Being signed in (the session and the user) costs "
                     f"{_fmt(cost['ms_per_request'], 3)} ms of the machine per request at "
                     f"{connections} connection(s), the time of "
                     f"{_fmt(cost['in_anonymous_requests'], 2)} anonymous minimal requests.")
    queries = parts["queries"]
    lines += ["", "## Queries and in-process time per page (test client, median)", "",
              "| page | queries small | queries large | ms small | ms large | KB large |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, large in queries["large"]["pages"].items():
        small = queries["small"]["pages"].get(name, {})
        lines.append(f"| {large['label']} | {small.get('queries', '–')} | {large['queries']} | "
                     f"{_fmt(small.get('ms_median'), 1)} | {_fmt(large['ms_median'], 1)} | "
                     f"{large['bytes'] / 1024:.0f} |")
    slots = parts["slots_vs_peer"]
    ours = slots["ours"]
    peer = slots["peer"]
    lines += ["", "## available_slots, 4 weeks", "", f"Scenario: {slots['scenario']}.", "",
              "| finder | ms (median) | queries | free slots | right answer |",
              "| --- | ---: | ---: | ---: | --- |",
              f"| Tandem, on the hour | {_fmt(ours['scenario_grid_60']['ms_median'], 2)} | "
              f"{ours['scenario_grid_60']['queries']} | {ours['scenario_grid_60']['slots']} | "
              f"{ours['scenario_grid_60']['same_answer_as_expected']} |",
              f"| Tandem, the portal's 15-minute grid | "
              f"{_fmt(ours['scenario_grid_15']['ms_median'], 2)} | "
              f"{ours['scenario_grid_15']['queries']} | {ours['scenario_grid_15']['slots']} | – |"]
    if "error" in peer:
        lines.append(f"| django-appointment | could not run: {peer['error'][:300]} | | | |")
    else:
        lines.append(f"| {peer['package']} | {_fmt(peer['ms_median'], 2)} | {peer['queries']} "
                     f"| {peer['slots']} | {peer['same_answer_as_expected']} |")
        lines += ["", f"The peer takes {slots['peer_ms_over_ours']}× as long as Tandem."]
    large = ours["large_clinician_4_weeks"]
    lines += ["", f"The large practice's first clinician, 4 weeks of therapy sessions on the "
              f"15-minute grid ({large['appointments_in_window']} appointments in the window): "
              f"{_fmt(large['ms_median'], 2)} ms, {large['queries']} queries, "
              f"{large['slots']} free slots.", "",
              "What django-appointment cannot express: " + "; ".join(slots["peer_cannot_express"])
              + "."]
    c = parts["contention"]
    lines += ["", "## Booking contention over HTTP", "",
              f"{c['clients']} clients, {c['slots']} slots, all pressing at once: "
              f"{c['appointments_booked']} booked in the database ({c['http_booked']} told "
              f"\"booked\", {c['http_taken']} told \"taken\", other answers: "
              f"{c['http_other'] or 'none'}), {c['overlaps']} overlaps, in {c['seconds']} s. "
              f"Exactly {c['slots']} booked: **{c['exactly_slots_booked']}**."]
    f = parts["fanout"]
    r, n = f["reminders"], f["noop"]
    lines += ["", "## Reminder fan-out", "",
              "| what | count | seconds | per second |", "| --- | ---: | ---: | ---: |",
              f"| due reminders through the outbox, {r['workers']} workers, SMTP sink | "
              f"{r['rows']:,} | {r['seconds']} | {_fmt(r['emails_per_second'])} |",
              f"| no-op tasks, the same workers | {n['tasks']:,} | {n['seconds']} | "
              f"{_fmt(n['tasks_per_second'])} |", "",
              f"Reminders at {f['reminders_over_noop']}× the no-op rate; {r['rows_sent']:,} "
              f"rows sent, {r['emails_received']:,} emails received, {r['duplicates']} "
              f"duplicates, {r['losses']} losses. The sweep handed them over in "
              f"{r['sweeps']} sweep(s) run back to back ({r['handover_seconds_back_to_back']} s); "
              f"beat starts one every {r['sweep_interval_seconds']} s, so as deployed the last "
              f"of them is handed over after about {r['handover_seconds_as_deployed']} s "
              f"({r['handover_minutes_as_deployed']} minutes)."]
    if "cpu" in r and "cpu" in n:
        lines += ["", "Where the machine's CPU went, in ms per email and per no-op task (from "
                  "/proc; `other` is the rest of the machine, processes that exited included):",
                  "", "| | " + " | ".join(r["cpu"]["ms_per_unit"]) + " | machine | busy |",
                  "| --- |" + " ---: |" * (len(r["cpu"]["ms_per_unit"]) + 2)]
        for label, spent in (("an email", r["cpu"]), ("a no-op task", n["cpu"])):
            lines.append(f"| {label} | " + " | ".join(
                _fmt(v, 2) for v in spent["ms_per_unit"].values()) +
                f" | {_fmt(spent['machine_ms_per_unit'], 2)} | "
                f"{_fmt(spent['machine_busy'] * 100, 0)}% |")
    return "\n".join(lines) + "\n"


# --- main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="CI: every part, tiny and short; checks the report, not figures")
    parser.add_argument("--only", default="",
                        help="comma-separated parts to run (pages, queries, slots_vs_peer, "
                             "contention, fanout); writes partial.json instead of the report")
    parser.add_argument("--pages", default="",
                        help="comma-separated page names to measure (the references always "
                             "are); with --only pages while working on a page")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the bench databases of an earlier run instead of building "
                             "them again (for --only while working on one part)")
    args = parser.parse_args()
    cfg = config(args.quick)
    only = {name for name in args.only.split(",") if name}
    unknown = only - (REQUIRED["parts"] - {"build"})
    if unknown:
        raise SystemExit(f"unknown part(s): {', '.join(sorted(unknown))}")
    if only:
        cfg.out = "partial"

    def wanted(name: str) -> bool:
        return not only or name in only

    if wanted("pages") and not shutil.which("wrk"):
        raise SystemExit("make bench needs wrk (apt-get install wrk; the Makefile does it).")
    base_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not base_url.startswith("postgres") or not redis_url:
        raise SystemExit("make bench needs DATABASE_URL (PostgreSQL) and REDIS_URL.")
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    RESULTS.mkdir(exist_ok=True)

    from cryptography.fernet import Fernet

    urls = {size: database_url(base_url, f"bench_{size}") for size in ("small", "large")}
    tag = uuid.uuid4().hex[:8]
    web_queue, worker_queue = f"bench-web-{tag}", f"bench-workers-{tag}"
    common = {
        **os.environ,
        # Both processes sign and read the same sessions: one secret for the whole run.
        "SECRET_KEY": base64.urlsafe_b64encode(secrets.token_bytes(48)).decode(),
        "TANDEM_NOTES_KEY": Fernet.generate_key().decode(),
        "TANDEM_VAR_DIR": str(VAR),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PYTHONUNBUFFERED": "1",
    }
    common.pop("DJANGO_ENV", None)
    env_for = {size: {**common, "DATABASE_URL": url} for size, url in urls.items()}
    web_env = {**env_for["large"], "DJANGO_ENV": "production", "DEBUG": "false",
               "ALLOWED_HOSTS": "127.0.0.1", "TANDEM_CELERY_QUEUE": web_queue,
               "LOG_LEVEL": "WARNING"}
    report = Report(cfg)
    report.data["meta"] = {"quick": cfg.quick, "rounds": cfg.rounds, "seconds": cfg.seconds,
                           "cores": os.cpu_count(), "gunicorn_workers": GUNICORN_WORKERS,
                           "started": f"{datetime.now(UTC):%Y-%m-%d %H:%M UTC}"}

    build = report.part("build")
    started = time.perf_counter()
    for size, url in urls.items():
        if not args.reuse:
            recreate_database(url)
        manage("migrate", "--noinput", env=env_for[size])
        if not args.reuse:
            manage("seed_demo", *(["--size", "large"] if size == "large" else []),
                   env=env_for[size])
        analyze_database(url)
    manage("collectstatic", "--noinput", env=web_env)
    build["seconds"] = round(time.perf_counter() - started, 1)

    # This process works on the large practice too (sessions, the contention's rows, the
    # fan-out's sweep) and publishes to the workers' queue.
    os.environ.update({**env_for["large"], "TANDEM_CELERY_QUEUE": worker_queue})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per SMTP command
    from bench.pages import pages as pages_of
    from bench.pages import personas

    people = personas("large")
    client_cookie, clinician_cookie = (_session_cookie(people.client),
                                       _session_cookie(people.clinician))
    targets: list[dict[str, Any]] = [
        {"name": "minimal_anonymous", "label": "minimal view, anonymous",
         "url": "/bench/minimal/", "cookies": None},
        {"name": "minimal_session", "label": "minimal view with a session cookie",
         "url": "/bench/minimal/", "cookies": client_cookie},
        {"name": "one_query", "label": "one-query template view", "url": "/bench/one-query/",
         "cookies": None},
        *({"name": p.name, "label": p.label, "url": p.url,
           "cookies": client_cookie if p.who == "client" else clinician_cookie}
          for p in pages_of(people) if not args.pages or p.name in args.pages.split(",")),
    ]

    server = Server(web_env)
    sink = Sink()
    sink.controller.start()
    # The workers run as deployed too: the production configuration, DEBUG off.
    worker_env = {**env_for["large"], "DJANGO_ENV": "production", "DEBUG": "false",
                  "ALLOWED_HOSTS": "127.0.0.1", "TANDEM_CELERY_QUEUE": worker_queue,
                  "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port),
                  "EMAIL_USE_TLS": "false"}
    try:
        if wanted("pages") or wanted("contention"):
            server.start()
        if wanted("pages"):
            part_pages(report, server, targets)
        if wanted("queries") or wanted("slots_vs_peer"):
            part_queries(report, env_for)
        if wanted("slots_vs_peer"):
            part_peer(report, database_url(base_url, "bench_peer"),
                      report.data["parts"]["queries"]["large"]["slots"])
        if wanted("contention"):
            part_contention(report, server)
        if wanted("fanout"):
            part_fanout(report, worker_env, worker_queue, sink)
    finally:
        server.stop()
        sink.controller.stop()
        _drop_queues(redis_url, [web_queue, worker_queue])

    report.data["meta"]["finished"] = f"{datetime.now(UTC):%Y-%m-%d %H:%M UTC}"
    if only:  # a part or two while working on them: figures only, no report to check
        (RESULTS / "partial.json").write_text(json.dumps(report.data, indent=2) + "\n")
        print(json.dumps({k: v for k, v in report.data["parts"].items() if k != "build"},
                         indent=2))
        return
    problems = validate(report.data)
    (RESULTS / f"{cfg.out}.json").write_text(json.dumps(report.data, indent=2) + "\n")
    (RESULTS / f"{cfg.out}.md").write_text(markdown(report.data))
    log(f"wrote bench/results/{cfg.out}.json and {cfg.out}.md")
    if problems:
        raise SystemExit("the report is not well formed:\n  " + "\n  ".join(problems))
    print(markdown(report.data))


def _drop_queues(redis_url: str, queues: list[str]) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        for queue in queues:
            keys = [*client.scan_iter(f"{queue}*"), *client.scan_iter(f"_kombu.binding*.{queue}")]
            if keys:
                client.delete(*keys)
    finally:
        client.close()


if __name__ == "__main__":
    main()
