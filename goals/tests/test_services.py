"""Goals, check-ins and their reminders: the rules of the services."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from goals.cadence import period_dates, period_of, reminder_at
from goals.models import CheckIn, Goal
from goals.selectors import goal_progress, goals_for_client
from goals.services import (
    check_in_record,
    comment_add,
    goal_approve,
    goal_create,
    goal_set_status,
    goals_last_check_in_refresh,
    reminders_pause,
)
from notifications.models import Notification
from screening.tests.conftest import answers

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)  # 07:00 in New York


def coaching_goal(client, by=None, **fields) -> Goal:
    defaults = {"title": "Run a 10k", "why": "Energy", "metric": "distance", "unit": "km",
                "baseline": Decimal("2"), "target": Decimal("10"), "direction": "up",
                "cadence": "daily", "check_in_time": time(18, 0)}
    return goal_create(client=client, service_line="coaching", created_by=by or client,
                       **(defaults | fields))


def pending_reminders(client):
    return Notification.objects.filter(recipient=client, kind="check_in_reminder",
                                       status="pending")


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


# --- cadence ----------------------------------------------------------------------------------

@pytest.mark.parametrize("cadence, weekday, expected", [
    ("daily", None, ["01", "02", "03", "04", "05", "06", "07", "08"]),
    ("weekdays", None, ["01", "02", "03", "04", "05", "08"]),
    ("weekly", 2, ["03"]),
    ("fortnightly", 0, ["01"]),
    ("monthly", None, ["01"]),
])
def test_period_dates(client_user, cadence, weekday, expected):
    goal = coaching_goal(client_user, cadence=cadence, cadence_weekday=weekday)
    days = [d.strftime("%d") for d in period_dates(goal, date(2027, 3, 1), date(2027, 3, 8))]
    assert days == expected
    if cadence == "fortnightly":
        assert date(2027, 3, 15) in period_dates(goal, date(2027, 3, 9), date(2027, 3, 31))
        assert date(2027, 3, 8) not in period_dates(goal, date(2027, 3, 2), date(2027, 3, 31))
    if cadence == "monthly":
        assert list(period_dates(goal, date(2027, 3, 2), date(2027, 4, 30))) == [
            date(2027, 4, 1)]


def test_period_of_a_day(client_user):
    goal = coaching_goal(client_user, cadence="weekly", cadence_weekday=2)  # Wednesdays
    assert period_of(goal, date(2027, 3, 9)) == date(2027, 3, 3)   # Tuesday -> last Wednesday
    assert period_of(goal, date(2027, 3, 10)) == date(2027, 3, 10)
    assert period_of(goal, date(2027, 3, 1)) == date(2027, 3, 3)   # before the first: the first


@pytest.mark.parametrize("wall, expected", [
    (time(18, 0), datetime(2027, 3, 2, 18, 0)),
    (time(6, 30), datetime(2027, 3, 2, 8, 0)),    # before quiet hours end: at 8:00
    (time(22, 15), datetime(2027, 3, 3, 8, 0)),   # after they start: the next morning
    (time(21, 0), datetime(2027, 3, 3, 8, 0)),
    (time(8, 0), datetime(2027, 3, 2, 8, 0)),
])
def test_reminders_keep_out_of_quiet_hours(client_user, wall, expected):
    goal = coaching_goal(client_user, check_in_time=wall)
    due = reminder_at(goal, date(2027, 3, 2), zone=NEW_YORK, quiet_start=time(21),
                      quiet_end=time(8))
    assert due == expected.replace(tzinfo=NEW_YORK)


# --- goals ------------------------------------------------------------------------------------

def test_coaching_goals_are_measurable(client_user):
    with pytest.raises(ValidationError) as error:
        goal_create(client=client_user, service_line="coaching", created_by=client_user,
                    title="Be better", cadence="daily")
    assert {"metric", "baseline", "target", "direction"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        coaching_goal(client_user, direction="down")
    assert "direction" in error.value.message_dict
    assert not Goal.objects.exists()
    # A weekly goal without a day checks in on the day it was set.
    goal = coaching_goal(client_user, cadence="weekly", cadence_weekday=None)
    assert goal.cadence_weekday == goal.anchor_date.weekday()


def test_goals_only_in_the_clients_lines_and_by_them_or_their_clinician(
        make_client, clinician, other_clinician):
    coach_only = make_client(clinician=clinician, service_lines="coaching")
    with pytest.raises(ValidationError):
        goal_create(client=coach_only, service_line="therapy", created_by=clinician,
                    title="Sleep better", skills="Wind-down routine", cadence="daily")
    with pytest.raises(ValidationError):
        coaching_goal(coach_only, by=other_clinician)
    goal = coaching_goal(coach_only, by=clinician)
    assert goal.created_by == clinician


def test_therapy_goals_the_client_suggests_wait_for_approval(client_user, clinician):
    suggested = goal_create(client=client_user, service_line="therapy", created_by=client_user,
                            title="Worry less at night", skills="Worry time",
                            practice_frequency="daily", cadence="daily")
    assert suggested.needs_approval
    assert not pending_reminders(client_user).exists()
    with pytest.raises(ValidationError):
        check_in_record(goal=suggested, by=client_user, practice_count=1)
    with pytest.raises(ValidationError):
        goal_approve(goal=suggested, by=client_user)
    goal_approve(goal=suggested, by=clinician)
    assert pending_reminders(client_user).count() == 1
    set_by_clinician = goal_create(client=client_user, service_line="therapy",
                                   created_by=clinician, title="Breathe", skills="Box breathing",
                                   cadence="daily")
    assert not set_by_clinician.needs_approval


# --- check-ins --------------------------------------------------------------------------------

def test_check_ins_record_the_right_fields(client_user, clinician):
    coaching = coaching_goal(client_user)
    with pytest.raises(ValidationError) as error:
        check_in_record(goal=coaching, by=client_user, confidence=11)
    assert set(error.value.message_dict) == {"value", "confidence"}
    entry = check_in_record(goal=coaching, by=client_user, value=Decimal("4"), confidence=7,
                            note=" felt good ")
    assert (entry.value, entry.confidence, entry.note, entry.period) == (
        Decimal("4"), 7, "felt good", date(2027, 3, 1))
    therapy = goal_create(client=client_user, service_line="therapy", created_by=clinician,
                          title="Breathe", skills="Box breathing", cadence="daily")
    with pytest.raises(ValidationError):
        check_in_record(goal=therapy, by=client_user, rating=5)
    entry = check_in_record(goal=therapy, by=client_user, practice_count=3, rating=6)
    assert (entry.practice_count, entry.rating, entry.value) == (3, 6, None)


def test_the_goal_keeps_the_period_of_its_newest_check_in(client_user):
    """What the needs-attention rule reads instead of a subquery per goal (issue 15)."""
    goal = coaching_goal(client_user)
    other = coaching_goal(client_user, title="Sleep")
    assert goal.last_check_in_period is None
    check_in_record(goal=goal, by=client_user, value=Decimal("3"))
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        check_in_record(goal=goal, by=client_user, value=Decimal("4"))
    goal.refresh_from_db()
    other.refresh_from_db()
    assert (goal.last_check_in_period, other.last_check_in_period) == (date(2027, 3, 3), None)
    # The refresh (the migration's backfill, the large seed) gives the same from the check-ins.
    Goal.objects.update(last_check_in_period=None)
    assert goals_last_check_in_refresh(goals=Goal.objects.filter(client=client_user)) == 2
    assert list(Goal.objects.filter(client=client_user).order_by("pk")
                .values_list("last_check_in_period", flat=True)) == [date(2027, 3, 3), None]


def test_weekly_who5_with_a_coaching_check_in(client_user):
    goal = coaching_goal(client_user)
    first = check_in_record(goal=goal, by=client_user, value=Decimal(3),
                            who5_answers=answers("who5", item1=4, item2=4, item3=4))
    assert first.who5.instrument == "who5"
    with pytest.raises(ValidationError) as error:
        check_in_record(goal=goal, by=client_user, value=Decimal(4),
                        who5_answers=answers("who5"))
    assert "who5" in error.value.message_dict
    with time_machine.travel(MONDAY + timedelta(days=7, minutes=1), tick=False):
        later = check_in_record(goal=goal, by=client_user, value=Decimal(5),
                                who5_answers=answers("who5"))
    assert "who5_drop" in later.who5.flags  # 48% -> 0%


def test_progress_streak_and_missed(client_user):
    goal = coaching_goal(client_user)  # daily at 18:00 New York, from Monday 1 March
    for day, value in ((1, "3"), (2, "4"), (4, "6"), (5, "8")):
        with time_machine.travel(datetime(2027, 3, day, 20, 0, tzinfo=UTC), tick=False):
            check_in_record(goal=goal, by=client_user, value=Decimal(value))
    with time_machine.travel(datetime(2027, 3, 8, 23, 30, tzinfo=UTC), tick=False):
        [goal] = goals_for_client(client=client_user)
        progress = goal_progress(goal)
    # Checked in on the 1st, 2nd, 4th and 5th; missed the 3rd, 6th, 7th and (after 18:00) 8th.
    assert progress.latest_value == Decimal("8")
    assert progress.percent == 75  # 2 -> 10, at 8
    assert (progress.streak, progress.missed, progress.missed_in_a_row) == (0, 4, 3)


def test_comments_notify_the_client_without_saying_what(client_user, clinician, stranger):
    goal = coaching_goal(client_user)
    with pytest.raises(ValidationError):
        comment_add(goal=goal, author=client_user, text="Self-praise")
    comment = comment_add(goal=goal, author=clinician, text="Great progress on the 10k!")
    note = Notification.objects.get(kind="goal_comment")
    assert note.recipient == client_user and note.context == {}
    assert comment.text == "Great progress on the 10k!"


# --- reminders --------------------------------------------------------------------------------

def test_a_goal_has_one_pending_reminder_for_its_next_check_in_day(client_user):
    goal = coaching_goal(client_user)  # daily at 18:00 New York
    [reminder] = pending_reminders(client_user)
    assert reminder.due_at == datetime(2027, 3, 1, 18, 0, tzinfo=NEW_YORK)
    # Checking in for today cancels today's reminder and plans tomorrow's.
    check_in_record(goal=goal, by=client_user, value=Decimal(3))
    [reminder] = pending_reminders(client_user)
    assert reminder.due_at == datetime(2027, 3, 2, 18, 0, tzinfo=NEW_YORK)
    assert Notification.objects.filter(kind="check_in_reminder", status="cancelled").count() == 1


def test_reminders_keep_local_time_across_dst(client_user):
    # New York moves its clocks on Sunday 14 March 2027: 18:00 is 23:00 UTC before, 22:00 after.
    goal = coaching_goal(client_user)
    dues = []
    for day in (12, 13, 14, 15):
        with time_machine.travel(datetime(2027, 3, day, 12, 0, tzinfo=UTC), tick=False):
            from goals.services import check_in_reminder_plan

            dues.append(check_in_reminder_plan(goal=goal).due_at)
    assert [d.astimezone(NEW_YORK).strftime("%d %H:%M") for d in dues] == [
        "12 18:00", "13 18:00", "14 18:00", "15 18:00"]
    assert [d.astimezone(UTC).hour for d in dues] == [23, 23, 22, 22]


def test_pause_and_resume(client_user):
    goal = coaching_goal(client_user)
    reminders_pause(client=client_user, until=date(2027, 3, 8))
    [reminder] = pending_reminders(client_user)
    assert reminder.due_at == datetime(2027, 3, 8, 18, 0, tzinfo=NEW_YORK)
    reminders_pause(client=client_user, until=None)
    [reminder] = pending_reminders(client_user)
    assert reminder.due_at == datetime(2027, 3, 1, 18, 0, tzinfo=NEW_YORK)
    goal_set_status(goal=goal, status="paused", by=client_user)
    assert not pending_reminders(client_user).exists()


def test_several_goals_due_together_make_one_email(client_user, mailoutbox):
    from notifications.services import notification_deliver

    coaching_goal(client_user, title="Run")
    coaching_goal(client_user, title="Read", metric="pages", unit="pages")
    rows = list(pending_reminders(client_user))
    assert len(rows) == 2
    with time_machine.travel(datetime(2027, 3, 1, 18, 0, 30, tzinfo=NEW_YORK), tick=False):
        outcomes = [notification_deliver(notification_id=row.pk).status for row in rows]
    assert outcomes == ["sent", "skipped"]
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "Time for your check-in"


def test_beat_plans_the_next_reminder_after_one_went_out(client_user):
    from goals.tasks import plan_check_in_reminders

    coaching_goal(client_user)
    [today] = pending_reminders(client_user)
    Notification.objects.filter(pk=today.pk).update(status="sent", sent_at=today.due_at)
    with time_machine.travel(datetime(2027, 3, 1, 23, 30, tzinfo=UTC), tick=False):
        assert plan_check_in_reminders() == 1
        assert plan_check_in_reminders() == 0  # twice: still one pending row
    [tomorrow] = pending_reminders(client_user)
    assert tomorrow.due_at == datetime(2027, 3, 2, 18, 0, tzinfo=NEW_YORK)


def test_beat_schedule_runs_the_planner():
    from django.conf import settings

    schedule = settings.CELERY_BEAT_SCHEDULE["goals-plan-check-in-reminders"]
    assert schedule["task"] == "goals.tasks.plan_check_in_reminders"
    assert schedule["schedule"] == 300.0
    assert "expires" not in schedule.get("options", {})


def test_several_check_ins_are_saved_together_or_not_at_all(client_user, clinician):
    from goals.services import CheckInsRefused, check_ins_record_many

    run = coaching_goal(client_user)
    other = coaching_goal(client_user, title="Read", metric="pages", unit="pages")
    with pytest.raises(CheckInsRefused) as refused:
        check_ins_record_many(by=client_user, entries=[
            (run, {"value": Decimal("5")}), (other, {})])  # the second has no value
    assert set(refused.value.errors) == {other.pk}
    assert not CheckIn.objects.exists()
    saved = check_ins_record_many(by=client_user, entries=[
        (run, {"value": Decimal("5")}), (other, {"value": Decimal("12")})])
    assert [entry.goal for entry in saved] == [run, other]
