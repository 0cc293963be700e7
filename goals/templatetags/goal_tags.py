"""Small formatting helpers of the goals pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from goals.charts import number
from goals.models import Cadence, Goal
from portal.lib.clock import clock_format

register = template.Library()


@register.filter
def goal_number(value: Decimal | int | None) -> str:
    """12.50 → "12.5"; None → ""."""
    return "" if value is None else number(value)


@register.filter
def cadence_text(goal: Goal) -> str:
    """ "Every week on Monday at 18:00": the goal's check-in days and local time."""
    text = goal.get_cadence_display()
    if goal.cadence in (Cadence.WEEKLY, Cadence.FORTNIGHTLY) and goal.cadence_weekday is not None:
        text += f" on {goal.get_cadence_weekday_display()}"
    return f"{text} at {clock_format(goal.check_in_time)}"


@register.simple_tag
def set_by(goal: Goal, viewer) -> str:
    """Who set the goal, as the viewer reads it."""
    if goal.created_by_id == viewer.pk:
        return "Set by you"
    if goal.created_by_id == goal.client_id:
        return "Set by the client"
    return f"Set by {goal.created_by.full_name or goal.created_by.email}"
