"""Exactly once under faults, with real processes (rule 6): Celery workers, beats and sweeps in
processes of their own, PostgreSQL, Redis (a private redis-server where it is stopped), and SMTP
servers on 127.0.0.1 that refuse, stall or drop the reply.

Each scenario counts what the SMTP server received against the outbox, row by row through the
Message-ID each row carries: 0 lost, 0 doubled; ambiguous sends end in ``needs_review`` and are
counted on their own. The scenarios here are the quick ones (``make test``); ``@faults`` ones run
longer (``make faults``: a 30-second Redis outage, bigger batches, a lost hand-off of a risk
alert). Set TANDEM_FAULT_REPORT=path to collect each scenario's figures as JSON lines.
"""

from __future__ import annotations

import signal
import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from goals.models import Goal, ReminderPreference
from goals.services import (
    check_in_record,
    check_in_reminder_plan,
    check_in_reminders_plan_missing,
    comment_add,
    goal_create,
    goal_update,
)
from notifications.models import Notification
from notifications.services import notification_schedule, welcome_schedule
from notifications.tasks import deliver, sweep_due
from notifications.tests.faults import (
    ScriptedHandler,
    beats,
    private_redis,
    smtp_server,
    sweeps_at_once,
    tally,
    wait_until_settled,
)
from notifications.tests.fixtures import (
    broker_at,
    publishing_to,
    wait_for,
    worker_start,
    worker_stop,
)
from screening.services import screening_submit
from sessions.services import appointment_book, appointment_reschedule
from sessions.tests.conftest import service_type, sign_consent

pytestmark = [
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]

Status = Notification.Status
Kind = Notification.Kind
DEAD_BROKER = "redis://127.0.0.1:1/0"
SETTLE_TIMEOUT = 60.0
FAST_RETRY = {"TANDEM_NOTIFICATIONS_FIRST_RETRY_SECONDS": "1"}


def coaching_goal_due_in(client, seconds: float, *, title: str = "Walk daily") -> Goal:
    """A daily coaching goal whose reminder falls due ``seconds`` from now (no quiet hours)."""
    ReminderPreference.objects.update_or_create(
        client=client, defaults={"quiet_start": datetime.min.time(),
                                 "quiet_end": datetime.min.time()})
    local = timezone.localtime(timezone.now() + timedelta(seconds=seconds), client.zone)
    return goal_create(client=client, service_line="coaching", created_by=client, title=title,
                       metric="steps", unit="steps", baseline=Decimal(1000),
                       target=Decimal(8000), direction="up", cadence="daily",
                       check_in_time=local.time().replace(microsecond=0))


def reminders_of(goal: Goal) -> list[Notification]:
    from notifications import keys

    return list(Notification.objects.filter(scope=str(keys.goal_scope(goal.public_id)))
                .order_by("pk"))


def clients(make_client, count: int, *, prefix: str, **fields) -> list:
    return [make_client(email=f"{prefix}{n}@example.com", full_name=f"Client {prefix} {n}",
                        **fields) for n in range(count)]


# --- SMTP answers ------------------------------------------------------------------------------


def test_smtp_refusals_retry_or_fail_and_a_dropped_reply_needs_review(make_client, worker_queue,
                                                                      tmp_path):
    people = clients(make_client, 5, prefix="smtp")
    scripts = {people[0].email: ["451"],       # refused before DATA, then accepted: a retry
               people[1].email: ["451", "550"],  # 4xx: retried; then 5xx: failed at once
               people[2].email: ["drop"],      # stored, no reply: needs review, never retried
               people[3].email: ["552-data"],  # refused after the message: a definite failure
               }                               # people[4]: accepted at once
    with smtp_server(ScriptedHandler(scripts)) as server:
        worker = worker_start(queue=worker_queue, smtp_port=server.port, var_dir=tmp_path,
                              settings=settings, extra_env=FAST_RETRY)
        try:
            rows = [welcome_schedule(user=person) for person in people]  # kicked at once
            assert wait_until_settled(rows, timeout=SETTLE_TIMEOUT), worker.log()
            time.sleep(2)  # time for a wrong retry of the dropped one to show
        finally:
            worker_stop(worker)
        result = tally("SMTP 4xx, 5xx, dropped reply", server.handler, rows)

    statuses = [(row.status, row.attempts) for row in rows]
    assert statuses == [(Status.SENT, 2), (Status.FAILED, 2), (Status.NEEDS_REVIEW, 1),
                        (Status.FAILED, 1), (Status.SENT, 1)]
    assert "550" in rows[1].last_error and "552" in rows[3].last_error
    assert "may have stored it" in rows[2].last_error
    assert all(".outbox." in row.message_id for row in rows)
    assert (result.once, result.needs_review, result.failed) == (2, 1, 2)
    assert server.handler.refused[people[0].email] == 1
    assert server.handler.refused[people[1].email] == 2
    result.assert_exactly_once()


# --- a worker killed in the middle of a send -----------------------------------------------------


def test_a_worker_killed_mid_delivery_loses_and_doubles_nothing(make_client, worker_queue,
                                                               tmp_path):
    people = clients(make_client, 4, prefix="killed")
    handler = ScriptedHandler({people[0].email: ["stall"]}, stall_seconds=30)
    with smtp_server(handler) as server:
        worker = worker_start(queue=worker_queue, smtp_port=server.port, var_dir=tmp_path,
                              settings=settings, name="doomed")
        try:
            with transaction.atomic():
                rows = [welcome_schedule(user=person) for person in people]
            # The first message is on the server, its reply withheld: the worker is mid-send.
            assert wait_for(lambda: handler.messages_to(people[0].email), timeout=30), \
                worker.log()
            worker.process.send_signal(signal.SIGKILL)
            worker.process.wait(timeout=10)
        finally:
            worker_stop(worker)
        rows[0].refresh_from_db()
        assert rows[0].status == Status.SENDING

        successor = worker_start(queue=worker_queue, smtp_port=server.port, var_dir=tmp_path,
                                 settings=settings, name="successor")
        try:
            assert wait_until_settled(rows[1:], timeout=SETTLE_TIMEOUT), successor.log()
            assert sweep_due()["enqueued"] == 0  # the abandoned row is not handed over again
            later = timezone.now() + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
            with time_machine.travel(later, tick=False):
                assert sweep_due() == {"enqueued": 0, "needs_review": 1}
            time.sleep(2)
        finally:
            worker_stop(successor)
        result = tally("worker SIGKILL mid-delivery", handler, rows)
    assert (result.once, result.needs_review) == (3, 1)
    result.assert_exactly_once()


# --- Redis stopped while clients book and check in ----------------------------------------------


def redis_outage(*, outage_seconds: float, make_client, clinician, worker_queue, tmp_path,
                 scenario: str) -> None:
    people = clients(make_client, 3, prefix=f"outage{int(outage_seconds)}-", clinician=clinician,
                     service_lines="both")
    consult = _bookable_type()
    for person in people:
        _consent(person, "therapy", "coaching")
    with private_redis(tmp_path) as redis, smtp_server() as server, broker_at(redis.url):
        env = {"REDIS_URL": redis.url}
        worker = worker_start(queue=worker_queue, smtp_port=server.port, var_dir=tmp_path,
                              settings=settings, extra_env=env)
        try:
            redis.stop()
            outage_started = time.monotonic()
            slowest = 0.0
            start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0,
                                                                 microsecond=0)
            hour = 0
            while True:
                for person in people:
                    began = time.monotonic()
                    goal = coaching_goal_due_in(person, 3600, title=f"Goal {hour}")
                    check_in_record(goal=goal, by=person, value=Decimal(2000))
                    comment_add(goal=goal, author=clinician, text="Well done.")
                    appointment_book(client=person, clinician=clinician, service_type=consult,
                                     start=start + timedelta(hours=hour), by=clinician)
                    hour += 1
                    slowest = max(slowest, time.monotonic() - began)
                if time.monotonic() - outage_started >= outage_seconds:
                    break
                time.sleep(1)
            rows = list(Notification.objects.filter(due_at__lte=timezone.now()))
            assert rows and all(row.status == Status.PENDING for row in rows)
            assert slowest < 10, f"a booking or check-in took {slowest:.1f} s with Redis down"

            redis.start()  # the same port: the worker reconnects by itself
            # The next beat tick hands over everything the outage held back.
            assert wait_for(lambda: sweep_due()["enqueued"] > 0 or _all_done(rows),
                            timeout=30, interval=1)
            assert wait_until_settled(rows, timeout=SETTLE_TIMEOUT + outage_seconds), \
                worker.log()
            sweep_due()
            time.sleep(2)
        finally:
            worker_stop(worker)
        result = tally(scenario, server.handler, rows)
    assert result.once == len(rows) >= 6 * len(people)
    result.assert_exactly_once()


def _all_done(rows: list[Notification]) -> bool:
    return not Notification.objects.filter(pk__in=[row.pk for row in rows],
                                           status=Status.PENDING).exists()


def _consent(person, *lines: str) -> None:
    """Sign the consents (seeded again when an earlier transactional test flushed them)."""
    from importlib import import_module

    from django.apps import apps as django_apps

    from clients.models import ConsentDocument

    if not ConsentDocument.objects.filter(published_at__isnull=False).exists():
        import_module("clients.migrations.0003_seed_consent_documents").seed(django_apps, None)
    for line in lines:
        sign_consent(person, line)


def _bookable_type():
    return service_type("therapy-consultation")  # seeds the service types after a flush


def test_redis_stopped_while_clients_book_and_check_in(make_client, clinician, worker_queue,
                                                       tmp_path):
    redis_outage(outage_seconds=5, make_client=make_client, clinician=clinician,
                 worker_queue=worker_queue, tmp_path=tmp_path,
                 scenario="Redis stopped 5 s while booking and checking in")


@pytest.mark.faults
def test_redis_stopped_for_30_seconds_while_clients_book_and_check_in(
        make_client, clinician, worker_queue, tmp_path):
    redis_outage(outage_seconds=30, make_client=make_client, clinician=clinician,
                 worker_queue=worker_queue, tmp_path=tmp_path,
                 scenario="Redis stopped 30 s while booking and checking in")


# --- two beats and four sweeps at once -----------------------------------------------------------


def beats_and_sweeps(*, count: int, make_client, worker_queue, tmp_path, scenario: str) -> None:
    people = clients(make_client, count, prefix=f"crowd{count}-")
    due = timezone.now() + timedelta(seconds=2)
    rows = [notification_schedule(recipient=person, kind=Kind.WELCOME,
                                  dedupe_key=f"crowd:{person.pk}", due_at=due)
            for person in people]
    with smtp_server() as server:
        workers = [worker_start(queue=worker_queue, smtp_port=server.port, var_dir=tmp_path,
                                settings=settings, name=f"worker{n}") for n in range(2)]
        try:
            fast_beat = {"TANDEM_SWEEP_INTERVAL_SECONDS": "1"}
            with beats(count=2, queue=worker_queue, var_dir=tmp_path, smtp_port=server.port,
                       extra_env=fast_beat):
                handed = sweeps_at_once(count=4, queue=worker_queue, var_dir=tmp_path,
                                        smtp_port=server.port)
                assert wait_until_settled(rows, timeout=SETTLE_TIMEOUT), workers[0].log()
                time.sleep(3)  # more beat ticks: nothing to hand over again
        finally:
            for worker in workers:
                worker_stop(worker)
        result = tally(scenario, server.handler, rows)
    assert sum(handed) <= count  # each row handed over by at most one of the four
    assert result.once == count
    result.assert_exactly_once()


def test_two_beats_and_four_concurrent_sweeps(make_client, worker_queue, tmp_path):
    beats_and_sweeps(count=40, make_client=make_client, worker_queue=worker_queue,
                     tmp_path=tmp_path, scenario="two beats + four sweeps, 40 rows")


@pytest.mark.faults
def test_two_beats_and_four_concurrent_sweeps_many_batches(make_client, worker_queue,
                                                           tmp_path):
    beats_and_sweeps(count=300, make_client=make_client, worker_queue=worker_queue,
                     tmp_path=tmp_path, scenario="two beats + four sweeps, 300 rows")


# --- a worker whose clock is five minutes off ----------------------------------------------------


@pytest.mark.parametrize("offset", [+300, -300], ids=["ahead", "behind"])
def test_a_worker_five_minutes_off_sends_what_is_due_by_the_database(offset, make_client,
                                                                     worker_queue, tmp_path):
    now_person, later_person = clients(make_client, 2, prefix=f"skew{offset}-")
    due_now = notification_schedule(recipient=now_person, kind=Kind.WELCOME,
                                    dedupe_key=f"skew-now:{offset}",
                                    due_at=timezone.now() - timedelta(seconds=1))
    later = notification_schedule(recipient=later_person, kind=Kind.WELCOME,
                                  dedupe_key=f"skew-later:{offset}",
                                  due_at=timezone.now() + timedelta(seconds=120))
    # The kick is lost: only a sweep by the skewed worker's own beat can hand the row over.
    Notification.objects.filter(pk=due_now.pk).update(enqueued_at=None)
    with smtp_server() as server:
        worker = worker_start(queue=worker_queue, smtp_port=server.port, var_dir=tmp_path,
                              settings=settings, clock_offset=offset, beat=True,
                              extra_env={"TANDEM_SWEEP_INTERVAL_SECONDS": "2"})
        try:
            assert wait_until_settled([due_now], timeout=SETTLE_TIMEOUT), worker.log()
            time.sleep(5)  # two more sweeps by the skewed worker
        finally:
            worker_stop(worker)
        result = tally(f"worker clock {offset:+d} s", server.handler, [due_now])
    later.refresh_from_db()
    assert (later.status, later.enqueued_at) == (Status.PENDING, None)  # not due by the database
    assert server.handler.messages_to(later_person.email) == []
    from notifications.models import SweepHeartbeat

    beat = SweepHeartbeat.objects.get(name="notifications.sweep")
    assert abs((beat.last_finished_at - timezone.now()).total_seconds()) < 60
    assert result.once == 1
    result.assert_exactly_once()


# --- the planner and the sweep in the same tick --------------------------------------------------


def test_planner_and_sweep_in_the_same_tick_cancel_nothing(make_client, worker_queue,
                                                           tmp_path):
    people = clients(make_client, 10, prefix="tick", service_lines="coaching")
    goals = [coaching_goal_due_in(person, 3) for person in people]
    rows = [reminders_of(goal)[0] for goal in goals]
    # One of them meets a 451 and waits for its retry while the planner runs.
    handler = ScriptedHandler({people[0].email: ["451"]})
    time.sleep(3.5)
    with smtp_server(handler) as server:
        worker = worker_start(queue=worker_queue, smtp_port=server.port, var_dir=tmp_path,
                              settings=settings, extra_env={
                                  "TANDEM_NOTIFICATIONS_FIRST_RETRY_SECONDS": "4"})
        try:
            assert sweep_due()["enqueued"] == len(rows)
            # The same tick: the safety net, and every event that plans a reminder.
            check_in_reminders_plan_missing()
            for goal in goals:
                check_in_reminder_plan(goal=goal)
            goal_update(goal=goals[1], by=people[1], title="Walk further")
            assert wait_for(lambda: Notification.objects.filter(
                pk=rows[0].pk, attempts=1, status=Status.PENDING).exists(), timeout=30)
            for goal in goals:  # and again while the first one waits for its retry
                check_in_reminder_plan(goal=goal)
            assert wait_until_settled(rows, timeout=SETTLE_TIMEOUT), worker.log()
            time.sleep(1)
        finally:
            worker_stop(worker)
        result = tally("planner and sweep in the same tick", handler, rows)
    assert result.once == len(rows)
    for goal in goals:  # each goal has its next reminder planned, for tomorrow
        assert sum(row.status == Status.PENDING for row in reminders_of(goal)) == 1
    result.assert_exactly_once()


# --- an appointment moved away and back ----------------------------------------------------------


def test_an_appointment_moved_away_and_back_gets_its_reminders(make_client, clinician,
                                                               worker_queue, tmp_path):
    person = make_client(email="mover@example.com", full_name="Morgan Mover",
                         clinician=clinician, service_lines="therapy")
    _consent(person, "therapy")
    consult = _bookable_type()
    first = (timezone.now() + timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    appointment = appointment_book(client=person, clinician=clinician, service_type=consult,
                                   start=first, by=clinician)
    appointment_reschedule(appointment=appointment, start=first + timedelta(days=1),
                           by=clinician)
    appointment_reschedule(appointment=appointment, start=first, by=clinician)
    reminders = list(Notification.objects.filter(kind=Kind.APPOINTMENT_REMINDER,
                                                 recipient=person).order_by("pk"))
    final = [row for row in reminders if row.status == Status.PENDING]
    assert len(final) == len(consult.reminder_hours) >= 1
    assert all(":v2:" in row.dedupe_key for row in final)
    assert all(row.context["start_at"] == first.isoformat() for row in final)
    # Their moments come (as if the days passed): the sweep hands them to the worker.
    Notification.objects.filter(pk__in=[row.pk for row in final]).update(
        due_at=timezone.now() - timedelta(seconds=1))
    with smtp_server() as server:
        worker = worker_start(queue=worker_queue, smtp_port=server.port, var_dir=tmp_path,
                              settings=settings)
        try:
            assert sweep_due()["enqueued"] >= len(final)
            assert wait_until_settled(final, timeout=SETTLE_TIMEOUT), worker.log()
            time.sleep(1)
        finally:
            worker_stop(worker)
        result = tally("appointment moved away and back", server.handler, reminders)
    assert result.once == len(final)
    assert all(b"Subject:" in message for message in server.handler.messages_to(person.email))
    result.assert_exactly_once()


# --- one check-in email per person under concurrent claims ---------------------------------------


def test_merged_emails_under_concurrent_claims(make_client, worker_queue, tmp_path):
    people = clients(make_client, 5, prefix="merge", service_lines="coaching")
    goals = [coaching_goal_due_in(person, 3, title=f"Goal {n}")
             for person in people for n in range(3)]
    rows = [reminders_of(goal)[0] for goal in goals]
    time.sleep(3.5)
    with smtp_server() as server:
        workers = [worker_start(queue=worker_queue, smtp_port=server.port, var_dir=tmp_path,
                                settings=settings, name=f"merger{n}") for n in range(3)]
        try:
            # Every row handed over twice (a kick and a sweep, say), to three workers at once.
            for _ in range(2):
                for row in rows:
                    deliver.delay(row.pk)
            assert wait_until_settled(rows, timeout=SETTLE_TIMEOUT), workers[0].log()
            time.sleep(2)
        finally:
            for worker in workers:
                worker_stop(worker)
        result = tally("merged emails under concurrent claims", server.handler, rows)
        for person in people:
            assert len(server.handler.messages_to(person.email)) == 1
    assert (result.once, result.merged) == (len(people), 2 * len(people))
    # The planner never revives a merged row: each goal plans its next day instead.
    for goal in goals:
        check_in_reminder_plan(goal=goal)
    assert Notification.objects.filter(pk__in=[row.pk for row in rows],
                                       status=Status.PENDING).count() == 0
    result.assert_exactly_once()


# --- a risk alert whose hand-off is lost reaches the clinician within a minute ------------------


def risk_alert_latency(*, make_client, clinician, worker_queue, tmp_path, lose: str) -> float:
    person = make_client(email="at.risk@example.com", full_name="Quinn Foster",
                         clinician=clinician, service_lines="therapy")
    from screening.tests.conftest import answers

    with smtp_server() as server:
        # Beat runs inside the worker at the production interval (settings.OUTBOX_SWEEP_INTERVAL).
        worker = worker_start(queue=worker_queue, smtp_port=server.port, var_dir=tmp_path,
                              settings=settings, beat=True)
        try:
            time.sleep(1)
            lost_publish = (broker_at(DEAD_BROKER) if lose == "broker down"
                            else publishing_to(f"{worker_queue}-nobody-listens"))
            opened = time.monotonic()
            with lost_publish:
                screening_submit(client=person, instrument="phq9",
                                 answers=answers("phq9", item9=1))
            [alert] = Notification.objects.filter(kind=Kind.RISK_ALERT)
            assert wait_for(lambda: server.handler.messages_to(clinician.email), timeout=75,
                            interval=0.2), worker.log()
            latency = time.monotonic() - opened
            assert wait_until_settled([alert], timeout=10)
            time.sleep(1)
        finally:
            worker_stop(worker)
        result = tally(f"risk alert, publish lost ({lose}): {latency:.1f} s", server.handler,
                       [alert])
    assert latency < 60, f"the alert took {latency:.1f} s"
    result.assert_exactly_once()
    return latency


def test_a_risk_alert_reaches_the_clinician_within_a_minute_when_the_broker_was_down(
        make_client, clinician, worker_queue, tmp_path):
    risk_alert_latency(make_client=make_client, clinician=clinician, worker_queue=worker_queue,
                       tmp_path=tmp_path, lose="broker down")


@pytest.mark.faults
def test_a_risk_alert_reaches_the_clinician_within_a_minute_when_its_message_was_lost(
        make_client, clinician, worker_queue, tmp_path):
    risk_alert_latency(make_client=make_client, clinician=clinician, worker_queue=worker_queue,
                       tmp_path=tmp_path, lose="message lost")
