"""Re-encrypt every clinician note with the first key of TANDEM_NOTES_KEY (see SECURITY.md,
"Rotating TANDEM_NOTES_KEY")."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from clients.services import clinician_notes_rotate


class Command(BaseCommand):
    help = "Re-encrypt clinician notes with the first TANDEM_NOTES_KEY key, so old keys can go."

    def handle(self, *args, **options) -> None:
        written = clinician_notes_rotate()
        self.stdout.write(f"Re-encrypted {written} clinician note(s) with the first key.")
