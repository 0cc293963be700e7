"""Fixtures of the outbox tests: a captured broker, an SMTP sink, a real Celery worker."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from notifications import tasks

WORKER_START_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


@dataclass
class Enqueued:
    """Ids handed to `deliver_batch.delay`, instead of a broker (``batches``: each call's)."""

    ids: list[int] = field(default_factory=list)
    batches: list[list[int]] = field(default_factory=list)

    def delay(self, notification_ids: list[int]) -> None:
        self.batches.append(list(notification_ids))
        self.ids.extend(notification_ids)


@pytest.fixture
def enqueued(monkeypatch) -> Enqueued:
    captured = Enqueued()
    # notifications_enqueue_on_commit looks the task up at call time.
    monkeypatch.setattr(tasks, "deliver_batch", captured)
    return captured


@pytest.fixture
def smtp_unreachable(settings) -> None:
    """Real SMTP sending that fails: nothing listens on the port."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2


# --- the real worker ---------------------------------------------------------------------------


class SinkHandler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


@dataclass
class SmtpSink:
    port: int
    handler: SinkHandler

    def messages_to(self, address: str) -> list[bytes]:
        with self.handler.lock:
            return [data for rcpts, data in self.handler.messages if address in rcpts]

    def count(self) -> int:
        with self.handler.lock:
            return len(self.handler.messages)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    handler = SinkHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield SmtpSink(port=port, handler=handler)
    finally:
        controller.stop()


def database_url_for_this_test() -> str:
    """The URL of the database this test process uses (pytest-xdist adds _gw0... to its name)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


@dataclass
class WorkerProcess:
    queue: str
    node: str
    log_path: Path
    process: subprocess.Popen

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def publishing_to(queue: str) -> Iterator[None]:
    """Route this process's task messages to one queue (the exchange and routing key follow
    task_default_queue, so parallel test runs never see each other's messages)."""
    from portal.celery import app

    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield
    finally:
        app.conf.task_default_queue = previous


@contextlib.contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Point this process's publishing at another broker URL (a dead one, in tests)."""
    from portal.celery import app

    def drop_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_url
    app.conf.broker_url = url
    drop_pools()
    try:
        yield
    finally:
        app.conf.broker_url = previous
        drop_pools()


def _delete_queue_keys(redis_url: str, queue: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        # The queue's list (and its priority lists) and kombu's binding of its exchange.
        keys = [*client.scan_iter(f"{queue}*"), *client.scan_iter(f"_kombu.binding*.{queue}")]
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def worker_environment(*, queue: str, smtp_port: int, var_dir, settings) -> dict[str, str]:
    """The environment of a process that works against this test's database and Redis: a
    worker, or a separate process running the sweep."""
    return {
        **os.environ,
        "DATABASE_URL": database_url_for_this_test(),
        "REDIS_URL": settings.REDIS_URL,
        "TANDEM_CELERY_QUEUE": queue,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "TANDEM_VAR_DIR": str(var_dir),
        "PYTHONUNBUFFERED": "1",
    }


SKEWED_CELERY = Path(__file__).with_name("skewed_celery.py")


def celery_command(*, clock_offset: float | None = None) -> list[str]:
    """`python -m celery`, or the same with the process's clock moved by ``clock_offset``
    seconds (time_machine inside the process: a worker whose clock is off)."""
    if clock_offset is None:
        return [sys.executable, "-m", "celery"]
    return [sys.executable, str(SKEWED_CELERY), str(clock_offset)]


def worker_start(*, queue: str, smtp_port: int, var_dir, settings,
                 name: str = "worker", extra_env: dict[str, str] | None = None,
                 clock_offset: float | None = None, beat: bool = False) -> WorkerProcess:
    """Start a real `celery -A portal worker` on ``queue`` and wait until it answers a ping.
    ``beat`` embeds beat in it (its schedule file in ``var_dir``)."""
    from portal.celery import app

    node = f"{queue}-{name}@tandem-tests"
    log_path = var_dir / f"{name}.log"
    beat_args = ["-B", "-s", str(var_dir / f"{name}-beat-schedule")] if beat else []
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*celery_command(clock_offset=clock_offset), "-A", "portal", "worker",
             "--pool=solo", "-Q", queue, "-n", node, "--without-mingle", "--without-gossip",
             "--without-heartbeat", "-l", "info", *beat_args],
            cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
            env={**worker_environment(queue=queue, smtp_port=smtp_port, var_dir=var_dir,
                                      settings=settings), **(extra_env or {})},
        )
    worker = WorkerProcess(queue=queue, node=node, log_path=log_path, process=process)

    def answers_ping() -> bool:
        if process.poll() is not None:
            pytest.fail(f"the worker exited at start:\n{worker.log()}")
        return bool(app.control.ping(destination=[node], timeout=0.5))

    if not wait_for(answers_ping, timeout=WORKER_START_TIMEOUT, interval=0.1):
        worker_stop(worker)
        pytest.fail(f"the worker was not ready in {WORKER_START_TIMEOUT}s:\n{worker.log()}")
    return worker


def worker_stop(worker: WorkerProcess) -> None:
    if worker.process.poll() is not None:
        return
    worker.process.terminate()
    try:
        worker.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.process.kill()
        worker.process.wait(timeout=5)


@pytest.fixture
def worker_queue(settings) -> Iterator[str]:
    """A queue of this test's own, published to by this process; emptied afterwards."""
    queue = f"test-{uuid.uuid4().hex}"
    with publishing_to(queue):
        yield queue
    _delete_queue_keys(settings.REDIS_URL, queue)


@pytest.fixture
def celery_worker(transactional_db, smtp_sink, tmp_path, settings,
                  worker_queue) -> Iterator[WorkerProcess]:
    """A real `celery -A portal worker` on a queue of its own, against this test's database
    and Redis, sending mail to the sink. Always stopped at the end of the test."""
    worker = worker_start(queue=worker_queue, smtp_port=smtp_sink.port, var_dir=tmp_path,
                          settings=settings)
    try:
        yield worker
    finally:
        worker_stop(worker)
