from celery import shared_task

from goals.services import check_in_reminders_plan_all


@shared_task(name="goals.tasks.plan_check_in_reminders")
def plan_check_in_reminders() -> int:
    """Run by beat: every active goal has its next check-in reminder in the outbox."""
    return check_in_reminders_plan_all()
