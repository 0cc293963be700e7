"""Writes of the goals app: goals, steps, check-ins, comments, and the check-in reminders.

Reminders are outbox rows (rule 6): each active goal has at most one pending reminder, for its
next check-in day, at the client's local time outside quiet hours and not while reminders are
paused. A check-in for that period cancels it and plans the next. Emails name no goal, metric
or service line (rule 7).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

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
from notifications.models import Notification
from notifications.services import notification_schedule, notifications_cancel_pending
from portal.lib.limits import PRACTICE_COUNT_MAX, TEXT_LONG
from screening.services import screening_submit

GOAL_FIELDS = {"title", "why", "metric", "unit", "baseline", "target", "direction", "due_date",
               "skills", "practice_frequency", "cadence", "cadence_weekday", "check_in_time"}
# What a clinician approves in a therapy goal; a client's change to one of them asks again.
APPROVED_CONTENT_FIELDS = ("title", "why", "skills", "practice_frequency")
# Coaching clients may add a WHO-5 to a check-in once a week.
WHO5_INTERVAL = timedelta(days=7)


# --- who may do what --------------------------------------------------------------------------

def _is_their_clinician(user: User, client: User) -> bool:
    return user.is_clinician and client.client_profile.clinician_id == user.pk


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
        recent = CheckIn.objects.filter(goal__client=goal.client, who5__isnull=False,
                                        at__gt=now - WHO5_INTERVAL).exists()
        if recent:
            raise ValidationError({"who5": "You answered the wellbeing questions this week."})
        who5 = screening_submit(client=goal.client, instrument="who5", answers=who5_answers)
    check_in = CheckIn.objects.create(
        goal=goal, by=by, at=now, period=period_of(goal, timezone.localdate(
            now, timezone=goal.client.zone)),
        value=value if goal.is_coaching else None,
        practice_count=None if goal.is_coaching else practice_count,
        rating=None if goal.is_coaching else rating,
        confidence=confidence, note=note.strip(), who5=who5)
    check_in_reminder_plan(goal=goal)
    return check_in


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
                              dedupe_key=f"goal-comment:{comment.public_id}",
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


def _reminder_key(goal: Goal, period: date) -> str:
    return f"check-in:{goal.public_id}:{period.isoformat()}"


def check_in_reminder_plan(*, goal: Goal) -> Notification | None:
    """Make the goal's single pending reminder the right one: for its next check-in day that
    has no check-in yet, whose reminder time is still ahead, outside a pause. Idempotent."""
    prefix = f"check-in:{goal.public_id}:"
    client = goal.client
    if goal.status != GoalStatus.ACTIVE or goal.needs_approval or not client.is_active:
        notifications_cancel_pending(recipient=client, dedupe_key_prefix=prefix)
        return None
    preference = reminder_preference_for(client)
    zone = client.zone
    now = timezone.now()
    today = timezone.localdate(now, timezone=zone)
    checked = set(goal.check_ins.values_list("period", flat=True))
    start = max(today - timedelta(days=1), preference.paused_until or today)
    for period in period_dates(goal, start, today + timedelta(days=SEARCH_DAYS)):
        due = reminder_at(goal, period, zone=zone, quiet_start=preference.quiet_start,
                          quiet_end=preference.quiet_end)
        if period in checked or due <= now:
            continue
        key = _reminder_key(goal, period)
        Notification.objects.filter(recipient=client, status=Notification.Status.PENDING,
                                    dedupe_key__startswith=prefix).exclude(dedupe_key=key).update(
            status=Notification.Status.CANCELLED)
        row = notification_schedule(recipient=client, kind=Notification.Kind.CHECK_IN_REMINDER,
                                    dedupe_key=key, due_at=due)
        if row.due_at != due or row.status == Notification.Status.CANCELLED:
            # The same period planned again: a new check-in time, or resumed after a pause.
            Notification.objects.filter(
                pk=row.pk, status__in=[Notification.Status.PENDING, Notification.Status.CANCELLED],
            ).update(status=Notification.Status.PENDING, due_at=due, enqueued_at=None)
            row.refresh_from_db()
        return row
    notifications_cancel_pending(recipient=client, dedupe_key_prefix=prefix)
    return None


def check_in_reminders_plan_all() -> int:
    """Beat's safety net: plan the next reminder of every active goal (after a reminder went
    out, its goal needs the next one). Returns how many goals were looked at."""
    goals = Goal.objects.filter(status=GoalStatus.ACTIVE).select_related(
        "client__client_profile")
    count = 0
    for goal in goals.iterator():
        check_in_reminder_plan(goal=goal)
        count += 1
    return count
