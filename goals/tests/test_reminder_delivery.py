"""Check-in reminders with real parts (rule 6): a real Celery worker against Redis and
PostgreSQL, SMTP into a local sink. Exactly once when two separate processes sweep at the same
moment; never twice when the worker is killed in the middle of sending."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.conf import settings
from django.utils import timezone

from goals.models import ReminderPreference
from goals.services import goal_create
from notifications.models import Notification
from notifications.tasks import sweep_due
from notifications.tests.fixtures import (
    SinkHandler,
    free_port,
    wait_for,
    worker_environment,
    worker_start,
    worker_stop,
)

pytestmark = [
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]

SWEEP_SCRIPT = """
import sys, time
import django
django.setup()
from notifications.tasks import sweep_due
start_at = float(sys.argv[1])
time.sleep(max(0.0, start_at - time.time()))
print(sweep_due()["enqueued"])
"""


def goal_due_in(client, seconds: int):
    """A daily goal whose reminder falls due ``seconds`` from now (no quiet hours)."""
    ReminderPreference.objects.update_or_create(
        client=client, defaults={"quiet_start": datetime.min.time(),
                                 "quiet_end": datetime.min.time()})
    local = timezone.localtime(timezone.now() + timedelta(seconds=seconds), client.zone)
    goal_create(client=client, service_line="coaching", created_by=client, title="Walk daily",
                metric="steps", unit="steps", baseline=Decimal(1000), target=Decimal(8000),
                direction="up", cadence="daily", check_in_time=local.time())
    return Notification.objects.get(recipient=client, kind="check_in_reminder",
                                    status="pending")


def sweep_from_two_processes(*, queue: str, var_dir, smtp_port: int) -> list[int]:
    env = worker_environment(queue=queue, smtp_port=smtp_port, var_dir=var_dir,
                             settings=settings)
    start_at = str(time.time() + 3)
    processes = [subprocess.Popen([sys.executable, "-c", SWEEP_SCRIPT, start_at],
                                  cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        results.append(int(out.strip().splitlines()[-1]))
    return results


def test_two_sweeping_processes_send_one_reminder(make_client, smtp_sink, celery_worker,
                                                  worker_queue, tmp_path):
    client = make_client(email="walker@example.com", full_name="Robin Walker",
                         service_lines="coaching")
    row = goal_due_in(client, seconds=2)
    time.sleep(2.5)
    claimed = sweep_from_two_processes(queue=worker_queue, var_dir=tmp_path,
                                       smtp_port=smtp_sink.port)
    assert sorted(claimed) == [0, 1]  # one process took the row; the other found it taken
    assert wait_for(lambda: smtp_sink.messages_to("walker@example.com"), timeout=30), \
        celery_worker.log()
    time.sleep(3)
    [message] = smtp_sink.messages_to("walker@example.com")
    assert b"Subject: Time for your check-in" in message
    for word in (b"Walk daily", b"steps", b"coaching"):
        assert word not in message
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)


class StallingHandler(SinkHandler):
    """Takes the message, then hangs before answering: the worker is mid-send."""

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        await asyncio.sleep(60)
        return "250 Message accepted"


def test_a_worker_killed_mid_send_never_sends_twice(make_client, worker_queue, tmp_path):
    handler = StallingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    client = make_client(email="sleeper@example.com", full_name="Sam Sleeper",
                         service_lines="coaching")
    worker = worker_start(queue=worker_queue, smtp_port=port, var_dir=tmp_path,
                          settings=settings, name="doomed")
    try:
        row = goal_due_in(client, seconds=1)
        time.sleep(1.5)
        assert sweep_due()["enqueued"] == 1
        # The worker has claimed the row and is inside the SMTP conversation: kill it hard.
        assert wait_for(lambda: handler.messages, timeout=30), worker.log()
        row.refresh_from_db()
        assert row.status == "sending"
        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait(timeout=10)
    finally:
        worker_stop(worker)

    # A new worker and more beat ticks: the row is not pending, so nothing hands it over.
    second = worker_start(queue=worker_queue, smtp_port=port, var_dir=tmp_path,
                          settings=settings, name="successor")
    try:
        assert sweep_due()["enqueued"] == 0
        # Later, past the task time limit, the sweep hands it to a person instead of resending.
        later = timezone.now() + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
        with time_machine.travel(later, tick=False):
            assert sweep_due() == {"enqueued": 0, "needs_review": 1}
        time.sleep(3)
        row.refresh_from_db()
        assert row.status == "needs_review"
        assert row.attempts == 1
        assert len(handler.messages) == 1  # it reached the server once, and never again
    finally:
        worker_stop(second)
        controller.stop()
