"""Writes of the goals app: goals, steps, check-ins, comments, and the check-in reminders.

Reminders are outbox rows (rule 6), planned when something changes them, in that transaction:
each active goal has one planned reminder, for its next check-in day, at the client's local time
outside quiet hours and not while reminders are paused. A check-in for that period withdraws it
and plans the next. Beat's safety net (``check_in_reminders_plan_missing``) plans for goals whose
reminder went out, in a constant number of queries. Emails name no goal, metric or service line
(rule 7).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat, Replace
from django.utils import timezone

from clients.access import clinician_is_assigned
from clients.models import User
from goals.cadence import SEARCH_DAYS, period_dates, period_of, reminder_at
from goals.models import (
    ActionStep,
    CheckIn,
    Comment,
    Goal,
    GoalStatus,
    ReminderPreference,
    ServiceLine,
)
from goals.selectors import who5_answered_recently
from notifications import keys
from notifications.clock import outbox_now
from notifications.models import Notification
from notifications.selectors import notification_rows_for_planner, notifications_live_in_scope
from notifications.services import (
    notification_move,
    notification_schedule,
    notification_withdraw,
    notifications_cancel,
    notifications_plan_many,
)
from portal.lib.limits import PRACTICE_COUNT_MAX, TEXT_LONG
from screening.services import screening_submit

GOAL_FIELDS = {"title", "why", "metric", "unit", "baseline", "target", "direction", "due_date",
               "skills", "practice_frequency", "cadence", "cadence_weekday", "check_in_time"}
# What a clinician approves in a therapy goal; a client's change to one of them asks again.
APPROVED_CONTENT_FIELDS = ("title", "why", "skills", "practice_frequency")
# Coaching clients may add a WHO-5 to a check-in once a week.
WHO5_INTERVAL = timedelta(days=7)
CHECK_IN = Notification.Kind.CHECK_IN_REMINDER
Status = Notification.Status
# The safety net plans at most this many goals a run (beat runs it every few minutes).
PLAN_MISSING_LIMIT = 5000


# --- who may do what --------------------------------------------------------------------------

def _is_their_clinician(user: User, client: User) -> bool:
    return clinician_is_assigned(clinician=user, client=client)


def _require_client_or_clinician(goal_client: User, by: User) -> None:
    if by != goal_client and not _is_their_clinician(by, goal_client):
        raise ValidationError("Only the client and their clinician can change this goal.")


def _client_has_line(client: User, line: str) -> bool:
    profile = client.client_profile
    return profile.has_therapy if line == ServiceLine.THERAPY else profile.has_coaching


# --- goals ------------------------------------------------------------------------------------

@transaction.atomic
def goal_create(*, client: User, service_line: str, created_by: User, **fields) -> Goal:
    """A new goal in one service line. Either the client or their clinician sets a coaching
    goal; a therapy goal the client proposes waits for the clinician's approval (no reminders
    until then); one the clinician sets is approved at once."""
    unknown = set(fields) - GOAL_FIELDS
    if unknown:
        raise TypeError(f"unknown goal fields: {', '.join(sorted(unknown))}")
    if not client.is_client:
        raise ValidationError("Goals belong to clients.")
    _require_client_or_clinician(client, created_by)
    if service_line not in ServiceLine.values:
        raise ValidationError({"service_line": "Choose therapy or coaching."})
    if not _client_has_line(client, service_line):
        raise ValidationError({"service_line": "This client does not use that service line."})
    now = timezone.now()
    goal = Goal(client=client, service_line=service_line, created_by=created_by,
                anchor_date=timezone.localdate(now, timezone=client.zone), **fields)
    if service_line == ServiceLine.THERAPY and created_by.is_clinician:
        goal.approved_at, goal.approved_by = now, created_by
    goal.full_clean()
    goal.save()
    check_in_reminder_plan(goal=goal)
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, by: User, **fields) -> Goal:
    """Change a goal. A client who changes what an approved therapy goal says (its words, why,
    skills, how often) sends it back to "suggested": the approval was of the old words, and a
    treatment-plan goal the clinician did not agree to must not count as approved. What changed
    is kept for the clinician (``changes_since_approval``) until they approve again. Refusing
    the edit instead would stop a client correcting their own words. The check-in schedule is
    the client's to change and keeps the approval."""
    unknown = set(fields) - GOAL_FIELDS
    if unknown:
        raise TypeError(f"unknown goal fields: {', '.join(sorted(unknown))}")
    _require_client_or_clinician(goal.client, by)
    before = {name: getattr(goal, name) for name in APPROVED_CONTENT_FIELDS}
    original = {name: getattr(goal, name) for name in fields}
    for name, value in fields.items():
        setattr(goal, name, value)
    try:
        goal.full_clean()
    except ValidationError:
        # A refused change leaves the caller's goal as it was (a page re-rendered with the
        # errors, or a later call, must not see the refused values as the goal's own).
        for name, value in original.items():
            setattr(goal, name, value)
        raise
    changed = {name for name in APPROVED_CONTENT_FIELDS if getattr(goal, name) != before[name]}
    if (changed and by == goal.client and goal.service_line == ServiceLine.THERAPY
            and (goal.approved_at is not None or goal.changes_since_approval)):
        changes = dict(goal.changes_since_approval)
        for name in changed:
            was = changes.get(name, {}).get("was", before[name])
            changes[name] = {"was": was, "now": getattr(goal, name)}
        goal.changes_since_approval = {name: change for name, change in changes.items()
                                       if change["was"] != change["now"]}
        goal.approved_at, goal.approved_by = None, None
    goal.save()
    check_in_reminder_plan(goal=goal)
    return goal


@transaction.atomic
def goal_approve(*, goal: Goal, by: User) -> Goal:
    if not _is_their_clinician(by, goal.client):
        raise ValidationError("The client's clinician approves therapy goals.")
    if goal.approved_at is None:
        goal.approved_at, goal.approved_by = timezone.now(), by
        goal.changes_since_approval = {}
        goal.save(update_fields=["approved_at", "approved_by", "changes_since_approval",
                                 "updated_at"])
    check_in_reminder_plan(goal=goal)
    return goal


@transaction.atomic
def goal_set_status(*, goal: Goal, status: str, by: User) -> Goal:
    _require_client_or_clinician(goal.client, by)
    if status not in GoalStatus.values:
        raise ValidationError({"status": "Choose one of the statuses."})
    goal.status = status
    goal.save(update_fields=["status", "updated_at"])
    check_in_reminder_plan(goal=goal)
    return goal


def action_step_add(*, goal: Goal, by: User, text: str, due_date: date | None = None
                    ) -> ActionStep:
    _require_client_or_clinician(goal.client, by)
    text = " ".join(text.split())
    if not text:
        raise ValidationError({"text": "Describe the step."})
    if "\x00" in text:
        raise ValidationError({"text": "The step holds a character that cannot be stored."})
    return ActionStep.objects.create(goal=goal, text=text[:200], due_date=due_date)


def action_step_set_done(*, step: ActionStep, by: User, done: bool) -> ActionStep:
    _require_client_or_clinician(step.goal.client, by)
    step.done_at = timezone.now() if done else None
    step.save(update_fields=["done_at"])
    return step


# --- check-ins --------------------------------------------------------------------------------

class CheckInsRefused(Exception):
    """Some of the check-ins sent together were refused; none was saved. ``errors`` maps each
    refused goal's pk to its ValidationError (a WHO-5 error sits with the goal it went with)."""

    def __init__(self, errors: dict[int, ValidationError]) -> None:
        super().__init__("Some check-ins were refused.")
        self.errors = errors


def check_ins_record_many(*, by: User, entries: Sequence[tuple[Goal, Mapping[str, Any]]],
                          who5_answers: Mapping[str, int] | None = None) -> list[CheckIn]:
    """Several goals checked in at once (the check-in page): every one is saved or none is.
    ``entries`` are (goal, check_in_record's keyword arguments); the weekly WHO-5 goes with
    the first coaching goal. Raises CheckInsRefused with each refused goal's errors."""
    if who5_answers and not any(goal.is_coaching for goal, _ in entries):
        raise ValidationError("Check in on a coaching goal to send these answers with it.")
    saved: list[CheckIn] = []
    errors: dict[int, ValidationError] = {}
    with transaction.atomic():
        for goal, fields in entries:
            who5 = None
            if who5_answers and goal.is_coaching:
                who5, who5_answers = who5_answers, None
            try:
                saved.append(check_in_record(goal=goal, by=by, who5_answers=who5, **fields))
            except ValidationError as error:
                errors[goal.pk] = error
        if errors:
            raise CheckInsRefused(errors)  # rolls back what was saved before it
    return saved


@transaction.atomic
def check_in_record(*, goal: Goal, by: User, value: Decimal | None = None,
                    confidence: int | None = None, note: str = "",
                    practice_count: int | None = None, rating: int | None = None,
                    who5_answers: Mapping[str, int] | None = None) -> CheckIn:
    """Record a check-in for the period it falls in. Coaching: the metric's value; therapy:
    how often the skill was practised (and a 0–10 rating of how it is going). Confidence 0–10
    and a note for both; coaching clients may add a WHO-5 once a week. Cancels this period's
    reminder and plans the next."""
    _require_client_or_clinician(goal.client, by)
    if goal.status != GoalStatus.ACTIVE:
        raise ValidationError("Check-ins are for active goals.")
    if goal.needs_approval:
        raise ValidationError("This goal is waiting for your clinician's approval.")
    errors = {}
    if goal.is_coaching and value is None:
        errors["value"] = f"Enter your {goal.metric or 'number'} for this check-in."
    if not goal.is_coaching and practice_count is None:
        errors["practice_count"] = "How many times did you practise?"
    for name, number in (("confidence", confidence), ("rating", rating)):
        if number is not None and not 0 <= number <= 10:
            errors[name] = "Choose a number from 0 to 10."
    if practice_count is not None and not 0 <= practice_count <= PRACTICE_COUNT_MAX:
        errors["practice_count"] = f"Enter a count from 0 to {PRACTICE_COUNT_MAX:,}."
    if len(note) > TEXT_LONG:
        errors["note"] = f"Keep the note under {TEXT_LONG:,} characters."
    if "\x00" in note:
        errors["note"] = "The note holds a character we cannot store."
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    who5 = None
    if who5_answers:
        if not goal.is_coaching:
            raise ValidationError({"who5": "The weekly wellbeing check goes with coaching."})
        if who5_answered_recently(client=goal.client, now=now):
            raise ValidationError({"who5": "You answered the wellbeing questions this week."})
        who5 = screening_submit(client=goal.client, instrument="who5", answers=who5_answers)
    with transaction.atomic():
        check_in = CheckIn.objects.create(
            goal=goal, by=by, at=now, period=period_of(goal, timezone.localdate(
                now, timezone=goal.client.zone)),
            value=value if goal.is_coaching else None,
            practice_count=None if goal.is_coaching else practice_count,
            rating=None if goal.is_coaching else rating,
            confidence=confidence, note=note.strip(), who5=who5)
        goals_last_check_in_refresh(goals=Goal.objects.filter(pk=goal.pk))
        goal.last_check_in_period = check_in.period
        check_in_reminder_plan(goal=goal)
    return check_in


def goals_last_check_in_refresh(*, goals: QuerySet[Goal]) -> int:
    """Set each goal's ``last_check_in_period`` to the period of its newest check-in (by time,
    then id), in one UPDATE; returns how many goals. Read from the check-ins themselves, so two
    check-ins at once leave the newest one's period whichever commits last."""
    newest = (CheckIn.objects.filter(goal=OuterRef("pk")).order_by("-at", "-pk")
              .values("period")[:1])
    return goals.update(last_check_in_period=Subquery(newest))


def comment_add(*, goal: Goal, author: User, text: str,
                check_in: CheckIn | None = None) -> Comment:
    """A clinician's comment on a goal or one of its check-ins, shown to the client, who is
    told by email (which says only that there is something new to read)."""
    if not _is_their_clinician(author, goal.client):
        raise ValidationError("The client's clinician comments on goals.")
    if check_in is not None and check_in.goal_id != goal.pk:
        raise ValidationError("That check-in belongs to another goal.")
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the comment."})
    if len(text) > TEXT_LONG or "\x00" in text:
        raise ValidationError({"text": f"Keep the comment under {TEXT_LONG:,} characters, in "
                                       "plain text."})
    with transaction.atomic():
        comment = Comment.objects.create(goal=goal, check_in=check_in, author=author, text=text)
        notification_schedule(recipient=goal.client, kind=Notification.Kind.GOAL_COMMENT,
                              dedupe_key=keys.goal_comment(comment_public_id=comment.public_id),
                              due_at=timezone.now())
    return comment


# --- reminders --------------------------------------------------------------------------------

def reminder_preference_for(client: User) -> ReminderPreference:
    preference, _ = ReminderPreference.objects.get_or_create(client=client)
    return preference


@transaction.atomic
def reminders_pause(*, client: User, until: date | None) -> ReminderPreference:
    """"Remind me again next week": no check-in reminders before ``until`` (None resumes)."""
    preference = reminder_preference_for(client)
    preference.paused_until = until
    preference.save(update_fields=["paused_until"])
    for goal in Goal.objects.filter(client=client, status=GoalStatus.ACTIVE):
        check_in_reminder_plan(goal=goal)
    return preference


@transaction.atomic
def reminder_preference_update(*, client: User, quiet_start: time, quiet_end: time
                               ) -> ReminderPreference:
    """New quiet hours; every active goal's next reminder moves out of them."""
    preference = reminder_preference_for(client)
    preference.quiet_start, preference.quiet_end = quiet_start, quiet_end
    preference.save(update_fields=["quiet_start", "quiet_end"])
    for goal in Goal.objects.filter(client=client, status=GoalStatus.ACTIVE):
        check_in_reminder_plan(goal=goal)
    return preference


def check_in_reminders_replan_for_client(*, client: User) -> None:
    """The client moved to another time zone: each active goal's next reminder is planned again
    at the same local time in the new zone (clients.services.client_settings_update)."""
    for goal in Goal.objects.filter(client=client, status=GoalStatus.ACTIVE):
        check_in_reminder_plan(goal=goal)


@dataclass(frozen=True)
class _ReminderRow:
    """What the planner reads of one outbox row of a goal."""

    pk: int
    period: date | None
    status: str
    due_at: datetime
    untouched: bool  # pending, never handed over or tried, not yet due: the planner may change it
    merged: bool


def _reminder_row(values: tuple, *, now: datetime) -> _ReminderRow:
    pk, _scope, status, due_at, enqueued_at, attempts, context, merged_into_id = values
    period = (context or {}).get("period")
    return _ReminderRow(
        pk=pk, period=date.fromisoformat(period) if period else None, status=status,
        due_at=due_at,
        untouched=(status == Status.PENDING and enqueued_at is None and not attempts
                   and due_at > now),
        merged=merged_into_id is not None)


def _periods_done(rows: list[_ReminderRow]) -> set[date]:
    """Periods whose reminder went out, is going out, merged into another email, or needs a
    person: the planner plans no second one for them."""
    return {row.period for row in rows if row.period and not row.untouched and (
        row.status != Status.CANCELLED or row.merged)}


def _next_reminder(goal: Goal, *, preference: ReminderPreference, checked: set[date],
                   done: set[date], now: datetime) -> tuple[date, datetime] | None:
    """The goal's next check-in day without a check-in or a reminder, whose reminder time is
    still ahead and after any pause: (period, due)."""
    zone = goal.client.zone
    today = timezone.localdate(now, timezone=zone)
    start = max(today - timedelta(days=1), preference.paused_until or today)
    for period in period_dates(goal, start, today + timedelta(days=SEARCH_DAYS)):
        if period in checked or period in done:
            continue
        due = reminder_at(goal, period, zone=zone, quiet_start=preference.quiet_start,
                          quiet_end=preference.quiet_end)
        if due > now:
            return period, due
    return None


def _reminder_wanted(goal: Goal) -> bool:
    return (goal.status == GoalStatus.ACTIVE and not goal.needs_approval
            and goal.client.is_active)


def check_in_reminder_plan(*, goal: Goal) -> Notification | None:
    """Make the goal's planned reminder the right one; call it in the transaction of whatever
    changed it (goal created or edited, check-in recorded, preferences or pause changed).

    It only ever changes rows nobody has touched: a reminder that is due, handed to the
    broker, being sent or waiting for a retry is left as it is (it will go out, or has).
    A goal that is no longer active cancels its reminders outright (its cause is gone), and
    closes the failed or needs-review ones. Idempotent. Returns the planned row, if any."""
    scope = keys.goal_scope(goal.public_id)
    if not _reminder_wanted(goal):
        notifications_cancel(scope=scope, kinds=[CHECK_IN], reason="The goal is not active.")
        return None
    now = outbox_now()
    preference = reminder_preference_for(goal.client)
    checked = set(goal.check_ins.filter(period__gte=now.date() - timedelta(days=2))
                  .values_list("period", flat=True))
    rows = [_reminder_row(values, now=now) for values in notification_rows_for_planner(
        scopes=[str(scope)], kind=CHECK_IN)]
    target = _next_reminder(goal, preference=preference, checked=checked,
                            done=_periods_done(rows), now=now)
    planned: Notification | None = None
    keep: _ReminderRow | None = None
    if target is not None:
        period, due = target
        keep = next((row for row in rows if row.untouched and row.period == period), None)
        if keep is not None:
            if keep.due_at != due:
                notification_move(notification_id=keep.pk, due_at=due, now=now)
            planned = Notification.objects.get(pk=keep.pk)
        else:
            plan = 1 + sum(1 for row in rows if row.period == period)
            planned = notification_schedule(
                recipient=goal.client, kind=CHECK_IN, due_at=due,
                dedupe_key=keys.check_in_reminder(goal_public_id=goal.public_id, period=period,
                                                  plan=plan),
                context={"period": period.isoformat()})
    for row in rows:
        if row.untouched and row is not keep:
            notification_withdraw(notification_id=row.pk, now=now,
                                  reason="Planned again for another time.")
    return planned


def check_in_reminders_plan_missing(*, limit: int = PLAN_MISSING_LIMIT) -> int:
    """Beat's safety net: plan a reminder for every active goal that has none pending or being
    sent (after one went out, the goal needs the next). Set-based: four queries however many
    goals the practice has (goals without a reminder; their recent check-ins; their outbox
    rows; one insert), at most ``limit`` goals a run. Returns how many goals it planned for."""
    now = outbox_now()
    live = notifications_live_in_scope(scope=OuterRef("outbox_scope"), kind=CHECK_IN)
    goals = list(
        Goal.objects.filter(status=GoalStatus.ACTIVE, client__is_active=True)
        .exclude(service_line=ServiceLine.THERAPY, approved_at__isnull=True)
        .annotate(outbox_scope=Concat(
            Value("goal:"), Replace(Cast("public_id", CharField()), Value("-"), Value(""))))
        .filter(~Exists(live))
        .select_related("client", "client__reminder_preference")
        .only("public_id", "cadence", "cadence_weekday", "check_in_time", "anchor_date",
              "client__id", "client__time_zone", "client__is_active",
              "client__reminder_preference__quiet_start",
              "client__reminder_preference__quiet_end",
              "client__reminder_preference__paused_until")
        .order_by("pk")[:limit])
    if not goals:
        return 0
    checked: dict[int, set[date]] = defaultdict(set)
    for goal_id, period in CheckIn.objects.filter(
            goal_id__in=[goal.pk for goal in goals],
            period__gte=now.date() - timedelta(days=2)).values_list("goal_id", "period"):
        checked[goal_id].add(period)
    rows: dict[str, list[_ReminderRow]] = defaultdict(list)
    for values in notification_rows_for_planner(
            scopes=[goal.outbox_scope for goal in goals], kind=CHECK_IN):
        rows[values[1]].append(_reminder_row(values, now=now))
    plans = []
    for goal in goals:
        try:
            preference = goal.client.reminder_preference
        except ReminderPreference.DoesNotExist:
            preference = ReminderPreference(client=goal.client)  # the defaults, unsaved
        goal_rows = rows[goal.outbox_scope]
        target = _next_reminder(goal, preference=preference, checked=checked[goal.pk],
                                done=_periods_done(goal_rows), now=now)
        if target is None:
            continue
        period, due = target
        plans.append({
            "recipient_id": goal.client_id, "kind": CHECK_IN, "due_at": due,
            "dedupe_key": keys.check_in_reminder(
                goal_public_id=goal.public_id, period=period,
                plan=1 + sum(1 for row in goal_rows if row.period == period)),
            "context": {"period": period.isoformat()},
        })
    notifications_plan_many(rows=plans)
    return len(plans)


def check_in_reminders_plan_all() -> int:
    """Kept for callers of the old name: the safety net, ``check_in_reminders_plan_missing``."""
    return check_in_reminders_plan_missing()
