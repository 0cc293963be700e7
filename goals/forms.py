"""Forms of the goals pages. The services and the model's clean() decide what a valid goal or
check-in is; the forms only read the input and carry those errors to the right field."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.formats import date_format
from django.utils.timezone import localtime

from goals.models import Cadence, CheckIn, Direction, Goal, GoalStatus, Weekday
from portal.lib.limits import PRACTICE_COUNT_MAX, TEXT_LONG, limit_help
from screening.forms import InstrumentForm, form_add_service_errors
from screening.instruments import WHO5

__all__ = ["form_add_service_errors"]

ZERO_TO_TEN = {"min": 0, "max": 10, "step": 1, "inputmode": "numeric"}


def _cadence_fields() -> dict[str, forms.Field]:
    return {
        "cadence": forms.ChoiceField(label="How often to check in", choices=Cadence.choices,
                                     initial=Cadence.WEEKLY),
        "cadence_weekday": forms.TypedChoiceField(
            label="Day of the week", choices=[("", "—"), *Weekday.choices], coerce=int,
            empty_value=None, required=False,
            help_text="For weekly and two-weekly check-ins. Left empty: the day you set "
                      "the goal."),
        "check_in_time": forms.TimeField(
            label="Time of day", initial="18:00",
            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            help_text="Your own local time. We remind you then, outside your quiet hours."),
    }


class CoachingGoalForm(forms.Form):
    title = forms.CharField(label="Goal", max_length=200,
                            help_text="Specific: what will be different when you get there?")
    why = forms.CharField(label="Why it matters", required=False, max_length=TEXT_LONG,
                          widget=forms.Textarea(attrs={"rows": 3}),
                          help_text=limit_help(TEXT_LONG))
    metric = forms.CharField(label="What you will measure", max_length=100, required=False,
                             help_text="For example: deep-work hours a week.")
    unit = forms.CharField(label="Unit", max_length=30, required=False,
                           help_text="For example: hours.")
    baseline = forms.DecimalField(label="Where you start", max_digits=10, decimal_places=2,
                                  required=False)
    target = forms.DecimalField(label="Target", max_digits=10, decimal_places=2,
                                required=False)
    direction = forms.ChoiceField(label="Which way is better",
                                  choices=[("", "—"), *Direction.choices], required=False)
    due_date = forms.DateField(label="Due date", required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_cadence_fields())


class TherapyGoalForm(forms.Form):
    title = forms.CharField(label="The goal, in your words", max_length=200)
    why = forms.CharField(label="Why it matters", required=False, max_length=TEXT_LONG,
                          widget=forms.Textarea(attrs={"rows": 3}),
                          help_text=limit_help(TEXT_LONG))
    skills = forms.CharField(label="Skills to practise", required=False, max_length=TEXT_LONG,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=limit_help(TEXT_LONG, "For example: box breathing, a "
                                                             "thought record."))
    practice_frequency = forms.CharField(label="How often to practise", max_length=100,
                                         required=False,
                                         help_text='For example "three times a week".')

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_cadence_fields())


def goal_form_class(service_line: str) -> type[forms.Form]:
    return CoachingGoalForm if service_line == "coaching" else TherapyGoalForm


def goal_initial(goal: Goal) -> dict[str, Any]:
    form_class = goal_form_class(goal.service_line)
    names = [*form_class.base_fields, *_cadence_fields()]
    return {name: getattr(goal, name) for name in names}


class ActionStepForm(forms.Form):
    text = forms.CharField(label="Next step", max_length=200)
    due_date = forms.DateField(label="By", required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=GoalStatus.choices)


class CommentForm(forms.Form):
    text = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=TEXT_LONG,
                           help_text=limit_help(TEXT_LONG, "The client sees this and is told by "
                                                "email that there is something new to read "
                                                "(the email does not quote it)."))
    about = forms.ChoiceField(label="About", required=False)

    def __init__(self, *args: Any, check_ins: Sequence[CheckIn] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.check_ins = {str(check_in.public_id): check_in for check_in in check_ins}
        cast(forms.ChoiceField, self.fields["about"]).choices = [("", "The goal as a whole"), *(
            (key, "Check-in of " + date_format(localtime(check_in.at), "j M Y, H:i"))
            for key, check_in in self.check_ins.items())]
        if not check_ins:
            self.fields["about"].widget = forms.HiddenInput()

    def clean_about(self) -> CheckIn | None:
        return self.check_ins.get(self.cleaned_data.get("about") or "")


class ReminderHoursForm(forms.Form):
    quiet_start = forms.TimeField(label="Quiet from",
                                  widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_end = forms.TimeField(label="Quiet until",
                                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


# --- Check-ins ------------------------------------------------------------------------------


class CheckInForm(forms.Form):
    """One goal's part of the check-in page. Every field is optional: a goal left blank is
    simply not checked in; for a filled one, check_in_record says what is missing."""

    confidence = forms.IntegerField(
        label="Confidence (0–10)", required=False, min_value=0, max_value=10,
        widget=forms.NumberInput(attrs=ZERO_TO_TEN),
        help_text="How sure you are that you will keep this up.")
    note = forms.CharField(label="Note", required=False, max_length=TEXT_LONG,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=limit_help(TEXT_LONG))

    def __init__(self, *args: Any, goal: Goal, **kwargs: Any) -> None:
        super().__init__(*args, prefix=goal.public_id.hex, **kwargs)  # type: ignore[misc]
        self.goal = goal
        if goal.is_coaching:
            label = goal.metric + (f" ({goal.unit})" if goal.unit else "")
            self.fields = {"value": forms.DecimalField(
                label=label or "Value", required=False, max_digits=10, decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})),
                **self.fields}
        else:
            self.fields = {
                "practice_count": forms.IntegerField(
                    label="Times practised", required=False, min_value=0,
                    max_value=PRACTICE_COUNT_MAX,
                    widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"})),
                "rating": forms.IntegerField(
                    label="How it is going (0–10)", required=False, min_value=0, max_value=10,
                    widget=forms.NumberInput(attrs=ZERO_TO_TEN)),
                **self.fields}

    @property
    def is_filled(self) -> bool:
        return self.is_bound and any(
            str(self.data.get(self.add_prefix(name), "")).strip() for name in self.fields)

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs: dict[str, Any] = {"confidence": data["confidence"], "note": data["note"]}
        if self.goal.is_coaching:
            value: Decimal | None = data["value"]
            kwargs["value"] = value
        else:
            kwargs["practice_count"] = data["practice_count"]
            kwargs["rating"] = data["rating"]
        return kwargs


class Who5Form(InstrumentForm):
    """The weekly WHO-5, optional as a whole: left blank it is not sent; started, it must be
    finished (the instrument's own rules)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, instrument=WHO5, prefix="who5", **kwargs)

    @property
    def is_filled(self) -> bool:
        return self.is_bound and any(self.data.get(self.add_prefix(name))
                                     for name in self.fields)
