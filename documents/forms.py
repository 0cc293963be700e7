from __future__ import annotations

from typing import cast

from django import forms

from documents.services import TITLE_MAX

LINE_LABELS = {"coaching": "Coaching", "therapy": "Therapy"}


class DocumentUploadForm(forms.Form):
    """A client's upload for their clinician; a clinician's share adds the request to sign."""

    title = forms.CharField(label="Title", max_length=TITLE_MAX,
                            help_text="For example “Referral letter”.")
    line = forms.ChoiceField(label="For", choices=())
    file = forms.FileField(label="File", help_text="PDF, PNG, JPEG or plain text.")

    def __init__(self, *args, lines: list[str], max_mb: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(line, LINE_LABELS[line]) for line in lines]
        cast(forms.ChoiceField, self.fields["line"]).choices = choices
        if len(lines) == 1:
            self.fields["line"].initial = lines[0]
            self.fields["line"].widget = forms.HiddenInput()
        self.fields["file"].help_text = f"PDF, PNG, JPEG or plain text, up to {max_mb} MB."


class DocumentShareForm(DocumentUploadForm):
    signature_requested = forms.BooleanField(
        label="Ask the client to read and sign it", required=False)


class DocumentSignForm(forms.Form):
    typed_name = forms.CharField(label="Type your full name", max_length=150)
    understood = forms.BooleanField(label="I have read this document and sign it",
                                    required=False)
