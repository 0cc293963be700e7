from celery import shared_task

from goals.services import check_in_reminders_plan_missing
from notifications.services import heartbeat_record

PLANNER_HEARTBEAT = "goals.plan_check_in_reminders"


@shared_task(name="goals.tasks.plan_check_in_reminders")
def plan_check_in_reminders() -> int:
    """Run by beat: every active goal without a reminder (its last one went out) gets its next
    one. Constant in queries; the events that change a reminder plan it themselves."""
    planned = check_in_reminders_plan_missing()
    heartbeat_record(name=PLANNER_HEARTBEAT, result={"planned": planned})
    return planned
