"""Forms of the client's booking pages.

Most of what a booking page gets comes in the URL (``?day=``, ``?start=``, ``?clinician=``), so
anyone can edit it. These forms are the one place that turns those strings into dates, aware
datetimes and ids; a view treats an invalid one as a 404 or a clear error, never a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

SLOT_HORIZON = timedelta(days=5 * 366)


class AwareDateTimeField(forms.CharField):
    """An ISO 8601 datetime with an offset ("2026-03-10T14:00:00Z"), returned in UTC. A time
    without an offset is refused: it would mean a different moment in every zone."""

    def to_python(self, value: Any) -> datetime | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValidationError("Choose one of the times offered.", code="invalid") from exc
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValidationError("Choose one of the times offered.", code="naive")
        try:
            moment = moment.astimezone(UTC)
        except (OverflowError, ValueError) as exc:
            raise ValidationError("Choose one of the times offered.", code="invalid") from exc
        # No time offered is years away; one near year 9999 would overflow the slot search's
        # arithmetic (start + a second) into a 500 (found by the issue 13 fuzz tests).
        if abs(moment - timezone.now()) > SLOT_HORIZON:
            raise ValidationError("Choose one of the times offered.", code="invalid")
        return moment


class DayForm(forms.Form):
    """``?day=YYYY-MM-DD`` on the time pages; a missing day means "the first day with times"."""

    day = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    clinician = forms.UUIDField(required=False)


class SlotForm(forms.Form):
    """``?start=<ISO UTC>&clinician=<public id>`` on the confirm page and the reschedule step."""

    start = AwareDateTimeField()
    clinician = forms.UUIDField(required=False)


class WaitlistJoinForm(forms.Form):
    clinician = forms.UUIDField(required=False)


class CalendarFeedForm(forms.Form):
    ACTIONS = [("create", "Create a calendar link"),
               ("regenerate", "Make a new link"),
               ("revoke", "Turn off")]

    action = forms.ChoiceField(choices=ACTIONS)


def slot_query(*, start: datetime, clinician_id=None) -> str:
    """The query string of a time link: the moment in UTC, and the clinician when chosen."""
    params = {"start": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if clinician_id:
        params["clinician"] = str(clinician_id)
    return urlencode(params)
