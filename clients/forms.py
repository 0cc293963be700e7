from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings

from clients.services import phone_normalize


def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(
        z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/")
    )
    return [(z, z.replace("_", " ")) for z in zones] + [("UTC", "UTC")]


class PhoneField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", "Phone number")
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "tel",
                                                           "inputmode": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value):
        return phone_normalize(super().clean(value) or "")


class PhoneForm(forms.Form):
    """The crisis page's one question, and the account page's contact details."""

    phone = PhoneField(
        label="A number the practice can call you on today",
        help_text="Only the practice's clinicians see it. We never send it in an email.",
    )


TIME_ZONE_LIST_ID = "time-zones"


class TimeZoneInput(forms.TextInput):
    """A text box searching the zones of a <datalist> (the page renders it, id "time-zones"):
    type "chic" and pick America/Chicago. A browser's own picker, no script."""

    def __init__(self, attrs=None) -> None:
        super().__init__({"autocomplete": "off", "spellcheck": "false",
                          "list": TIME_ZONE_LIST_ID, **(attrs or {})})


class AccountSettingsForm(forms.Form):
    """The client's own settings (clients.services.client_settings_update decides)."""

    full_name = forms.CharField(label="Your name", max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    time_zone = forms.CharField(
        label="Time zone", max_length=64, widget=TimeZoneInput(),
        help_text="Type your city or region and choose it from the list, for example "
                  "America/Chicago. Every time in the portal and in emails is shown in it.")
    clock = forms.ChoiceField(
        label="Show times", required=False,
        choices=[("", "As usual where my time zone is"), ("12", "12-hour, like 2:30 PM"),
                 ("24", "24-hour, like 14:30")])
    phone = PhoneField(help_text="So the practice can call you the same day if it needs to. "
                                 "Only the practice's clinicians see it; never in an email.")
    discreet_mode = forms.BooleanField(
        label="Discreet mode", required=False,
        help_text="Emails come from a neutral sender name without the practice's name, and "
                  "calendar entries say only \"Appointment\".")

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip().replace(" ", "_")
        zones = {zone for zone, _label in time_zone_choices()}
        if value not in zones:
            raise forms.ValidationError("Choose a time zone from the list, for example "
                                        "America/Chicago.")
        return value


class SignupForm(forms.Form):
    """Fields allauth adds to its signup form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    full_name = forms.CharField(
        label="Full name", max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text="As you would sign a consent form.",
    )
    time_zone = forms.TypedChoiceField(
        label="Your time zone", choices=time_zone_choices, initial=settings.PRACTICE_TIME_ZONE,
        help_text="Appointment times are shown in this zone. We guess it from your browser.",
        widget=forms.Select(attrs={"data-detect-time-zone": "true"}),
    )
    phone = PhoneField(
        help_text="So the practice can call you if it needs to reach you the same day. Only "
                  "the practice's clinicians see it.",
    )

    field_order = ["full_name", "email", "time_zone", "phone", "password1", "password2"]

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError("Please enter your name.")
        return name

    def signup(self, request, user) -> None:
        """allauth calls this after saving; our adapter already stored these fields."""


class ConsentSignForm(forms.Form):
    """Typed name and the box of understanding; the rules are in services.consent_sign."""

    # The version the client read: if a newer one is published meanwhile, they read it first.
    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1,
        error_messages=dict.fromkeys(
            ["required", "invalid", "min_value", "max_value"],
            "This page is out of date. Please reload it and sign again.",
        ),
    )
    typed_name = forms.CharField(
        label="Type your full name to sign", max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
        help_text="Exactly as on your account. Typing your name here is your signature.",
        error_messages={"required": "Type your full name to sign."},
    )
    understood = forms.BooleanField(
        label="I have read and understood this document, and I agree to it.",
        required=False,  # the service's message is clearer than "This field is required."
    )

    def __init__(self, *args, document_title: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if document_title:
            self.fields["understood"].label = (
                f"I have read and understood the {document_title.lower()}, and I agree to it."
            )
