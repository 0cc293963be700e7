"""Forms of the screening pages. The instruments decide what a valid answer is; the forms only
carry their errors to the right question."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from portal.lib.limits import TEXT_LONG, TEXT_NOTE, limit_help
from screening.instruments import Instrument
from screening.models import Route
from screening.outcomes import RULES


class TickInput(forms.CheckboxInput):
    """A tick box sending "1"; only "1" (or "on") counts as ticked, so a stale "0" is a no."""

    def __init__(self) -> None:
        super().__init__(attrs={"value": "1"})

    def value_from_datadict(self, data, files, name) -> bool:
        return data.get(name) in ("1", "on", "true", "True")


class InstrumentForm(forms.Form):
    """One radio group per item of an instrument.

    Every field is optional at the form level: ``Instrument.clean`` decides what must be
    answered (PHQ-9's item 10 only when something was checked off) and its errors, keyed by
    item code, land next to the question they belong to.
    """

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for item in instrument.items:
            if instrument.checklist:
                self.fields[item.code] = forms.BooleanField(label=item.text, required=False,
                                                            widget=TickInput())
                continue
            field = forms.TypedChoiceField(
                label=item.text,
                choices=[(str(option.value), option.label) for option in item.options],
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
            )
            if item.asked_when is not None:
                field.help_text = (item.asked_hint
                                   or "Answer this if anything above bothered you at all.")
            self.fields[item.code] = field

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instrument.checklist:
            # Every statement is answered: ticked is yes, the rest no.
            answers = {item.code: int(bool(cleaned.get(item.code)))
                       for item in self.instrument.items}
        else:
            answers = {code: value for code, value in cleaned.items()
                       if value not in (None, "")}
        try:
            self.answers: dict[str, int] = self.instrument.clean(answers)
        except ValidationError as error:
            for code, messages in error.message_dict.items():
                self.add_error(code if code in self.fields else None, messages)
        return cleaned


def instrument_form(instrument: Instrument, data: Mapping[str, Any] | None = None,
                    initial: Mapping[str, int] | None = None) -> InstrumentForm:
    # Radio choices are strings, tick boxes booleans; the draft keeps ints.
    shown: dict[str, bool | str]
    if instrument.checklist:
        shown = {code: bool(value) for code, value in (initial or {}).items()}
    else:
        shown = {code: str(value) for code, value in (initial or {}).items()}
    return InstrumentForm(data, instrument=instrument, initial=shown)


class RouteOverrideForm(forms.Form):
    route = forms.ChoiceField(label="Route", choices=Route.choices)
    note = forms.CharField(
        label="Why you are changing it", widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_LONG,
        help_text=limit_help(TEXT_LONG, "Kept with the recommendation beside the computed route. "
                                        "The client does not see this note."),
    )


class RiskFlagResolveForm(forms.Form):
    note = forms.CharField(
        label="What was done", widget=forms.Textarea(attrs={"rows": 4}), max_length=TEXT_NOTE,
        help_text=limit_help(TEXT_NOTE, "For example: called the client, safety plan agreed, "
                                        "next session booked. Resolving the flag makes coaching "
                                        "bookable again."),
    )


def form_add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: keyed errors next to their fields, the rest at
    the top."""
    if hasattr(error, "error_dict"):
        for key, messages in error.message_dict.items():
            form.add_error(key if key in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class MeasureEventForm(forms.Form):
    occurred_on = forms.DateField(label="When", widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(
        label="What happened", max_length=200,
        help_text=limit_help(200, "For example: new role, medication change, a move. Drawn on "
                                  "the charts at its date; the client does not see it."))


class MeasureShareForm(forms.Form):
    instrument = forms.ChoiceField(choices=[(code, rules.title)
                                            for code, rules in RULES.items()])
    shared = forms.TypedChoiceField(choices=[("1", "Share"), ("0", "Stop sharing")],
                                    coerce=lambda value: value == "1")


class ReportPeriodForm(forms.Form):
    """The period of the outcomes report: from a day to a day, both included."""

    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    MAX_DAYS = 366 * 5

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end comes after the start.")
            elif (end - start).days > self.MAX_DAYS:
                self.add_error("end", "Choose a period of five years or less.")
            elif start.year < 2000 or end.year > 2100:
                self.add_error("start", "Choose dates between 2000 and 2100.")
        return cleaned
