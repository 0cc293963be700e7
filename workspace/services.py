"""Writes of the portal that compose apps: a clinician acknowledging a needs-attention item;
a client's account settings, which move their check-in reminders with their time zone."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from clients.models import User
from clients.selectors import clients_for_clinician
from clients.services import client_settings_update
from goals.services import check_in_reminders_replan_for_client
from portal.lib.limits import TEXT_LONG
from workspace.attention import ACKNOWLEDGEABLE, Rule
from workspace.models import AttentionAcknowledgement


def attention_acknowledge(*, clinician: User, client: User, rule: str, fingerprint: str,
                          note: str) -> AttentionAcknowledgement:
    """Keep an item off the clinician's list until something new happens (its fingerprint
    changes). Only for the clinician's own clients, with a note; an open risk flag is never
    acknowledged away: it stays until it is resolved (rule 1)."""
    note = (note or "").strip()
    fingerprint = (fingerprint or "").strip()
    errors: dict[str, str] = {}
    if not clinician.is_clinician or not clients_for_clinician(clinician=clinician).filter(
            pk=client.pk).exists():
        raise ValidationError("This client is not in your caseload.")
    if rule == Rule.RISK_FLAG:
        raise ValidationError("An open risk flag stays on the list until you resolve it.")
    if rule not in ACKNOWLEDGEABLE:
        errors["rule"] = "Unknown reason."
    if not fingerprint or len(fingerprint) > 100:
        errors["fingerprint"] = "Unknown item."
    if not note:
        errors["note"] = "Write a short note: what you did or decided."
    elif len(note) > TEXT_LONG or "\x00" in note:
        errors["note"] = f"Keep the note under {TEXT_LONG:,} characters, in plain text."
    if "\x00" in fingerprint:
        errors["fingerprint"] = "Unknown item."
    if errors:
        raise ValidationError(errors)
    return AttentionAcknowledgement.objects.create(
        clinician=clinician, client=client, rule=rule, fingerprint=fingerprint, note=note)


@transaction.atomic
def account_settings_update(*, client: User, full_name: str, time_zone: str, phone: str,
                            discreet_mode: bool, clock: str) -> None:
    """The client's settings (clients.services.client_settings_update); a new time zone plans
    each check-in reminder again at the same local time there, in the same transaction."""
    if client_settings_update(client=client, full_name=full_name, time_zone=time_zone,
                              phone=phone, discreet_mode=discreet_mode, clock=clock):
        check_in_reminders_replan_for_client(client=client)
