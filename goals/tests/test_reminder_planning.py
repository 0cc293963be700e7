"""The check-in reminder planner (issue 11): planned when something changes, never touching a
row that is due, handed over, being sent or retrying; a safety net of constant queries."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from goals.services import (
    check_in_reminder_plan,
    check_in_reminders_plan_missing,
    goal_create,
    goal_set_status,
    goal_update,
)
from notifications import keys
from notifications.models import Notification

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)  # 07:00 in New York
Status = Notification.Status


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def daily_goal(client, **fields):
    values = {"title": "Run a 10k", "metric": "distance", "unit": "km",
              "baseline": Decimal("2"), "target": Decimal("10"), "direction": "up",
              "cadence": "daily", "check_in_time": time(18, 0)} | fields
    return goal_create(client=client, service_line="coaching", created_by=client, **values)


def rows_of(goal):
    return list(Notification.objects.filter(scope=str(keys.goal_scope(goal.public_id)))
                .order_by("pk"))


def test_a_handed_over_or_retrying_row_is_never_touched_by_the_planner(client_user):
    goal = daily_goal(client_user)
    [today] = rows_of(goal)
    # Handed to the broker (a sweep claimed it), then the client edits the goal's time.
    Notification.objects.filter(pk=today.pk).update(enqueued_at=MONDAY)
    goal_update(goal=goal, by=client_user, check_in_time=time(19, 0))
    today.refresh_from_db()
    assert (today.status, today.due_at) == (Status.PENDING,
                                            datetime(2027, 3, 1, 18, 0, tzinfo=NEW_YORK))
    # Waiting for a retry after an SMTP error: attempts made, its countdown in enqueued_at.
    Notification.objects.filter(pk=today.pk).update(attempts=1, enqueued_at=None)
    check_in_reminder_plan(goal=goal)
    check_in_reminders_plan_missing()
    today.refresh_from_db()
    assert today.status == Status.PENDING
    # The next day is planned beside it, at the new time; nothing was cancelled.
    pending = [row for row in rows_of(goal) if row.status == Status.PENDING]
    assert [row.due_at for row in pending] == [
        datetime(2027, 3, 1, 18, 0, tzinfo=NEW_YORK), datetime(2027, 3, 2, 19, 0, tzinfo=NEW_YORK)]


def test_a_due_row_is_left_alone_even_if_nobody_handed_it_over(client_user):
    goal = daily_goal(client_user)
    [today] = rows_of(goal)
    with time_machine.travel(datetime(2027, 3, 1, 18, 0, 5, tzinfo=NEW_YORK), tick=False):
        goal_update(goal=goal, by=client_user, check_in_time=time(20, 0))
    today.refresh_from_db()
    assert (today.status, today.due_at) == (Status.PENDING,
                                            datetime(2027, 3, 1, 18, 0, tzinfo=NEW_YORK))


def test_a_time_moved_away_and_back_plans_a_new_row_for_the_final_time(client_user):
    goal = daily_goal(client_user)
    goal_update(goal=goal, by=client_user, check_in_time=time(19, 0))
    # Untouched rows are moved, not replaced: still one row.
    [row] = rows_of(goal)
    assert row.due_at == datetime(2027, 3, 1, 19, 0, tzinfo=NEW_YORK)
    goal_set_status(goal=goal, status="paused", by=client_user)
    goal_set_status(goal=goal, status="active", by=client_user)
    goal_update(goal=goal, by=client_user, check_in_time=time(18, 0))
    rows = rows_of(goal)
    assert [(r.status, r.dedupe_key.rsplit(":", 1)[1]) for r in rows] == [
        (Status.CANCELLED, "1"), (Status.PENDING, "2")]
    assert rows[1].due_at == datetime(2027, 3, 1, 18, 0, tzinfo=NEW_YORK)


def test_a_merged_reminder_is_never_revived(client_user):
    first, second = daily_goal(client_user), daily_goal(client_user, title="Read")
    [sent] = rows_of(first)
    [merged] = rows_of(second)
    Notification.objects.filter(pk=sent.pk).update(status=Status.SENT, sent_at=MONDAY,
                                                   message_id="<a@b>")
    Notification.objects.filter(pk=merged.pk).update(status=Status.CANCELLED, merged_into=sent)
    check_in_reminder_plan(goal=second)
    check_in_reminders_plan_missing()
    merged.refresh_from_db()
    assert merged.status == Status.CANCELLED
    [tomorrow] = [row for row in rows_of(second) if row.status == Status.PENDING]
    assert tomorrow.due_at == datetime(2027, 3, 2, 18, 0, tzinfo=NEW_YORK)


def test_an_inactive_goal_closes_its_failed_and_needs_review_reminders(client_user):
    goal = daily_goal(client_user)
    [row] = rows_of(goal)
    Notification.objects.filter(pk=row.pk).update(status=Status.NEEDS_REVIEW,
                                                  last_error="no reply")
    goal_set_status(goal=goal, status="dropped", by=client_user)
    row.refresh_from_db()
    assert row.status == Status.CANCELLED
    assert "no reply" in row.last_error and "not active" in row.last_error


def _practice(make_client, size: int):
    goals = []
    for number in range(size):
        client = make_client(email=f"planned{size}-{number}@example.com",
                             service_lines="coaching")
        goals.append(daily_goal(client, check_in_time=time(18, number % 60)))
    # Their reminders went out: every goal now needs the next one.
    Notification.objects.filter(kind="check_in_reminder").update(status=Status.SENT,
                                                                 sent_at=MONDAY)
    return goals


@pytest.mark.parametrize("size", [3, 15])
def test_the_safety_net_costs_the_same_queries_at_any_size(make_client, size,
                                                           django_assert_num_queries):
    goals = _practice(make_client, size)
    # 1. active goals with no pending or sending reminder (with client and preferences)
    # 2. their recent check-ins  3. their outbox rows  4. one INSERT of every new row
    with django_assert_num_queries(4):
        assert check_in_reminders_plan_missing() == size
    with django_assert_num_queries(1):  # nothing missing: one query
        assert check_in_reminders_plan_missing() == 0
    for goal in goals:
        [tomorrow] = [row for row in rows_of(goal) if row.status == Status.PENDING]
        assert tomorrow.due_at.astimezone(NEW_YORK).date().isoformat() == "2027-03-02"
        assert tomorrow.context["period"] == "2027-03-02"
        # The event planner agrees with the safety net: nothing to change.
        assert check_in_reminder_plan(goal=goal).pk == tomorrow.pk


def test_the_beat_schedule_has_no_short_expiry():
    from django.conf import settings

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert "expires" not in entry.get("options", {})
    assert settings.OUTBOX_SWEEP_INTERVAL <= 30  # a lost risk alert goes again within a minute


def test_planning_twice_at_once_makes_one_row(client_user):
    goal = daily_goal(client_user)
    Notification.objects.all().delete()
    check_in_reminders_plan_missing()
    check_in_reminder_plan(goal=goal)
    assert len([r for r in rows_of(goal) if r.status == Status.PENDING]) == 1
    assert timedelta(0) < rows_of(goal)[0].due_at - MONDAY < timedelta(days=1)
