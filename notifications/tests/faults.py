"""Parts of the fault suite: a scripted SMTP server, a private redis-server, sweeps and beats
in processes of their own, and the tally of what the SMTP server received against the outbox.

Every message carries its row's Message-ID, so the tally counts per row: delivered once,
twice or more, lost (should have gone, never arrived, and nobody was told), and needs review
(ambiguous: a person decides), which is counted on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings

from notifications.models import Notification
from notifications.tests.fixtures import free_port, wait_for, worker_environment

Status = Notification.Status

SWEEP_SCRIPT = """
import sys, time
import django
django.setup()
from notifications.tasks import sweep_due
start_at = float(sys.argv[1])
time.sleep(max(0.0, start_at - time.time()))
print(sweep_due()["enqueued"])
"""


# --- a scripted SMTP server --------------------------------------------------------------------


class ScriptedHandler:
    """An SMTP server whose answers are scripted per recipient, attempt by attempt:

    - ``accept``: 250 (the default once a script runs out)
    - ``451`` / ``550``: refuse the recipient (before DATA), temporarily / permanently
    - ``552-data``: take the message, then refuse it with a 552 (a definite "not stored")
    - ``drop``: store the message, then close the connection before the 250
    - ``stall``: store the message, then wait ``stall_seconds`` before the 250
    """

    def __init__(self, scripts: dict[str, list[str]] | None = None, *,
                 stall_seconds: float = 60.0) -> None:
        self.lock = threading.Lock()
        self.scripts = {address: list(actions) for address, actions in (scripts or {}).items()}
        self.stall_seconds = stall_seconds
        self.messages: list[tuple[list[str], bytes]] = []
        self.refused: Counter[str] = Counter()

    def _next(self, address: str) -> str:
        with self.lock:
            actions = self.scripts.get(address)
            return actions.pop(0) if actions else "accept"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        action = self._next(address)
        if action in ("451", "550"):
            with self.lock:
                self.refused[address] += 1
            return f"{action} 4.7.1 Try again later" if action == "451" else \
                f"{action} 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        envelope.action = action  # what to do with the message itself
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        action = getattr(envelope, "action", "accept")
        if action == "552-data":
            return "552 5.3.4 Message refused"
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        if action == "drop":
            server.transport.close()  # stored, and the reply never leaves
            return "250 never sent"
        if action == "stall":
            await asyncio.sleep(self.stall_seconds)
        return "250 Message accepted"

    # The sink's interface (notifications.tests.fixtures.SmtpSink) too.
    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def messages_to(self, address: str) -> list[bytes]:
        with self.lock:
            return [data for rcpts, data in self.messages if address in rcpts]

    def by_message_id(self) -> Counter[str]:
        with self.lock:
            ids = [message_from_bytes(data).get("Message-ID", "").strip()
                   for _, data in self.messages]
        return Counter(ids)


@dataclass
class SmtpServer:
    port: int
    handler: ScriptedHandler


@contextlib.contextmanager
def smtp_server(handler: ScriptedHandler | None = None) -> Iterator[SmtpServer]:
    handler = handler or ScriptedHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield SmtpServer(port=port, handler=handler)
    finally:
        controller.stop()


# --- the tally --------------------------------------------------------------------------------


@dataclass
class Tally:
    scenario: str
    expected: int = 0  # rows that should reach the server (not cancelled for a cause or merged)
    once: int = 0
    twice: int = 0  # twice or more
    lost: int = 0
    needs_review: int = 0
    failed: int = 0  # refused for good: shown to a person, not lost
    merged: int = 0
    details: list[str] = field(default_factory=list)

    def assert_exactly_once(self) -> None:
        assert (self.twice, self.lost) == (0, 0), self.details
        _report(self)


def tally(scenario: str, handler: ScriptedHandler, rows: Iterable[Notification]) -> Tally:
    """Count, for each row, how many messages with its Message-ID the server received."""
    received = handler.by_message_id()
    result = Tally(scenario=scenario)
    for row in rows:
        row.refresh_from_db()
        copies = received.get(row.message_id, 0) if row.message_id else 0
        if row.merged_into_id is not None:
            result.merged += 1
            if copies:
                result.twice += 1
                result.details.append(f"merged row {row.pk} arrived {copies}x")
            continue
        if row.status == Status.CANCELLED:
            if copies:
                result.twice += 1
                result.details.append(f"cancelled row {row.pk} arrived {copies}x")
            continue
        result.expected += 1
        if row.status == Status.NEEDS_REVIEW:
            result.needs_review += 1
            if copies > 1:
                result.twice += 1
                result.details.append(f"needs-review row {row.pk} arrived {copies}x")
            continue
        if row.status == Status.FAILED and not copies:
            result.failed += 1
            continue
        if copies == 1 and row.status == Status.SENT:
            result.once += 1
        elif copies > 1:
            result.twice += 1
            result.details.append(f"row {row.pk} arrived {copies}x")
        else:
            result.lost += 1
            result.details.append(f"row {row.pk} {row.status}, arrived {copies}x: "
                                  f"{row.last_error}")
    return result


def _report(result: Tally) -> None:
    """Append the scenario's figures to $TANDEM_FAULT_REPORT (JSON lines), for the table."""
    path = os.environ.get("TANDEM_FAULT_REPORT")
    if path:
        with open(path, "a") as report:
            report.write(json.dumps({k: v for k, v in asdict(result).items()
                                     if k != "details"}) + "\n")


def wait_until_settled(rows: list[Notification], *, timeout: float) -> bool:
    """Every row has left pending/sending (or the timeout passed)."""
    ids = [row.pk for row in rows]

    def settled() -> bool:
        return not Notification.objects.filter(
            pk__in=ids, status__in=[Status.PENDING, Status.SENDING]).exists()

    return wait_for(settled, timeout=timeout, interval=0.3)


# --- processes ---------------------------------------------------------------------------------


def sweeps_at_once(*, count: int, queue: str, var_dir, smtp_port: int,
                   extra_env: dict[str, str] | None = None) -> list[int]:
    """``count`` processes run the sweep at the same moment; returns what each handed over."""
    env = {**worker_environment(queue=queue, smtp_port=smtp_port, var_dir=var_dir,
                                settings=settings), **(extra_env or {})}
    start_at = str(time.time() + 3)
    processes = [subprocess.Popen([sys.executable, "-c", SWEEP_SCRIPT, start_at],
                                  cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(count)]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=90)
        assert process.returncode == 0, err
        results.append(int(out.strip().splitlines()[-1]))
    return results


@contextlib.contextmanager
def beats(*, count: int, queue: str, var_dir, smtp_port: int,
          extra_env: dict[str, str] | None = None) -> Iterator[list[subprocess.Popen]]:
    """``count`` separate `celery beat` processes (one is the rule; this is the mistake)."""
    env = {**worker_environment(queue=queue, smtp_port=smtp_port, var_dir=var_dir,
                                settings=settings), **(extra_env or {})}
    processes = []
    try:
        for number in range(count):
            log = open(var_dir / f"beat-{number}.log", "wb")  # noqa: SIM115 - closed below
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "portal", "beat", "-l", "info",
                 "-s", str(var_dir / f"beat-{number}-schedule")],
                cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT))
            log.close()
        yield processes
    finally:
        for process in processes:
            stop_process(process)


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@dataclass
class RedisServer:
    """A redis-server of the test's own, on a spare port, that can be stopped and restarted."""

    port: int
    var_dir: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.var_dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_for(self.answers, timeout=10, interval=0.1):
            pytest.fail("the private redis-server did not start")

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.2).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


@contextlib.contextmanager
def private_redis(var_dir) -> Iterator[RedisServer]:
    server = RedisServer(port=free_port(), var_dir=var_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
