from __future__ import annotations

from django import forms

from messaging.models import BODY_MAX_LENGTH


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Your message", max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Messages cannot be edited or deleted once sent; to correct one, send another.")
    attachments = forms.FileField(
        label="Attach a file", required=False,
        help_text="PDF, PNG, JPEG or plain text.")
