from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings


def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(
        z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/")
    )
    return [(z, z.replace("_", " ")) for z in zones] + [("UTC", "UTC")]


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

    field_order = ["full_name", "email", "time_zone", "password1", "password2"]

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError("Please enter your name.")
        return name

    def signup(self, request, user) -> None:
        """allauth calls this after saving; our adapter already stored these fields."""
