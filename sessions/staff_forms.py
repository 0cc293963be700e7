"""Forms of the clinician's schedule pages.

The rules stay where they live: the models' ``clean()`` (an availability window ends after it
starts, time off is a whole day or a start and an end) and the services (who may book what,
whether the time is free). The forms only carry those errors next to the field they are about,
and turn a local date and time in the clinician's working zone into UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.forms.utils import ErrorDict
from django.utils import timezone

from clients.models import User
from portal.lib.limits import BIGINT_MAX
from screening.instruments import INSTRUMENTS
from sessions.measures import LINE_INSTRUMENTS
from sessions.models import (
    AvailabilityException,
    MeasureCadence,
    ServiceLine,
    ServiceType,
    WeeklyAvailability,
)
from sessions.selectors import local_to_utc

ANY_LINE = [("", "Any service line")]


def form_add_service_errors(form: forms.Form, error: ValidationError,
                            field: str | None = None) -> None:
    """A service's ValidationError on the form: keyed errors next to their fields, the rest
    next to ``field`` (or at the top)."""
    if hasattr(error, "error_dict"):
        for key, messages in error.message_dict.items():
            form.add_error(key if key in form.fields else field, messages)
    else:
        form.add_error(field, error.messages)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


class WeeklyAvailabilityForm(forms.ModelForm):
    class Meta:
        model = WeeklyAvailability
        fields = ["weekday", "start_time", "end_time", "service_line"]
        labels = {"weekday": "Day", "start_time": "From", "end_time": "Until",
                  "service_line": "Service line"}
        widgets = {"start_time": TimeInput(), "end_time": TimeInput()}
        help_texts = {"service_line": "Leave it on any line, or keep these hours for one."}

    def __init__(self, *args: Any, clinician: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.clinician = clinician
        cast(forms.ChoiceField, self.fields["weekday"]).choices = [("", "Choose a day"),
                                          *WeeklyAvailability.Weekday.choices]
        cast(forms.ChoiceField, self.fields["service_line"]).choices = [
            *ANY_LINE, *ServiceLine.choices]


class AvailabilityExceptionForm(forms.ModelForm):
    class Meta:
        model = AvailabilityException
        fields = ["date", "kind", "start_time", "end_time", "service_line", "note"]
        labels = {"kind": "What", "start_time": "From", "end_time": "Until",
                  "service_line": "Service line", "note": "Note"}
        widgets = {"date": DateInput(), "start_time": TimeInput(), "end_time": TimeInput(),
                   "kind": forms.RadioSelect}
        help_texts = {
            "start_time": "Time off without times is the whole day. Extra hours need both.",
            "note": "For you only, e.g. “Conference”. Clients never see it.",
        }

    def __init__(self, *args: Any, clinician: User, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.clinician = clinician
        self.today = today
        # No blank radio.
        cast(forms.ChoiceField, self.fields["kind"]).choices = AvailabilityException.Kind.choices
        cast(forms.ChoiceField, self.fields["service_line"]).choices = [
            *ANY_LINE, *ServiceLine.choices]

    def clean_date(self) -> date:
        day = self.cleaned_data["date"]
        if day < self.today:
            raise ValidationError("Choose today or a later date.")
        return day

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # ModelForm's, private to Django
        # The model's "both times or neither" belongs to no field: show it next to the empty
        # one, where the person has to act (unless that field has its own error already).
        start, end = self.cleaned_data.get("start_time"), self.cleaned_data.get("end_time")
        errors: ErrorDict = self._errors  # type: ignore[attr-defined]
        if NON_FIELD_ERRORS in errors and (start is None) != (end is None):
            messages = errors.pop(NON_FIELD_ERRORS)
            missing = "end_time" if end is None else "start_time"
            if missing not in errors:
                self.add_error(missing, list(messages))


# Far enough for any plan, near enough that date arithmetic never leaves the calendar.
FURTHEST_AHEAD = timedelta(days=2 * 366)


class WhenForm(forms.Form):
    """A date and a wall-clock time in the clinician's working zone, in the future (and within
    two years)."""

    date = forms.DateField(label="Date", widget=DateInput())
    time = forms.TimeField(label="Time", widget=TimeInput())

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["time"].help_text = f"In your working time zone, {zone.key}."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        day, wall = cleaned.get("date"), cleaned.get("time")
        if day is not None and wall is not None:
            now = timezone.now()
            if day > (now + FURTHEST_AHEAD).date():
                self.add_error("date", "Choose a date within the next two years.")
                return cleaned
            if day < (now - timedelta(days=2)).date():
                self.add_error("date", "Choose today or a later date.")
                return cleaned
            self.start: datetime = local_to_utc(day, wall, self.zone)
            if self.start <= now:
                self.add_error("time", "Choose a time in the future.")
        return cleaned


class MoveForm(WhenForm):
    date = forms.DateField(label="New date", widget=DateInput())
    time = forms.TimeField(label="New time", widget=TimeInput())


class ClientChoiceField(forms.ModelChoiceField):
    def to_python(self, value: Any) -> User | None:
        # A malformed id is just another client who is not one of the choices.
        try:
            return super().to_python(value)
        except ValidationError as error:
            raise ValidationError(self.error_messages["invalid_choice"],
                                  code="invalid_choice") from error

    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} ({obj.email})" if obj.full_name else obj.email


class BookForClientForm(WhenForm):
    """One appointment, or a weekly or fortnightly series, for one of the clinician's clients.
    Clients are chosen by their public id from the clinician's own caseload only: anyone else's
    id is "not one of the choices"."""

    ONCE, WEEKLY, FORTNIGHTLY = "", "1", "2"

    client = ClientChoiceField(label="Client", queryset=User.objects.none(),
                               to_field_name="public_id", empty_label="Choose a client")
    service_type = forms.ModelChoiceField(label="Type of appointment",
                                          queryset=ServiceType.objects.none(),
                                          to_field_name="code", empty_label="Choose a type")
    date = forms.DateField(label="Date (the first one, for a series)", widget=DateInput())
    time = forms.TimeField(label="Time", widget=TimeInput())
    repeat = forms.ChoiceField(
        label="Repeat", required=False, widget=forms.RadioSelect,
        choices=[(ONCE, "Just this once"), (WEEKLY, "Weekly"), (FORTNIGHTLY, "Every two weeks")])
    count = forms.IntegerField(
        label="How many sessions in all", required=False, min_value=2, max_value=52,
        help_text="For a series: 2 to 52, the first one included.")

    field_order = ["client", "service_type", "date", "time", "repeat", "count"]

    def __init__(self, *args: Any, clients: QuerySet[User], service_types: QuerySet[ServiceType],
                 zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, zone=zone, **kwargs)
        cast(forms.ModelChoiceField, self.fields["client"]).queryset = clients
        cast(forms.ModelChoiceField, self.fields["service_type"]).queryset = service_types
        self.fields["time"].help_text = (
            f"In your working time zone, {zone.key}. A series keeps this local time across "
            f"daylight saving changes.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("repeat") and not cleaned.get("count") and "count" not in self.errors:
            self.add_error("count", "Say how many sessions the series has.")
        return cleaned

    @property
    def interval_weeks(self) -> int | None:
        repeat = self.cleaned_data.get("repeat")
        return int(repeat) if repeat else None


class OutcomeForm(forms.Form):
    """Which outcome to record; the service decides whether it can be recorded yet."""

    status = forms.ChoiceField(choices=[("completed", "Completed"), ("no_show", "No-show")])


class DeleteForm(forms.Form):
    """The row to delete, looked up among the signed-in clinician's own rows only."""

    delete = forms.IntegerField(min_value=1, max_value=BIGINT_MAX)


def default_when(zone: ZoneInfo) -> dict[str, Any]:
    """Tomorrow at 9:00 in the clinician's zone, to start the forms from something sensible."""
    tomorrow = timezone.now().astimezone(zone).date() + timedelta(days=1)
    return {"date": tomorrow, "time": time(9)}


class MeasurePlanForm(forms.Form):
    """A client's own plan of measures before their sessions in one line (issue 17)."""

    cadence = forms.ChoiceField(label="When", choices=MeasureCadence.choices)
    every_weeks = forms.IntegerField(label="Every how many weeks", min_value=1, max_value=52,
                                     initial=4, help_text="Used with “Every few weeks”.")
    instruments = forms.MultipleChoiceField(label="Measures", required=False,
                                            widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, line: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.line = line
        cast(forms.MultipleChoiceField, self.fields["instruments"]).choices = [
            (code, INSTRUMENTS[code].title) for code in LINE_INSTRUMENTS.get(line, ())
            if code in INSTRUMENTS]
